"""Changes made on a device without a connection, as the server applied them.

A phone that learned offline sends each change it kept (a lesson marked done, a
quiz submitted, H5P results) with an id it made up when the change happened. The
server applies a change once: a resend after a lost response, or a second tab
syncing the same queue, gets back what the first one got.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OfflineChange(models.Model):
    # Claimed before the view runs, so a concurrent resend of the same change waits.
    IN_PROGRESS = 0

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    change_id = models.UUIDField(_("change id"))
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    status = models.PositiveSmallIntegerField(_("response status"), default=IN_PROGRESS)
    location = models.CharField(_("where it led"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("offline change")
        verbose_name_plural = _("offline changes")
        constraints = [
            models.UniqueConstraint(fields=["user", "change_id"], name="offline_change_once")
        ]
        indexes = [models.Index(fields=["received_at"])]

    def __str__(self):
        return str(self.change_id)
