"""Enrolment, progress and quizzes: every write to learning records goes through here.

Query counts matter: a lesson view records its visit in one statement (two when
the enrolment's last activity is more than a few minutes old), and completing a
step or grading a quiz costs a fixed number of queries whatever the size of the
course or the participant's history.
"""

import random
import secrets
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from courses.blocks import h5p_requirements
from courses.grading import grade
from courses.models import CoursePage, LessonPage, QuizPage
from lms.models import Attendance, Enrolment, Participant, QuizAttempt, StepProgress, Workshop
from lms.services.errors import (
    ActivitiesPendingError,
    AttemptClosedError,
    AttemptLimitError,
    EnrolmentClosedError,
    NotEnrolledError,
)
from lms.services.h5p import unmet_requirements
from lms.services.privacy import register_anonymiser, register_personal_data

# Sent once, when an enrolment's course becomes complete (certificates listen).
course_completed = Signal()

MAX_ANSWER_LENGTH = 2000
MAX_ANSWERS = 500
# "Last activity" is for trainers' reports: a lesson view refreshes it at most this often.
ACTIVITY_RESOLUTION = timedelta(minutes=5)


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
        # The course may have changed while the participant was away.
        return refresh_progress(enrolment=enrolment)
    if created:
        enrolment = refresh_progress(enrolment=enrolment)
    return enrolment


@transaction.atomic
def enrol_gad(*, gad, course: CoursePage, enrolled_by) -> int:
    """Enrol every active participant of a GAD not enrolled yet; return how many were new.

    People who left the course are not enrolled again: leaving was their choice.
    """
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


def _require_step_of(enrolment: Enrolment, step: Page) -> None:
    """Refuse a step of another course, whatever the caller checked (at most one query)."""
    parent = getattr(step, "_cached_parent_obj", None)  # set by the router and by get_parent()
    if parent is not None:
        belongs = parent.pk == enrolment.course_id
    else:
        course = Page.objects.filter(pk=enrolment.course_id)
        belongs = Page.objects.filter(
            pk=step.pk,
            path__startswith=Subquery(course.values("path")),
            depth=Subquery(course.values("depth")) + 1,
        ).exists()
    if not belongs:
        raise NotEnrolledError("This step belongs to another course.")


def _upsert_progress(*, enrolment_id: int, step_id: int, now, completed: bool) -> None:
    """Create or update the step's progress row in one statement, whoever got there first.

    Two tabs opening the same step at once both land here: the unique constraint
    makes the second an update instead of an error, with no extra read or savepoint.
    """
    table = connection.ops.quote_name(StepProgress._meta.db_table)
    when = connection.ops.adapt_datetimefield_value(now)
    if completed:
        on_conflict = f"completed_at = COALESCE({table}.completed_at, excluded.completed_at)"
    else:
        on_conflict = f"views = {table}.views + 1, last_viewed_at = excluded.last_viewed_at"
    # Only the table name is interpolated, from the model's own metadata.
    sql = (
        f"INSERT INTO {table} "  # noqa: S608 - the quoted table name of the model; values are parameters  # nosec B608
        "(enrolment_id, step_id, views, first_viewed_at, last_viewed_at, completed_at) "
        "VALUES (%s, %s, 1, %s, %s, %s) "
        f"ON CONFLICT (enrolment_id, step_id) DO UPDATE SET {on_conflict}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [enrolment_id, step_id, when, when, when if completed else None])


def record_visit(*, enrolment: Enrolment, step: Page) -> None:
    """Note that the participant opened a step; the enrolment's last activity to 5 minutes."""
    now = timezone.now()
    _upsert_progress(enrolment_id=enrolment.pk, step_id=step.pk, now=now, completed=False)
    last = enrolment.last_activity_at
    if last is None or now - last >= ACTIVITY_RESOLUTION:
        Enrolment.objects.filter(pk=enrolment.pk).update(last_activity_at=now)
        enrolment.last_activity_at = now


def complete_step(*, enrolment: Enrolment, step: Page, activities=None) -> Enrolment:
    """Mark a step done (once) and bring the enrolment's progress up to date.

    `activities` are the lesson's (H5P activity id, requirement) pairs when the
    caller knows them; otherwise they are read from the lesson's body.
    """
    if not enrolment.is_active:
        raise NotEnrolledError("Enrol in the course to record progress.")
    _require_step_of(enrolment, step)
    if activities is None:
        activities = h5p_requirements(step.body) if isinstance(step, LessonPage) else []
    pending = unmet_requirements(participant_id=enrolment.participant_id, requirements=activities)
    if pending:
        raise ActivitiesPendingError("Activities left to do.", activities=pending)
    return _complete_step(enrolment=enrolment, step=step)


# No savepoint when nested (a passing quiz submission): a failure undoes the caller's writes too.
@transaction.atomic(savepoint=False)
def _complete_step(*, enrolment: Enrolment, step: Page) -> Enrolment:
    _upsert_progress(enrolment_id=enrolment.pk, step_id=step.pk, now=timezone.now(), completed=True)
    return refresh_progress(enrolment=enrolment)


def attended_linked_workshop(*, participant_id: int, course_id: int) -> bool:
    """Whether the person attended a workshop linked to the course, by that workshop's threshold.

    Attended means present or late in at least the workshop's threshold share of its
    sessions that were not cancelled (one query).
    """
    workshops = (
        Workshop.objects.filter(course_id=course_id)
        .exclude(status=Workshop.Status.DRAFT)
        .annotate(
            held=Count("sessions", filter=Q(sessions__cancelled=False), distinct=True),
            attended=Count(
                "sessions__attendance",
                filter=Q(
                    sessions__cancelled=False,
                    sessions__attendance__participant_id=participant_id,
                    sessions__attendance__status__in=[
                        Attendance.Status.PRESENT,
                        Attendance.Status.LATE,
                    ],
                ),
                distinct=True,
            ),
        )
        .values_list("held", "attended", "attendance_threshold")
    )
    return any(
        held and attended * 100 >= threshold * held for held, attended, threshold in workshops
    )


# No savepoint of its own: a failure here must undo the caller's writes too.
@transaction.atomic(savepoint=False)
def refresh_progress(*, enrolment: Enrolment) -> Enrolment:
    """Recount this enrolment's required steps done; complete the course when all are."""
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("course")
        .get(pk=enrolment.pk)
    )
    course = enrolment.course
    steps = (
        Page.objects.child_of(course)
        .live()
        .filter(Q(lessonpage__required=True) | Q(quizpage__required=True))
        .annotate(
            done=Exists(
                StepProgress.objects.filter(
                    enrolment=enrolment, step=OuterRef("pk"), completed_at__isnull=False
                )
            )
        )
        .order_by("path")
        .values_list("pk", "done")
    )
    required, done = [], set()
    for pk, is_done in steps:
        required.append(pk)
        if is_done:
            done.add(pk)
    enrolment.required_steps = len(required)
    enrolment.completed_steps = len(done)
    # A course without required steps is not finished by enrolling in it.
    enrolment.progress_percent = (100 * len(done)) // len(required) if required else 0
    enrolment.next_step_id = next((pk for pk in required if pk not in done), None)
    enrolment.last_activity_at = timezone.now()
    just_completed = enrolment.completed_at is None and bool(required) and done == set(required)
    if just_completed and course.requires_workshop_attendance:
        just_completed = attended_linked_workshop(
            participant_id=enrolment.participant_id, course_id=course.pk
        )
    if just_completed:
        enrolment.completed_at = timezone.now()
        enrolment.completion_reason = (
            "required_steps+workshop" if course.requires_workshop_attendance else "required_steps"
        )
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


def start_attempt(*, enrolment: Enrolment, quiz: QuizPage) -> QuizAttempt:
    """Resume the open attempt or start a new one, within the quiz's attempt limit."""
    if not enrolment.is_active:
        raise NotEnrolledError("Enrol in the course to take its quizzes.")
    _require_step_of(enrolment, quiz)
    return _start_attempt(enrolment=enrolment, quiz=quiz)


@transaction.atomic
def _start_attempt(*, enrolment: Enrolment, quiz: QuizPage) -> QuizAttempt:
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
        drawn_ids = {q["id"] for q in random.Random(seed).sample(bank, quiz.questions_per_attempt)}  # noqa: S311 - which questions, from a secrets seed; not a secret  # nosec B311
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
    attempt = (
        QuizAttempt.objects.select_for_update(of=("self",))
        .select_related("enrolment")
        .get(pk=attempt.pk)
    )
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
