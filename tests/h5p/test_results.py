"""H5P results and state: judging what the player reports, keeping the best result, resuming.

The player runs package code in a sandbox and its statements reach the server
through the lesson page, so every statement is treated as forged until judged:
the participant is the session's, only the activity's own verbs and IRI count,
scores must fit the activity's maximum, and nothing refused is ever stored.
"""

import json
import math
import uuid
from types import SimpleNamespace
from urllib.parse import urlencode, urlsplit

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from courses.models import H5PActivity, LessonPage
from lms.models import H5PResult, H5PState, H5PStatement, StepProgress
from lms.services import h5p as h5p_service
from lms.services.h5p import StatementIgnored, StatementRejected, activity_iri, judge
from lms.services.learning import enrol, leave
from lms.services.privacy import export_personal_data
from lms.views.h5p import MAX_STATEMENTS_PER_REQUEST
from tests.factories import UserFactory
from tests.h5p.conftest import (
    ANSWERED,
    COMPLETED,
    FAILED,
    PASSED,
    PROGRESSED,
    h5p_block,
    place,
    statement,
)
from tests.lms.factories import ParticipantFactory

pytestmark = pytest.mark.usefixtures("media_root")


# Helpers


def results_url(course, lesson, activity) -> str:
    return reverse("lms:h5p_results", args=[course.pk, lesson.pk, activity.pk])


def state_url(course, lesson, activity) -> str:
    return reverse("lms:h5p_state", args=[course.pk, lesson.pk, activity.pk])


def send(client, url, *statements, **extra):
    return client.post(
        url,
        data=json.dumps({"statements": list(statements)}),
        content_type="application/json",
        **extra,
    )


def send_raw(client, url, body: str):
    return client.post(url, data=body, content_type="application/json")


def save_state(client, url, value):
    return client.post(url, data=json.dumps({"state": value}), content_type="application/json")


def nothing_stored():
    return not H5PStatement.objects.exists() and not H5PResult.objects.exists()


def result_of(participant, activity) -> H5PResult:
    return H5PResult.objects.get(participant=participant, activity=activity)


def players_on(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="h5p-players" type="application/json">')
    start = html.index(">", start) + 1
    return json.loads(html[start : html.index("</script>", start)])


def player_config(client, url: str) -> dict:
    html = client.get(urlsplit(url).path).content.decode()
    start = html.index('<script id="h5p-config" type="application/json">')
    start = html.index(">", start) + 1
    return json.loads(html[start : html.index("</script>", start)])


def warnings_of(response) -> list[str]:
    return [
        str(message)
        for message in get_messages(response.wsgi_request)
        if message.level == messages.WARNING
    ]


def queries(client, method, url, **kwargs):
    with CaptureQueriesContext(connection) as context:
        response = getattr(client, method)(url, **kwargs)
    return response, [query["sql"] for query in context.captured_queries]


@pytest.fixture
def url(course, lesson, activity, enrolled):
    """Results of the activity placed in the first lesson, reported by an enrolled participant."""
    place(lesson, h5p_block(activity.pk))
    return results_url(course, lesson, activity)


@pytest.fixture
def fixed_clock(monkeypatch):
    """The rate limiter's clock, stopped 50 seconds into a minute; `advance` moves it."""
    clock = SimpleNamespace(now=1_700_000_030.0)

    def advance(seconds):
        clock.now += seconds

    monkeypatch.setattr("lms.ratelimit.time", SimpleNamespace(time=lambda: clock.now))
    clock.advance = advance
    return clock


# A correct answer, the best result


def test_a_correct_answer_records_a_statement_and_the_best_result(
    client, url, activity, participant, lesson
):
    response = send(client, url, statement(activity.pk))

    assert response.status_code == 200
    assert response.json() == {
        "accepted": 1,
        "ignored": 0,
        "rejected": 0,
        "best": {"raw": 1, "max": 1, "completed": True, "passed": True},
    }
    row = H5PStatement.objects.get()
    assert (row.participant_id, row.activity_id, row.lesson_id) == (
        participant.pk,
        activity.pk,
        lesson.pk,
    )
    assert (row.verb, row.raw_score, row.max_score, row.success, row.completion) == (
        "answered",
        1,
        1,
        True,
        True,
    )
    result = result_of(participant, activity)
    assert (result.raw_score, result.max_score, result.completed, result.passed) == (
        1,
        1,
        True,
        True,
    )
    assert result.statements == 1
    assert result.lesson_id == lesson.pk
    assert result.percent == 100


def test_a_wrong_answer_is_recorded_as_completed_but_not_passed(client, url, activity, participant):
    response = send(client, url, statement(activity.pk, raw=0))

    assert response.status_code == 200
    assert response.json()["best"] == {"raw": 0, "max": 1, "completed": True, "passed": False}
    assert H5PStatement.objects.get().success is False


def test_the_best_score_is_kept(client, url, make_activity, participant, course, lesson):
    activity = make_activity("Cuatro preguntas", max_score=4)
    place(lesson, h5p_block(activity.pk))
    url = results_url(course, lesson, activity)

    for raw in (3, 1, 0):
        assert send(client, url, statement(activity.pk, raw=raw, max=4)).status_code == 200

    result = result_of(participant, activity)
    assert (result.raw_score, result.completed, result.passed, result.statements) == (
        3,
        True,
        False,
        3,
    )
    assert H5PStatement.objects.count() == 3

    send(client, url, statement(activity.pk, raw=4, max=4))
    send(client, url, statement(activity.pk, raw=2, max=4))

    result.refresh_from_db()
    assert (result.raw_score, result.passed, result.statements) == (4, True, 5)


def test_a_later_worse_try_never_takes_a_pass_back(client, url, activity, participant):
    send(client, url, statement(activity.pk, raw=1))
    send(client, url, statement(activity.pk, verb=FAILED, raw=0, success=False))

    result = result_of(participant, activity)
    assert (result.raw_score, result.completed, result.passed) == (1, True, True)


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"verb": COMPLETED, "raw": 0, "success": None}, id="completed-scoring-0"),
        pytest.param({"verb": COMPLETED, "raw": 1, "success": False}, id="completed-success-false"),
        pytest.param({"verb": COMPLETED, "raw": None, "success": None}, id="completed-no-score"),
        pytest.param({"verb": ANSWERED, "raw": 1, "success": False}, id="answered-success-false"),
        pytest.param({"verb": ANSWERED, "raw": 0, "success": None}, id="answered-scoring-0"),
    ],
)
def test_completed_without_a_pass_never_marks_passed(client, url, activity, participant, kwargs):
    response = send(client, url, statement(activity.pk, **kwargs))

    assert response.status_code == 200
    result = result_of(participant, activity)
    assert result.completed is True
    assert result.passed is False


@pytest.mark.parametrize("success", [None, True, False])
def test_the_failed_verb_never_passes(client, url, activity, participant, success):
    response = send(client, url, statement(activity.pk, verb=FAILED, raw=1, success=success))

    assert response.status_code == 200
    result = result_of(participant, activity)
    assert (result.completed, result.passed) == (True, False)


def test_the_passed_verb_passes_without_full_marks(client, make_activity, participant, course):
    activity = make_activity("Dos preguntas", max_score=2)
    lesson = place(LessonPage.objects.get(slug="conceptos"), h5p_block(activity.pk))
    client.force_login(participant.user)
    enrol(participant=participant, course=course)

    response = send(
        client,
        results_url(course, lesson, activity),
        statement(activity.pk, verb=PASSED, raw=1, max=2, success=None),
    )

    assert response.status_code == 200
    assert result_of(participant, activity).passed is True


# Forged statements: refused, nothing stored


def _forged(activity_id, **changes):
    forged = statement(activity_id)
    score = forged["result"]["score"]
    for key, value in changes.items():
        if key in ("raw", "max", "min", "scaled"):
            score[key] = value
        else:
            forged["result"][key] = value
    return forged


FORGED = {
    "raw-above-max": {"raw": 2, "scaled": 1},
    "negative-raw": {"raw": -1, "scaled": -1},
    "raw-as-string": {"raw": "1"},
    "max-as-string": {"max": "1"},
    "scaled-as-string": {"scaled": "1"},
    "raw-as-true": {"raw": True},
    "fractional-raw": {"raw": 0.5, "scaled": 0.5},
    "max-of-the-activity-differs": {"raw": 2, "max": 2, "scaled": 1},
    "max-zero": {"raw": 0, "max": 0, "scaled": 0},
    "huge-max": {"raw": 10**9, "max": 10**9, "scaled": 1},
    "scaled-inconsistent": {"raw": 0, "scaled": 1},
    "min-not-zero": {"min": 1},
    "success-as-string": {"success": "true"},
    "completion-as-number": {"completion": 1},
    "score-as-a-list": {"score": [1, 1]},
}


@pytest.mark.parametrize("changes", FORGED.values(), ids=FORGED.keys())
def test_forged_scores_are_refused_and_nothing_is_stored(client, url, activity, changes):
    response = send(client, url, _forged(activity.pk, **changes))

    assert response.status_code == 400
    assert response.json() == {"accepted": 0, "ignored": 0, "rejected": 1}
    assert nothing_stored()
    activity.refresh_from_db()
    assert activity.max_score == 1


@pytest.mark.parametrize(
    "field, literal",
    [
        ("raw", "NaN"),
        ("raw", "Infinity"),
        ("max", "Infinity"),
        ("max", "NaN"),
        ("scaled", "NaN"),
        ("raw", "-Infinity"),
    ],
)
def test_non_finite_numbers_are_refused(client, url, activity, field, literal):
    forged = statement(activity.pk)
    forged["result"]["score"][field] = "__NUMBER__"
    body = json.dumps({"statements": [forged]}).replace('"__NUMBER__"', literal)
    assert literal in body  # raw JSON text, as a hand-written request would send it

    response = send_raw(client, url, body)

    assert response.status_code == 400
    assert nothing_stored()


@pytest.mark.parametrize(
    "verdict",
    [
        pytest.param(ANSWERED, id="answered"),
        pytest.param(PASSED, id="passed"),
        pytest.param(FAILED, id="failed"),
    ],
)
def test_a_verdict_without_a_score_is_refused(client, url, activity, verdict):
    response = send(client, url, statement(activity.pk, verb=verdict, raw=None, success=True))

    assert response.status_code == 400
    assert nothing_stored()


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[]",
        '{"statements": "all of them"}',
        '{"statements": []}',
        '{"other": []}',
        '{"statements": [1, "two", null]}',
    ],
)
def test_unreadable_bodies_are_refused(client, url, body):
    response = send_raw(client, url, body)

    assert response.status_code == 400
    assert nothing_stored()


def test_an_unknown_verb_is_ignored_and_not_stored(client, url, activity):
    response = send(
        client,
        url,
        statement(activity.pk, verb=PROGRESSED),
        statement(activity.pk, verb="http://adlnet.gov/expapi/verbs/interacted", raw=None),
        statement(activity.pk, verb="https://example.org/verbs/answered"),
    )

    assert response.status_code == 200
    assert response.json() == {"accepted": 0, "ignored": 3, "rejected": 0}
    assert nothing_stored()


def test_a_statement_about_another_activity_is_ignored(client, url, activity, make_activity):
    other = make_activity("Otra actividad")

    response = send(
        client,
        url,
        statement(activity.pk, object_id=activity_iri(other.pk)),
        statement(activity.pk, object_id="https://otro-sitio.example.org/h5p/actividades/1"),
        statement(activity.pk, object_id=activity_iri(activity.pk) + "/"),
    )

    assert response.status_code == 200
    assert response.json()["ignored"] == 3
    assert nothing_stored()


@pytest.mark.parametrize(
    "object_suffix",
    [
        pytest.param("?subContentId=9f6c3c1e-6d1b-4a55-9b6d-4b1f3c1d2e3f", id="sub-content-id"),
        pytest.param("", id="same-iri-with-a-parent"),
    ],
)
def test_a_sub_content_statement_is_ignored(client, url, activity, object_suffix):
    iri = activity_iri(activity.pk)

    response = send(client, url, statement(activity.pk, object_id=iri + object_suffix, parent=iri))

    assert response.status_code == 200
    assert response.json() == {"accepted": 0, "ignored": 1, "rejected": 0}
    assert nothing_stored()


def test_one_forged_statement_does_not_spoil_the_good_ones(client, url, activity, participant):
    response = send(
        client,
        url,
        statement(activity.pk, raw=0),
        _forged(activity.pk, raw=5),
        statement(activity.pk, verb=PROGRESSED),
    )

    assert response.status_code == 200
    assert response.json()["accepted"] == 1
    assert response.json()["rejected"] == 1
    assert response.json()["ignored"] == 1
    assert H5PStatement.objects.count() == 1
    assert result_of(participant, activity).raw_score == 0


# Who the result belongs to, and who may send one


def test_the_actor_in_the_statement_is_irrelevant(client, url, activity, participant, course):
    someone_else = ParticipantFactory(user__email="otra.persona@pedernales.gob.ec")
    enrol(participant=someone_else, course=course)

    response = send(
        client, url, statement(activity.pk, email="otra.persona@pedernales.gob.ec", raw=1)
    )

    assert response.status_code == 200
    assert result_of(participant, activity).passed is True
    assert not H5PResult.objects.filter(participant=someone_else).exists()
    assert list(H5PStatement.objects.values_list("participant_id", flat=True)) == [participant.pk]


def test_a_participant_not_enrolled_is_refused(client, official, course, lesson, activity):
    place(lesson, h5p_block(activity.pk))
    client.force_login(official)

    response = send(client, results_url(course, lesson, activity), statement(activity.pk))

    assert response.status_code == 403
    assert nothing_stored()


def test_a_participant_who_left_the_course_is_refused(client, url, enrolled, activity):
    leave(enrolment=enrolled)

    response = send(client, url, statement(activity.pk))

    assert response.status_code == 403
    assert nothing_stored()


def test_a_user_without_a_participant_profile_is_refused(client, course, lesson, activity):
    place(lesson, h5p_block(activity.pk))
    client.force_login(UserFactory(email="sin-perfil@example.org"))

    response = send(client, results_url(course, lesson, activity), statement(activity.pk))

    assert response.status_code == 403
    assert nothing_stored()


def test_an_activity_not_in_that_lesson_is_not_found(client, url, course, lesson, make_activity):
    other = make_activity("No está en la lección")
    second = LessonPage.objects.get(slug="diagnostico")
    placed = H5PActivity.objects.exclude(pk=other.pk).get()

    for wrong in (
        results_url(course, lesson, other),  # exists, placed nowhere
        results_url(course, second, placed),  # placed, but in the other lesson
        reverse("lms:h5p_results", args=[course.pk, lesson.pk, 999_999]),  # no such activity
        reverse("lms:h5p_results", args=[999_999, lesson.pk, placed.pk]),  # no such course
    ):
        response = send(client, wrong, statement(other.pk))
        assert response.status_code == 404, wrong

    assert nothing_stored()


def test_an_activity_in_a_quiz_step_id_is_not_found(client, url, course, activity):
    quiz = course.get_children().get(slug="evaluacion")

    response = send(client, results_url(course, quiz, activity), statement(activity.pk))

    assert response.status_code == 404
    assert nothing_stored()


def test_anonymous_is_sent_to_log_in_and_nothing_is_stored(course, lesson, activity):
    place(lesson, h5p_block(activity.pk))
    url = results_url(course, lesson, activity)

    response = send(Client(), url, statement(activity.pk))

    assert response.status_code == 302
    assert response["Location"].startswith("/cuenta/login/")
    assert nothing_stored()


def test_get_is_not_allowed(client, url):
    assert client.get(url).status_code == 405


def test_state_get_is_not_allowed(client, url, course, lesson, activity):
    assert client.get(state_url(course, lesson, activity)).status_code == 405


def test_a_post_without_the_csrf_token_is_refused(csrf_client, official, url, activity):
    csrf_client.force_login(official)

    response = send(csrf_client, url, statement(activity.pk))

    assert response.status_code == 403
    assert nothing_stored()


def test_a_post_with_the_csrf_token_of_the_lesson_page_is_accepted(
    csrf_client, official, url, activity, lesson
):
    csrf_client.force_login(official)
    players = players_on(csrf_client.get(lesson.url))

    response = send(csrf_client, url, statement(activity.pk), HTTP_X_CSRFTOKEN=players["csrf"])

    assert response.status_code == 200
    assert H5PStatement.objects.count() == 1


def test_too_many_statements_in_one_request_are_refused(client, url, activity):
    many = [statement(activity.pk)] * (MAX_STATEMENTS_PER_REQUEST + 1)

    response = send(client, url, *many)

    assert response.status_code == 400
    assert nothing_stored()


def test_the_most_statements_in_one_request_are_accepted(client, url, activity, participant):
    many = [statement(activity.pk, raw=n % 2) for n in range(MAX_STATEMENTS_PER_REQUEST)]

    response = send(client, url, *many)

    assert response.status_code == 200
    assert response.json()["accepted"] == MAX_STATEMENTS_PER_REQUEST
    assert result_of(participant, activity).statements == MAX_STATEMENTS_PER_REQUEST


def test_a_body_too_large_is_refused(client, url, activity):
    padded = statement(activity.pk)
    padded["object"]["definition"]["description"] = {"es": "x" * 300_000}

    response = send(client, url, padded)

    assert response.status_code == 400
    assert nothing_stored()


# Replay storms


def test_a_replay_storm_is_cut_off_after_the_limit(client, url, activity, settings, fixed_clock):
    settings.H5P_STATEMENTS_PER_MINUTE = 5

    codes = [send(client, url, statement(activity.pk)).status_code for _ in range(7)]

    assert codes == [200] * 5 + [429] * 2
    assert H5PStatement.objects.count() == 5

    fixed_clock.advance(60)  # the next minute
    assert send(client, url, statement(activity.pk)).status_code == 200
    assert H5PStatement.objects.count() == 6


def test_the_limit_is_per_participant(client, url, activity, course, settings, fixed_clock):
    settings.H5P_STATEMENTS_PER_MINUTE = 2
    for _ in range(3):
        send(client, url, statement(activity.pk))
    other = ParticipantFactory(user__email="luis@el-carmen.gob.ec")
    enrol(participant=other, course=course)
    second = Client()
    second.force_login(other.user)

    response = send(second, url, statement(activity.pk))

    assert response.status_code == 200
    assert result_of(other, activity).statements == 1


def test_a_replay_storm_in_one_batch_is_cut_off_too(client, url, activity, settings, fixed_clock):
    settings.H5P_STATEMENTS_PER_MINUTE = 5

    response = send(client, url, *[statement(activity.pk)] * 6)

    assert response.status_code == 429
    assert H5PStatement.objects.count() <= 5


# The activity's maximum score


def test_the_first_scored_statement_fixes_the_maximum(client, make_activity, enrolled, course):
    activity = make_activity("Sin máximo", max_score=None)
    lesson = place(LessonPage.objects.get(slug="conceptos"), h5p_block(activity.pk))
    url = results_url(course, lesson, activity)

    # A statement without a score does not fix it.
    send(client, url, statement(activity.pk, verb=COMPLETED, raw=None, success=None))
    activity.refresh_from_db()
    assert activity.max_score is None

    assert send(client, url, statement(activity.pk, raw=2, max=3)).status_code == 200
    activity.refresh_from_db()
    assert activity.max_score == 3

    response = send(client, url, statement(activity.pk, raw=5, max=5))

    assert response.status_code == 400
    activity.refresh_from_db()
    assert activity.max_score == 3
    assert list(H5PStatement.objects.values_list("max_score", flat=True).order_by("pk")) == [
        None,
        3,
    ]


def test_a_refused_statement_does_not_fix_the_maximum(client, make_activity, enrolled, course):
    activity = make_activity("Sin máximo", max_score=None)
    lesson = place(LessonPage.objects.get(slug="conceptos"), h5p_block(activity.pk))

    response = send(
        client, results_url(course, lesson, activity), _forged(activity.pk, raw=1, scaled=0)
    )

    assert response.status_code == 400
    activity.refresh_from_db()
    assert activity.max_score is None


def test_fix_max_score_refuses_another_maximum(make_activity):
    activity = make_activity(max_score=None)

    h5p_service.fix_max_score(activity, 4)
    stale = H5PActivity.objects.get(pk=activity.pk)
    stale.max_score = None  # a request that read the activity before the maximum was fixed

    with pytest.raises(StatementRejected):
        h5p_service.fix_max_score(stale, 5)
    h5p_service.fix_max_score(stale, 4)
    assert H5PActivity.objects.get(pk=activity.pk).max_score == 4


# The judge on its own


def test_judge_reads_a_correct_statement(activity):
    judged = judge(statement(activity.pk), activity_id=activity.pk, known_max=1)

    assert (judged.verb, judged.raw, judged.max, judged.success, judged.completion) == (
        "answered",
        1,
        1,
        True,
        True,
    )
    assert judged.passed and judged.completed


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_judge_refuses_non_finite_numbers(activity, value):
    with pytest.raises(StatementRejected):
        judge(_forged(activity.pk, raw=value), activity_id=activity.pk, known_max=None)


@pytest.mark.parametrize("value", [None, "statement", [], 1])
def test_judge_refuses_what_is_not_a_statement(activity, value):
    with pytest.raises((StatementRejected, StatementIgnored)):
        judge(value, activity_id=activity.pk, known_max=None)


def test_judge_ignores_sub_content(activity):
    iri = activity_iri(activity.pk)
    with pytest.raises(StatementIgnored):
        judge(statement(activity.pk, parent=iri), activity_id=activity.pk, known_max=1)


# sendBeacon: a form with the CSRF token, sent when the page is hidden


def test_the_send_beacon_form_is_accepted(
    csrf_client, official, url, activity, lesson, participant
):
    csrf_client.force_login(official)
    token = players_on(csrf_client.get(lesson.url))["csrf"]
    body = urlencode(
        {
            "csrfmiddlewaretoken": token,
            "payload": json.dumps({"statements": [statement(activity.pk)]}),
        }
    )

    response = csrf_client.post(url, data=body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 200
    assert result_of(participant, activity).passed is True


def test_the_send_beacon_form_without_its_token_is_refused(csrf_client, official, url, activity):
    csrf_client.force_login(official)
    body = urlencode({"payload": json.dumps({"statements": [statement(activity.pk)]})})

    response = csrf_client.post(url, data=body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 403
    assert nothing_stored()


def test_a_form_without_a_payload_is_refused(client, url):
    response = client.post(url, {"statements": "[]"})

    assert response.status_code == 400
    assert nothing_stored()


# State: where the participant left the activity


def test_state_is_saved_and_replaced(client, url, course, lesson, activity, participant):
    url = state_url(course, lesson, activity)

    assert save_state(client, url, '{"answers": [0]}').status_code == 204
    assert save_state(client, url, '{"answers": [1]}').status_code == 204

    state = H5PState.objects.get()
    assert (state.participant_id, state.activity_id, state.data) == (
        participant.pk,
        activity.pk,
        '{"answers": [1]}',
    )


def test_state_is_restored_into_the_player(client, url, course, lesson, activity):
    saved = json.dumps({"answers": [0], "nota": "ñandú"})
    save_state(client, state_url(course, lesson, activity), saved)

    players = players_on(client.get(lesson.url))
    config = player_config(client, players["activities"][str(activity.pk)]["player"])

    assert config["contentUserData"] == [
        {"dataType": "state", "previousState": saved, "subContentId": "*"}
    ]


def test_the_player_has_no_state_to_restore_at_first(client, url, lesson, activity):
    players = players_on(client.get(lesson.url))

    config = player_config(client, players["activities"][str(activity.pk)]["player"])

    assert "contentUserData" not in config


def test_state_is_capped_in_size(client, url, course, lesson, activity, settings):
    settings.H5P_STATE_MAX_BYTES = 100
    url = state_url(course, lesson, activity)
    fits = json.dumps({"a": "x" * 91})
    assert len(fits.encode()) == 100
    accented = json.dumps({"a": "ñ" * 46}, ensure_ascii=False)
    assert (len(accented), len(accented.encode())) == (55, 101)  # bytes count, not characters

    assert save_state(client, url, fits).status_code == 204
    for too_large in (json.dumps({"a": "x" * 92}), accented):
        assert save_state(client, url, too_large).status_code == 400

    assert H5PState.objects.get().data == fits


@pytest.mark.parametrize("value", ["not json", "{'single': 'quotes'}", ""])
def test_state_must_be_json(client, url, course, lesson, activity, value):
    response = save_state(client, state_url(course, lesson, activity), value)

    assert response.status_code == 400
    assert not H5PState.objects.exists()


@pytest.mark.parametrize("value", [{"answers": [0]}, 12, None, ["x"]])
def test_state_must_be_sent_as_a_string(client, url, course, lesson, activity, value):
    response = save_state(client, state_url(course, lesson, activity), value)

    assert response.status_code == 400
    assert not H5PState.objects.exists()


def test_state_of_a_participant_not_enrolled_is_refused(client, official, course, lesson, activity):
    place(lesson, h5p_block(activity.pk))
    client.force_login(official)

    response = save_state(client, state_url(course, lesson, activity), "{}")

    assert response.status_code == 403
    assert not H5PState.objects.exists()


def test_state_without_the_csrf_token_is_refused(
    csrf_client, official, url, course, lesson, activity
):
    csrf_client.force_login(official)

    response = save_state(csrf_client, state_url(course, lesson, activity), "{}")

    assert response.status_code == 403
    assert not H5PState.objects.exists()


def test_state_by_send_beacon_form_is_accepted(client, url, course, lesson, activity):
    body = urlencode({"payload": json.dumps({"state": '{"page": 2}'})})

    response = client.post(
        state_url(course, lesson, activity),
        data=body,
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 204
    assert H5PState.objects.get().data == '{"page": 2}'


# Query budgets
#
# A results POST with one statement (warm caches; the result row exists already,
# as for every statement after a participant's first):
#
#   session, user ........................................... 2  (Django)
#   enrolment with the steps done ........................... 1  (lms.views.learning.learning_for)
#   statement INSERT ........................................ 1  (append-only log)
#   best result UPDATE, then its row read back .............. 2  (lms.services.h5p._keep_best)
#   SAVEPOINT and RELEASE around record_statement ........... 2  (transaction.atomic inside the
#                                                                 test's own transaction)
#
# The course outline (which lesson holds which activity, with the activity's
# recorded maximum) and the rate limit come from the shared cache. Outside a test,
# record_statement's atomic block opens the transaction itself, so production
# sends the 6 other statements.
RESULTS_POST = 8
RESULTS_POST_SAVEPOINTS = 2
RESULTS_POST_BUDGET = 6
# A lesson GET with three activities: the four of any lesson GET (session, user,
# enrolment with the steps done, the visit INSERT ... ON CONFLICT), plus the
# participant's best results in the lesson's activities, one query for all of
# them. Players' tokens are signed, not stored; the body comes from the shared cache.
LESSON_GET_THREE_ACTIVITIES = 5
LESSON_GET_BUDGET = 8


def _is_savepoint(sql: str) -> bool:
    return sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT"))


def results_post(client, url, activity, lesson):
    client.get(lesson.url)  # fills the shared caches: outline, menu, footer
    send(client, url, statement(activity.pk, raw=0))  # the result row exists from now on
    body = json.dumps({"statements": [statement(activity.pk)]})
    response, sql = queries(client, "post", url, data=body, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["accepted"] == 1
    return sql


def test_results_post_query_count_is_pinned(client, url, activity, lesson):
    sql = results_post(client, url, activity, lesson)

    assert len(sql) == RESULTS_POST, "\n".join(sql)
    assert sum(map(_is_savepoint, sql)) == RESULTS_POST_SAVEPOINTS
    writes = [q for q in sql if q.startswith(("INSERT", "UPDATE"))]
    assert len(writes) == 2
    assert "lms_h5pstatement" in writes[0] and "lms_h5presult" in writes[1]
    # The outline comes from the shared cache: no query of the course's pages.
    assert not any("wagtailcore_page" in q for q in sql)


def test_a_statement_with_its_own_id_costs_one_savepoint_more(client, url, activity, lesson):
    """The lesson page gives each statement an id; a savepoint tells a resend apart."""
    client.get(lesson.url)
    send(client, url, statement(activity.pk, raw=0))
    body = json.dumps({"statements": [{**statement(activity.pk), "id": str(uuid.uuid4())}]})
    with CaptureQueriesContext(connection) as captured:
        response = client.post(url, data=body, content_type="application/json")
    assert response.status_code == 200
    sql = [query["sql"] for query in captured.captured_queries]

    assert len(sql) == RESULTS_POST + 2, "\n".join(sql)
    assert sum(map(_is_savepoint, sql)) == RESULTS_POST_SAVEPOINTS + 2


def test_results_post_fits_the_budget(client, url, activity, lesson):
    sql = results_post(client, url, activity, lesson)

    own = [q for q in sql if not _is_savepoint(q)]
    assert len(own) <= RESULTS_POST_BUDGET, "\n".join(own)


def lesson_get(client, lesson, *activities):
    rules = ["none", "completed", "passed"]
    place(lesson, *(h5p_block(a.pk, rules[n % 3]) for n, a in enumerate(activities)))
    client.get(lesson.url)  # fills the shared caches: outline, body, menu, footer
    response, sql = queries(client, "get", lesson.url)
    assert response.status_code == 200
    assert len(players_on(response)["activities"]) == len(activities)
    return sql


def test_lesson_get_with_three_activities_query_count_is_pinned(
    client, make_activity, enrolled, lesson
):
    three = [make_activity(f"Actividad {n}") for n in range(3)]

    sql = lesson_get(client, lesson, *three)

    assert len(sql) == LESSON_GET_THREE_ACTIVITIES, "\n".join(sql)
    assert len(sql) <= LESSON_GET_BUDGET
    assert sum("lms_h5presult" in q for q in sql) == 1
    assert not any("courses_h5pactivity" in q for q in sql)


def test_lesson_get_costs_the_same_for_one_or_three_activities(
    client, make_activity, enrolled, lesson, participant
):
    one = lesson_get(client, lesson, make_activity("Una"))
    three = [make_activity(f"Actividad {n}") for n in range(3)]
    for activity in three:
        h5p_service.record_statement(
            participant_id=participant.pk,
            activity=activity,
            lesson_id=lesson.pk,
            statement=statement(activity.pk),
        )

    assert len(lesson_get(client, lesson, *three)) == len(one)


# Lesson requirements


@pytest.fixture
def required(course, lesson, make_activity, enrolled):
    """Build a lesson whose activity must be passed or completed to mark it done."""

    def build(requirement):
        activity = make_activity(f"Requisito {requirement}")
        place(lesson, h5p_block(activity.pk, requirement))
        return activity, results_url(course, lesson, activity)

    return build


def complete(client, course, lesson):
    """Ask to mark the lesson done; the response and its warnings, read once."""
    response = client.post(reverse("lms:complete_step", args=[course.pk, lesson.pk]))
    response.warnings = warnings_of(response)
    client.cookies.pop("messages", None)  # the redirect is not followed: drop them here
    return response


def lesson_done(enrolment, lesson) -> bool:
    return StepProgress.objects.filter(
        enrolment=enrolment, step_id=lesson.pk, completed_at__isnull=False
    ).exists()


def test_a_lesson_needing_a_pass_waits_for_it(client, required, course, lesson, enrolled):
    activity, url = required("passed")

    response = complete(client, course, lesson)

    assert response.status_code == 302
    assert response["Location"] == lesson.url
    assert len(response.warnings) == 1
    assert not lesson_done(enrolled, lesson)

    send(client, url, statement(activity.pk, raw=0))  # completed, not passed
    response = complete(client, course, lesson)
    assert len(response.warnings) == 1
    assert not lesson_done(enrolled, lesson)

    send(client, url, statement(activity.pk, raw=1))
    response = complete(client, course, lesson)

    assert response.warnings == []
    assert lesson_done(enrolled, lesson)


def test_a_lesson_needing_completion_accepts_a_failed_try(
    client, required, course, lesson, enrolled
):
    activity, url = required("completed")
    assert complete(client, course, lesson).warnings
    assert not lesson_done(enrolled, lesson)

    send(client, url, statement(activity.pk, verb=COMPLETED, raw=0, success=False))
    response = complete(client, course, lesson)

    assert response.warnings == []
    assert lesson_done(enrolled, lesson)


def test_an_optional_activity_never_holds_the_lesson_back(
    client, required, course, lesson, enrolled
):
    required("none")

    complete(client, course, lesson)

    assert lesson_done(enrolled, lesson)


def test_the_warning_says_the_activity_is_needed(client, required, course, lesson):
    required("passed")

    with translation.override("en"):
        response = client.post(reverse("lms:complete_step", args=[course.pk, lesson.pk]))

    assert warnings_of(response) == [
        "Do this lesson's activity first: it is needed to mark the lesson done."
    ]


def test_another_participants_pass_does_not_count(client, required, course, lesson, enrolled):
    activity, _url = required("passed")
    other = ParticipantFactory(user__email="luis@el-carmen.gob.ec")
    enrol(participant=other, course=course)
    h5p_service.record_statement(
        participant_id=other.pk,
        activity=activity,
        lesson_id=lesson.pk,
        statement=statement(activity.pk),
    )

    complete(client, course, lesson)

    assert not lesson_done(enrolled, lesson)


# Personal data


def test_results_appear_in_the_personal_data_download(client, url, activity, participant):
    send(client, url, statement(activity.pk, raw=1))

    with translation.override("en"):
        data = export_personal_data(participant=participant)

    assert data["H5P activities"] == [
        {
            "Activity": activity.title,
            "Best score": 1,
            "Maximum score": 1,
            "Completed": True,
            "Passed": True,
            "Last result": data["H5P activities"][0]["Last result"],
        }
    ]
    assert data["H5P activities"][0]["Last result"]

    with translation.override("en"):
        download = client.get(reverse("lms:my_data_json"))  # the English address, /en/...
    assert download.status_code == 200
    rows = json.loads(download.content)["H5P activities"]
    assert [(row["Activity"], row["Best score"], row["Passed"]) for row in rows] == [
        (activity.title, 1, True)
    ]


def test_another_participants_results_stay_out_of_the_download(url, activity, participant, course):
    other = ParticipantFactory(user__email="luis@el-carmen.gob.ec")
    h5p_service.record_statement(
        participant_id=other.pk, activity=activity, lesson_id=None, statement=statement(activity.pk)
    )

    with translation.override("en"):
        assert export_personal_data(participant=participant)["H5P activities"] == []
        assert len(export_personal_data(participant=other)["H5P activities"]) == 1
