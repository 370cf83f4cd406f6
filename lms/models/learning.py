"""What each participant does in self-paced courses: enrolments, step progress, quiz attempts.

Progress figures live on the enrolment and are updated when a step is done,
so showing a course or "Mi aprendizaje" never recounts anyone's history.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lms.models.people import Participant


class EnrolmentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=Enrolment.Status.ACTIVE)

    def for_participant(self, participant):
        return self.filter(participant=participant)

    def in_progress(self):
        return self.active().filter(completed_at__isnull=True)

    def completed(self):
        return self.filter(completed_at__isnull=False)


class Enrolment(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Enrolled")
        WITHDRAWN = "withdrawn", _("Left the course")

    participant = models.ForeignKey(
        Participant,
        verbose_name=_("participant"),
        on_delete=models.CASCADE,
        related_name="enrolments",
    )
    course = models.ForeignKey(
        "courses.CoursePage", verbose_name=_("course"), on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    enrolled_at = models.DateTimeField(_("enrolled at"), default=timezone.now)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("enrolled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    required_steps = models.PositiveSmallIntegerField(_("required steps"), default=0)
    completed_steps = models.PositiveSmallIntegerField(_("required steps done"), default=0)
    progress_percent = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    next_step = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("next step"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completion_reason = models.CharField(_("completed because"), max_length=200, blank=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "course"], name="one_enrolment_per_course"
            ),
            models.CheckConstraint(
                condition=Q(progress_percent__lte=100), name="enrolment_progress_max_100"
            ),
        ]
        indexes = [models.Index(fields=["course", "status"], name="enrolment_course_status")]

    def __str__(self):
        return f"{self.participant} · {self.course_id}"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None


class StepProgress(models.Model):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="step_progress")
    step = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    first_viewed_at = models.DateTimeField(_("first viewed"), null=True, blank=True)
    last_viewed_at = models.DateTimeField(_("last viewed"), null=True, blank=True)
    views = models.PositiveIntegerField(_("views"), default=0)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("step progress")
        verbose_name_plural = _("step progress")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "step"], name="one_progress_per_step")
        ]

    def __str__(self):
        return f"{self.enrolment_id} · {self.step_id}"


class QuizAttemptQuerySet(models.QuerySet):
    def submitted(self):
        return self.filter(status=QuizAttempt.Status.SUBMITTED)

    def in_progress(self):
        return self.filter(status=QuizAttempt.Status.IN_PROGRESS)


class QuizAttempt(models.Model):
    """One try at a quiz. Once submitted it never changes, whatever happens to the quiz."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        SUBMITTED = "submitted", _("Submitted")

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="quiz_attempts")
    quiz = models.ForeignKey(
        "courses.QuizPage", verbose_name=_("quiz"), on_delete=models.CASCADE, related_name="+"
    )
    number = models.PositiveSmallIntegerField(_("attempt number"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.IN_PROGRESS
    )
    seed = models.CharField(max_length=32, editable=False)
    questions = models.JSONField(_("questions asked"), editable=False)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    pass_mark = models.PositiveSmallIntegerField(_("pass mark (%)"))
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    saved_at = models.DateTimeField(_("last saved"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    score = models.DecimalField(
        _("score (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    passed = models.BooleanField(_("passed"), null=True)

    objects = QuizAttemptQuerySet.as_manager()

    class Meta:
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        ordering = ["enrolment", "quiz", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "quiz", "number"], name="one_attempt_per_number"
            ),
            # At most one open attempt per quiz: starting again resumes it.
            models.UniqueConstraint(
                fields=["enrolment", "quiz"],
                condition=Q(status="in_progress"),
                name="one_open_attempt",
            ),
            models.CheckConstraint(
                condition=Q(status="in_progress")
                | Q(submitted_at__isnull=False, score__isnull=False),
                name="submitted_attempt_is_graded",
            ),
        ]

    def __str__(self):
        return f"{self.quiz_id} #{self.number}"

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED
