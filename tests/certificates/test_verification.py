"""The public verification page, the rate limit on lookups, and the holder's own PDF.

Where an anonymous verification GET's queries go (warm caches, as in production
after the first visit): the certificate, by its code ........................ 1
The site, menu and footer come from the shared cache (the first page anyone opens
after a publish fills it, as for every page); without a session cookie there is no
session or user to load. The budget the page must stay within is 3.
"""

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from lms.models import Certificate
from lms.services import certificates as service
from lms.services.privacy import delete_participant
from lms.views import certificates as views
from tests.certificates.conftest import make_certificate

VERIFY_QUERIES = 1
VERIFY_BUDGET = 3


def verify_url(certificate) -> str:
    return reverse("lms:certificate_verify", args=[certificate.code])


@pytest.fixture
def page(client, home, certificate):
    def get(code=None, **extra):
        return client.get(
            reverse("lms:certificate_verify", args=[code or certificate.code]), **extra
        )

    return get


def test_a_valid_certificate_shows_what_it_states(page, certificate, participant):
    response = page()

    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-status="valid"' in body
    assert "Rosa Mero" in body
    assert certificate.gad_name in body
    assert "Movilidad humana en el PDOT" in body
    assert f"<dd>{certificate.hours}</dd>" in body
    assert certificate.reference in body
    assert "Organización Internacional para las Migraciones (OIM)" in body
    assert "Asociación de Municipalidades Ecuatorianas (AME)" in body
    assert reverse("lms:certificate_badge", args=[certificate.code]) in body


def test_the_page_never_shows_contact_details(page, participant):
    participant.phone = "0991234567"
    participant.save()

    body = page().content.decode()

    assert participant.email and participant.email not in body
    assert "0991234567" not in body
    assert "@" not in body.split("<main", 1)[1].split("</main>", 1)[0]


def test_the_page_is_not_indexed_nor_cached(page):
    response = page()

    assert response["X-Robots-Tag"].startswith("noindex")
    cache_control = response["Cache-Control"]
    assert "private" in cache_control or "no-store" in cache_control
    assert "public" not in cache_control


def test_a_revoked_certificate_says_so_with_the_date(page, certificate, trainer):
    service.revoke(certificate, by=trainer, reason="Emitido por error")
    revoked_on = timezone.localdate(Certificate.objects.get().revoked_at)

    body = page().content.decode()

    assert 'data-status="revoked"' in body
    assert gettext("Revoked") in body
    assert revoked_on.strftime("%Y") in body and str(revoked_on.day) in body
    assert 'data-status="valid"' not in body
    assert "Emitido por error" not in body  # the reason stays in the record


def test_after_the_holder_s_deletion_the_page_says_revoked_without_the_name(
    page, certificate, participant
):
    delete_participant(participant=participant)

    body = page().content.decode()

    assert 'data-status="revoked"' in body
    assert "Rosa Mero" not in body
    assert "Pedernales" not in body.split("<main", 1)[1]


@pytest.mark.parametrize("code", ["no-existe-este-codigo-0000000000000", "x" * 80, "ab%2Fcd"])
def test_an_unknown_code_is_a_plain_not_found(page, code):
    response = page(code=code)

    assert response.status_code == 404
    assert "lms/certificates/not_found.html" in [t.name for t in response.templates]
    assert response["X-Robots-Tag"].startswith("noindex")


def test_lookups_are_limited_per_address(client, home, certificate, settings):
    settings.CERTIFICATE_LOOKUPS_PER_MINUTE = 5
    url = verify_url(certificate)

    for _ in range(5):
        assert client.get(url, REMOTE_ADDR="203.0.113.7").status_code == 200
    refused = client.get(url, REMOTE_ADDR="203.0.113.7")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    assert "Rosa Mero" not in refused.content.decode()
    # Unknown codes count too: guessing is what the limit stops.
    assert (
        client.get(
            reverse("lms:certificate_verify", args=["adivinanza"]), REMOTE_ADDR="203.0.113.7"
        ).status_code
        == 429
    )
    badge = reverse("lms:certificate_badge", args=[certificate.code])
    assert client.get(badge, REMOTE_ADDR="203.0.113.7").status_code == 429
    # Another address is not held back.
    assert client.get(url, REMOTE_ADDR="198.51.100.2").status_code == 200


def test_behind_a_proxy_the_client_s_address_counts(rf, settings):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    request = rf.get("/", HTTP_X_FORWARDED_FOR="203.0.113.9, 10.0.0.1", REMOTE_ADDR="10.0.0.1")

    assert views.client_ip(request) == "203.0.113.9"


def verify_queries(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return [query["sql"] for query in context.captured_queries]


def test_the_page_costs_one_query_whatever_the_number_of_certificates(
    home, certificate, other_participant, course, workshop
):
    client = Client()
    client.get(verify_url(certificate))  # warms the shared cache: site, menu, footer

    few = verify_queries(client, verify_url(certificate))
    other = make_certificate(other_participant, course=course)
    make_certificate(other_participant, workshop=workshop)
    many = verify_queries(client, verify_url(other))

    assert len(few) == VERIFY_QUERIES, "\n".join(few)
    assert len(many) == VERIFY_QUERIES, "\n".join(many)
    assert len(few) <= VERIFY_BUDGET


# --- Mi aprendizaje and the PDF --------------------------------------------------------


def with_pdf(certificate) -> Certificate:
    certificate.pdf.save("certificado.pdf", ContentFile(b"%PDF-1.7 prueba"), save=False)
    certificate.pdf_status = Certificate.Pdf.READY
    certificate.save()
    return certificate


def test_my_learning_lists_certificates_with_download_and_share_link(client, official, certificate):
    client.force_login(official)

    pending = client.get(reverse("lms:my_learning")).content.decode()
    assert certificate.subject_title in pending
    assert service.verification_url(certificate) in pending
    assert reverse("lms:certificate_pdf", args=[certificate.pk]) not in pending

    with_pdf(certificate)
    ready = client.get(reverse("lms:my_learning")).content.decode()
    assert reverse("lms:certificate_pdf", args=[certificate.pk]) in ready


def test_my_learning_marks_a_revoked_certificate(client, official, certificate, trainer):
    with_pdf(certificate)
    service.revoke(certificate, by=trainer, reason="Emitido por error")
    client.force_login(official)

    body = client.get(reverse("lms:my_learning")).content.decode()

    assert certificate.subject_title in body
    assert reverse("lms:certificate_pdf", args=[certificate.pk]) not in body


def test_the_holder_downloads_their_pdf(client, official, certificate):
    with_pdf(certificate)
    client.force_login(official)

    response = client.get(reverse("lms:certificate_pdf", args=[certificate.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert certificate.reference in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_nobody_else_downloads_it(client, certificate, other_participant):
    with_pdf(certificate)
    url = reverse("lms:certificate_pdf", args=[certificate.pk])

    anonymous = client.get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/cuenta/login/")

    client.force_login(other_participant.user)
    assert client.get(url).status_code == 404


def test_no_download_while_pending_or_once_revoked(client, official, certificate, trainer):
    client.force_login(official)
    url = reverse("lms:certificate_pdf", args=[certificate.pk])
    # Still being prepared: the holder is sent back to Mi aprendizaje, which says so.
    pending = client.get(url)
    assert pending.status_code == 302
    assert pending["Location"] == reverse("lms:my_learning")

    with_pdf(certificate)
    service.revoke(certificate, by=trainer, reason="Emitido por error")
    assert client.get(url).status_code == 404
