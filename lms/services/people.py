"""Every write to participants and their accounts goes through these functions."""

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from lms import roles
from lms.models import GAD, Participant
from lms.services.errors import DuplicateParticipantError

PROFILE_FIELDS = ("full_name", "gad", "position", "sex", "age_band", "phone")


def current_privacy_version() -> str:
    from cms.models import SiteSettings

    settings = SiteSettings.objects.order_by("pk").first()
    return settings.privacy_notice_version if settings else "1"


@transaction.atomic
def register_participant(
    *,
    user,
    full_name: str,
    gad: GAD,
    sex: str,
    position: str = "",
    age_band: str = "",
    phone: str = "",
    consent_version: str,
) -> Participant:
    """Create the participant behind a new account, recording the notice version accepted."""
    # A person a trainer added earlier may already hold this email: the new
    # record waits without it until the email is confirmed (claim_participant).
    taken = Participant.objects.with_email(user.email).exists()
    participants, _ = Group.objects.get_or_create(name=roles.PARTICIPANT)
    user.groups.add(participants)
    return Participant.objects.create(
        user=user,
        email="" if taken else user.email,
        full_name=full_name.strip(),
        gad=gad,
        sex=sex,
        position=position.strip(),
        age_band=age_band,
        phone=phone.strip(),
        consent_version=consent_version,
        consent_at=timezone.now(),
    )


@transaction.atomic
def add_participant(
    *,
    full_name: str,
    gad: GAD,
    added_by,
    email: str = "",
    sex: str = Participant.Sex.UNDISCLOSED,
    position: str = "",
    age_band: str = "",
    phone: str = "",
) -> Participant:
    """A person a trainer or manager tracks without an account (one per email)."""
    email = email.strip().lower()
    if email and Participant.objects.with_email(email).exists():
        raise DuplicateParticipantError(
            "A participant with this email already exists.", email=email
        )
    return Participant.objects.create(
        full_name=full_name.strip(),
        email=email,
        gad=gad,
        sex=sex,
        position=position.strip(),
        age_band=age_band,
        phone=phone.strip(),
        added_by=added_by,
    )


@transaction.atomic
def claim_participant(*, user) -> Participant | None:
    """Once an email is confirmed, join the participant added for it earlier to the account.

    The earlier record keeps its history (attendance, progress, certificates);
    the profile typed at sign-up replaces its details, and the provisional
    participant created at sign-up goes away.
    """
    earlier = (
        Participant.objects.select_for_update()
        .without_account()
        .active()
        .with_email(user.email)
        .first()
    )
    current = Participant.objects.select_for_update().filter(user=user).first()
    if earlier is None:
        return current
    if current is not None:
        for field in (*PROFILE_FIELDS, "consent_version", "consent_at"):
            setattr(earlier, field, getattr(current, field))
        current.delete()
    earlier.user = user
    earlier.email = user.email
    earlier.save()
    return earlier


def update_profile(*, participant: Participant, **changes) -> Participant:
    """Correct the participant's own details (LOPDP right of rectification)."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"Not profile fields: {sorted(unknown)}")
    for field, value in changes.items():
        setattr(participant, field, value.strip() if isinstance(value, str) else value)
    participant.save(update_fields=[*changes, "updated_at"])
    return participant


def record_consent(*, participant: Participant, version: str) -> Participant:
    """The participant accepted this version of the privacy notice, now."""
    participant.consent_version = version
    participant.consent_at = timezone.now()
    participant.save(update_fields=["consent_version", "consent_at", "updated_at"])
    return participant


def change_email(*, participant: Participant, email: str) -> Participant:
    """Correct the email of a person without an account (with one, the login email rules)."""
    email = email.strip().lower()
    if participant.user_id is not None:
        raise ValueError("The email of a participant with an account is the account's email.")
    if email and Participant.objects.with_email(email).exclude(pk=participant.pk).exists():
        raise DuplicateParticipantError(
            "A participant with this email already exists.", email=email
        )
    participant.email = email
    participant.save(update_fields=["email", "updated_at"])
    return participant
