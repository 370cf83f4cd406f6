"""Workshops and consultative processes: sessions, registrations, attendance.

A workshop (AME's online trainings, one reached 120 GADs) has sessions,
registrations with a seat cap and a waitlist, and attendance per session. A
consultative process is the same record for one GAD: participants are added
by the trainer, and it keeps an agenda, minutes, agreements and documents.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel

from lms.models.gads import GAD, Province
from lms.models.people import Participant


class WorkshopQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Workshop.Status.PUBLISHED)

    def visible_to(self, participant):
        """Published workshops whose audience includes this participant (everyone's, if None)."""
        everyone = Q(audience=Workshop.Audience.EVERYONE)
        if participant is None:
            return self.published().filter(everyone)
        return (
            self.published()
            .filter(
                everyone
                | Q(audience=Workshop.Audience.PROVINCES, provinces=participant.gad.province_id)
                | Q(audience=Workshop.Audience.GADS, gads=participant.gad_id)
            )
            .distinct()
        )


class Workshop(ClusterableModel):
    class Kind(models.TextChoices):
        WORKSHOP = "workshop", _("Workshop")
        CONSULTATIVE = "consultative", _("Consultative process")

    class Mode(models.TextChoices):
        ONLINE = "online", _("Online")
        IN_PERSON = "in_person", _("In person")
        HYBRID = "hybrid", _("Hybrid")

    class Audience(models.TextChoices):
        EVERYONE = "everyone", _("Everyone")
        PROVINCES = "provinces", _("Chosen provinces")
        GADS = "gads", _("Chosen GADs")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("address"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices, default=Kind.WORKSHOP)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.ONLINE)
    meeting_link = models.URLField(
        _("meeting link"), blank=True, help_text=_("Shown only to confirmed registrants.")
    )
    place = models.CharField(_("place"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(
        _("seats"), null=True, blank=True, help_text=_("Leave empty for no limit.")
    )
    registration_opens_at = models.DateTimeField(_("registration opens"), null=True, blank=True)
    registration_closes_at = models.DateTimeField(_("registration closes"), null=True, blank=True)
    audience = models.CharField(
        _("audience"), max_length=10, choices=Audience.choices, default=Audience.EVERYONE
    )
    provinces = ParentalManyToManyField(
        Province, verbose_name=_("provinces"), blank=True, related_name="+"
    )
    gads = ParentalManyToManyField(GAD, verbose_name=_("GADs"), blank=True, related_name="+")
    attendance_threshold = models.PositiveSmallIntegerField(
        _("attendance threshold (%)"),
        default=75,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Share of each session's minutes a person must attend to count as present."),
    )
    late_after_minutes = models.PositiveSmallIntegerField(
        _("late after (minutes)"),
        default=15,
        help_text=_("Checking in later than this after the start counts as late."),
    )
    trainers = ParentalManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("trainers"), blank=True, related_name="+"
    )
    course = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("linked course"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    pages = ParentalManyToManyField(
        "wagtailcore.Page", verbose_name=_("linked toolkit pages"), blank=True, related_name="+"
    )
    # A consultative process belongs to one GAD.
    gad = models.ForeignKey(
        GAD,
        verbose_name=_("GAD of the consultative process"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consultative_processes",
    )
    agenda = models.TextField(_("agenda"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    agreements = models.TextField(_("agreements"), blank=True)
    documents = ParentalManyToManyField(
        "wagtaildocs.Document", verbose_name=_("documents"), blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    certificate_template = models.ForeignKey(
        "lms.CertificateTemplate",
        verbose_name=_("certificate template"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Leave empty for the site's default template."),
    )
    auto_certificates = models.BooleanField(
        _("issue certificates automatically"),
        default=False,
        help_text=_(
            "When a person reaches the attendance threshold. Otherwise trainers issue them for "
            "the whole workshop in one action after the last session."
        ),
    )
    hours = models.PositiveSmallIntegerField(
        _("certified hours"),
        null=True,
        blank=True,
        help_text=_("Leave empty to count the hours of the sessions held."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = WorkshopQuerySet.as_manager()

    class Meta:
        verbose_name = _("workshop")
        verbose_name_plural = _("workshops")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="workshop") | Q(gad__isnull=False),
                name="consultative_process_has_a_gad",
            )
        ]

    def __str__(self):
        return self.title

    @property
    def is_consultative(self) -> bool:
        return self.kind == self.Kind.CONSULTATIVE

    def registration_is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return (
            self.status == self.Status.PUBLISHED
            and not self.is_consultative
            and (self.registration_opens_at is None or self.registration_opens_at <= now)
            and (self.registration_closes_at is None or now < self.registration_closes_at)
        )


class Session(models.Model):
    workshop = ParentalKey(
        Workshop, verbose_name=_("workshop"), on_delete=models.CASCADE, related_name="sessions"
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    # Calendar invites: a stable UID per session, SEQUENCE raised on each change.
    uid = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    cancelled = models.BooleanField(_("cancelled"), default=False)
    check_in_code = models.CharField(_("check-in code"), max_length=8, blank=True, editable=False)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"
            )
        ]

    def __str__(self):
        return self.title or f"{self.workshop.title} · {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class RegistrationQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(status=Registration.Status.CONFIRMED)

    def waitlisted(self):
        return self.filter(status=Registration.Status.WAITLISTED).order_by("registered_at", "pk")

    def active(self):
        return self.exclude(status=Registration.Status.CANCELLED)


class Registration(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("On the waitlist")
        CANCELLED = "cancelled", _("Cancelled")

    workshop = models.ForeignKey(
        Workshop, verbose_name=_("workshop"), on_delete=models.CASCADE, related_name="registrations"
    )
    participant = models.ForeignKey(
        Participant,
        verbose_name=_("participant"),
        on_delete=models.CASCADE,
        related_name="registrations",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    registered_at = models.DateTimeField(_("registered"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["workshop", "participant"], name="one_registration_per_workshop"
            )
        ]
        indexes = [models.Index(fields=["workshop", "status", "registered_at"])]

    def __str__(self):
        return f"{self.participant} · {self.workshop}"


class Attendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        LATE = "late", _("Late")
        EXCUSED = "excused", _("Excused")
        ABSENT = "absent", _("Absent")

    class Source(models.TextChoices):
        ROSTER = "roster", _("Roster")
        CHECK_IN = "check_in", _("Check-in")
        IMPORT = "import", _("Imported report")

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="attendance"
    )
    participant = models.ForeignKey(
        Participant,
        verbose_name=_("participant"),
        on_delete=models.CASCADE,
        related_name="attendance",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    minutes = models.PositiveIntegerField(_("minutes attended"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "participant"], name="one_attendance_per_session"
            )
        ]

    def __str__(self):
        return f"{self.participant} · {self.session}: {self.get_status_display()}"


class AttendanceChange(models.Model):
    """Every change to attendance: who, when, from which source. Never updated."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="+")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Attendance.Status.choices)
    previous_status = models.CharField(_("previous status"), max_length=10, blank=True)
    minutes = models.PositiveIntegerField(null=True, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Attendance.Source.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        verbose_name = _("attendance change")
        verbose_name_plural = _("attendance changes")

    def __str__(self):
        return f"{self.previous_status or '-'} → {self.status}"


class ReportAlias(models.Model):
    """A name seen in a video-call report that a trainer matched to a participant, remembered."""

    alias = models.CharField(_("name in reports"), max_length=200, unique=True)
    participant = models.ForeignKey(
        Participant, verbose_name=_("participant"), on_delete=models.CASCADE, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("report alias")
        verbose_name_plural = _("report aliases")

    def __str__(self):
        return self.alias


class AttendanceImport(models.Model):
    """An applied attendance report, so applying the same file again changes nothing."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="imports")
    sha256 = models.CharField(max_length=64)
    filename = models.CharField(max_length=255)
    layout = models.CharField(max_length=30)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    applied_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attendance import")
        verbose_name_plural = _("attendance imports")
        constraints = [
            models.UniqueConstraint(fields=["session", "sha256"], name="one_import_per_report")
        ]

    def __str__(self):
        return self.filename


class ReminderRecord(models.Model):
    """A reminder sent (or being sent): claimed by inserting, so each goes out once."""

    class Kind(models.TextChoices):
        DAY = "24h", _("24 hours before")
        HOUR = "1h", _("1 hour before")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="+")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=3, choices=Kind.choices)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "participant", "kind"], name="one_reminder_each"
            )
        ]

    def __str__(self):
        return f"{self.kind} · {self.session_id} · {self.participant_id}"
