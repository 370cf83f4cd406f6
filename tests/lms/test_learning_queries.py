"""Query counts of the learning pages: fixed, whatever the size of the course or of the crowd.

A lesson on a phone over a slow link must not cost more because the course has
200 steps or because 10,000 people take it. The counts include everything the
request does: session, user, the middleware's reads, routing, the visit recorded.

Where a lesson GET's queries go (warm caches, as in production after the first visit):

  session, user ................................. 2  (Django)
  specific page ................................. 1  (cms.routing; site and ancestors are cached)
  enrolment with the steps done ................. 1  (lms.views.learning, one JOIN)
  visit recorded ................................ 1  (one INSERT … ON CONFLICT)

The privacy notice version comes from the shared cache; whether the person
accepted it, and whether to show Wagtail's user bar, from the session: none of
them costs a query, and a lesson never loads the participant row itself.

The course outline (titles, URLs, order, required flags) comes from the shared
cache until the next publish. The enrolment's "last activity" is refreshed at
most every five minutes, which adds one UPDATE to the first view after a pause.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lms.models import Enrolment, Participant
from lms.services.learning import enrol
from tests.factories import CourseIndexPageFactory, CoursePageFactory, LessonPageFactory
from tests.lms.factories import gad

# Session and user: 2 that every logged-in page pays (the site, the page with its
# ancestors and the course outline come from the shared cache until the next
# publish); then the enrolment with its done steps and the visit: 2.
LESSON_GET = 4
# The five-minute "last activity" refresh.
LESSON_GET_AFTER_A_PAUSE = LESSON_GET + 1
LESSON_GET_BUDGET = 8
COMPLETE_POST_BUDGET = 12


def queries(client, method, url, **kwargs):
    with CaptureQueriesContext(connection) as context:
        response = getattr(client, method)(url, **kwargs)
    return response, [query["sql"] for query in context.captured_queries]


def build_course(home, steps: int, slug: str):
    index = CourseIndexPageFactory(parent=home, slug=f"cursos-{slug}", title=f"Cursos {slug}")
    course = CoursePageFactory(parent=index, slug=slug)
    lessons = [
        LessonPageFactory(parent=course, slug=f"leccion-{n}", title=f"Lección {n}")
        for n in range(steps)
    ]
    return course, lessons


def crowd(course, size: int) -> None:
    """`size` other participants enrolled in the course, without accounts (bulk, for speed)."""
    where = gad()
    people = Participant.objects.bulk_create(
        Participant(full_name=f"Participante {n}", gad=where, sex="female") for n in range(size)
    )
    Enrolment.objects.bulk_create(
        Enrolment(participant=person, course=course, required_steps=1) for person in people
    )


@pytest.fixture
def learner(client, official):
    client.force_login(official)
    return Participant.objects.get(user=official)


def lesson_get(client, learner, course, lesson, *, after_a_pause=False):
    enrolment = Enrolment.objects.filter(participant=learner, course=course).first()
    if enrolment is None:
        enrolment = enrol(participant=learner, course=course)
    client.get(lesson.url)  # fills the shared caches: outline, menu, footer
    if after_a_pause:
        Enrolment.objects.filter(pk=enrolment.pk).update(
            last_activity_at=timezone.now() - timedelta(hours=1)
        )
    response, sql = queries(client, "get", lesson.url)
    assert response.status_code == 200
    return sql


@pytest.mark.parametrize("steps", [5, 200])
def test_lesson_get_costs_the_same_for_5_or_200_steps(client, home, learner, steps):
    course, lessons = build_course(home, steps, slug=f"curso-{steps}")

    middle = lessons[steps // 2]
    sql = lesson_get(client, learner, course, middle)

    assert len(sql) == LESSON_GET, "\n".join(sql)


@pytest.mark.parametrize("others", [10, 10_000])
def test_lesson_get_costs_the_same_for_10_or_10000_participants(client, home, learner, others):
    course, lessons = build_course(home, 5, slug="curso")
    crowd(course, others)

    sql = lesson_get(client, learner, course, lessons[2])

    assert len(sql) == LESSON_GET, "\n".join(sql)


def test_the_lesson_itself_adds_two_queries(client, home, learner):
    course, lessons = build_course(home, 5, slug="curso")

    sql = lesson_get(client, learner, course, lessons[1])

    own = [
        statement
        for statement in sql
        if "lms_enrolment" in statement or "lms_stepprogress" in statement
    ]
    assert len(own) == 2, "\n".join(own)
    assert own[0].startswith("SELECT") and "lms_stepprogress" in own[0]  # enrolment + steps done
    assert own[1].startswith("INSERT INTO")  # the visit, whether first or not
    # No query of the course's steps: the outline comes from the shared cache.
    assert not any('"wagtailcore_page"."path" LIKE' in statement for statement in sql)


def test_first_view_after_a_pause_refreshes_the_last_activity(client, home, learner):
    course, lessons = build_course(home, 5, slug="curso")

    sql = lesson_get(client, learner, course, lessons[1], after_a_pause=True)

    assert len(sql) == LESSON_GET_AFTER_A_PAUSE
    assert any(q.startswith("UPDATE") and "last_activity_at" in q for q in sql)


def test_first_visit_of_a_step_costs_no_more_than_a_repeat(client, home, learner):
    course, lessons = build_course(home, 5, slug="curso")
    enrol(participant=learner, course=course)
    client.get(lessons[0].url)
    # Someone else opened the page before: its route is in the shared cache.
    Client().get(lessons[1].url)

    _response, first = queries(client, "get", lessons[1].url)
    _response, repeat = queries(client, "get", lessons[1].url)

    assert len(first) == len(repeat) == LESSON_GET


def test_lesson_get_fits_the_budget(client, home, learner):
    course, lessons = build_course(home, 5, slug="curso")

    sql = lesson_get(client, learner, course, lessons[1])

    assert len(sql) <= LESSON_GET_BUDGET


def complete_post(client, learner, course, lesson):
    enrol(participant=learner, course=course)
    client.get(lesson.url)
    url = reverse("lms:complete_step", args=[course.pk, lesson.pk])
    response, sql = queries(client, "post", url)
    assert response.status_code == 302
    return sql


def test_marking_a_lesson_done_costs_the_same_for_5_or_200_steps(client, home, learner):
    counts = []
    for steps in (5, 200):
        course, lessons = build_course(home, steps, slug=f"curso-{steps}")
        sql = complete_post(client, learner, course, lessons[steps // 2])
        assert len(sql) <= COMPLETE_POST_BUDGET, "\n".join(sql)
        counts.append(len(sql))

    assert counts[0] == counts[1]


def test_course_page_costs_the_same_for_5_or_200_steps(client, home, learner):
    counts = []
    for steps in (5, 200):
        course, _lessons = build_course(home, steps, slug=f"curso-{steps}")
        enrol(participant=learner, course=course)
        client.get(course.url)
        _response, sql = queries(client, "get", course.url)
        counts.append(len(sql))

    assert counts[0] == counts[1]


def test_catalogue_shows_everyones_progress_in_one_query(client, home, learner):
    index = CourseIndexPageFactory(parent=home)
    counts = []
    for n in range(1, 4):
        course = CoursePageFactory(parent=index, slug=f"curso-{n}")
        course.tags.add(f"tema-{n}")
        course.save_revision().publish()
        enrol(participant=learner, course=course)
        client.get(index.url)
        _response, sql = queries(client, "get", index.url)
        counts.append(len(sql))

    assert counts[0] == counts[1] == counts[2]
