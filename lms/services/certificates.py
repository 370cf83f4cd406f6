"""Certificates: issued on Aula's rules, revoked with a reason, verified by anyone.

The rules:

- **Course completion**: issued when `course_completed` is sent (after the commit
  that completed the enrolment).
- **Workshop participation**: issued to a confirmed registrant who reached the
  workshop's attendance threshold (present or late in at least that share of its
  sessions not cancelled): at once when the workshop issues certificates
  automatically (an attendance row saved, after its commit), otherwise when a
  trainer issues them for the whole workshop in one action.
- Trainers and managers may also issue one by hand, rule or no rule. Nobody deletes
  a certificate: it is revoked, with a reason, and its verification page says so.

One certificate per holder and subject, enforced by the database: a second trigger
(another tab, another server, a retried task) gets the first certificate back. The
certificate keeps a snapshot of what it states (name, GAD, subject, hours, date), so
later edits to a course, a workshop or a profile never change it. Its PDF is rendered
by a background task queued after the commit.

Anyone holding the verification code (`secrets.token_urlsafe`, 192 bits) can check the
certificate on a public page, as an Open Badges 3.0 credential in JSON-LD, and as the
same credential signed with Ed25519 (a JWT) whose public key Aula publishes as a JWK.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.checks import Error, Tags, register
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.db.models.signals import post_save
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from courses.models import CoursePage
from lms.models import (
    Attendance,
    Certificate,
    CertificateTemplate,
    Enrolment,
    Participant,
    Registration,
    Session,
    Workshop,
)
from lms.services.errors import LmsError
from lms.services.learning import course_completed
from lms.services.privacy import register_anonymiser, register_personal_data

logger = logging.getLogger(__name__)

Kind = Certificate.Kind

# The verification code: 24 random bytes, 32 URL-safe characters (192 bits).
CODE_BYTES = 24
# The printed reference, read out on the phone: no 0/O or 1/I to confuse.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
REFERENCE_ATTEMPTS = 5
REASON_MAX_LENGTH = Certificate._meta.get_field("revoked_reason").max_length
ATTENDED = (Attendance.Status.PRESENT, Attendance.Status.LATE)

# Open Badges 3.0 on the W3C Verifiable Credentials Data Model 2.0.
CREDENTIAL_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
SIGNING_ALGORITHM = "EdDSA"
# Where the development key is derived from SECRET_KEY (HKDF): change it and every
# process derives another key, so keep it as it is.
DERIVATION_INFO = b"aula certificates ed25519 signing key v1"


class CertificateError(LmsError):
    code = "certificate"


class HolderDeletedError(CertificateError):
    """The person's data was deleted: nothing more is issued to them."""

    code = "holder_deleted"


class ReasonRequiredError(CertificateError):
    code = "reason_required"


# ---------------------------------------------------------------------------
# Codes and references.


def new_code() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


def new_reference(year: int) -> str:
    """AULA-2026-7K4Q-M9XD: 40 random bits, unique by the database."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"AULA-{year}-{chars[:4]}-{chars[4:]}"


def subject_key(*, kind: str, course=None, workshop=None) -> str:
    """What a certificate is for: "course:<id>" or "workshop:<id>"."""
    if kind == Kind.COURSE and course is not None and workshop is None:
        return f"course:{course.pk}"
    if kind == Kind.WORKSHOP and workshop is not None and course is None:
        return f"workshop:{workshop.pk}"
    raise ValueError("A course certificate names a course; a workshop certificate, a workshop.")


# ---------------------------------------------------------------------------
# What a certificate states.


def _default_template_id() -> int | None:
    return CertificateTemplate.objects.filter(is_default=True).values_list("pk", flat=True).first()


def _session_hours(workshop: Workshop) -> int:
    """The sessions not cancelled, in whole hours (half an hour rounds up)."""
    spans = Session.objects.filter(workshop=workshop, cancelled=False).values_list(
        "starts_at", "ends_at"
    )
    minutes = sum((ends - starts).total_seconds() for starts, ends in spans) / 60
    return int((minutes + 30) // 60)


def _attended(workshop_id: int) -> Q:
    """Attendance rows that count: present or late, in a session not cancelled."""
    return Q(
        attendance__session__workshop_id=workshop_id,
        attendance__session__cancelled=False,
        attendance__status__in=ATTENDED,
    )


def _snapshot(participant: Participant, kind: str, course, workshop) -> dict:
    # Stored text is in the site's language, whoever issued the certificate.
    with translation.override(settings.LANGUAGE_CODE):
        gad_name = str(participant.gad.label)
    if kind == Kind.COURSE:
        completed = (
            Enrolment.objects.filter(participant=participant, course=course)
            .values_list("completed_at", flat=True)
            .first()
        )
        return {
            "holder_name": participant.full_name,
            "gad_name": gad_name,
            "subject_title": course.title,
            "hours": course.estimated_hours or 0,
            "achieved_on": timezone.localdate(completed or timezone.now()),
            "template_id": course.certificate_template_id or _default_template_id(),
        }
    last = (
        Participant.objects.filter(pk=participant.pk)
        .aggregate(last=Max("attendance__session__starts_at", filter=_attended(workshop.pk)))
        .get("last")
    )
    return {
        "holder_name": participant.full_name,
        "gad_name": gad_name,
        "subject_title": workshop.title,
        "hours": workshop.hours or _session_hours(workshop),
        "achieved_on": timezone.localdate(last or timezone.now()),
        "template_id": workshop.certificate_template_id or _default_template_id(),
    }


def _render_pdf(certificate_id: int) -> None:
    from lms.tasks import render_certificate_pdf

    render_certificate_pdf.enqueue(certificate_id)


def prepare_pdf_again(certificate: Certificate) -> None:
    """Render a valid certificate's PDF again, from its snapshot, when the file is lost or failed.

    The snapshot never changes after issuance, so the new file states exactly what
    the old one did; a revoked certificate gets none.
    """
    if certificate.is_revoked:
        return
    Certificate.objects.filter(pk=certificate.pk).update(pdf_status=Certificate.Pdf.PENDING)
    certificate.pdf_status = Certificate.Pdf.PENDING
    transaction.on_commit(partial(_render_pdf, certificate.pk))


def _account(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


# ---------------------------------------------------------------------------
# Issuing.


def issue(*, participant: Participant, kind: str, course=None, workshop=None, by=None):
    """The holder's certificate for this course or workshop, issued now unless it exists.

    Idempotent: whoever asks again (or at the same moment) gets the same certificate,
    revoked or not. `by` is the trainer or manager issuing it by hand; None for a rule.
    """
    certificate, _created = issue_or_get(
        participant=participant, kind=kind, course=course, workshop=workshop, by=by
    )
    return certificate


@transaction.atomic
def issue_or_get(
    *, participant: Participant, kind: str, course=None, workshop=None, by=None
) -> tuple[Certificate, bool]:
    """As issue(), and whether the certificate is new."""
    key = subject_key(kind=kind, course=course, workshop=workshop)
    existing = Certificate.objects.filter(participant=participant, subject_key=key).first()
    if existing is not None:
        return existing, False
    if participant.anonymised_at is not None:
        raise HolderDeletedError("This person's data has been deleted.")
    snapshot = _snapshot(participant, kind, course, workshop)
    now = timezone.now()
    for _attempt in range(REFERENCE_ATTEMPTS):
        try:
            with transaction.atomic():
                certificate = Certificate.objects.create(
                    participant=participant,
                    kind=kind,
                    course=course,
                    workshop=workshop,
                    subject_key=key,
                    code=new_code(),
                    reference=new_reference(timezone.localtime(now).year),
                    issued_at=now,
                    issued_by=_account(by),
                    **snapshot,
                )
        except IntegrityError:
            # The same person and subject, at the same moment, elsewhere: theirs stands.
            existing = Certificate.objects.filter(participant=participant, subject_key=key).first()
            if existing is not None:
                return existing, False
            continue  # a reference already taken: draw another
        transaction.on_commit(partial(_render_pdf, certificate.pk))
        return certificate, True
    raise CertificateError("No free reference could be drawn.")


def reached_threshold(workshop: Workshop, participant_id: int) -> bool:
    """Present or late in at least the workshop's threshold share of its sessions held (one query)."""
    counts = Session.objects.filter(workshop=workshop, cancelled=False).aggregate(
        held=Count("pk", distinct=True),
        attended=Count(
            "attendance",
            filter=Q(attendance__participant_id=participant_id, attendance__status__in=ATTENDED),
            distinct=True,
        ),
    )
    held, attended = counts["held"], counts["attended"]
    return bool(held) and attended * 100 >= workshop.attendance_threshold * held


@dataclass
class BulkResult:
    issued: int = 0  # new certificates
    existing: int = 0  # people who had one already (revoked ones included)
    not_reached: int = 0  # confirmed registrants below the threshold


def issue_for_workshop(workshop: Workshop, *, by) -> BulkResult:
    """Issue to every confirmed registrant who reached the attendance threshold."""
    held = Session.objects.filter(workshop=workshop, cancelled=False).count()
    people = (
        Participant.objects.active()
        .filter(
            registrations__workshop=workshop,
            registrations__status=Registration.Status.CONFIRMED,
        )
        .annotate(attended=Count("attendance", filter=_attended(workshop.pk), distinct=True))
        .select_related("gad__province")
        .order_by("full_name", "pk")
    )
    had = set(
        Certificate.objects.filter(subject_key=f"workshop:{workshop.pk}").values_list(
            "participant_id", flat=True
        )
    )
    result = BulkResult()
    for person in people:
        if not (held and person.attended * 100 >= workshop.attendance_threshold * held):
            result.not_reached += 1
        elif person.pk in had:
            result.existing += 1
        else:
            _certificate, created = issue_or_get(
                participant=person, kind=Kind.WORKSHOP, workshop=workshop, by=by
            )
            if created:
                result.issued += 1
            else:  # issued meanwhile, by the automatic rule or another trainer
                result.existing += 1
    return result


@transaction.atomic
def revoke(certificate: Certificate, *, by, reason: str) -> Certificate:
    """Withdraw a certificate, with the reason; its verification page says it was revoked."""
    reason = (reason or "").strip()[:REASON_MAX_LENGTH]
    if not reason:
        raise ReasonRequiredError("Say why the certificate is revoked.")
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.revoked_at is not None:
        return certificate
    certificate.revoked_at = timezone.now()
    certificate.revoked_reason = reason
    certificate.revoked_by = _account(by)
    certificate.save(update_fields=["revoked_at", "revoked_reason", "revoked_by"])
    return certificate


# ---------------------------------------------------------------------------
# The rules, as signal receivers (connected from LmsConfig.ready()).


def issue_on_course_completion(sender, enrolment, **kwargs) -> None:
    """`course_completed` arrives after the commit: the course is done whatever happens here."""
    try:
        participant = Participant.objects.select_related("gad").get(pk=enrolment.participant_id)
        course = CoursePage.objects.get(pk=enrolment.course_id)
        issue(participant=participant, kind=Kind.COURSE, course=course)
    except Exception:
        # A trainer can still issue it by hand; the participant's progress is saved.
        logger.exception("Could not issue the certificate for enrolment %s", enrolment.pk)


def _issue_if_reached(session_id: int, participant_id: int) -> None:
    workshop = (
        Workshop.objects.filter(sessions__pk=session_id, auto_certificates=True)
        .exclude(status=Workshop.Status.DRAFT)
        .first()
    )
    if workshop is None or not reached_threshold(workshop, participant_id):
        return
    participant = (
        Participant.objects.active()
        .filter(
            pk=participant_id,
            registrations__workshop=workshop,
            registrations__status=Registration.Status.CONFIRMED,
        )
        .select_related("gad")
        .first()
    )
    if participant is not None:
        issue(participant=participant, kind=Kind.WORKSHOP, workshop=workshop)


def issue_on_attendance(sender, instance, **kwargs) -> None:
    """Workshops that issue automatically: once the person reaches the threshold.

    After the commit, so recording attendance never waits for or fails on a certificate.
    """
    if instance.status not in ATTENDED:
        return
    transaction.on_commit(
        partial(_issue_if_reached, instance.session_id, instance.participant_id), robust=True
    )


def connect_receivers() -> None:
    """Called at the end of LmsConfig.ready()."""
    course_completed.connect(issue_on_course_completion, dispatch_uid="lms_certificate_course")
    post_save.connect(
        issue_on_attendance, sender=Attendance, dispatch_uid="lms_certificate_attendance"
    )
    register(signing_key_check, Tags.security)


# ---------------------------------------------------------------------------
# Personal data (lms.services.privacy).


@register_personal_data(_("Certificates"))
def export_certificates(participant: Participant) -> list[dict]:
    certificates = Certificate.objects.filter(participant=participant).order_by("issued_at")
    return [
        {
            gettext("Reference"): certificate.reference,
            gettext("Kind"): certificate.get_kind_display(),
            gettext("Completed"): certificate.subject_title,
            gettext("Name"): certificate.holder_name,
            gettext("GAD"): certificate.gad_name,
            gettext("Hours"): certificate.hours,
            gettext("Date"): certificate.achieved_on,
            gettext("Issued"): certificate.issued_at,
            gettext("Revoked"): certificate.revoked_at,
            gettext("Verification address"): verification_url(certificate),
        }
        for certificate in certificates
    ]


@register_anonymiser
def anonymise_certificates(participant: Participant) -> None:
    """Revoke the person's certificates, take their name off the page, delete the PDFs."""
    certificates = list(Certificate.objects.filter(participant=participant))
    if not certificates:
        return
    with translation.override(settings.LANGUAGE_CODE):
        reason = gettext("Holder's data deleted")
    now = timezone.now()
    files = [certificate.pdf.name for certificate in certificates if certificate.pdf]
    Certificate.objects.filter(pk__in=[c.pk for c in certificates], revoked_at__isnull=True).update(
        revoked_at=now
    )
    Certificate.objects.filter(pk__in=[c.pk for c in certificates]).update(
        revoked_reason=reason,
        holder_name="",
        gad_name="",
        pdf="",
        pdf_status=Certificate.Pdf.PENDING,
    )
    if files:
        storage = Certificate._meta.get_field("pdf").storage
        # Files are not part of the transaction: delete them once the deletion is final.
        transaction.on_commit(lambda: [storage.delete(name) for name in files])


# ---------------------------------------------------------------------------
# Addresses and the issuer.


def absolute_url(path: str) -> str:
    """A link that holds wherever it is read: on the site's configured address."""
    return f"{settings.WAGTAILADMIN_BASE_URL.rstrip('/')}{path}"


def _site_path(name: str, *args) -> str:
    # Spanish URLs, without /en/: a credential's addresses never depend on who asked.
    with translation.override(settings.LANGUAGE_CODE):
        return reverse(name, args=args)


def verification_url(certificate: Certificate) -> str:
    return absolute_url(_site_path("lms:certificate_verify", certificate.code))


def badge_url(certificate: Certificate) -> str:
    return absolute_url(_site_path("lms:certificate_badge", certificate.code))


def achievement_url(certificate: Certificate) -> str:
    """The same for every certificate of a course or workshop, even after it is deleted."""
    kind, _sep, pk = certificate.subject_key.partition(":")
    slug = {"course": "curso", "workshop": "taller"}[kind]
    return absolute_url(_site_path("lms:certificate_achievement", f"{slug}-{pk}"))


def issuer_name() -> str:
    return settings.CERTIFICATE_ISSUER_NAME


def issuer_profile() -> dict:
    url = settings.CERTIFICATE_ISSUER_URL or absolute_url("/")
    return {"id": url, "type": ["Profile"], "name": issuer_name(), "url": url}


# ---------------------------------------------------------------------------
# Open Badges 3.0.


def _timestamp(value: datetime) -> str:
    """ISO 8601 in UTC, to the second: 2026-03-12T14:00:00Z."""
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def achievement(certificate: Certificate, *, threshold: int | None = None) -> dict:
    """The course or workshop as an Open Badges Achievement, in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        if certificate.kind == Kind.COURSE:
            description = gettext("Completion of the self-paced course “%(title)s” on Aula.")
            narrative = gettext(
                "Complete every required lesson and quiz of the course, and attend a linked "
                "workshop where the course asks for it."
            )
        else:
            description = gettext(
                "Participation in the workshop “%(title)s” of the Aula programme."
            )
            if threshold is None:
                narrative = gettext(
                    "Attend (present or late) at least the workshop's attendance threshold "
                    "share of its sessions."
                )
            else:
                narrative = gettext(
                    "Attend (present or late) at least %(threshold)s %% of the workshop's sessions."
                ) % {"threshold": threshold}
        return {
            "id": achievement_url(certificate),
            "type": ["Achievement"],
            "name": certificate.subject_title,
            "description": description % {"title": certificate.subject_title},
            "criteria": {"narrative": narrative},
        }


def open_badge(certificate: Certificate, *, threshold: int | None = None) -> dict:
    """The certificate as an OpenBadgeCredential (JSON-LD), without proof.

    A revoked certificate keeps its id and says so twice: `validUntil` is the moment
    it was revoked, and `credentialStatus` marks it revoked (with `statusPurpose`
    "revocation"); the reason stays private.
    """
    with translation.override(settings.LANGUAGE_CODE):
        name = gettext("Certificate: %(subject)s") % {"subject": certificate.subject_title}
        subject = {"type": ["AchievementSubject"]}
        if certificate.holder_name:
            subject["name"] = certificate.holder_name
        subject["achievement"] = achievement(certificate, threshold=threshold)
        credential = {
            "@context": list(CREDENTIAL_CONTEXT),
            "id": badge_url(certificate),
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": issuer_profile(),
            "validFrom": _timestamp(certificate.issued_at),
            "name": name,
            "description": gettext("Reference %(reference)s. %(hours)s hours.")
            % {"reference": certificate.reference, "hours": certificate.hours},
            "credentialSubject": subject,
        }
        if certificate.revoked_at is not None:
            credential["validUntil"] = _timestamp(certificate.revoked_at)
            credential["credentialStatus"] = {
                "id": f"{verification_url(certificate)}#estado",
                "type": "AulaCertificateStatus",
                "statusPurpose": "revocation",
                "revoked": True,
                "revokedAt": _timestamp(certificate.revoked_at),
            }
    return credential


# ---------------------------------------------------------------------------
# Signing: Ed25519 (JWS "EdDSA"), the public key published as a JWK.


def parse_signing_key(text: str) -> Ed25519PrivateKey:
    """An Ed25519 private key in PEM (PKCS #8), or base64 of its 32-byte seed or DER."""
    text = (text or "").strip().replace("\\n", "\n")
    if not text:
        raise ValueError("The key is empty.")
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode(), password=None)
    else:
        padded = text + "=" * (-len(text) % 4)
        try:
            raw = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
        except ValueError as error:
            raise ValueError("The key is neither PEM nor base64.") from error
        if len(raw) == 32:
            key = Ed25519PrivateKey.from_private_bytes(raw)
        else:
            key = serialization.load_der_private_key(raw, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("The key is not an Ed25519 private key.")
    return key


@functools.lru_cache(maxsize=4)
def _load_key(configured: str, secret: str) -> Ed25519PrivateKey:
    if configured:
        return parse_signing_key(configured)
    # Development and tests: every process derives the same key from SECRET_KEY.
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=DERIVATION_INFO).derive(
        secret.encode()
    )
    return Ed25519PrivateKey.from_private_bytes(seed)


def signing_key() -> Ed25519PrivateKey:
    return _load_key(getattr(settings, "CERTIFICATE_SIGNING_KEY", ""), settings.SECRET_KEY)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public_jwk() -> dict:
    """The public key as a JWK, its `kid` the RFC 7638 thumbprint."""
    raw = (
        signing_key()
        .public_key()
        .public_bytes(encoding=serialization.Encoding.Raw, format=serialization.PublicFormat.Raw)
    )
    members = {"crv": "Ed25519", "kty": "OKP", "x": _b64url(raw)}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    kid = _b64url(hashlib.sha256(canonical).digest())
    return {**members, "kid": kid, "use": "sig", "alg": SIGNING_ALGORITHM}


def jwks() -> dict:
    return {"keys": [public_jwk()]}


def signed_badge(certificate: Certificate, *, threshold: int | None = None) -> str:
    """The credential as a JWT (VC-JOSE-COSE): the credential itself is the payload.

    Registered claims repeat it for JWT libraries: `iss` (the issuer's id), `jti` (the
    credential's id), `nbf`/`iat` (issued) and, once revoked, `exp` (the revocation),
    so a revoked credential fails an ordinary JWT check.
    """
    import jwt

    credential = open_badge(certificate, threshold=threshold)
    payload = {
        **credential,
        "iss": credential["issuer"]["id"],
        "jti": credential["id"],
        "nbf": int(certificate.issued_at.timestamp()),
        "iat": int(certificate.issued_at.timestamp()),
    }
    if certificate.revoked_at is not None:
        payload["exp"] = int(certificate.revoked_at.timestamp())
    headers = {"kid": public_jwk()["kid"], "typ": "vc+jwt", "cty": "vc"}
    return jwt.encode(payload, signing_key(), algorithm=SIGNING_ALGORITHM, headers=headers)


def signing_key_check(app_configs, **kwargs):
    """A configured CERTIFICATE_SIGNING_KEY must be a readable Ed25519 private key."""
    configured = getattr(settings, "CERTIFICATE_SIGNING_KEY", "")
    if not configured:
        return []
    try:
        parse_signing_key(configured)
    except (ValueError, TypeError) as error:
        return [
            Error(
                f"CERTIFICATE_SIGNING_KEY cannot be read: {error}",
                hint=(
                    "Give an Ed25519 private key in PEM, or base64 of its 32 bytes: "
                    "python -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())'"
                ),
                id="lms.E010",
            )
        ]
    return []
