"""Certificates as PDF: an HTML page laid out by WeasyPrint, with a QR code to verify it.

`store_pdf` renders a certificate and keeps the file in the default storage as
`certificados/<reference>.pdf`; the task `lms.tasks.render_certificate_pdf` calls
it in the worker. It never raises: a failure is logged and leaves the certificate
with pdf_status "failed". A revoked certificate is never rendered again.

What the PDF states comes from the certificate's snapshot fields (holder_name,
gad_name, subject_title, hours, achieved_on, reference), never from the live
course, workshop or profile. Editors write the template's heading, text and
footer as plain text with placeholders ({name}, {gad}, {subject}, {hours},
{date}, {reference}); everything is escaped, and an unknown {placeholder} is
printed as written.

Images (background, logos, signatures) are Wagtail renditions read from the
storage by file name through `StorageURLFetcher`: the renderer makes no HTTP
request and refuses any address other than the site's media and data: URIs.
"""

import logging
import re
import threading
from base64 import b64encode
from datetime import date
from functools import cache
from io import BytesIO
from urllib.parse import quote, unquote, urljoin, urlsplit

import qrcode
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe

from lms.models import Certificate, CertificateTemplate

logger = logging.getLogger(__name__)

PDF_FOLDER = "certificados"
HTML_TEMPLATE = "lms/certificates/pdf.html"
CSS_TEMPLATE = "lms/certificates/pdf.css"

# The text of the site's default template (the data migration creates the same one);
# used as is when no template exists at all.
DEFAULT_HEADING = "Certificado"
DEFAULT_BODY = (
    "Se certifica que {name}, del {gad}, completó {subject}, con una duración de "
    "{hours} horas, el {date}."
)
DEFAULT_FOOTER = (
    "Verifique este certificado con el código QR o en la dirección impresa. Referencia: {reference}"
)

# What the preview shows in place of a real certificate's snapshot.
SAMPLE_NAME = "María José Ñáñez Cevallos"
SAMPLE_GAD = "GAD Municipal de Pedernales"
SAMPLE_SUBJECT = "Movilidad humana en el PDOT: curso básico"
SAMPLE_HOURS = 6
SAMPLE_CODE = "vista-previa"

PLACEHOLDER = re.compile(r"\{(\w+)\}")

# Renditions sized for print (about 150 dpi at the size each is shown). The background
# becomes a JPEG, which the PDF embeds as it is; logos and signatures keep their format
# (a PNG's transparency). An SVG image is only resized.
BACKGROUND_FILTER = ("max-1800x1800", "format-jpeg|jpegquality-85")
LOGO_FILTER = ("max-800x300", "")
SIGNATURE_FILTER = ("max-600x240", "")

PAGE_SIZES = {
    CertificateTemplate.PageSize.A4: "A4",
    CertificateTemplate.PageSize.LETTER: "letter",
}
# Long and short side of each page size, in millimetres.
PAGE_SIDES_MM = {"A4": (297, 210), "letter": (279.4, 215.9)}
# The text sits between this much from the top and this much from the bottom (pdf.css).
TEXT_TOP_MM = 18
TEXT_BOTTOM_MM = 64


# --- what the certificate says --------------------------------------------------------


def verification_url(certificate: Certificate) -> str:
    """The public address where anyone checks the certificate (what its QR code holds)."""
    from lms.services.certificates import verification_url as public_address

    return public_address(certificate)


def qr_payload(certificate: Certificate) -> str:
    """Exactly what the QR code encodes: the verification address, nothing else."""
    return verification_url(certificate)


def qr_data_uri(text: str) -> str:
    """A QR code of `text` as a PNG data: URI, one pixel per module, with its quiet zone.

    The page scales it up without smoothing (image-rendering: pixelated), so it prints
    as sharp squares; a PNG is also much quicker to lay out than the SVG paths.
    """
    image = qrcode.make(text, box_size=1, border=4)
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + b64encode(buffer.getvalue()).decode("ascii")


def long_date(day: date) -> str:
    """A date as Spanish writes it out: "27 de noviembre de 2026"."""
    with translation.override("es"):
        return formats.date_format(day, r"j \d\e F \d\e Y")


def placeholder_values(certificate: Certificate) -> dict[str, str]:
    """The placeholders' values, from the certificate's snapshot."""
    return {
        "name": certificate.holder_name,
        "gad": certificate.gad_name,
        "subject": certificate.subject_title,
        "hours": str(certificate.hours),
        "date": long_date(certificate.achieved_on),
        "reference": certificate.reference,
    }


def fill(text: str, values: dict[str, str]) -> SafeString:
    """Plain text with its placeholders filled in, as escaped HTML.

    Each value is wrapped in `<span class="field field-<name>">` so the layout can
    stress the name and the subject. Unknown placeholders stay as written.
    """
    parts = []
    position = 0
    for match in PLACEHOLDER.finditer(text):
        parts.append(escape(text[position : match.start()]))
        key = match.group(1)
        if key in values:
            parts.append(f'<span class="field field-{key}">{escape(values[key])}</span>')
        else:
            parts.append(escape(match.group(0)))
        position = match.end()
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts))  # noqa: S308 - every piece is escaped above  # nosec B308, B703


def fill_paragraphs(text: str, values: dict[str, str]) -> list[SafeString]:
    """Text whose blank lines separate paragraphs; a single line break stays a line break."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n"))]
    return [
        mark_safe(fill(p, values).replace("\n", "<br>"))  # noqa: S308 - fill() escaped it  # nosec B308, B703
        for p in paragraphs
        if p
    ]


# --- which template -------------------------------------------------------------------


def builtin_template() -> CertificateTemplate:
    """An unsaved template with the default text, for a site that has none."""
    return CertificateTemplate(
        name="Aula",
        heading=DEFAULT_HEADING,
        body=DEFAULT_BODY,
        footer=DEFAULT_FOOTER,
    )


def default_template() -> CertificateTemplate:
    return CertificateTemplate.objects.filter(is_default=True).first() or builtin_template()


def template_for(certificate: Certificate) -> CertificateTemplate:
    """The certificate's own template, else its workshop's or course's, else the default."""
    if certificate.template_id and certificate.template:
        return certificate.template
    for subject in (certificate.workshop, certificate.course):
        chosen = getattr(subject, "certificate_template", None) if subject else None
        if chosen is not None:
            return chosen
    return default_template()


# --- images, read from the storage ----------------------------------------------------


def media_base_url() -> str:
    """The absolute address of the media files as the HTML refers to them."""
    return urljoin(settings.WAGTAILADMIN_BASE_URL.rstrip("/") + "/", settings.MEDIA_URL)


def _image_url(image, filters: tuple[str, str]) -> str | None:
    """The address of a rendition of the image, or None if the image cannot be read."""
    if image is None:
        return None
    size, conversion = filters
    spec = size if image.is_svg() or not conversion else f"{size}|{conversion}"
    try:
        rendition = image.get_rendition(spec)
    except Exception:
        logger.warning("Certificate image %s could not be read", image.pk, exc_info=True)
        return None
    return urljoin(media_base_url(), quote(rendition.file.name))


def _weasyprint():
    # Imported when first needed: it loads Pango and friends, which most processes never use.
    import weasyprint

    return weasyprint


@cache
def _fetcher_class():
    weasyprint = _weasyprint()

    class StorageURLFetcher(weasyprint.urls.URLFetcher):
        """Reads media addresses from the storage; refuses every other address but data:."""

        def __init__(self, storage, **kwargs):
            super().__init__(allowed_protocols={"data", "http", "https"}, **kwargs)
            self.storage = storage

        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            name = storage_name(url)
            if name is None:
                raise ValueError(f"Certificates load only media files, not {url}")
            with self.storage.open(name, "rb") as file:
                body = file.read()
            return weasyprint.urls.URLFetcherResponse(url, body)

    return StorageURLFetcher


def storage_url_fetcher(storage=None):
    """A WeasyPrint URL fetcher that reads media from the storage, and nothing else."""
    return _fetcher_class()(storage or default_storage)


def storage_name(url: str) -> str | None:
    """The storage name of a media address (absolute, as the HTML resolves it), else None."""
    base = urlsplit(media_base_url())
    parts = urlsplit(url)
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
        return None
    if not parts.path.startswith(base.path) or parts.query or parts.fragment:
        return None
    name = unquote(parts.path[len(base.path) :])
    segments = name.split("/")
    if not name or any(segment in ("", ".", "..") for segment in segments):
        return None
    return name


# --- the PDF --------------------------------------------------------------------------


def _logos(template: CertificateTemplate) -> list:
    if template.pk is None:
        return []
    return list(template.logos.order_by("pk"))


def _signatories(template: CertificateTemplate) -> list:
    return list(template.signatories.select_related("signature").all())


def page_layout(template: CertificateTemplate) -> dict[str, str]:
    """The page's size and orientation as CSS, and the height left for the text."""
    landscape = template.orientation != CertificateTemplate.Orientation.PORTRAIT
    page_size = PAGE_SIZES.get(template.page_size, "A4")
    long_side, short_side = PAGE_SIDES_MM[page_size]
    page_height = short_side if landscape else long_side
    return {
        "page_size": page_size,
        "orientation": "landscape" if landscape else "portrait",
        "text_height": f"{page_height - TEXT_TOP_MM - TEXT_BOTTOM_MM:.1f}mm",
    }


def page_css(template: CertificateTemplate) -> str:
    """The stylesheet of the template's page (lms/certificates/pdf.css)."""
    return render_to_string(CSS_TEMPLATE, page_layout(template))


def render_html(certificate: Certificate, template: CertificateTemplate, *, sample=False) -> str:
    """The certificate as the HTML page WeasyPrint lays out (styled by page_css)."""
    values = placeholder_values(certificate)
    heading = fill(template.heading, values)
    context = {
        "title": f"{strip_tags(heading)} · {certificate.reference}",
        "heading": heading,
        "paragraphs": fill_paragraphs(template.body, values),
        "footer": fill(template.footer, values),
        "background": _image_url(template.background, BACKGROUND_FILTER),
        "logos": [u for u in (_image_url(i, LOGO_FILTER) for i in _logos(template)) if u],
        "signatories": [
            {
                "name": s.name,
                "role": s.role,
                "signature": _image_url(s.signature, SIGNATURE_FILTER),
            }
            for s in _signatories(template)
        ],
        "qr_code": qr_data_uri(qr_payload(certificate)),
        "verification_url": verification_url(certificate),
        "reference": certificate.reference,
        "sample": sample,
    }
    with translation.override("es"):
        return render_to_string(HTML_TEMPLATE, context)


# Each thread keeps its font configuration and the parsed stylesheets (one per page
# layout): building them again for every certificate costs more than laying one out.
_renderer = threading.local()


def _font_config():
    config = getattr(_renderer, "font_config", None)
    if config is None:
        config = _renderer.font_config = _weasyprint().text.fonts.FontConfiguration()
    return config


def _stylesheet(css: str):
    parsed = _renderer.__dict__.setdefault("stylesheets", {})
    if css not in parsed:
        if len(parsed) >= 8:
            parsed.clear()
        parsed[css] = _weasyprint().CSS(string=css, font_config=_font_config())
    return parsed[css]


def render_pdf(certificate: Certificate, template: CertificateTemplate, *, sample=False) -> bytes:
    """The certificate laid out with the template, as PDF bytes (fonts embedded)."""
    weasyprint = _weasyprint()
    html = weasyprint.HTML(
        string=render_html(certificate, template, sample=sample),
        base_url=settings.WAGTAILADMIN_BASE_URL.rstrip("/") + "/",
        url_fetcher=storage_url_fetcher(),
    )
    return html.write_pdf(stylesheets=[_stylesheet(page_css(template))], font_config=_font_config())


def sample_certificate(template: CertificateTemplate | None = None) -> Certificate:
    """An unsaved certificate with sample data, as the preview shows it."""
    today = timezone.localdate()
    return Certificate(
        kind=Certificate.Kind.COURSE,
        template=template,
        code=SAMPLE_CODE,
        reference=f"AULA-{today.year}-0000-0000",
        holder_name=SAMPLE_NAME,
        gad_name=SAMPLE_GAD,
        subject_title=SAMPLE_SUBJECT,
        hours=SAMPLE_HOURS,
        achieved_on=today,
    )


def preview_pdf(template: CertificateTemplate) -> bytes:
    """The template filled with sample data, marked as a preview."""
    return render_pdf(sample_certificate(template), template, sample=True)


def pdf_name(certificate: Certificate) -> str:
    return f"{PDF_FOLDER}/{certificate.reference}.pdf"


def store_pdf(certificate_id: int) -> str:
    """Render the certificate and store its PDF; returns the new pdf_status.

    Never raises. Returns "" for a certificate that no longer exists, and the
    status unchanged for a revoked one, whose PDF is not made again.
    """
    certificate = (
        Certificate.objects.select_related("template", "workshop", "course")
        .filter(pk=certificate_id)
        .first()
    )
    if certificate is None:
        logger.warning("Certificate %s no longer exists: no PDF made", certificate_id)
        return ""
    if certificate.is_revoked:
        logger.info("Certificate %s is revoked: its PDF is not made again", certificate.reference)
        return certificate.pdf_status
    try:
        content = render_pdf(certificate, template_for(certificate))
        name = pdf_name(certificate)
        storage = certificate.pdf.storage
        # The same name every time: a new rendering replaces the file.
        if storage.exists(name):
            storage.delete(name)
        stored = storage.save(name, ContentFile(content))
    except Exception:
        logger.exception("The PDF of certificate %s could not be made", certificate.reference)
        Certificate.objects.filter(pk=certificate.pk).update(pdf_status=Certificate.Pdf.FAILED)
        return Certificate.Pdf.FAILED
    # Only the file and its status: a revocation saved meanwhile is kept.
    Certificate.objects.filter(pk=certificate.pk).update(
        pdf=stored, pdf_status=Certificate.Pdf.READY
    )
    return Certificate.Pdf.READY
