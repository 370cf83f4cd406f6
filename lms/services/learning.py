"""Enrolment, progress and quizzes: every write to learning records goes through here.

Query counts matter: a lesson view records its visit in two statements, and
completing a step or grading a quiz costs a fixed number of queries whatever
the size of the course or the participant's history.
"""

import random
import secrets
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from courses.grading import grade
from courses.models import CoursePage, QuizPage
from lms.models import Enrolment, Participant, QuizAttempt, StepProgress
from lms.services.errors import (
    AttemptClosedError,
    AttemptLimitError,
    EnrolmentClosedError,
    NotEnrolledError,
)
from lms.services.privacy import register_anonymiser, register_personal_data

# Sent once, when an enrolment's course becomes complete (certificates listen).
course_completed = Signal()

MAX_ANSWER_LENGTH = 2000
MAX_ANSWERS = 500


@transaction.atomic
def enrol(*, participant: Participant, course: CoursePage, enrolled_by=None) -> Enrolment:
    """One enrolment per participant and course; self-enrolment only where the course allows it."""
    if enrolled_by is None and not course.self_enrolment:
        raise EnrolmentClosedError("This course is not open to self-enrolment.")
    try:
        with transaction.atomic():
            enrolment, created = Enrolment.objects.get_or_create(
                participant=participant, course=course, defaults={"enrolled_by": enrolled_by}
            )
    except IntegrityError:  # a concurrent request enrolled the same person first
        enrolment, created = Enrolment.objects.get(participant=participant, course=course), False
    if not created and not enrolment.is_active:
        enrolment.status = Enrolment.Status.ACTIVE
        enrolment.save(update_fields=["status"])
    if created:
        refresh_progress(enrolment=enrolment)
    return enrolment


def enrol_gad(*, gad, course: CoursePage, enrolled_by) -> int:
    """Enrol every active participant of a GAD; return how many enrolments were new."""
    people = Participant.objects.active().filter(gad=gad).exclude(enrolments__course=course)
    created = 0
    for participant in people:
        enrol(participant=participant, course=course, enrolled_by=enrolled_by)
        created += 1
    return created


def leave(*, enrolment: Enrolment) -> Enrolment:
    """Leave a course; progress is kept in case the participant comes back."""
    enrolment.status = Enrolment.Status.WITHDRAWN
    enrolment.save(update_fields=["status"])
    return enrolment


def active_enrolment(*, participant: Participant | None, course_id: int) -> Enrolment | None:
    if participant is None:
        return None
    return Enrolment.objects.active().filter(participant=participant, course_id=course_id).first()


def record_visit(*, enrolment: Enrolment, step: Page) -> None:
    """Note that the participant opened a step (two statements at most)."""
    now = timezone.now()
    updated = StepProgress.objects.filter(enrolment=enrolment, step_id=step.pk).update(
        views=F("views") + 1, last_viewed_at=now
    )
    if not updated:
        try:
            with transaction.atomic():
                StepProgress.objects.create(
                    enrolment=enrolment,
                    step_id=step.pk,
                    views=1,
                    first_viewed_at=now,
                    last_viewed_at=now,
                )
        except IntegrityError:  # two tabs opened the step at once
            StepProgress.objects.filter(enrolment=enrolment, step_id=step.pk).update(
                views=F("views") + 1, last_viewed_at=now
            )
    Enrolment.objects.filter(pk=enrolment.pk).update(last_activity_at=now)


@transaction.atomic
def complete_step(*, enrolment: Enrolment, step: Page) -> Enrolment:
    """Mark a step done (once) and bring the enrolment's progress up to date."""
    if not enrolment.is_active:
        raise NotEnrolledError("Enrol in the course to record progress.")
    now = timezone.now()
    progress, created = StepProgress.objects.get_or_create(
        enrolment=enrolment,
        step_id=step.pk,
        defaults={"completed_at": now, "first_viewed_at": now, "last_viewed_at": now, "views": 1},
    )
    if not created and progress.completed_at is None:
        StepProgress.objects.filter(pk=progress.pk, completed_at__isnull=True).update(
            completed_at=now
        )
    return refresh_progress(enrolment=enrolment)


@transaction.atomic
def refresh_progress(*, enrolment: Enrolment) -> Enrolment:
    """Recount this enrolment's required steps done; complete the course when all are."""
    enrolment = Enrolment.objects.select_for_update(of=("self",)).select_related("course").get(pk=enrolment.pk)
    course = enrolment.course
    required = list(
        Page.objects.child_of(course)
        .live()
        .filter(Q(lessonpage__required=True) | Q(quizpage__required=True))
        .order_by("path")
        .values_list("pk", flat=True)
    )
    done = set(
        StepProgress.objects.filter(
            enrolment=enrolment, step_id__in=required, completed_at__isnull=False
        ).values_list("step_id", flat=True)
    )
    enrolment.required_steps = len(required)
    enrolment.completed_steps = len(done)
    enrolment.progress_percent = 100 if not required else (100 * len(done)) // len(required)
    enrolment.next_step_id = next((pk for pk in required if pk not in done), None)
    enrolment.last_activity_at = timezone.now()
    just_completed = enrolment.completed_at is None and required and len(done) == len(required)
    if just_completed:
        enrolment.completed_at = timezone.now()
        enrolment.completion_reason = "required_steps"
    enrolment.save(
        update_fields=[
            "required_steps",
            "completed_steps",
            "progress_percent",
            "next_step",
            "last_activity_at",
            "completed_at",
            "completion_reason",
        ]
    )
    if just_completed:
        transaction.on_commit(lambda: course_completed.send(sender=Enrolment, enrolment=enrolment))
    return enrolment


@transaction.atomic
def start_attempt(*, enrolment: Enrolment, quiz: QuizPage) -> QuizAttempt:
    """Resume the open attempt or start a new one, within the quiz's attempt limit."""
    if not enrolment.is_active:
        raise NotEnrolledError("Enrol in the course to take its quizzes.")
    # Locking the enrolment serialises starts by the same person (two tabs, a double tap).
    Enrolment.objects.select_for_update().filter(pk=enrolment.pk).first()
    attempts = QuizAttempt.objects.filter(enrolment=enrolment, quiz=quiz)
    open_attempt = attempts.in_progress().first()
    if open_attempt:
        return open_attempt
    used = attempts.count()
    if quiz.max_attempts and used >= quiz.max_attempts:
        raise AttemptLimitError("No attempts left for this quiz.", allowed=quiz.max_attempts)
    seed = secrets.token_hex(8)
    bank = quiz.question_bank()
    if quiz.questions_per_attempt and quiz.questions_per_attempt < len(bank):
        drawn_ids = {q["id"] for q in random.Random(seed).sample(bank, quiz.questions_per_attempt)}  # noqa: S311
        bank = [question for question in bank if question["id"] in drawn_ids]
    return QuizAttempt.objects.create(
        enrolment=enrolment,
        quiz=quiz,
        number=used + 1,
        seed=seed,
        questions=bank,
        pass_mark=quiz.pass_mark,
    )


def _clean_answers(attempt: QuizAttempt, answers: dict) -> dict:
    """Keep answers to questions of this attempt only, in plain, bounded shapes."""
    known = {question["id"] for question in attempt.questions}
    cleaned = {}
    for question_id, answer in list((answers or {}).items())[:MAX_ANSWERS]:
        if question_id not in known:
            continue
        if isinstance(answer, str):
            cleaned[question_id] = answer[:MAX_ANSWER_LENGTH]
        elif isinstance(answer, list):
            cleaned[question_id] = [str(item)[:MAX_ANSWER_LENGTH] for item in answer[:MAX_ANSWERS]]
        elif isinstance(answer, dict):
            cleaned[question_id] = {
                str(key)[:100]: str(value)[:MAX_ANSWER_LENGTH]
                for key, value in list(answer.items())[:MAX_ANSWERS]
            }
    return cleaned


@transaction.atomic
def save_answers(*, attempt: QuizAttempt, answers: dict) -> QuizAttempt:
    """Keep the answers given so far, so a dropped connection loses nothing."""
    attempt = QuizAttempt.objects.select_for_update().get(pk=attempt.pk)
    if attempt.is_submitted:
        raise AttemptClosedError("This attempt has already been submitted.")
    attempt.answers = {**attempt.answers, **_clean_answers(attempt, answers)}
    attempt.saved_at = timezone.now()
    attempt.save(update_fields=["answers", "saved_at"])
    return attempt


@transaction.atomic
def submit_attempt(*, attempt: QuizAttempt, answers: dict | None = None) -> QuizAttempt:
    """Grade the attempt once; a second submission returns the first result unchanged."""
    attempt = QuizAttempt.objects.select_for_update(of=("self",)).select_related("enrolment").get(pk=attempt.pk)
    if attempt.is_submitted:
        return attempt
    if answers:
        attempt.answers = {**attempt.answers, **_clean_answers(attempt, answers)}
    points = sum(
        grade(question, attempt.answers.get(question["id"])) for question in attempt.questions
    )
    total = len(attempt.questions) or 1
    attempt.score = (Decimal(points) * 100 / total).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    attempt.passed = attempt.score >= attempt.pass_mark
    attempt.status = QuizAttempt.Status.SUBMITTED
    attempt.submitted_at = timezone.now()
    attempt.save(update_fields=["answers", "score", "passed", "status", "submitted_at"])
    if attempt.passed:
        complete_step(enrolment=attempt.enrolment, step=Page(pk=attempt.quiz_id))
    return attempt


def best_attempt(*, enrolment: Enrolment, quiz_id: int) -> QuizAttempt | None:
    """The highest graded attempt counts."""
    return (
        QuizAttempt.objects.submitted()
        .filter(enrolment=enrolment, quiz_id=quiz_id)
        .order_by("-score", "submitted_at")
        .first()
    )


@register_personal_data(_("Courses"))
def export_enrolments(participant: Participant) -> list[dict]:
    enrolments = Enrolment.objects.filter(participant=participant).select_related("course")
    return [
        {
            gettext("Course"): enrolment.course.title,
            gettext("Status"): enrolment.get_status_display(),
            gettext("Enrolled at"): enrolment.enrolled_at,
            gettext("Progress (%)"): enrolment.progress_percent,
            gettext("Completed at"): enrolment.completed_at,
        }
        for enrolment in enrolments
    ]


@register_personal_data(_("Quiz attempts"))
def export_attempts(participant: Participant) -> list[dict]:
    attempts = QuizAttempt.objects.filter(enrolment__participant=participant).select_related("quiz")
    return [
        {
            gettext("Quiz"): attempt.quiz.title,
            gettext("Attempt"): attempt.number,
            gettext("Submitted at"): attempt.submitted_at,
            gettext("Score (%)"): attempt.score,
            gettext("Passed"): attempt.passed,
            gettext("Answers"): attempt.answers,
        }
        for attempt in attempts
    ]


@register_anonymiser
def anonymise_attempts(participant: Participant) -> None:
    # Short answers are free text a person may have signed; grades stay for the counts.
    QuizAttempt.objects.filter(enrolment__participant=participant).update(answers={})
