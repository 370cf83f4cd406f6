"""The log of report exports: every file of report data that left Aula, and who took it."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExportLog(models.Model):
    """Every export of report data: who, when, what, with which filters. Never edited."""

    class Kind(models.TextChoices):
        PARTICIPANTS = "participants", _("Participants")
        ENROLMENTS = "enrolments", _("Enrolments and progress")
        ATTENDANCE = "attendance", _("Attendance")
        CERTIFICATES = "certificates", _("Certificates")
        INDICATORS = "indicators", _("Indicators")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept when the account is later deleted, so the log still says who took the data.
    user_email = models.EmailField(_("user email"), blank=True)
    created_at = models.DateTimeField(_("exported at"), default=timezone.now, db_index=True)
    kind = models.CharField(_("report"), max_length=30, choices=Kind.choices)
    file_format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    # Dates and primary keys as the report received them; the encoder writes dates as ISO text.
    filters = models.JSONField(_("filters"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    # Empty until the last row is written: an export cut short keeps no count.
    rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        default_permissions = ("view",)
        permissions = [
            ("view_reports", _("Can view reports")),
            ("view_programme_reports", _("Can view the whole programme's reports")),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.file_format}) {self.created_at:%Y-%m-%d %H:%M}"
