"""Certificates as PDF: what they say, how they look, where they are kept, how they fail."""

import io
import logging
import re
from datetime import date
from unittest import mock

import pypdf
import pytest
import qrcode
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image as PILImage
from wagtail.images import get_image_model

from lms.models import Certificate, CertificateTemplate, Signatory, Workshop
from lms.services import certificate_pdf
from lms.services.certificate_pdf import (
    fill,
    fill_paragraphs,
    long_date,
    pdf_name,
    preview_pdf,
    qr_payload,
    render_pdf,
    storage_name,
    storage_url_fetcher,
    store_pdf,
    template_for,
    verification_url,
)
from lms.tasks import render_certificate_pdf
from tests.lms.factories import ParticipantFactory

CODE = "Zk3vQ1n8Hc2xT9wLp4RmYb7sDf6GaJ0e"
REFERENCE = "AULA-2026-7K4Q-M9XD"
NAME = "María José Ñáñez Cevallos"
SUBJECT = "Movilidad humana en el PDOT: curso básico"


def make_certificate(**fields) -> Certificate:
    values = {
        "participant": ParticipantFactory(full_name=NAME),
        "kind": Certificate.Kind.COURSE,
        "subject_key": "course:1",
        "code": CODE,
        "reference": REFERENCE,
        "holder_name": NAME,
        "gad_name": "GAD Municipal de Pedernales",
        "subject_title": SUBJECT,
        "hours": 6,
        "achieved_on": date(2026, 11, 27),
    }
    values.update(fields)
    return Certificate.objects.create(**values)


def pdf_reader(content: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(content))


def pdf_text(content: bytes) -> str:
    """The text of every page, with line breaks and runs of spaces made single spaces."""
    text = " ".join(page.extract_text() for page in pdf_reader(content).pages)
    return re.sub(r"\s+", " ", text)


def without_spaces(text: str) -> str:
    return re.sub(r"\s+", "", text)


def stored_pdf(certificate: Certificate) -> bytes:
    certificate.refresh_from_db()
    with default_storage.open(certificate.pdf.name, "rb") as file:
        return file.read()


def png(width: int, height: int, color: str, name: str = "") -> ContentFile:
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), color).save(buffer, format="PNG")
    return ContentFile(buffer.getvalue(), name=name or f"{color.strip('#')}.png")


def wagtail_image(title: str, width=400, height=200, color="#0b4f8a", name=""):
    return get_image_model().objects.create(title=title, file=png(width, height, color, name))


@pytest.fixture(autouse=True)
def pdf_tasks():
    """The real PDF task runs here (this folder's conftest records it instead)."""
    return None


@pytest.fixture
def default_template(db):
    """The site's default template, as the data migration creates it."""
    return CertificateTemplate.objects.get(is_default=True)


# --- what the PDF says ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_pdf_states_the_snapshot_with_its_accents():
    certificate = make_certificate()

    assert store_pdf(certificate.pk) == Certificate.Pdf.READY

    content = stored_pdf(certificate)
    text = pdf_text(content)
    assert "María José Ñáñez" in text
    assert NAME in text
    assert SUBJECT in text
    assert "GAD Municipal de Pedernales" in text
    assert "27 de noviembre de 2026" in text
    assert "6 horas" in text
    assert REFERENCE in text
    # The address may wrap under the QR code.
    assert f"http://testserver/verificar/{CODE}/" in without_spaces(text)
    assert "Certificado" in text
    assert len(pdf_reader(content).pages) == 1


@pytest.mark.django_db
def test_the_pdf_reads_the_snapshot_not_the_live_profile():
    certificate = make_certificate()
    certificate.participant.full_name = "Otro Nombre"
    certificate.participant.save()

    store_pdf(certificate.pk)

    text = pdf_text(stored_pdf(certificate))
    assert NAME in text
    assert "Otro Nombre" not in text


@pytest.mark.django_db
def test_markup_in_a_name_is_printed_as_written():
    certificate = make_certificate(holder_name="<b>Ana</b> & Co", gad_name="GAD <i>x</i>")

    store_pdf(certificate.pk)

    text = pdf_text(stored_pdf(certificate))
    assert "<b>Ana</b> & Co" in text
    assert "GAD <i>x</i>" in text


@pytest.mark.django_db
def test_the_html_escapes_every_value():
    certificate = make_certificate(holder_name='<img src="http://example.org/x.png">')
    html = certificate_pdf.render_html(certificate, CertificateTemplate.objects.get())
    assert "&lt;img src=&quot;http://example.org/x.png&quot;&gt;" in html
    assert '<img src="http://example.org' not in html


def test_placeholders_are_filled_escaped_and_unknown_ones_kept():
    values = {"name": "<b>Ana</b>", "hours": "6"}
    filled = fill("Hola {name}, {hours} h {unknown} {0} {name.__class__} {{name}} <script>", values)

    assert filled == (
        'Hola <span class="field field-name">&lt;b&gt;Ana&lt;/b&gt;</span>, '
        '<span class="field field-hours">6</span> h {unknown} {0} {name.__class__} '
        '{<span class="field field-name">&lt;b&gt;Ana&lt;/b&gt;</span>} &lt;script&gt;'
    )


def test_a_blank_line_starts_a_paragraph():
    paragraphs = fill_paragraphs("Uno {name}\nsigue\n\n\nDos <i>\n", {"name": "A&B"})
    assert paragraphs == [
        'Uno <span class="field field-name">A&amp;B</span><br>sigue',
        "Dos &lt;i&gt;",
    ]


def test_dates_are_written_out_in_spanish():
    assert long_date(date(2026, 11, 27)) == "27 de noviembre de 2026"
    assert long_date(date(2027, 1, 1)) == "1 de enero de 2027"


@pytest.mark.django_db
def test_an_unknown_placeholder_in_the_template_is_printed_as_written(default_template):
    default_template.body = "Se certifica que {name} completó {curso} el {date}."
    default_template.save()
    certificate = make_certificate()

    store_pdf(certificate.pk)

    assert "Se certifica que María José Ñáñez Cevallos completó {curso} el 27 de noviembre" in (
        pdf_text(stored_pdf(certificate))
    )


# --- the page ---------------------------------------------------------------------------


def page_size(content: bytes) -> tuple[float, float]:
    box = pdf_reader(content).pages[0].mediabox
    return float(box.width), float(box.height)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("size", "orientation", "expected"),
    [
        ("A4", "landscape", (841.9, 595.3)),
        ("A4", "portrait", (595.3, 841.9)),
        ("letter", "landscape", (792, 612)),
        ("letter", "portrait", (612, 792)),
    ],
)
def test_the_page_follows_the_template(default_template, size, orientation, expected):
    default_template.page_size = size
    default_template.orientation = orientation
    default_template.save()
    certificate = make_certificate()

    content = render_pdf(certificate, template_for(certificate))

    assert page_size(content) == pytest.approx(expected, abs=1)
    assert len(pdf_reader(content).pages) == 1


@pytest.mark.django_db
def test_fonts_are_embedded():
    content = render_pdf(make_certificate(), CertificateTemplate.objects.get())
    fonts = pdf_reader(content).pages[0]["/Resources"]["/Font"]
    assert fonts
    for font in fonts.values():
        font = font.get_object()
        descriptor = (
            font.get("/FontDescriptor")
            or (font["/DescendantFonts"][0].get_object()["/FontDescriptor"])
        )
        descriptor = descriptor.get_object()
        assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


@pytest.mark.django_db
def test_the_default_template_prints_its_signatories(default_template):
    content = render_pdf(make_certificate(), default_template)
    text = pdf_text(content)
    assert "Coordinación del programa" in text
    assert "Dirección de Capacitación" in text
    assert "Referencia: AULA-2026-7K4Q-M9XD" in text


# --- the QR code ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_qr_code_encodes_exactly_the_verification_address():
    certificate = make_certificate()

    assert verification_url(certificate) == f"http://testserver/verificar/{CODE}/"
    assert qr_payload(certificate) == verification_url(certificate)
    with mock.patch("qrcode.make", wraps=qrcode.make) as make:
        render_pdf(certificate, CertificateTemplate.objects.get())

    make.assert_called_once()
    assert make.call_args.args == (f"http://testserver/verificar/{CODE}/",)


@pytest.mark.django_db
def test_the_verification_address_has_no_language_prefix(settings):
    from django.utils import translation

    certificate = make_certificate()
    settings.WAGTAILADMIN_BASE_URL = "https://aula.example.org/"
    with translation.override("en"):
        assert verification_url(certificate) == f"https://aula.example.org/verificar/{CODE}/"


# --- images, from the storage -----------------------------------------------------------


@pytest.mark.django_db
def test_images_are_read_from_the_storage(default_template):
    default_template.background = wagtail_image("Fondo", 1200, 850, "#f4efe1")
    default_template.save()
    default_template.logos.add(
        wagtail_image("Logo OIM"), wagtail_image("Logo AME", name="logo ame ñandú.png")
    )
    signatory = default_template.signatories.first()
    signatory.signature = wagtail_image("Firma", 300, 100, "#1b2430")
    signatory.save()
    certificate = make_certificate()

    with (
        mock.patch("urllib.request.HTTPHandler.http_open") as http,
        mock.patch("urllib.request.HTTPSHandler.https_open") as https,
    ):
        assert store_pdf(certificate.pk) == Certificate.Pdf.READY

    http.assert_not_called()
    https.assert_not_called()
    images = pdf_reader(stored_pdf(certificate)).pages[0].images
    # Background, two logos, one signature and the QR code.
    assert len(images) == 5


@pytest.mark.django_db
def test_an_unreadable_image_leaves_it_out(default_template):
    image = wagtail_image("Fondo")
    default_template.background = image
    default_template.save()
    default_storage.delete(image.file.name)
    certificate = make_certificate()

    assert store_pdf(certificate.pk) == Certificate.Pdf.READY
    assert len(pdf_reader(stored_pdf(certificate)).pages[0].images) == 1  # the QR code


def test_only_media_addresses_map_to_the_storage():
    assert storage_name("http://testserver/media/images/logo.png") == "images/logo.png"
    assert storage_name("http://testserver/media/images/a%20b.png") == "images/a b.png"
    assert storage_name("https://testserver/media/images/logo.png") is None
    assert storage_name("http://example.org/media/images/logo.png") is None
    assert storage_name("http://testserver/static/logo.png") is None
    assert storage_name("http://testserver/media/../settings.py") is None
    assert storage_name("http://testserver/media/images/%2E%2E/x.png") is None
    assert storage_name("http://testserver/media/images/x.png?a=1") is None


def test_the_fetcher_refuses_other_addresses():
    fetcher = storage_url_fetcher()
    for url in ("http://example.org/logo.png", "file:///etc/passwd", "ftp://example.org/x"):
        with pytest.raises(ValueError, match="disallowed|only media"):
            fetcher.fetch(url)


def test_the_fetcher_reads_a_media_file():
    name = default_storage.save("images/prueba.png", png(4, 4, "#ffffff"))
    try:
        response = storage_url_fetcher().fetch(f"http://testserver/media/{name}")
        assert response.read().startswith(b"\x89PNG")
    finally:
        default_storage.delete(name)


# --- storing, failing, revoked ----------------------------------------------------------


@pytest.mark.django_db
def test_the_pdf_is_stored_under_its_reference():
    certificate = make_certificate()

    store_pdf(certificate.pk)
    certificate.refresh_from_db()
    assert certificate.pdf.name == f"certificados/{REFERENCE}.pdf" == pdf_name(certificate)
    assert certificate.pdf_status == Certificate.Pdf.READY
    assert stored_pdf(certificate).startswith(b"%PDF-")

    # Rendered again (say, after the template changed): the same name, the file replaced.
    store_pdf(certificate.pk)
    certificate.refresh_from_db()
    assert certificate.pdf.name == f"certificados/{REFERENCE}.pdf"
    _directories, files = default_storage.listdir("certificados")
    assert [f for f in files if f.startswith(REFERENCE)] == [f"{REFERENCE}.pdf"]


@pytest.mark.django_db
def test_the_task_renders_the_pdf():
    certificate = make_certificate()

    result = render_certificate_pdf.enqueue(certificate.pk)

    assert result.return_value == Certificate.Pdf.READY
    certificate.refresh_from_db()
    assert certificate.pdf_status == Certificate.Pdf.READY


@pytest.mark.django_db
def test_a_rendering_failure_marks_the_pdf_failed(caplog):
    certificate = make_certificate()

    with (
        mock.patch.object(certificate_pdf, "render_pdf", side_effect=RuntimeError("Pango")),
        caplog.at_level(logging.ERROR, logger="lms.services.certificate_pdf"),
    ):
        status = render_certificate_pdf.enqueue(certificate.pk).return_value

    assert status == Certificate.Pdf.FAILED
    certificate.refresh_from_db()
    assert certificate.pdf_status == Certificate.Pdf.FAILED
    assert not certificate.pdf
    assert REFERENCE in caplog.text


@pytest.mark.django_db
def test_a_storage_failure_marks_the_pdf_failed():
    certificate = make_certificate()

    with mock.patch.object(default_storage, "save", side_effect=OSError("disk full")):
        assert store_pdf(certificate.pk) == Certificate.Pdf.FAILED

    certificate.refresh_from_db()
    assert certificate.pdf_status == Certificate.Pdf.FAILED


@pytest.mark.django_db
def test_a_revoked_certificate_is_not_rendered_again():
    certificate = make_certificate(revoked_at=timezone.now(), revoked_reason="Error de datos")

    with mock.patch.object(certificate_pdf, "render_pdf") as render:
        assert store_pdf(certificate.pk) == Certificate.Pdf.PENDING

    render.assert_not_called()
    assert not default_storage.exists(f"certificados/{REFERENCE}.pdf")


@pytest.mark.django_db
def test_a_missing_certificate_is_no_error():
    assert store_pdf(987654) == ""


# --- which template ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_certificate_uses_its_own_template_then_its_workshops_then_the_default(
    default_template,
):
    own = CertificateTemplate.objects.create(name="Propia", heading="Constancia", body="{name}")
    for_workshop = CertificateTemplate.objects.create(name="Taller", body="{name}")
    workshop = Workshop.objects.create(
        title="Taller", slug="taller", certificate_template=for_workshop
    )

    assert template_for(make_certificate(template=own)) == own
    assert (
        template_for(
            make_certificate(
                code="c2",
                reference="AULA-2026-AAAA-BBBB",
                kind=Certificate.Kind.WORKSHOP,
                workshop=workshop,
                subject_key=f"workshop:{workshop.pk}",
            )
        )
        == for_workshop
    )
    assert template_for(make_certificate(code="c3", reference="AULA-2026-CCCC-DDDD")) == (
        default_template
    )

    certificate = make_certificate(code="c4", reference="AULA-2026-EEEE-FFFF", template=own)
    store_pdf(certificate.pk)
    assert "Constancia" in pdf_text(stored_pdf(certificate))


@pytest.mark.django_db
def test_without_any_template_the_built_in_text_is_used():
    CertificateTemplate.objects.all().delete()
    certificate = make_certificate()

    assert store_pdf(certificate.pk) == Certificate.Pdf.READY
    text = pdf_text(stored_pdf(certificate))
    assert "Se certifica que María José Ñáñez Cevallos, del GAD Municipal de Pedernales" in text


# --- the preview ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_preview_fills_the_template_with_sample_data(default_template):
    Signatory.objects.create(template=default_template, name="Rectoría", role="Universidad")

    text = pdf_text(preview_pdf(default_template))

    assert "María José Ñáñez Cevallos" in text
    assert "GAD Municipal de Pedernales" in text
    assert "Movilidad humana en el PDOT: curso básico" in text
    assert "6 horas" in text
    assert long_date(timezone.localdate()) in text
    assert "Rectoría" in text
    assert "Vista previa" in text
    assert not Certificate.objects.exists()


def test_a_lost_or_failed_pdf_is_made_again_when_its_holder_asks(
    db, client, django_capture_on_commit_callbacks
):
    certificate = make_certificate()
    store_pdf(certificate.pk)
    certificate.refresh_from_db()
    default_storage.delete(certificate.pdf.name)  # lost, as a volume can lose files
    client.force_login(certificate.participant.user)
    url = f"/aprendizaje/certificados/{certificate.pk}/pdf/"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == "/aprendizaje/"
    certificate.refresh_from_db()
    assert certificate.pdf_status == Certificate.Pdf.READY
    again = client.get(url)
    assert again.status_code == 200
    assert NAME in pdf_text(b"".join(again.streaming_content))
