"""What course pages show the person looking at them: their enrolment and progress.

Course templates live in courses, which never imports lms, so they learn about
enrolments through these tags. Anonymous visitors cost no query here (the
outline comes from the shared cache), so their copy of a page can be cached.
"""

from dataclasses import dataclass, field

from django import template
from django.db.models import prefetch_related_objects
from django.middleware.csrf import get_token
from django.urls import reverse

from lms.models import Enrolment, H5PResult
from lms.privacy import participant_for
from lms.roles import is_staff_member
from lms.views.h5p import player_url
from lms.views.learning import Learning, OutlineStep, learning_for

register = template.Library()


@register.simple_tag(takes_context=True)
def course_learning(context, course) -> Learning | None:
    """Where the person stands in this course (None if the course is not live)."""
    request = context.get("request")
    if request is None or course.pk is None:
        return None
    return learning_for(request, course.pk)


@dataclass
class StepLearning:
    learning: Learning
    step: OutlineStep | None
    number: int
    previous: OutlineStep | None
    next: OutlineStep | None

    @property
    def done(self) -> bool:
        return self.step is not None and self.step.id in self.learning.done

    @property
    def can_mark_done(self) -> bool:
        return (
            self.step is not None
            and not self.step.is_quiz
            and self.learning.is_enrolled
            and not self.done
        )


@register.simple_tag(takes_context=True)
def step_learning(context, step) -> StepLearning | None:
    """A step's place in its course and the person's progress (None in a preview of a new page)."""
    request = context.get("request")
    if request is None or step.pk is None:
        return None
    parent = step.get_parent()
    learning = learning_for(request, parent.pk) if parent is not None else None
    if learning is None:
        return None
    index = learning.outline.index_of(step.pk)
    previous, following = learning.neighbours(step.pk)
    return StepLearning(
        learning=learning,
        step=None if index is None else learning.outline.steps[index],
        number=(index or 0) + 1,
        previous=previous,
        next=following,
    )


@dataclass
class Card:
    course: object
    tags: list = field(default_factory=list)
    enrolment: dict | None = None

    @property
    def is_enrolled(self) -> bool:
        return bool(self.enrolment) and self.enrolment["status"] == Enrolment.Status.ACTIVE


@register.simple_tag(takes_context=True)
def catalogue_cards(context, courses) -> list[Card]:
    """The catalogue's courses with their tags, covers and the person's progress, in few queries."""
    courses = list(courses)
    prefetch_related_objects(courses, "tags")
    covers = [course.cover_image for course in courses if course.cover_image_id]
    if covers:
        prefetch_related_objects(covers, "renditions")
    progress = {}
    request = context.get("request")
    participant = participant_for(request) if request is not None else None
    if participant is not None and courses:
        progress = {
            row["course_id"]: row
            for row in Enrolment.objects.filter(
                participant=participant, course_id__in=[course.pk for course in courses]
            ).values("course_id", "status", "progress_percent", "completed_at")
        }
    return [
        Card(course=course, tags=list(course.tags.all()), enrolment=progress.get(course.pk))
        for course in courses
    ]


@register.inclusion_tag("courses/includes/progress.html")
def progress_bar(percent, label=""):
    """A progress bar as <progress> plus the figure as text (CSP allows no inline styles)."""
    percent = max(0, min(100, int(percent or 0)))
    return {"percent": percent, "label": label}


@register.simple_tag(takes_context=True)
def h5p_players(context, here) -> dict | None:
    """Per person: where each of the lesson's H5P activities plays, and where results go.

    Only enrolled participants (who report results) and staff (who preview) get
    a player; the page body itself is shared and holds no address.
    """
    request = context.get("request")
    step = here.step if here else None
    if request is None or step is None or not step.activities:
        return None
    learning = here.learning
    enrolled = learning.is_enrolled
    if not (enrolled or is_staff_member(request.user)):
        return None
    best = {}
    if enrolled:
        for row in H5PResult.objects.filter(
            participant_id=learning.enrolment.participant_id,
            activity_id__in=[activity[0] for activity in step.activities],
        ).values("activity_id", "raw_score", "max_score", "completed", "passed"):
            best[row.pop("activity_id")] = row
    activities = {}
    for activity_id, key, _rule, _max in step.activities:
        route = [learning.outline.id, step.id, activity_id]
        activities[str(activity_id)] = {
            "player": player_url(request, activity_id=activity_id, key=key),
            "results": reverse("lms:h5p_results", args=route) if enrolled else None,
            "state": reverse("lms:h5p_state", args=route) if enrolled else None,
            "best": best.get(activity_id),
        }
    return {"csrf": get_token(request), "activities": activities}


@register.simple_tag
def linked_workshops(course) -> list:
    """Published workshops linked to a course, soonest first (for its page)."""
    from django.db.models import Min

    from lms.models import Workshop

    return list(
        Workshop.objects.filter(course=course, kind=Workshop.Kind.WORKSHOP)
        .exclude(status=Workshop.Status.DRAFT)
        .annotate(first_start=Min("sessions__starts_at"))
        .order_by("first_start")[:5]
    )
