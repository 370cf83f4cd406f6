"""Serving H5P: the sandboxed player page, the package files, and who gets a player at all.

The player and its files are reached with a signed, expiring token in the URL
(a sandboxed frame sends no cookies); every response carries a sandbox CSP,
so even a file opened on its own runs with an opaque origin.
"""

import json
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from courses.h5p.activities import discard
from lms.services import h5p as h5p_service
from lms.services.h5p import SIGNING_NAMESPACE, activity_iri, file_token
from lms.services.learning import enrol
from tests.factories import UserFactory
from tests.h5p.conftest import h5p_block, place, statement
from tests.lms.factories import ParticipantFactory

pytestmark = pytest.mark.usefixtures("media_root")


# Helpers


def token_for(activity, user) -> str:
    return file_token(activity_id=activity.pk, key=activity.key, user_id=user.pk)


def player_path(token: str) -> str:
    return reverse("h5p_player", args=[token])


def file_path(token: str, name: str) -> str:
    """The file URL as a browser would request it: the name is not checked here."""
    return reverse("h5p_file", args=[token, "x"])[:-1] + name


def json_script(response, element_id: str):
    html = response.content.decode()
    marker = f'<script id="{element_id}" type="application/json">'
    if marker not in html:
        return None
    start = html.index(marker) + len(marker)
    return json.loads(html[start : html.index("</script>", start)])


def assert_sandboxed(response):
    policy = response["Content-Security-Policy"]
    assert policy.startswith("sandbox allow-scripts")
    assert "allow-same-origin" not in policy
    assert "allow-top-navigation" not in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Access-Control-Allow-Origin"] == "*"


@pytest.fixture
def player_user(official):
    return official


@pytest.fixture
def token(activity, player_user):
    return token_for(activity, player_user)


@pytest.fixture
def clock(monkeypatch):
    """django.core.signing's clock, stopped: tokens are made and checked at `clock.now`."""
    clock = SimpleNamespace(now=1_750_000_000.0)
    monkeypatch.setattr(signing, "time", SimpleNamespace(time=lambda: clock.now))
    return clock


# The player page


def test_the_player_page_is_sandboxed(client, token):
    response = client.get(player_path(token))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert_sandboxed(response)
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert response["Referrer-Policy"] == "no-referrer"
    # One person's address for one view: kept by their phone (a downloaded lesson's
    # activity opens offline), never by a shared cache.
    assert response["Cache-Control"] == "private, max-age=2592000"
    assert "X-Frame-Options" not in response  # framed by the site; CSP says by whom


def test_the_player_page_needs_no_session(token):
    """The sandboxed frame's requests carry no cookies: the token is enough."""
    response = Client().get(player_path(token))

    assert response.status_code == 200


def test_the_player_page_holds_no_session_or_csrf_token(client, three, enrolled, lesson):
    players = json_script(client.get(lesson.url), "h5p-players")  # sets the CSRF cookie
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    csrf_cookie = client.cookies[django_settings.CSRF_COOKIE_NAME].value
    player = urlsplit(players["activities"][str(three[0].pk)]["player"]).path

    response = client.get(player)  # even if the browser sent the cookies along

    assert response.status_code == 200
    html = response.content.decode()
    for secret in (session, csrf_cookie, players["csrf"]):
        assert secret not in html
    assert "csrf" not in html.lower()
    # Nor does it hand out cookies of its own.
    assert not response.cookies


def test_the_player_config(client, activity, token):
    response = client.get(player_path(token))

    config = json_script(response, "h5p-config")
    assert config["embedType"] == "div"
    assert config["xAPIObjectIRI"] == activity_iri(activity.pk)
    assert "user" not in config
    assert "ajax" not in config
    assert "contentUserData" not in config
    files = urlsplit(config["h5pJsonPath"]).path
    assert files == file_path(token, "")[:-1]
    assert urlsplit(config["contentJsonPath"]).path == files + "/content"
    assert config["frameJs"].endswith("/static/h5p-standalone/frame.bundle.js")


def test_the_player_config_uses_the_files_origin(client, token, settings):
    settings.H5P_FILES_ORIGIN = "https://h5p.aula.example.org"

    response = client.get(player_path(token))

    config = json_script(response, "h5p-config")
    assert config["h5pJsonPath"].startswith("https://h5p.aula.example.org/h5p/")
    assert config["frameJs"].startswith("http://testserver/static/")
    # Framed by the site from another host: the site is named as an ancestor.
    assert "frame-ancestors 'self' http://testserver" in response["Content-Security-Policy"]


def test_the_player_page_takes_only_get(client, token):
    assert client.post(player_path(token)).status_code == 405


# Package files


@pytest.mark.parametrize(
    "name, content_type",
    [
        ("h5p.json", "application/json"),
        ("content/content.json", "application/json"),
        ("Aula.Question-1.0/library.json", "application/json"),
        ("Aula.Question-1.0/question.js", "text/javascript"),
        ("Aula.Question-1.0/question.css", "text/css"),
    ],
)
def test_package_files_are_served_with_their_types(client, activity, token, name, content_type):
    response = client.get(file_path(token, name))

    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == content_type
    assert_sandboxed(response)
    body = b"".join(response.streaming_content)
    assert body == default_storage.open(f"h5p/content/{activity.key}/{name}").read()


def test_package_files_may_be_kept_no_longer_than_the_token(client, token, settings):
    settings.H5P_TOKEN_SECONDS = 600

    response = client.get(file_path(token, "h5p.json"))

    assert response["Cache-Control"] == "private, max-age=600"


@pytest.mark.parametrize(
    "name",
    [
        "content/page.html",
        "content/page.htm",
        "content/page.HTML",
        "content/page.shtml",
        "content/page.xhtml",
        "content/page.xht",
        "content/notes.unknownext",
        "content/no-extension",
    ],
)
def test_html_or_unknown_files_are_never_served_as_html(client, activity, token, name):
    # The package checks never let such a file in; if one got there anyway, it is inert.
    default_storage.save(
        f"h5p/content/{activity.key}/{name}",
        ContentFile(b"<!DOCTYPE html><script>alert(document.cookie)</script>"),
    )

    response = client.get(file_path(token, name))

    assert response.status_code == 200
    content_type = response["Content-Type"].lower()
    assert "html" not in content_type
    assert content_type.startswith(("text/plain", "application/octet-stream"))
    assert_sandboxed(response)


@pytest.mark.parametrize(
    "name",
    [
        "../{other}/h5p.json",
        "content/../../{other}/h5p.json",
        "%2e%2e/{other}/h5p.json",
        "%2E%2E/%2E%2E/%2E%2E/settings.py",
        "..%2f{other}%2fh5p.json",
        "/{other}/h5p.json",
        "//etc/passwd",
        "..\\{other}\\h5p.json",
        "..%5c{other}%5ch5p.json",
        "content\\content.json",
        "content/../h5p.json",
        "./h5p.json",
        "content//content.json",
        "content/content.json%00.png",
        "content",
        "content/",
        "",
        "missing.json",
    ],
)
def test_names_outside_the_package_or_not_plain_are_not_found(client, make_activity, token, name):
    other = make_activity("Otra actividad")

    response = client.get(file_path(token, name.format(other=other.key)))

    assert response.status_code == 404


def test_a_token_for_one_activity_reads_only_its_own_files(client, make_activity, official):
    first = make_activity("Primera", question="¿Primera pregunta?")
    second = make_activity("Segunda", question="¿Segunda pregunta?")

    response = client.get(file_path(token_for(first, official), "content/content.json"))

    body = b"".join(response.streaming_content).decode()
    assert "¿Primera pregunta?" in body
    assert "Segunda" not in body
    for name in (f"../{second.key}/content/content.json", f"%2e%2e/{second.key}/h5p.json"):
        assert client.get(file_path(token_for(first, official), name)).status_code == 404


def test_files_deleted_with_their_activity_are_gone_for_old_tokens(client, activity, official):
    old = token_for(activity, official)
    assert client.get(file_path(old, "h5p.json")).status_code == 200

    discard(activity.key)

    assert client.get(file_path(old, "h5p.json")).status_code == 404


# Tokens


@pytest.mark.parametrize(
    "bad",
    [
        "not-a-token",
        "W10:1uZ0aB:abcdefghijklmnopqrstuvwxyz0",
        "",
    ],
)
@pytest.mark.usefixtures("db")
def test_bad_tokens_are_not_found(client, bad):
    if bad:
        assert client.get(player_path(bad)).status_code == 404
    assert client.get(f"/h5p/{bad}/archivos/h5p.json").status_code == 404


def test_a_tampered_token_is_not_found(client, token):
    payload, stamp, signature = token.split(":")
    tampered = [
        f"{payload}:{stamp}:{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",
        f"{payload[:-1]}{'A' if payload[-1] != 'A' else 'B'}:{stamp}:{signature}",
        f"{payload}:{stamp[:-1]}{'0' if stamp[-1] != '0' else '1'}:{signature}",
    ]

    for forged in tampered:
        assert client.get(player_path(forged)).status_code == 404, forged
        assert client.get(file_path(forged, "h5p.json")).status_code == 404, forged


def test_a_token_signed_for_something_else_is_not_found(client, activity, official):
    payload = [activity.pk, activity.key, official.pk]
    for forged in (
        signing.dumps(payload),  # no salt
        signing.dumps(payload, salt="aula.other"),
        signing.dumps(payload, salt=SIGNING_NAMESPACE, key="another-secret-key"),
    ):
        assert client.get(player_path(forged)).status_code == 404
        assert client.get(file_path(forged, "h5p.json")).status_code == 404


@pytest.mark.parametrize(
    "payload",
    [
        ["1", "{key}", 1],
        [1, 12345, 1],
        [1, "{key}", "1"],
        [1, "{key}"],
        {"activity": 1},
    ],
)
def test_a_signed_token_of_the_wrong_shape_is_not_found(client, activity, payload):
    text = json.dumps(payload).replace("{key}", activity.key)
    forged = signing.dumps(json.loads(text), salt=SIGNING_NAMESPACE, compress=False)

    assert h5p_service.read_file_token(forged) is None
    assert client.get(player_path(forged)).status_code == 404


def test_an_expired_token_is_not_found(client, activity, official, settings, clock):
    settings.H5P_TOKEN_SECONDS = 60
    token = token_for(activity, official)

    clock.now += 59
    assert client.get(player_path(token)).status_code == 200
    assert client.get(file_path(token, "h5p.json")).status_code == 200

    clock.now += 2  # 61 seconds after it was made
    assert client.get(player_path(token)).status_code == 404
    assert client.get(file_path(token, "h5p.json")).status_code == 404


# Who gets a player on the lesson page


@pytest.fixture
def three(make_activity, lesson):
    activities = [make_activity(f"Actividad {n}") for n in range(3)]
    place(lesson, *(h5p_block(a.pk) for a in activities))
    return activities


def test_an_enrolled_participant_gets_a_player_per_activity(
    client, three, enrolled, lesson, course
):
    response = client.get(lesson.url)

    players = json_script(response, "h5p-players")
    assert set(players["activities"]) == {str(a.pk) for a in three}
    for activity in three:
        entry = players["activities"][str(activity.pk)]
        player = urlsplit(entry["player"])
        assert (player.scheme, player.netloc) == ("http", "testserver")
        token = player.path.removeprefix("/h5p/").removesuffix("/")
        grant = h5p_service.read_file_token(token)
        assert (grant.activity_id, grant.key, grant.user_id) == (
            activity.pk,
            activity.key,
            enrolled.participant.user_id,
        )
        route = [course.pk, lesson.pk, activity.pk]
        assert entry["results"] == reverse("lms:h5p_results", args=route)
        assert entry["state"] == reverse("lms:h5p_state", args=route)
        assert entry["best"] is None
        # The player it names opens.
        assert Client().get(player.path).status_code == 200
    assert players["csrf"]


def test_the_lesson_page_shows_the_best_result(client, three, enrolled, lesson):
    first = three[0]
    h5p_service.record_statement(
        participant_id=enrolled.participant_id,
        activity=first,
        lesson_id=lesson.pk,
        statement=statement(first.pk, raw=0),
    )

    players = json_script(client.get(lesson.url), "h5p-players")

    assert players["activities"][str(first.pk)]["best"] == {
        "raw_score": 0,
        "max_score": 1,
        "completed": True,
        "passed": False,
    }


@pytest.mark.usefixtures("three")
def test_a_non_enrolled_reader_of_an_open_course_gets_no_player(client, official, course, lesson):
    course.open_reading = True
    course.save_revision().publish()
    client.force_login(official)

    response = client.get(lesson.url)

    assert response.status_code == 200
    assert json_script(response, "h5p-players") is None
    assert "/h5p/" not in response.content.decode().replace("/static/", "")


@pytest.mark.usefixtures("three")
def test_anonymous_gets_no_player(course, lesson):
    course.open_reading = True
    course.save_revision().publish()

    response = Client().get(lesson.url)

    assert response.status_code == 200
    assert json_script(response, "h5p-players") is None


def test_the_shared_page_body_holds_no_player_address(client, three, enrolled, lesson, course):
    """The body is cached for everyone: the tokens come only in the per-person JSON."""
    response = client.get(lesson.url)

    html = response.content.decode()
    players = json_script(response, "h5p-players")
    start = html.index('<script id="h5p-players"')
    for entry in players["activities"].values():
        assert html.count(urlsplit(entry["player"]).path) == 1
        assert html.index(urlsplit(entry["player"]).path) > start


def test_staff_reading_an_open_course_get_a_player_but_no_results_address(
    client, login_staff, three, course, lesson
):
    course.open_reading = True
    course.save_revision().publish()
    login_staff(UserFactory(email="capacitador@example.org", groups=["Capacitadores"]))

    response = client.get(lesson.url)

    assert response.status_code == 200
    players = json_script(response, "h5p-players")
    assert len(players["activities"]) == len(three)
    for entry in players["activities"].values():
        assert urlsplit(entry["player"]).path.startswith("/h5p/")
        assert entry["results"] is None and entry["state"] is None


def test_another_participant_token_is_theirs(client, three, enrolled, lesson, course):
    other = ParticipantFactory(user__email="luis@el-carmen.gob.ec")
    enrol(participant=other, course=course)
    second = Client()
    second.force_login(other.user)

    mine = json_script(client.get(lesson.url), "h5p-players")
    theirs = json_script(second.get(lesson.url), "h5p-players")

    key = str(three[0].pk)
    assert mine["activities"][key]["player"] != theirs["activities"][key]["player"]


# The player's own static files

BUNDLE = Path(django_settings.BASE_DIR) / "node_modules" / "h5p-standalone" / "dist"


@pytest.mark.skipif(
    not (BUNDLE / "main.bundle.js").exists(),
    reason="node_modules/h5p-standalone is not installed: run `npm ci`",
)
@pytest.mark.parametrize(
    "path",
    [
        "/static/h5p-standalone/main.bundle.js",
        "/static/h5p-standalone/frame.bundle.js",
        "/static/h5p-standalone/styles/h5p.css",
    ],
)
def test_the_player_static_files_allow_any_origin(client, path):
    response = client.get(path)

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"


@pytest.mark.skipif(
    not (BUNDLE / "main.bundle.js").exists(),
    reason="node_modules/h5p-standalone is not installed: run `npm ci`",
)
def test_the_player_fonts_allow_any_origin(client):
    fonts = sorted((BUNDLE / "fonts").glob("*.woff*")) or sorted((BUNDLE / "fonts").iterdir())
    if not fonts:
        pytest.skip("h5p-standalone ships no fonts in this version")

    response = client.get(f"/static/h5p-standalone/fonts/{fonts[0].name}")

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
