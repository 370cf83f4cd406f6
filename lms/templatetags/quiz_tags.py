"""What a quiz page shows the person looking at it: the rules, and their attempts if enrolled.

The quiz page (courses/quiz_page.html) is a courses template, so it learns
about attempts through these tags rather than through an import in courses.
An anonymous visitor costs no query here, so their copy of the page can be
cached and shared.
"""

from dataclasses import dataclass, field

from django import template

from courses.models import QuizPage
from lms.models import Enrolment, QuizAttempt
from lms.privacy import participant_for
from lms.services.learning import active_enrolment
from lms.views.quiz import step_is_locked

register = template.Library()


@dataclass
class QuizStatus:
    """Where the person stands with a quiz: "anonymous", "not_enrolled" or "enrolled"."""

    state: str
    enrolment: Enrolment | None = None
    attempts: list[QuizAttempt] = field(default_factory=list)
    open_attempt: QuizAttempt | None = None
    best: QuizAttempt | None = None
    remaining: int | None = None  # None: unlimited
    locked: bool = False

    @property
    def passed(self) -> bool:
        return bool(self.best and self.best.passed)

    @property
    def can_start(self) -> bool:
        return self.open_attempt is not None or self.remaining is None or self.remaining > 0


@register.filter
def question_count(quiz: QuizPage) -> int:
    """How many questions each attempt asks."""
    bank = len(quiz.questions.raw_data)
    per_attempt = quiz.questions_per_attempt
    return min(per_attempt, bank) if per_attempt else bank


@register.simple_tag(takes_context=True)
def quiz_status(context, quiz: QuizPage) -> QuizStatus:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return QuizStatus(state="anonymous")
    if quiz.pk is None:  # an editor previewing a quiz not saved yet
        return QuizStatus(state="not_enrolled")
    course = quiz.get_parent()
    enrolment = active_enrolment(participant=participant_for(request), course_id=course.pk)
    if enrolment is None:
        return QuizStatus(state="not_enrolled")
    attempts = list(QuizAttempt.objects.filter(enrolment=enrolment, quiz=quiz).order_by("number"))
    submitted = [attempt for attempt in attempts if attempt.is_submitted]
    status = QuizStatus(
        state="enrolled",
        enrolment=enrolment,
        attempts=submitted,
        open_attempt=next((a for a in attempts if not a.is_submitted), None),
        # The highest attempt counts; on a tie, the earlier one.
        best=max(submitted, key=lambda a: (a.score, -a.number), default=None),
        remaining=max(quiz.max_attempts - len(attempts), 0) if quiz.max_attempts else None,
    )
    status.locked = step_is_locked(enrolment, course, quiz)
    return status
