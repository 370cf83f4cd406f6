"""What participants do in H5P activities: every accepted statement, their best result, their state.

Statements are kept append-only, as received and accepted; the result row is the
best of them, maintained on write, so pages never recount statements. H5P
results are formative: they are shown to participants and trainers, and no
certificate rests on them.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lms.models.people import Participant


class H5PStatement(models.Model):
    """One xAPI statement the server accepted, as it was judged. Never updated."""

    participant = models.ForeignKey(
        Participant, verbose_name=_("participant"), on_delete=models.CASCADE, related_name="+"
    )
    activity = models.ForeignKey(
        "courses.H5PActivity",
        verbose_name=_("activity"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    lesson = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("lesson"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    verb = models.CharField(_("verb"), max_length=20)
    raw_score = models.PositiveIntegerField(_("score"), null=True)
    max_score = models.PositiveIntegerField(_("maximum score"), null=True)
    success = models.BooleanField(_("success"), null=True)
    completion = models.BooleanField(_("completion"), null=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    # The statement's own id (xAPI `id`, set by the lesson page when it queues the
    # statement): a resend after a lost response is recognised and not counted twice.
    statement_id = models.UUIDField(_("statement id"), null=True, blank=True)

    class Meta:
        verbose_name = _("H5P statement")
        verbose_name_plural = _("H5P statements")
        indexes = [models.Index(fields=["participant", "activity"])]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "statement_id"],
                condition=models.Q(statement_id__isnull=False),
                name="h5p_statement_once",
            )
        ]

    def __str__(self):
        return f"{self.verb} {self.raw_score}/{self.max_score}"


class H5PResult(models.Model):
    """A participant's best result in one activity."""

    participant = models.ForeignKey(
        Participant,
        verbose_name=_("participant"),
        on_delete=models.CASCADE,
        related_name="h5p_results",
    )
    activity = models.ForeignKey(
        "courses.H5PActivity",
        verbose_name=_("activity"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    lesson = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("lesson"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    raw_score = models.PositiveIntegerField(_("best score"), null=True)
    max_score = models.PositiveIntegerField(_("maximum score"), null=True)
    completed = models.BooleanField(_("completed"), default=False)
    passed = models.BooleanField(_("passed"), default=False)
    statements = models.PositiveIntegerField(_("statements"), default=0)
    first_at = models.DateTimeField(_("first result"), default=timezone.now)
    updated_at = models.DateTimeField(_("last result"), default=timezone.now)

    class Meta:
        verbose_name = _("H5P result")
        verbose_name_plural = _("H5P results")
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "activity"], name="one_h5p_result_per_activity"
            )
        ]

    def __str__(self):
        return f"{self.raw_score}/{self.max_score}"

    @property
    def percent(self) -> int | None:
        if self.raw_score is None or not self.max_score:
            return None
        return round(100 * self.raw_score / self.max_score)


class H5PState(models.Model):
    """Where a participant left an activity (the player's own data), to resume it."""

    participant = models.ForeignKey(
        Participant, verbose_name=_("participant"), on_delete=models.CASCADE, related_name="+"
    )
    activity = models.ForeignKey(
        "courses.H5PActivity",
        verbose_name=_("activity"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    data = models.TextField(_("state"))
    updated_at = models.DateTimeField(_("saved"), auto_now=True)

    class Meta:
        verbose_name = _("H5P state")
        verbose_name_plural = _("H5P states")
        constraints = [
            models.UniqueConstraint(fields=["participant", "activity"], name="one_h5p_state")
        ]

    def __str__(self):
        return f"{self.participant_id}:{self.activity_id}"
