"""Self-paced course pages for participants: enrolment, progress, Mi aprendizaje.

A lesson is read on a phone over a slow link, so what it needs is cheap to know:
the course's outline (its steps in tree order) is content shared by everyone and
kept in the shared cache until the next publish, like the menu; what this person
has done is one query (their enrolment joined to the steps they completed),
made once per request and kept on it for the hook, the views and the template
tags alike.
"""

from dataclasses import dataclass, field
from functools import cached_property

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db.models import Count, ExpressionWrapper, F, FilteredRelation, Min, Q
from django.db.models.fields import BooleanField
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from wagtail.models import Page

from cms.page_cache import get_or_set_fragment
from courses.blocks import h5p_requirements
from courses.models import CourseIndexPage, CoursePage, H5PActivity, LessonPage
from lms.models import Certificate, Enrolment, H5PResult, Participant, QuizAttempt, Registration
from lms.offline import replayable
from lms.privacy import participant_for
from lms.services.certificates import verification_url
from lms.services.errors import ActivitiesPendingError, EnrolmentClosedError, NotEnrolledError
from lms.services.learning import complete_step, enrol, leave
from lms.views.journeys import my_transcript

# ---------------------------------------------------------------------------
# The outline: a course and its live steps, shared by everyone.


@dataclass(frozen=True)
class OutlineStep:
    id: int
    title: str
    url: str
    is_quiz: bool
    required: bool
    minutes: int
    # A lesson's H5P activities: (activity id, files key, requirement, maximum score or
    # None), in body order.
    activities: tuple[tuple[int, str, str, int | None], ...] = ()

    def activity(self, activity_id: int) -> tuple[int, str, str] | None:
        return next((a for a in self.activities if a[0] == activity_id), None)


@dataclass(frozen=True)
class CourseOutline:
    id: int
    title: str
    url: str
    self_enrolment: bool
    open_reading: bool
    lessons_in_order: bool
    steps: tuple[OutlineStep, ...]

    def index_of(self, step_id: int) -> int | None:
        return next((i for i, step in enumerate(self.steps) if step.id == step_id), None)

    def step(self, step_id: int) -> OutlineStep | None:
        index = self.index_of(step_id)
        return None if index is None else self.steps[index]


def _load_outline(request, course_id: int) -> dict | None:
    course = CoursePage.objects.live().filter(pk=course_id).first()
    if course is None:
        return None
    steps = (
        Page.objects.child_of(course)
        .live()
        .annotate(
            step_required=Coalesce("lessonpage__required", "quizpage__required"),
            step_minutes=Coalesce("lessonpage__estimated_minutes", "quizpage__estimated_minutes"),
            step_is_quiz=ExpressionWrapper(Q(quizpage__isnull=False), output_field=BooleanField()),
        )
        .order_by("path")
    )
    activities = _lesson_activities(course)
    # Plain data in the cache: it outlives a deployment that changes these classes.
    return {
        "id": course.pk,
        "title": course.title,
        "url": course.get_url(request),
        "self_enrolment": course.self_enrolment,
        "open_reading": course.open_reading,
        "lessons_in_order": course.lessons_in_order,
        "steps": [
            (
                step.pk,
                step.title,
                step.get_url(request),
                bool(step.step_is_quiz),
                bool(step.step_required),
                step.step_minutes or 0,
                activities.get(step.pk, []),
            )
            for step in steps
        ],
    }


def _lesson_activities(course) -> dict[int, list[tuple[int, str, str, int | None]]]:
    """Each live lesson's H5P activities that still exist, with files key and maximum score.

    Two queries, when the outline is built. Saving an activity drops the outline
    (courses.signals); so does the first result that fixes its maximum score.
    """
    bodies = LessonPage.objects.child_of(course).live().values_list("pk", "body")
    wanted = {lesson_id: h5p_requirements(body) for lesson_id, body in bodies}
    ids = {activity_id for pairs in wanted.values() for activity_id, _rule in pairs}
    if not ids:
        return {}
    found = {
        pk: (key, max_score)
        for pk, key, max_score in H5PActivity.objects.filter(pk__in=ids).values_list(
            "pk", "key", "max_score"
        )
    }
    return {
        lesson_id: [(a, *found[a][:1], rule, found[a][1]) for a, rule in pairs if a in found]
        for lesson_id, pairs in wanted.items()
    }


def course_outline(request, course_id: int) -> CourseOutline | None:
    """The live course and its live steps in order, from the shared cache until the next publish."""
    # Keyed by host rather than Site: a POST has not looked its site up, and need not.
    data = get_or_set_fragment(
        request,
        f"course-outline:{request.get_host()}:{get_language()}:{course_id}",
        lambda: _load_outline(request, course_id),
    )
    if data is None:
        return None
    steps = tuple(
        OutlineStep(*row[:6], activities=tuple(tuple(a) for a in row[6])) for row in data["steps"]
    )
    return CourseOutline(**{**data, "steps": steps})


# ---------------------------------------------------------------------------
# Where one person stands in one course.


@dataclass
class StepRow:
    step: OutlineStep
    done: bool
    locked: bool


@dataclass
class Learning:
    """A person and a course: their enrolment (if any) and the steps they have done."""

    outline: CourseOutline
    request: object = field(default=None, repr=False)
    enrolment: Enrolment | None = None
    done: frozenset[int] = field(default_factory=frozenset)

    @property
    def participant(self) -> Participant | None:
        """Loaded only when a page needs the person (a lesson view does not)."""
        if self.request is None or not self.request.user.is_authenticated:
            return None
        return participant_for(self.request)

    @property
    def is_enrolled(self) -> bool:
        return self.enrolment is not None and self.enrolment.is_active

    @property
    def has_left(self) -> bool:
        return self.enrolment is not None and not self.enrolment.is_active

    @property
    def is_completed(self) -> bool:
        return self.is_enrolled and self.enrolment.is_completed

    @property
    def percent(self) -> int:
        return self.enrolment.progress_percent if self.enrolment else 0

    def previous_required(self, step_id: int) -> OutlineStep | None:
        index = self.outline.index_of(step_id)
        if not index:
            return None
        return next((s for s in reversed(self.outline.steps[:index]) if s.required), None)

    def is_locked(self, step_id: int) -> bool:
        """Lessons in order: a step opens when the previous required step is done."""
        if not (self.outline.lessons_in_order and self.is_enrolled):
            return False
        previous = self.previous_required(step_id)
        return previous is not None and previous.id not in self.done

    @cached_property
    def rows(self) -> list[StepRow]:
        in_order = self.outline.lessons_in_order and self.is_enrolled
        rows, last_required = [], None
        for step in self.outline.steps:
            locked = in_order and last_required is not None and last_required.id not in self.done
            rows.append(StepRow(step=step, done=step.id in self.done, locked=locked))
            if step.required:
                last_required = step
        return rows

    @property
    def continue_step(self) -> OutlineStep | None:
        """Where "Continue" leads: the next required step not done, else the first step."""
        if self.enrolment is not None and self.enrolment.next_step_id:
            step = self.outline.step(self.enrolment.next_step_id)
            if step is not None:
                return step
        return self.outline.steps[0] if self.outline.steps else None

    def neighbours(self, step_id: int) -> tuple[OutlineStep | None, OutlineStep | None]:
        index = self.outline.index_of(step_id)
        if index is None:
            return None, None
        steps = self.outline.steps
        return (steps[index - 1] if index > 0 else None), (
            steps[index + 1] if index + 1 < len(steps) else None
        )


def _enrolment_with_done(user_id: int, outline: CourseOutline):
    """The person's enrolment in the course and the ids of its steps they completed (one query)."""
    enrolments = Enrolment.objects.filter(participant__user_id=user_id, course_id=outline.id)
    if not outline.steps:
        return enrolments.first(), frozenset()
    rows = list(
        enrolments.alias(
            done=FilteredRelation(
                "step_progress",
                condition=Q(
                    step_progress__completed_at__isnull=False,
                    step_progress__step_id__in=[step.id for step in outline.steps],
                ),
            )
        ).annotate(done_step_id=F("done__step_id"))
    )
    if not rows:
        return None, frozenset()
    return rows[0], frozenset(row.done_step_id for row in rows if row.done_step_id)


def learning_for(request, course_id: int) -> Learning | None:
    """Where the person making the request stands in a course, worked out once per request."""
    cache = request.__dict__.setdefault("_learning", {})
    if course_id not in cache:
        outline = course_outline(request, course_id)
        if outline is None:
            cache[course_id] = None
        else:
            learning = Learning(outline=outline, request=request)
            if request.user.is_authenticated:
                learning.enrolment, learning.done = _enrolment_with_done(request.user.pk, outline)
            cache[course_id] = learning
    return cache[course_id]


def forget_learning(request, course_id: int) -> None:
    """After a write, the next read in this request starts again."""
    request.__dict__.get("_learning", {}).pop(course_id, None)


# ---------------------------------------------------------------------------
# Views


def _learning_or_404(request, course_id: int) -> Learning:
    learning = learning_for(request, course_id)
    if learning is None:
        raise Http404
    return learning


def _without_profile(request):
    messages.info(request, _("Complete your profile to enrol in courses."))
    return redirect("lms:profile")


@require_POST
@never_cache
def enrol_view(request, course_id: int):
    """Enrol the person in a course open to self-enrolment (POST only: a link never enrols)."""
    learning = _learning_or_404(request, course_id)
    if not request.user.is_authenticated:
        return redirect_to_login(learning.outline.url)
    if learning.participant is None:
        return _without_profile(request)
    if learning.is_enrolled:
        return redirect(learning.outline.url)
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    try:
        enrol(participant=learning.participant, course=course)
    except EnrolmentClosedError:
        messages.error(
            request,
            _(
                "This course is not open to self-enrolment. Trainers enrol participants "
                "or whole GADs in it; ask your GAD's contact person."
            ),
        )
        return redirect(learning.outline.url)
    if learning.has_left:
        messages.success(request, _("Welcome back: your progress was kept."))
    else:
        messages.success(request, _("You are enrolled. Your progress is saved as you go."))
    return redirect(learning.outline.url)


@require_POST
@never_cache
def leave_view(request, course_id: int):
    """Leave a course; the progress stays in case the person comes back."""
    learning = _learning_or_404(request, course_id)
    if not request.user.is_authenticated:
        return redirect_to_login(learning.outline.url)
    if learning.is_enrolled:
        leave(enrolment=learning.enrolment)
        messages.success(
            request,
            _("You have left the course. If you enrol again, your progress will still be here."),
        )
    return redirect(learning.outline.url)


@require_POST
@never_cache
@replayable
def complete_step_view(request, course_id: int, step_id: int):
    """Mark a lesson done, then go on to the next step (a quiz is done by passing it)."""
    learning = _learning_or_404(request, course_id)
    step = learning.outline.step(step_id)
    if step is None or step.is_quiz:
        raise Http404
    if not request.user.is_authenticated:
        return redirect_to_login(step.url)
    if not learning.is_enrolled:
        messages.warning(request, _("Enrol in the course to record your progress."))
        return redirect(learning.outline.url)
    if learning.is_locked(step_id):
        messages.warning(request, _("Finish the previous steps of the course first."))
        return redirect(learning.outline.url)
    was_completed = learning.enrolment.is_completed
    try:
        enrolment = complete_step(
            enrolment=learning.enrolment,
            step=Page(pk=step_id),
            activities=[(activity[0], activity[2]) for activity in step.activities],
        )
    except NotEnrolledError:
        return redirect(learning.outline.url)
    except ActivitiesPendingError as pending:
        count = len(pending.details["activities"])
        messages.warning(
            request,
            ngettext(
                "Do this lesson's activity first: it is needed to mark the lesson done.",
                "Do this lesson's %(count)d activities first: they are needed to mark it done.",
                count,
            )
            % {"count": count},
        )
        return redirect(step.url)
    forget_learning(request, course_id)
    if enrolment.is_completed and not was_completed:
        messages.success(request, _("Congratulations: you have completed the course!"))
        return redirect(learning.outline.url)
    messages.success(request, _("“%(title)s” is done.") % {"title": step.title})
    _previous, following = learning.neighbours(step_id)
    return redirect(following.url if following else learning.outline.url)


@dataclass
class QuizResult:
    enrolment_id: int
    quiz_id: int
    title: str
    course_title: str
    best_score: object
    passed: bool
    attempts: int


def best_quiz_results(enrolments: Q) -> list[QuizResult]:
    """Per enrolment and quiz, the best submitted score and the number of attempts (one query).

    The highest attempt counts, as in lms.services.learning.best_attempt.
    """
    rows = (
        QuizAttempt.objects.submitted()
        .filter(enrolments)
        .order_by("enrolment_id", "quiz__path", "-score", "submitted_at")
        .values(
            "enrolment_id", "quiz_id", "quiz__title", "enrolment__course__title", "score", "passed"
        )
    )
    results: dict[tuple[int, int], QuizResult] = {}
    for row in rows:
        key = (row["enrolment_id"], row["quiz_id"])
        if key in results:
            results[key].attempts += 1
            results[key].passed = results[key].passed or bool(row["passed"])
        else:
            results[key] = QuizResult(
                enrolment_id=row["enrolment_id"],
                quiz_id=row["quiz_id"],
                title=row["quiz__title"],
                course_title=row["enrolment__course__title"],
                best_score=row["score"],
                passed=bool(row["passed"]),
                attempts=1,
            )
    return list(results.values())


@require_GET
@never_cache
@login_required
def my_learning(request):
    """The person's courses in progress and completed, quiz results, workshops, certificates."""
    participant = participant_for(request)
    in_progress, completed, results, h5p_results, registrations = [], [], [], [], []
    certificates = []
    if participant is not None:
        enrolments = (
            Enrolment.objects.for_participant(participant)
            .filter(Q(status=Enrolment.Status.ACTIVE) | Q(completed_at__isnull=False))
            .select_related("course", "next_step")
            .order_by(F("last_activity_at").desc(nulls_last=True), "-enrolled_at")
        )
        for enrolment in enrolments:
            next_step = enrolment.next_step
            item = {
                "enrolment": enrolment,
                "course": enrolment.course,
                "next_url": next_step.get_url(request) if next_step and next_step.live else "",
            }
            (completed if enrolment.is_completed else in_progress).append(item)
        results = best_quiz_results(Q(enrolment__participant=participant))
        registrations = list(
            Registration.objects.filter(participant=participant)
            .exclude(status=Registration.Status.CANCELLED)
            .select_related("workshop")
            .annotate(
                next_start=Min(
                    "workshop__sessions__starts_at",
                    filter=Q(
                        workshop__sessions__cancelled=False,
                        workshop__sessions__ends_at__gte=timezone.now(),
                    ),
                ),
                attended=Count(
                    "workshop__sessions__attendance",
                    filter=Q(
                        workshop__sessions__attendance__participant=participant,
                        workshop__sessions__attendance__status__in=["present", "late"],
                    ),
                    distinct=True,
                ),
                held=Count(
                    "workshop__sessions",
                    filter=Q(
                        workshop__sessions__cancelled=False,
                        workshop__sessions__starts_at__lt=timezone.now(),
                    ),
                    distinct=True,
                ),
            )
            .order_by(F("next_start").asc(nulls_last=True), "-registered_at")
        )
        h5p_results = (
            H5PResult.objects.filter(participant=participant)
            .select_related("activity", "lesson")
            .order_by("-updated_at")
        )
        certificates = list(Certificate.objects.filter(participant=participant))
        for certificate in certificates:
            certificate.share_url = verification_url(certificate)
    return render(
        request,
        "lms/learning/my_learning.html",
        {
            "participant": participant,
            "in_progress": in_progress,
            "completed": completed,
            "quiz_results": results,
            "h5p_results": h5p_results,
            "registrations": registrations,
            "certificates": certificates,
            "catalogue": CourseIndexPage.objects.live().first() if not in_progress else None,
        },
    )


urlpatterns = [
    path("aprendizaje/", my_learning, name="my_learning"),
    path("aprendizaje/historial/", my_transcript, name="my_transcript"),
    path("aprendizaje/cursos/<int:course_id>/inscribirme/", enrol_view, name="enrol"),
    path("aprendizaje/cursos/<int:course_id>/salir/", leave_view, name="leave"),
    path(
        "aprendizaje/cursos/<int:course_id>/pasos/<int:step_id>/terminar/",
        complete_step_view,
        name="complete_step",
    ),
]
