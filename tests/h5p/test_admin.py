"""H5P activities in the Wagtail admin: uploading, refusing hostile packages, replacing,
deleting and previewing.

The editor's admin language is English here, so messages new to the project are
checked in the language they are written in; refusals are also checked by code.
"""

import io
import json
import stat
import zipfile
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from wagtail.users.models import UserProfile

from courses.forms import H5PActivityForm
from courses.h5p.builder import LIBRARY_FOLDER
from courses.models import H5PActivity
from courses.wagtail_hooks import H5PActivityViewSet
from lms.models import H5PResult, H5PStatement
from lms.services import h5p as h5p_service
from tests.factories import UserFactory
from tests.h5p.conftest import files_in, package_bytes, statement

pytestmark = pytest.mark.usefixtures("media_root")

ADD = "wagtailsnippets_courses_h5pactivity:add"
EDIT = "wagtailsnippets_courses_h5pactivity:edit"
DELETE = "wagtailsnippets_courses_h5pactivity:delete"
LIST = "wagtailsnippets_courses_h5pactivity:list"

EXPECTED_FILES = {
    "h5p.json",
    "content/content.json",
    f"{LIBRARY_FOLDER}/library.json",
    f"{LIBRARY_FOLDER}/question.js",
    f"{LIBRARY_FOLDER}/question.css",
}


# Helpers


def upload(data: bytes, name: str = "actividad.h5p") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def with_entry(data: bytes, info: zipfile.ZipInfo, body: bytes) -> bytes:
    """A copy of a package with one more entry, written exactly as `info` says."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            target.writestr(item, source.read(item))
        target.writestr(info, body)
    return buffer.getvalue()


def symlink_package() -> bytes:
    info = zipfile.ZipInfo(f"{LIBRARY_FOLDER}/secrets.js")
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return with_entry(package_bytes(), info, b"/etc/passwd")


def bomb_package() -> bytes:
    """Two megabytes of zeros in a few kilobytes."""
    info = zipfile.ZipInfo("content/datos.txt")
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3
    info.external_attr = 0o100644 << 16
    return with_entry(package_bytes(), info, b"\0" * (2 * 1024 * 1024))


@dataclass
class Outcome:
    saved: bool
    errors: list  # the package field's errors, as ValidationErrors with their codes
    html: str  # what the editor is shown, in English


class ThroughAdmin:
    """The Wagtail snippet views, as an editor uses them."""

    def __init__(self, client):
        self.client = client

    def _outcome(self, response) -> Outcome:
        if response.status_code == 302:
            return Outcome(True, [], "")
        assert response.status_code == 200, response.status_code
        form = response.context["form"]
        return Outcome(False, form.errors.as_data().get("package", []), response.content.decode())

    def add(self, data: bytes | None, *, title: str = "", name="actividad.h5p", **fields):
        form = {"title": title, "max_score": "", **fields}
        if data is not None:
            form["package"] = upload(data, name)
        return self._outcome(self.client.post(reverse(ADD), form))

    def edit(self, activity, data: bytes | None = None, **fields):
        form = {"title": activity.title, "max_score": activity.max_score or "", **fields}
        if data is not None:
            form["package"] = upload(data)
        return self._outcome(self.client.post(reverse(EDIT, args=[activity.pk]), form))


class ThroughForm(ThroughAdmin):
    """The viewset's own form class, submitted directly rather than through a request."""

    def __init__(self, user):
        self.user = user
        self.form_class = H5PActivityViewSet.edit_handler.bind_to_model(
            H5PActivity
        ).get_form_class()

    def _submit(self, instance, data, files) -> Outcome:
        form = self.form_class(data, files, instance=instance, for_user=self.user)
        if form.is_valid():
            with transaction.atomic():
                form.save()
            return Outcome(True, [], "")
        with translation.override("en"):
            html = " ".join(str(message) for message in form.errors.get("package", []))
        return Outcome(False, form.errors.as_data().get("package", []), html)

    def add(self, data: bytes | None, *, title: str = "", name="actividad.h5p", **fields):
        files = {"package": upload(data, name)} if data is not None else {}
        return self._submit(H5PActivity(), {"title": title, "max_score": "", **fields}, files)

    def edit(self, activity, data: bytes | None = None, **fields):
        form = {"title": activity.title, "max_score": activity.max_score or "", **fields}
        files = {"package": upload(data)} if data is not None else {}
        return self._submit(activity, form, files)


def stored_files(key: str) -> set[str]:
    prefix = f"h5p/content/{key}"
    found, pending = set(), [prefix]
    while pending:
        folder = pending.pop()
        if not default_storage.exists(folder):
            continue
        folders, files = default_storage.listdir(folder)
        found |= {f"{folder}/{name}"[len(prefix) + 1 :] for name in files}
        pending += [f"{folder}/{name}" for name in folders]
    return found


def players_on(response) -> dict:
    html = response.content.decode()
    marker = '<script id="h5p-players" type="application/json">'
    start = html.index(marker) + len(marker)
    return json.loads(html[start : html.index("</script>", start)])


def staff(login_staff, email: str, group: str):
    user = UserFactory(email=email, groups=[group])
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    login_staff(user)
    return user


@pytest.fixture
def editor(login_staff, db):
    return staff(login_staff, "editora@example.org", "Editores")


@pytest.fixture(params=["admin", "form"])
def via(request, client, editor):
    """Through the admin's views, and through the package form on its own."""
    return ThroughAdmin(client) if request.param == "admin" else ThroughForm(editor)


# Uploading


def test_the_add_form_is_the_package_form(client, editor):
    response = client.get(reverse(ADD))

    assert response.status_code == 200
    assert isinstance(response.context["form"], H5PActivityForm)
    assert 'accept=".h5p"' in response.content.decode()


def test_uploading_a_valid_package_creates_the_activity(via, editor, media_root):
    outcome = via.add(package_bytes(title="Tipos de movilidad"), title="Mi actividad")

    assert outcome.saved
    activity = H5PActivity.objects.get()
    assert activity.title == "Mi actividad"
    assert activity.content_title == "Tipos de movilidad"
    assert activity.main_library == "Aula.Question 1.0"
    assert activity.libraries == [LIBRARY_FOLDER]
    assert activity.file_count == len(EXPECTED_FILES)
    assert activity.size_bytes > 0
    assert activity.uploaded_by == editor
    assert activity.max_score is None
    assert len(activity.key) == 32
    assert stored_files(activity.key) == EXPECTED_FILES
    assert activity.package.name == f"h5p/packages/{activity.key}.h5p"
    # On disk, under MEDIA_ROOT: the unpacked files and the package, nothing else.
    assert files_in(media_root) == sorted(
        [f"h5p/content/{activity.key}/{name}" for name in EXPECTED_FILES]
        + [f"h5p/packages/{activity.key}.h5p"]
    )


def test_the_title_defaults_to_the_package_title(via):
    assert via.add(package_bytes(title="¿Qué tipo de movilidad es?"), title="").saved

    assert H5PActivity.objects.get().title == "¿Qué tipo de movilidad es?"


def test_a_maximum_score_may_be_set_at_upload(via):
    assert via.add(package_bytes(), max_score="3").saved

    activity = H5PActivity.objects.get()
    assert (activity.max_score, activity.main_library) == (3, "Aula.Question 1.0")


def test_a_package_is_required(via, tmp_path):
    outcome = via.add(None, title="Sin paquete")

    assert not outcome.saved
    assert "Choose an .h5p file to upload." in outcome.html
    assert not H5PActivity.objects.exists()
    assert files_in(tmp_path) == []


HOSTILE = {
    "zip-slip": (
        lambda: package_bytes(extra_files={"../evil.js": b"alert(1)"}),
        "traversal",
        "points outside its folder: ../evil.js",
    ),
    "symlink": (symlink_package, "symlink", "symbolic link"),
    "php-in-content": (
        lambda: package_bytes(extra_files={"content/shell.php": b"<?php system($_GET['c']);"}),
        "disallowed_type",
        "content/shell.php is of a type that H5P packages may not contain",
    ),
    "html-in-content": (
        lambda: package_bytes(extra_files={"content/page.html": b"<script>alert(1)</script>"}),
        "disallowed_type",
        "content/page.html is of a type that H5P packages may not contain",
    ),
    "script-in-content": (
        lambda: package_bytes(extra_files={"content/evil.js": b"alert(1)"}),
        "script_outside_library",
        "only allowed inside a library folder",
    ),
    "missing-libraries": (
        lambda: package_bytes(include_library=False),
        "no_libraries",
        "Export it again with libraries included, for example from Lumi.",
    ),
    "not-a-zip": (
        lambda: b"%PDF-1.4 this is not a zip at all",
        "not_zip",
        "it is not a zip archive",
    ),
}


@pytest.mark.parametrize("build, code, message", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_packages_are_refused_and_leave_nothing(via, tmp_path, build, code, message):
    outcome = via.add(build(), title="Actividad hostil")

    assert not outcome.saved
    assert [error.code for error in outcome.errors] == [code]
    assert message in outcome.html
    assert not H5PActivity.objects.exists()
    assert files_in(tmp_path) == []


def test_a_zip_bomb_is_refused_and_leaves_nothing(via, tmp_path, settings):
    settings.H5P_MAX_RATIO = 20

    outcome = via.add(bomb_package(), title="Bomba")

    assert [error.code for error in outcome.errors] == ["zip_bomb_file"]
    assert "content/datos.txt unpacks to far more than its compressed size" in outcome.html
    assert not H5PActivity.objects.exists()
    assert files_in(tmp_path) == []


def test_a_package_too_large_once_unpacked_is_refused(via, tmp_path, settings):
    settings.H5P_MAX_UNCOMPRESSED_BYTES = 4096

    outcome = via.add(package_bytes(extra_files={"content/datos.txt": b"movilidad " * 1000}))

    assert [error.code for error in outcome.errors] == ["too_large_uncompressed"]
    assert "Once unpacked, the package would take more than the limit of" in outcome.html
    assert not H5PActivity.objects.exists()
    assert files_in(tmp_path) == []


def test_a_refused_package_can_be_followed_by_a_good_one(via):
    assert not via.add(package_bytes(include_library=False)).saved

    assert via.add(package_bytes()).saved

    assert stored_files(H5PActivity.objects.get().key) == EXPECTED_FILES


# Replacing and deleting


@pytest.fixture
def uploaded(via):
    assert via.add(package_bytes(question="¿Primera versión?"), title="Actividad").saved
    activity = H5PActivity.objects.get()
    H5PActivity.objects.filter(pk=activity.pk).update(max_score=1)
    activity.refresh_from_db()
    return activity


def test_replacing_the_package_gives_a_new_key_and_removes_the_old_files(
    via, uploaded, django_capture_on_commit_callbacks
):
    old_key = uploaded.key

    with django_capture_on_commit_callbacks(execute=True):
        assert via.edit(uploaded, package_bytes(question="¿Segunda versión?")).saved
        # Until the change is committed, the old files stay for players already open.
        assert stored_files(old_key) == EXPECTED_FILES

    uploaded.refresh_from_db()
    assert uploaded.key != old_key
    assert stored_files(uploaded.key) == EXPECTED_FILES
    assert stored_files(old_key) == set()
    assert uploaded.package.name == f"h5p/packages/{uploaded.key}.h5p"
    content = default_storage.open(f"h5p/content/{uploaded.key}/content/content.json").read()
    assert "¿Segunda versión?" in content.decode()
    # The new package may score differently: the next result fixes the maximum again.
    assert uploaded.max_score is None


def test_replacing_the_package_removes_the_old_package_file(
    via, uploaded, media_root, django_capture_on_commit_callbacks
):
    old_package = uploaded.package.name
    assert default_storage.exists(old_package)

    with django_capture_on_commit_callbacks(execute=True):
        assert via.edit(uploaded, package_bytes(question="¿Segunda versión?")).saved

    uploaded.refresh_from_db()
    assert not default_storage.exists(old_package)
    assert files_in(media_root) == sorted(
        [f"h5p/content/{uploaded.key}/{name}" for name in EXPECTED_FILES]
        + [f"h5p/packages/{uploaded.key}.h5p"]
    )


def test_a_replacement_rolled_back_keeps_the_old_files(via, uploaded):
    """Nothing is deleted unless the change is committed."""
    old_key = uploaded.key

    with transaction.atomic():
        assert via.edit(uploaded, package_bytes(question="¿Segunda versión?")).saved
        transaction.set_rollback(True)

    assert H5PActivity.objects.get().key == old_key
    assert stored_files(old_key) == EXPECTED_FILES


def test_editing_without_a_new_package_keeps_the_files(
    via, uploaded, django_capture_on_commit_callbacks
):
    key = uploaded.key

    with django_capture_on_commit_callbacks(execute=True):
        assert via.edit(uploaded, title="Nuevo título", max_score="2").saved

    uploaded.refresh_from_db()
    assert (uploaded.title, uploaded.key, uploaded.max_score) == ("Nuevo título", key, 2)
    assert stored_files(key) == EXPECTED_FILES


def test_a_hostile_replacement_leaves_the_activity_as_it_was(
    via, uploaded, media_root, django_capture_on_commit_callbacks
):
    before = files_in(media_root)

    with django_capture_on_commit_callbacks(execute=True):
        outcome = via.edit(uploaded, symlink_package())

    assert [error.code for error in outcome.errors] == ["symlink"]
    assert H5PActivity.objects.get().key == uploaded.key
    assert files_in(media_root) == before


def test_the_package_cannot_be_cleared(via, uploaded):
    outcome = via.edit(uploaded, **{"package-clear": "on"})

    assert not outcome.saved
    assert "Upload another package to replace this one." in outcome.html
    assert stored_files(H5PActivity.objects.get().key) == EXPECTED_FILES


def test_deleting_an_activity_in_the_admin_removes_its_files(
    client, editor, make_activity, media_root, django_capture_on_commit_callbacks
):
    activity = make_activity("Para borrar")
    key = activity.key
    assert files_in(media_root)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse(DELETE, args=[activity.pk]))

    assert response.status_code == 302
    assert not H5PActivity.objects.exists()
    assert stored_files(key) == set()
    assert files_in(media_root) == []


def test_deleting_one_activity_leaves_the_others(
    make_activity, media_root, django_capture_on_commit_callbacks
):
    kept, gone = make_activity("Se queda"), make_activity("Se va")

    with django_capture_on_commit_callbacks(execute=True):
        gone.delete()

    assert stored_files(kept.key) == EXPECTED_FILES
    assert all(kept.key in path for path in files_in(media_root))


def test_the_list_links_to_the_preview(client, editor, make_activity):
    activity = make_activity("En la lista")

    response = client.get(reverse(LIST))

    assert response.status_code == 200
    assert reverse("h5p_preview", args=[activity.pk]) in response.content.decode()


# Preview


@pytest.fixture
def activity_to_preview(make_activity):
    return make_activity("Vista previa", max_score=None)


@pytest.mark.parametrize(
    "email, group",
    [
        ("editora@example.org", "Editores"),
        ("capacitador@example.org", "Capacitadores"),
        ("gestora@example.org", "Gestores del programa"),
    ],
)
def test_staff_preview_the_activity_in_the_sandboxed_player(
    client, login_staff, activity_to_preview, email, group
):
    user = staff(login_staff, email, group)

    response = client.get(reverse("h5p_preview", args=[activity_to_preview.pk]))

    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    players = players_on(response)
    entry = players["activities"][str(activity_to_preview.pk)]
    assert entry["results"] == reverse("h5p_preview_result", args=[activity_to_preview.pk])
    assert entry["state"] is None
    player = urlsplit(entry["player"])
    assert player.path.startswith("/h5p/")
    grant = h5p_service.read_file_token(player.path.removeprefix("/h5p/").removesuffix("/"))
    assert (grant.activity_id, grant.key, grant.user_id) == (
        activity_to_preview.pk,
        activity_to_preview.key,
        user.pk,
    )
    assert f'data-h5p-activity="{activity_to_preview.pk}"' in response.content.decode()
    # The player it names is the sandboxed page.
    framed = client.get(player.path)
    assert framed.status_code == 200
    policy = framed["Content-Security-Policy"]
    assert policy.startswith("sandbox allow-scripts")
    assert "allow-same-origin" not in policy


def test_a_participant_cannot_preview(client, official, activity_to_preview):
    client.force_login(official)

    response = client.get(reverse("h5p_preview", args=[activity_to_preview.pk]))

    assert response.status_code in (302, 403)
    assert "h5p-players" not in response.content.decode()


def test_a_participant_cannot_send_preview_results(client, official, activity_to_preview):
    client.force_login(official)

    response = client.post(
        reverse("h5p_preview_result", args=[activity_to_preview.pk]),
        data=json.dumps({"statements": [statement(activity_to_preview.pk, raw=2, max=3)]}),
        content_type="application/json",
    )

    assert response.status_code in (302, 403)
    activity_to_preview.refresh_from_db()
    assert activity_to_preview.max_score is None


def test_anonymous_cannot_preview(client, activity_to_preview):
    response = client.get(reverse("h5p_preview", args=[activity_to_preview.pk]))

    assert response.status_code in (302, 403)


def test_a_preview_result_fixes_the_maximum_and_records_nothing(
    client, editor, activity_to_preview
):
    url = reverse("h5p_preview_result", args=[activity_to_preview.pk])

    response = client.post(
        url,
        data=json.dumps({"statements": [statement(activity_to_preview.pk, raw=2, max=3)]}),
        content_type="application/json",
    )

    assert response.status_code == 200
    assert response.json() == {"best": {"raw": 2, "max": 3, "passed": False}}
    activity_to_preview.refresh_from_db()
    assert activity_to_preview.max_score == 3
    assert not H5PStatement.objects.exists()
    assert not H5PResult.objects.exists()

    # A later preview with another maximum neither changes it nor fails the page.
    response = client.post(
        url,
        data=json.dumps({"statements": [statement(activity_to_preview.pk, raw=5, max=5)]}),
        content_type="application/json",
    )
    assert response.json() == {"best": None}
    activity_to_preview.refresh_from_db()
    assert activity_to_preview.max_score == 3
