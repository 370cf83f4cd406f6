"""Two Wagtail admin steps that failed with a 500, answered properly (cms/admin_fixes.py)."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.contrib.redirects.models import Redirect
from wagtail.documents.models import Document
from wagtail.models import Collection, UploadedFile

from tests.factories import UserFactory


def staff_client(user) -> Client:
    """A client of its own for a staff member, second factor confirmed as the admin requires."""
    client = Client()
    device = TOTPDevice.objects.create(user=user, name="Teléfono", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def editor_client(db):
    return staff_client(UserFactory(email="editora@example.org", groups=["Editores"]))


@pytest.fixture
def superuser_client(db):
    return staff_client(UserFactory(email="admin@example.org", is_superuser=True, is_staff=True))


def upload_without_a_title(client, name: str) -> int:
    """A file the multiple uploader keeps aside, because its details need completing."""
    response = client.post(
        reverse("wagtaildocs:add_multiple"),
        {
            "files[]": SimpleUploadedFile(name, b"Acta de la mesa cantonal"),
            "title": "",
            "collection": Collection.get_first_root_node().pk,
        },
    )
    answer = json.loads(response.content)
    assert answer["success"], answer
    assert "uploaded_file_id" in answer, "Wagtail created the document at once"
    return answer["uploaded_file_id"]


def complete(client, upload_id: int, **fields):
    prefix = f"uploaded-document-{upload_id}"
    return client.post(
        reverse("wagtaildocs:create_multiple_from_uploaded_document", args=[upload_id]),
        {f"{prefix}-{name}": value for name, value in fields.items()},
    )


def test_an_upload_kept_aside_becomes_a_document_once_its_title_is_given(editor_client):
    upload_id = upload_without_a_title(editor_client, "acta-mesa.txt")

    response = complete(
        editor_client,
        upload_id,
        title="Acta de la mesa cantonal",
        collection=Collection.get_first_root_node().pk,
        tags="",
    )

    assert response.status_code == 200
    answer = json.loads(response.content)
    assert answer["success"], answer
    document = Document.objects.get(pk=answer["doc_id"])
    assert document.title == "Acta de la mesa cantonal"
    assert document.file.name.endswith(".txt")
    assert document.file.read() == b"Acta de la mesa cantonal"
    assert not UploadedFile.objects.filter(pk=upload_id).exists()


def test_an_upload_completed_without_its_details_gets_the_form_back(editor_client):
    upload_id = upload_without_a_title(editor_client, "acta-mesa.txt")

    response = complete(editor_client, upload_id)

    assert response.status_code == 200
    assert json.loads(response.content)["success"] is False
    assert UploadedFile.objects.filter(pk=upload_id).exists()
    assert not Document.objects.exists()


def test_an_upload_is_still_completed_only_by_its_uploader(editor_client, superuser_client):
    upload_id = upload_without_a_title(editor_client, "acta-mesa.txt")

    response = complete(superuser_client, upload_id, title="Ajeno")

    assert response.status_code == 302  # Wagtail's refusal: back to the dashboard
    assert response["Location"] == reverse("wagtailadmin_home")
    assert not Document.objects.exists()
    assert UploadedFile.objects.filter(pk=upload_id).exists()


def test_a_redirect_import_confirmed_without_its_file_is_a_bad_request(superuser_client):
    response = superuser_client.post(reverse("wagtailredirects:process_import"), {})

    assert response.status_code == 400


def test_a_redirect_import_still_creates_the_redirects(superuser_client, home):
    csv = b"from,to\n/antes/,https://aula.example.org/despues/\n/viejo/,https://aula.example.org/\n"
    chosen = superuser_client.post(
        reverse("wagtailredirects:start_import"),
        {"import_file": SimpleUploadedFile("redirecciones.csv", csv)},
    )

    response = superuser_client.post(
        reverse("wagtailredirects:process_import"),
        {**chosen.context["form"].initial, "from_index": 0, "to_index": 1, "permanent": True},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailredirects:index")
    assert set(Redirect.objects.values_list("old_path", flat=True)) == {"/antes", "/viejo"}


def test_importing_redirects_is_still_for_those_who_may_add_them(editor_client):
    response = editor_client.post(reverse("wagtailredirects:process_import"), {})

    assert response.status_code == 302  # Wagtail's refusal: back to the dashboard
    assert response["Location"] == reverse("wagtailadmin_home")
