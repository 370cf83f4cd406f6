"""Learning offline, the server's side: what a device may keep and for whom, the service
worker and manifest, course downloads, and changes sent later that count once."""

import json
import re
import uuid

import pytest
import wagtail_factories
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from courses.models import LessonPage, QuizPage
from lms import roles
from lms.models import (
    H5PResult,
    H5PStatement,
    OfflineChange,
    Participant,
    QuizAttempt,
    StepProgress,
)
from lms.offline import user_scope
from lms.services.learning import enrol, start_attempt
from lms.views import offline as offline_views
from tests.factories import UserFactory
from tests.h5p.conftest import h5p_block, place, statement
from tests.lms.factories import ParticipantFactory
from tests.lms.test_learning import pass_quiz
from tests.lms.test_quiz import answer_data

COURSE = "/cursos/movilidad-pdot/"


@pytest.fixture(autouse=True)
def _spanish():
    with translation.override("es"):
        yield


@pytest.fixture
def participant(official):
    return Participant.objects.get(user=official)


@pytest.fixture
def enrolment(participant, course):
    return enrol(participant=participant, course=course)


@pytest.fixture
def logged_in(client, official):
    client.force_login(official)
    return client


def lesson(slug="conceptos") -> LessonPage:
    return LessonPage.objects.get(slug=slug)


def quiz() -> QuizPage:
    return QuizPage.objects.get(slug="evaluacion")


def change_headers(change_id=None, **extra):
    return {"HTTP_X_AULA_CHANGE": str(change_id or uuid.uuid4()), **extra}


def complete_url(course, slug="conceptos"):
    return reverse("lms:complete_step", args=[course.pk, lesson(slug).pk])


# ---------------------------------------------------------------------------
# What a device may keep, and for whom.


def test_anonymous_pages_may_be_kept_for_everyone_even_from_the_page_cache(client, course):
    first = client.get(COURSE)
    second = client.get(COURSE)

    assert first["X-Aula-Offline"] == "public"
    assert second["X-Page-Cache"] == "hit"
    assert second["X-Aula-Offline"] == "public"


def test_a_signed_in_persons_pages_are_kept_only_under_their_own_scope(
    logged_in, official, enrolment, course
):
    other = UserFactory()

    response = logged_in.get(COURSE + "conceptos/")

    assert response.status_code == 200
    assert response["X-Aula-Offline"] == f"user={user_scope(official)}"
    assert user_scope(official) != user_scope(other)
    # Opaque: neither the id nor the email shows.
    assert str(official.pk) != user_scope(official)
    assert official.email not in response["X-Aula-Offline"]
    assert f'data-aula-user="{user_scope(official)}"' in response.content.decode()


@pytest.mark.parametrize(
    "url",
    ["/cuenta/perfil/", "/cuenta/mis-datos/", "/cuenta/email/", "/aprendizaje/historial/"],
)
def test_account_and_personal_record_pages_are_never_kept(logged_in, participant, url):
    response = logged_in.get(url)

    assert response.status_code == 200
    assert "X-Aula-Offline" not in response


def test_admin_pages_are_never_kept(db, login_staff):
    client = login_staff(UserFactory(groups=[roles.EDITOR]))

    response = client.get("/admin/")

    assert response.status_code == 200
    assert "X-Aula-Offline" not in response


def test_anonymous_pages_name_nobody(client, course):
    html = client.get(COURSE).content.decode()

    assert "data-aula-user" not in html


# ---------------------------------------------------------------------------
# The worker, the manifest and the offline page.


def test_service_worker_is_served_at_the_root_and_checked_on_every_visit(client):
    response = client.get("/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"
    assert response["Service-Worker-Allowed"] == "/"
    script = response.content.decode()
    version = offline_views.worker_version()
    assert f'var VERSION = "{version}";' in script
    precache = json.loads(re.search(r"var PRECACHE = (\[.*?\]);", script).group(1))
    assert "/sin-conexion/" in precache and "/en/sin-conexion/" in precache
    assert any(url.endswith(".css") and "/css/site" in url for url in precache)
    assert "{{" not in script and "{%" not in script


def test_a_deployment_that_changes_static_files_changes_the_worker(client, monkeypatch):
    before = client.get("/sw.js").content
    monkeypatch.setattr(offline_views, "_static_fingerprint", lambda: "another deployment")

    after = client.get("/sw.js").content

    assert before != after
    assert (
        re.search(rb'var VERSION = "(\w+)"', before)[1]
        != re.search(rb'var VERSION = "(\w+)"', after)[1]
    )


def test_web_manifest_makes_aula_installable(client):
    response = client.get("/manifest.webmanifest")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    data = json.loads(response.content)
    assert data["short_name"] == "Aula"
    assert data["lang"] == "es"
    assert data["display"] == "standalone"
    assert data["start_url"] == "/"
    sizes = {icon["sizes"] for icon in data["icons"]}
    assert {"192x192", "512x512"} <= sizes
    assert any(icon.get("purpose") == "maskable" for icon in data["icons"])


def test_pages_link_the_manifest_and_load_the_offline_scripts_deferred(client, course):
    html = client.get(COURSE).content.decode()

    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    for script in re.findall(r"<script[^>]*>", html):
        assert " defer" in script or "application/json" in script, script
    assert "offline.js" in html and "offline-store.js" in html


@pytest.mark.parametrize("url", ["/sin-conexion/", "/en/sin-conexion/"])
def test_offline_page_explains_what_works_in_each_language(client, db, url):
    response = client.get(url)

    assert response.status_code == 200
    assert response["X-Aula-Offline"] == "public"
    html = response.content.decode()
    assert "data-offline-pending" in html and "data-offline-downloads" in html
    if url.startswith("/en/"):
        assert "Without a connection" in html
    else:
        assert "Sin conexión" in html


def test_sync_state_names_the_scope_and_gives_a_token(client, official):
    assert client.get("/aprendizaje/sincronizar/").json() == {"user": None, "csrf": None}

    client.force_login(official)
    data = client.get("/aprendizaje/sincronizar/").json()

    assert data["user"] == user_scope(official)
    assert data["csrf"]


# ---------------------------------------------------------------------------
# A course download.


def download_url(course):
    return reverse("lms:course_download", args=[course.pk])


def test_download_needs_an_enrolled_participant(client, official, course):
    assert client.get(download_url(course)).status_code == 401
    client.force_login(official)

    response = client.get(download_url(course))

    assert response.status_code == 403
    assert response.json()["error"] == "not_enrolled"


def test_download_lists_every_page_and_file_with_sizes_first(
    logged_in,
    enrolment,
    course,
    make_activity,
    media_root,
):
    image = wagtail_factories.ImageFactory(title="Mapa de Zamora")
    document = wagtail_factories.DocumentFactory(
        title="Matriz de actores", file__data=b"%PDF-1.4 matriz" * 100, file__filename="matriz.pdf"
    )
    activity = make_activity()
    first = lesson()
    first.body = json.dumps(
        [
            {"type": "paragraph", "value": "<p>Movilidad humana.</p>", "id": "p"},
            {
                "type": "image",
                "value": {"image": image.pk, "alt_text": "Mapa", "caption": ""},
                "id": "i",
            },
            {
                "type": "document",
                "value": {"document": document.pk, "title": "", "description": ""},
                "id": "d",
            },
            h5p_block(activity.pk),
        ]
    )
    first.save_revision().publish()

    data = logged_in.get(download_url(course)).json()

    urls = [page["url"] for page in data["pages"]]
    assert urls == [COURSE, COURSE + "conceptos/", COURSE + "diagnostico/", COURSE + "evaluacion/"]
    files = {file["url"]: file["bytes"] for file in data["files"]}
    rendition = image.get_rendition("width-720|format-webp")
    assert files[rendition.url] == rendition.file.size > 0
    assert files[document.url] == document.file.size > 0
    # The H5P activity: its player for this person, and every unpacked file.
    (played,) = data["h5p"]
    assert played["id"] == activity.pk
    assert played["player"].endswith("/") and "/h5p/" in played["player"]
    names = sorted(f["url"].split("/archivos/")[1] for f in played["files"])
    assert "h5p.json" in names and "content/content.json" in names
    assert all(f["bytes"] > 0 for f in played["files"])
    # The quiz, to be started (or resumed) while online.
    assert data["quizzes"] == [
        {
            "id": quiz().pk,
            "title": "Evaluación final",
            "url": COURSE + "evaluacion/",
            "start": reverse("lms:quiz_start", args=[quiz().pk]),
        }
    ]
    # The total is what the parts add up to, shown before anything is downloaded.
    assert data["bytes"] == (
        sum(page["bytes"] for page in data["pages"])
        + sum(files.values())
        + sum(f["bytes"] for f in played["files"])
        + offline_views.offline_service.estimated_page_bytes()
    )
    assert data["scope"] == user_scope(enrolment.participant.user)


def test_a_passed_quiz_needs_no_attempt_prepared(logged_in, enrolment, course):
    pass_quiz(enrolment)

    data = logged_in.get(download_url(course)).json()

    assert data["quizzes"] == []


def test_download_version_changes_when_a_lesson_is_published(logged_in, enrolment, course):
    before = logged_in.get(download_url(course)).json()["version"]
    assert logged_in.get(download_url(course)).json()["version"] == before

    lesson().save_revision().publish()

    assert logged_in.get(download_url(course)).json()["version"] != before


def test_download_costs_a_fixed_number_of_queries(logged_in, enrolment, course):
    logged_in.get(download_url(course))  # the outline is cached after the first request

    with CaptureQueriesContext(connection) as queries:
        response = logged_in.get(download_url(course))

    assert response.status_code == 200
    assert len(queries) == 6


# ---------------------------------------------------------------------------
# Changes sent later, once.


def test_a_lesson_marked_done_offline_is_recorded_once(logged_in, enrolment, course):
    change = uuid.uuid4()

    first = logged_in.post(complete_url(course), **change_headers(change))
    again = logged_in.post(complete_url(course), **change_headers(change))

    assert first.status_code == again.status_code == 200
    assert first.json() == {
        "status": 302,
        "location": COURSE + "diagnostico/",
        "replayed": False,
        "messages": ["«Conceptos» terminada."],
    }
    assert again.json() == {
        "status": 302,
        "location": COURSE + "diagnostico/",
        "replayed": True,
    }
    assert StepProgress.objects.filter(enrolment=enrolment, completed_at__isnull=False).count() == 1
    assert OfflineChange.objects.get().status == 302
    # The messages went back with the answer, not to the person's next page.
    assert "«Conceptos» terminada" not in logged_in.get(COURSE).content.decode()


def test_changes_are_checked_against_the_csrf_token_sent_with_them(official, enrolment, course):
    client = Client(enforce_csrf_checks=True)
    client.force_login(official)
    refused = client.post(complete_url(course), **change_headers())
    assert refused.status_code == 403
    assert not StepProgress.objects.filter(completed_at__isnull=False).exists()

    token = client.get("/aprendizaje/sincronizar/").json()["csrf"]
    response = client.post(complete_url(course), **change_headers(HTTP_X_CSRFTOKEN=token))

    assert response.json()["status"] == 302
    assert StepProgress.objects.filter(completed_at__isnull=False).count() == 1


def test_a_refused_change_says_so(logged_in, participant, course):
    response = logged_in.post(complete_url(course), **change_headers())

    assert response.status_code == 200
    data = response.json()
    assert data["refused"] is True
    assert data["messages"] == ["Inscríbase en el curso para registrar su avance."]


def test_the_same_change_id_from_two_people_is_two_changes(client, official, enrolment, course):
    other = ParticipantFactory()
    enrol(participant=other, course=course)
    change = uuid.uuid4()
    client.force_login(official)
    client.post(complete_url(course), **change_headers(change))
    client.force_login(other.user)

    response = client.post(complete_url(course), **change_headers(change))

    assert response.json()["replayed"] is False
    assert OfflineChange.objects.count() == 2


def test_a_change_still_being_applied_is_asked_again_later(logged_in, official, enrolment, course):
    change = uuid.uuid4()
    OfflineChange.objects.create(user=official, change_id=change)

    response = logged_in.post(complete_url(course), **change_headers(change))

    assert response.status_code == 409
    assert response.json() == {"error": "in_progress"}
    assert not StepProgress.objects.filter(completed_at__isnull=False).exists()


def test_a_bad_change_id_or_no_session_is_refused_as_json(client, official, enrolment, course):
    assert client.post(complete_url(course), **change_headers()).status_code == 401
    client.force_login(official)

    response = client.post(complete_url(course), HTTP_X_AULA_CHANGE="no-es-un-uuid")

    assert response.status_code == 400
    assert not OfflineChange.objects.exists()


def test_without_the_header_the_form_works_as_before(logged_in, enrolment, course):
    response = logged_in.post(complete_url(course))

    assert response.status_code == 302
    assert response.url == COURSE + "diagnostico/"
    assert not OfflineChange.objects.exists()


def test_a_quiz_submitted_offline_is_graded_once_when_it_arrives(logged_in, enrolment, course):
    attempt = start_attempt(enrolment=enrolment, quiz=quiz())
    html = logged_in.get(reverse("lms:quiz_attempt", args=[attempt.pk])).content.decode()
    fields = dict(re.findall(r'<input type="hidden" name="(offline_\w+)" value="([^"]*)"', html))
    assert fields == {"offline_next": "/sin-conexion/", "offline_label": "Evaluación final"}
    right = {"single_choice": "El PDOT", "true_false": "Verdadero"}
    data = {}
    for question in attempt.questions:
        data.update(answer_data(html, question["id"], question["type"], right[question["type"]]))
    change = uuid.uuid4()
    url = reverse("lms:quiz_submit", args=[attempt.pk])

    first = logged_in.post(url, data, **change_headers(change))
    again = logged_in.post(url, data, **change_headers(change))

    result = reverse("lms:quiz_result", args=[attempt.pk])
    assert first.json()["location"] == again.json()["location"] == result
    attempt.refresh_from_db()
    assert attempt.is_submitted and attempt.passed and attempt.score == 100
    assert QuizAttempt.objects.filter(enrolment=enrolment).count() == 1


@pytest.fixture
def results_url(enrolment, course, make_activity):
    """Where the enrolled official's lesson with an H5P activity sends its results."""
    activity = make_activity()
    place(lesson(), h5p_block(activity.pk))
    return reverse("lms:h5p_results", args=[course.pk, lesson().pk, activity.pk]), activity


def test_h5p_results_sent_twice_count_once(logged_in, results_url):
    url, activity = results_url
    sent = {**statement(activity.pk), "id": str(uuid.uuid4())}
    body = json.dumps({"statements": [sent]})

    first = logged_in.post(url, body, content_type="application/json")
    again = logged_in.post(url, body, content_type="application/json")

    assert first.json()["accepted"] == 1
    assert again.json() == {"accepted": 0, "ignored": 1, "rejected": 0}
    assert H5PStatement.objects.count() == 1
    assert H5PResult.objects.get().statements == 1


def test_h5p_results_queued_by_the_worker_are_applied_once(logged_in, results_url):
    url, activity = results_url
    body = json.dumps({"statements": [statement(activity.pk)]})
    change = uuid.uuid4()

    first = logged_in.post(url, body, content_type="application/json", **change_headers(change))
    again = logged_in.post(url, body, content_type="application/json", **change_headers(change))

    assert first.json()["body"]["accepted"] == 1
    assert again.json()["replayed"] is True
    assert H5PResult.objects.get().statements == 1
