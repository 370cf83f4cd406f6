"""Participants' rights under Ecuador's LOPDP (2021): access, portability and deletion.

Each feature that keeps records about a participant plugs in here, so the download
and the deletion always cover everything Aula holds:

    @register_personal_data(_("Enrolments"))
    def export_enrolments(participant):
        return [{_("Course"): e.course.title, ...} for e in ...]

    @register_anonymiser
    def anonymise_enrolments(participant):
        ...  # strip names, free text, contact details; keep what counts need

Register from a module that is always imported (the feature's services module,
imported from `LmsConfig.ready()`), never from a view.
"""

import datetime
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lms.models import Participant

Exporter = Callable[[Participant], list[dict[str, Any]]]
Anonymiser = Callable[[Participant], None]

# (section name, exporter) in registration order: the order of the download.
PERSONAL_DATA: list[tuple[str, Exporter]] = []
ANONYMISERS: list[Anonymiser] = []


def register_personal_data(name: str, exporter: Exporter | None = None):
    """Add a section to every participant's download; usable as a decorator."""
    if exporter is None:
        return lambda function: register_personal_data(name, function)
    # Registering a name again replaces it, so a re-imported module never doubles a section.
    PERSONAL_DATA[:] = [(known, fn) for known, fn in PERSONAL_DATA if str(known) != str(name)]
    PERSONAL_DATA.append((name, exporter))
    return exporter


def register_anonymiser(anonymiser: Anonymiser) -> Anonymiser:
    """Run this on every deletion, before the participant's own details go; usable as a decorator."""
    if anonymiser not in ANONYMISERS:
        ANONYMISERS.append(anonymiser)
    return anonymiser


def _plain(value: Any) -> Any:
    """A value as JSON and CSV can hold it: local times in ISO 8601, labels as text."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return (
            timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
        )
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def export_personal_data(*, participant: Participant) -> dict[str, list[dict[str, Any]]]:
    """Everything Aula holds about this person, one section per feature (right of access)."""
    return {
        str(name): [
            {str(key): _plain(value) for key, value in row.items()} for row in exporter(participant)
        ]
        for name, exporter in PERSONAL_DATA
    }


@register_personal_data(_("Profile"))
def export_profile(participant: Participant) -> list[dict[str, Any]]:
    user = participant.user
    return [
        {
            _("Full name"): participant.full_name,
            _("Email"): participant.email,
            _("GAD"): participant.gad.label,
            _("GAD code (INEC)"): participant.gad.code,
            _("Position"): participant.position,
            _("Sex"): participant.get_sex_display(),
            _("Age"): participant.get_age_band_display(),
            _("Phone"): participant.phone,
            _("Privacy notice version accepted"): participant.consent_version,
            _("Privacy notice accepted at"): participant.consent_at,
            _("Account email"): user.email if user else "",
            _("Account created at"): user.date_joined if user else None,
            _("Profile created at"): participant.created_at,
        }
    ]


def _end_sessions(user) -> None:
    # The database session backend cannot look sessions up by user, so every
    # session is decoded: a few thousand rows at Aula's scale, and only on a
    # deletion. Other backends need nothing: a session whose user is gone is
    # anonymous at the next request.
    if settings.SESSION_ENGINE not in (
        "django.contrib.sessions.backends.db",
        "django.contrib.sessions.backends.cached_db",
    ):
        return
    user_id = str(user.pk)
    ended = [
        session.session_key
        for session in Session.objects.iterator()
        if str(session.get_decoded().get("_auth_user_id")) == user_id
    ]
    if ended:
        Session.objects.filter(session_key__in=ended).delete()


def _forget_login_records(user) -> None:
    # django-axes logs every login attempt with the email typed and the address.
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(username__iexact=user.email).delete()


def _delete_user(user) -> None:
    _end_sessions(user)
    _forget_login_records(user)
    get_user_model().objects.filter(pk=user.pk).delete()


@transaction.atomic
def delete_participant(*, participant: Participant) -> Participant:
    """Erase a person: their records stay only as anonymous counts by GAD, sex and age band."""
    participant = (
        Participant.objects.select_for_update(of=("self",))
        .select_related("user")
        .get(pk=participant.pk)
    )
    if participant.anonymised_at is not None:
        return participant
    for anonymise in ANONYMISERS:
        anonymise(participant)
    user = participant.user
    # Stored text is in the site's language, whoever asked for the deletion.
    with translation.override(settings.LANGUAGE_CODE):
        participant.full_name = gettext("Deleted participant")
    participant.email = ""
    participant.phone = ""
    participant.position = ""
    participant.consent_version = ""
    participant.consent_at = None
    participant.anonymised_at = timezone.now()
    participant.user = None
    # gad, sex and age_band stay: the programme's indicators count them.
    participant.save()
    if user is not None:
        _delete_user(user)
    return participant


@transaction.atomic
def delete_account(*, user) -> None:
    """Close a login: its participant is erased as delete_participant does, the account goes."""
    participant = Participant.objects.filter(user=user).first()
    if participant is not None:
        delete_participant(participant=participant)
    else:
        _delete_user(user)
