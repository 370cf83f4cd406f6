"""Certificates: what a participant completed or attended, verifiable by anyone.

A certificate keeps a snapshot of what it states (name, subject, hours, date) so
later edits to a course or a profile never change an issued certificate. One
per holder and subject, enforced by the database, so concurrent triggers give one.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.models import Orderable

from lms.models.people import Participant


class CertificateTemplate(ClusterableModel):
    """How certificates look; edited by editors in the admin. One is the site default."""

    class Orientation(models.TextChoices):
        LANDSCAPE = "landscape", _("Landscape")
        PORTRAIT = "portrait", _("Portrait")

    class PageSize(models.TextChoices):
        A4 = "A4", "A4"
        LETTER = "letter", _("Letter")

    name = models.CharField(_("name"), max_length=120)
    is_default = models.BooleanField(
        _("site default"), default=False, help_text=_("Used when a course or workshop names none.")
    )
    orientation = models.CharField(
        _("orientation"), max_length=10, choices=Orientation.choices, default=Orientation.LANDSCAPE
    )
    page_size = models.CharField(
        _("page size"), max_length=10, choices=PageSize.choices, default=PageSize.A4
    )
    background = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("background image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    logos = models.ManyToManyField(
        "wagtailimages.Image", verbose_name=_("logos"), blank=True, related_name="+"
    )
    heading = models.CharField(_("heading"), max_length=200, default="Certificado")
    body = models.TextField(
        _("text"),
        help_text=_(
            "Placeholders: {name}, {gad}, {subject}, {hours}, {date}, {reference}. "
            "For example: “Se certifica que {name}, del {gad}, completó {subject} ({hours} horas).”"
        ),
    )
    footer = models.CharField(_("footer"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("certificate template")
        verbose_name_plural = _("certificate templates")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_template"
            )
        ]

    def __str__(self):
        return self.name


class Signatory(Orderable):
    template = ParentalKey(
        CertificateTemplate, on_delete=models.CASCADE, related_name="signatories"
    )
    name = models.CharField(_("name"), max_length=150)
    role = models.CharField(_("role"), max_length=200)
    signature = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("signature image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta(Orderable.Meta):
        verbose_name = _("signatory")
        verbose_name_plural = _("signatories")

    def __str__(self):
        return self.name


class CertificateQuerySet(models.QuerySet):
    def valid(self):
        return self.filter(revoked_at__isnull=True)


class Certificate(models.Model):
    class Kind(models.TextChoices):
        COURSE = "course", _("Course completion")
        WORKSHOP = "workshop", _("Workshop participation")

    class Pdf(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Could not be prepared")

    participant = models.ForeignKey(
        Participant,
        verbose_name=_("holder"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="certificates",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    course = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("course"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    workshop = models.ForeignKey(
        "lms.Workshop",
        verbose_name=_("workshop"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="certificates",
    )
    # "course:<id>" or "workshop:<id>": what the certificate is for, unique per holder
    # even after the course or workshop is deleted.
    subject_key = models.CharField(max_length=40)
    template = models.ForeignKey(
        CertificateTemplate,
        verbose_name=_("template"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Whoever reads the certificate reaches it by this code (secrets.token_urlsafe, ≥ 128 bits).
    code = models.CharField(max_length=64, unique=True, editable=False)
    # Printed on the certificate, for reading out on the phone: AULA-2026-7K4Q-M9XD.
    reference = models.CharField(_("reference"), max_length=24, unique=True, editable=False)
    # The snapshot of what it states, fixed at issuance.
    holder_name = models.CharField(_("name"), max_length=200)
    gad_name = models.CharField(_("GAD"), max_length=200, blank=True)
    subject_title = models.CharField(_("completed"), max_length=300)
    hours = models.PositiveSmallIntegerField(_("hours"), default=0)
    achieved_on = models.DateField(_("date"))
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    issued_by = models.ForeignKey(
        "lms.User",
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_reason = models.CharField(_("reason for revoking"), max_length=300, blank=True)
    revoked_by = models.ForeignKey(
        "lms.User",
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    pdf = models.FileField(_("PDF"), upload_to="certificados/", blank=True, max_length=255)
    pdf_status = models.CharField(_("PDF"), max_length=10, choices=Pdf.choices, default=Pdf.PENDING)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "subject_key"], name="one_certificate_per_subject"
            )
        ]

    def __str__(self):
        return f"{self.reference} · {self.holder_name}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
