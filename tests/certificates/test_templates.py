"""Editors design certificates in the admin: templates, the default, the preview."""

import io
import re
from datetime import date

import pypdf
import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.storage import default_storage
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from lms import roles
from lms.models import Certificate, CertificateTemplate
from lms.services.certificate_pdf import store_pdf
from tests.factories import UserFactory
from tests.lms.factories import ParticipantFactory

ACTIONS = ("add", "change", "delete", "view")


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


@pytest.fixture(autouse=True)
def pdf_tasks():
    """The real PDF task runs here (this folder's conftest records it instead)."""
    return None


@pytest.fixture
def editor(db):
    # The editors' group holds these rights by migration; granted here too so these
    # tests check the screens, whatever grants them.
    group = Group.objects.get(name=roles.EDITOR)
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="lms",
            codename__in=[f"{action}_certificatetemplate" for action in ACTIONS],
        )
    )
    return UserFactory(email="editora@example.org", groups=[roles.EDITOR])


@pytest.fixture
def editor_client(login_staff, editor):
    return login_staff(editor)


@pytest.fixture
def default_template(db):
    return CertificateTemplate.objects.get(is_default=True)


def form_data(template: CertificateTemplate | None = None, **changes) -> dict:
    """What the admin's form posts for the template (its signatories unchanged), with changes."""
    values = {
        "name": "Plantilla",
        "is_default": False,
        "orientation": "landscape",
        "page_size": "A4",
        "heading": "Certificado",
        "body": "Se certifica que {name} completó {subject}.",
        "footer": "",
        "background": "",
    }
    signatories = []
    if template is not None:
        values.update(
            {
                field: getattr(template, field)
                for field in ("name", "is_default", "orientation", "page_size")
            }
        )
        values.update(heading=template.heading, body=template.body, footer=template.footer)
        signatories = [
            {"id": s.pk, "name": s.name, "role": s.role, "signature": "", "ORDER": n}
            for n, s in enumerate(template.signatories.all())
        ]
    values.update(changes)
    if not values.pop("is_default"):
        values.pop("is_default", None)
    else:
        values["is_default"] = "on"
    values["signatories"] = inline_formset(signatories, initial=len(signatories))
    return nested_form_data(values)


def make_certificate(n: int = 1) -> Certificate:
    return Certificate.objects.create(
        participant=ParticipantFactory(full_name="María José Ñáñez Cevallos"),
        kind=Certificate.Kind.COURSE,
        subject_key="course:1",
        code=f"codigo-{n}",
        reference=f"AULA-2026-TEST-000{n}",
        holder_name="María José Ñáñez Cevallos",
        gad_name="GAD Municipal de Pedernales",
        subject_title="Movilidad humana en el PDOT: curso básico",
        hours=6,
        achieved_on=date(2026, 11, 27),
    )


def stored_text(certificate: Certificate) -> str:
    certificate.refresh_from_db()
    with default_storage.open(certificate.pdf.name, "rb") as file:
        return pdf_text(file.read())


# --- the default template from the data migration ---------------------------------------


@pytest.mark.django_db
def test_the_site_starts_with_a_default_template_in_spanish(default_template):
    assert default_template.heading == "Certificado"
    assert default_template.body == (
        "Se certifica que {name}, del {gad}, completó {subject}, con una duración de "
        "{hours} horas, el {date}."
    )
    assert default_template.footer == (
        "Verifique este certificado con el código QR o en la dirección impresa. "
        "Referencia: {reference}"
    )
    assert default_template.orientation == "landscape"
    assert default_template.page_size == "A4"
    signatories = list(default_template.signatories.values_list("name", "role"))
    assert len(signatories) == 2
    assert signatories[0][0] == "Coordinación del programa"
    assert "OIM" in signatories[0][1]
    assert signatories[1][0] == "Dirección de Capacitación"
    assert "AME" in signatories[1][1]
    assert all(s.signature is None for s in default_template.signatories.all())


# --- editing in the admin ---------------------------------------------------------------


@pytest.mark.django_db
def test_editors_list_the_templates_with_a_preview_link(editor_client, default_template):
    response = editor_client.get(reverse("certificate_templates:index"))

    assert response.status_code == 200
    content = response.content.decode()
    assert default_template.name in content
    assert reverse("certificate_templates:preview", args=[default_template.pk]) in content


@pytest.mark.django_db
def test_the_edit_page_links_to_the_preview(editor_client, default_template):
    response = editor_client.get(reverse("certificate_templates:edit", args=[default_template.pk]))

    assert response.status_code == 200
    content = response.content.decode()
    assert reverse("certificate_templates:preview", args=[default_template.pk]) in content
    assert "Coordinación del programa" in content  # the inline signatories


@pytest.mark.django_db
def test_a_changed_heading_shows_on_the_next_certificate(editor_client, default_template):
    before = make_certificate(1)
    store_pdf(before.pk)
    assert "Constancia de participación" not in stored_text(before)

    response = editor_client.post(
        reverse("certificate_templates:edit", args=[default_template.pk]),
        form_data(default_template, heading="Constancia de participación"),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    default_template.refresh_from_db()
    assert default_template.heading == "Constancia de participación"
    assert default_template.is_default
    assert default_template.signatories.count() == 2
    after = make_certificate(2)
    assert store_pdf(after.pk) == Certificate.Pdf.READY
    assert "Constancia de participación" in stored_text(after)


@pytest.mark.django_db
def test_editors_add_a_template_with_a_signatory(editor_client):
    data = form_data(name="Talleres 2027", heading="Constancia")
    data.update(
        nested_form_data(
            {
                "signatories": inline_formset(
                    [{"name": "Dirección de Planificación", "role": "GAD", "signature": ""}]
                )
            }
        )
    )

    response = editor_client.post(reverse("certificate_templates:add"), data)

    assert response.status_code == 302, response.content.decode()[:2000]
    template = CertificateTemplate.objects.get(name="Talleres 2027")
    assert not template.is_default
    assert list(template.signatories.values_list("name", flat=True)) == [
        "Dirección de Planificación"
    ]
    assert CertificateTemplate.objects.filter(is_default=True).count() == 1


@pytest.mark.django_db
def test_a_new_default_takes_the_mark_off_the_old_one(editor_client, default_template):
    response = editor_client.post(
        reverse("certificate_templates:add"),
        form_data(name="Nueva predeterminada", is_default=True),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(
        CertificateTemplate.objects.filter(is_default=True).values_list("name", flat=True)
    ) == ["Nueva predeterminada"]
    default_template.refresh_from_db()
    assert not default_template.is_default

    # And back, by editing the old one.
    response = editor_client.post(
        reverse("certificate_templates:edit", args=[default_template.pk]),
        form_data(default_template, is_default=True),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(CertificateTemplate.objects.filter(is_default=True)) == [default_template]


@pytest.mark.django_db
def test_unticking_the_default_leaves_none(editor_client, default_template):
    response = editor_client.post(
        reverse("certificate_templates:edit", args=[default_template.pk]),
        form_data(default_template, is_default=False),
    )

    assert response.status_code == 302
    assert not CertificateTemplate.objects.filter(is_default=True).exists()
    # Certificates still get a PDF, with the built-in text.
    certificate = make_certificate()
    assert store_pdf(certificate.pk) == Certificate.Pdf.READY


# --- the preview ------------------------------------------------------------------------


@pytest.mark.django_db
def test_editors_preview_a_template_with_sample_data(editor_client, default_template):
    response = editor_client.get(
        reverse("certificate_templates:preview", args=[default_template.pk])
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert "no-store" in response["Cache-Control"]
    text = pdf_text(response.content)
    assert "María José Ñáñez Cevallos" in text
    assert "GAD Municipal de Pedernales" in text
    assert "Movilidad humana en el PDOT: curso básico" in text
    assert "6 horas" in text
    assert "Vista previa" in text
    assert not Certificate.objects.exists()


@pytest.mark.django_db
def test_the_preview_of_a_missing_template_is_not_found(editor_client):
    response = editor_client.get(reverse("certificate_templates:preview", args=[987654]))
    assert response.status_code == 404


@pytest.mark.django_db
def test_participants_cannot_preview(client, official, default_template):
    client.force_login(official)

    response = client.get(reverse("certificate_templates:preview", args=[default_template.pk]))

    assert response.status_code in (302, 403)
    assert response.get("Content-Type") != "application/pdf"


@pytest.mark.django_db
def test_staff_without_the_rights_cannot_preview(login_staff, default_template):
    trainer = UserFactory(email="capacitador@example.org", groups=[roles.TRAINER])
    trainer.groups.get().permissions.remove(
        *Permission.objects.filter(codename__endswith="_certificatetemplate")
    )
    client = login_staff(trainer)

    response = client.get(reverse("certificate_templates:preview", args=[default_template.pk]))

    assert response.status_code in (302, 403)
    assert response.get("Content-Type") != "application/pdf"


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in(client, default_template):
    response = client.get(reverse("certificate_templates:preview", args=[default_template.pk]))

    assert response.status_code == 302
    assert "login" in response["Location"]
