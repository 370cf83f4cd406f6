"""Every kind of response carries the right security headers, with production's settings.

The hardening production.py adds on top of the base settings (HTTPS redirect, HSTS,
secure cookies, the proxy header) is read from that module itself and applied here,
and requests arrive over HTTPS as they do behind the proxy. Then each kind of
response is checked: a public page (rendered and from the page cache), a signed-in
page, the admin, JSON, file downloads, H5P package files, a 404, a 500, static files.
"""

import runpy
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import path, reverse

from cms import urls as cms_urls
from lms import roles
from lms.models import Certificate, Session, Workshop
from lms.services import h5p as h5p_service
from lms.services.certificates import issue
from tests.factories import UserFactory

PRODUCTION_ONLY = {"SECRET_KEY", "CERTIFICATE_SIGNING_KEY"}
HTTPS = {"secure": True, "HTTP_X_FORWARDED_PROTO": "https"}


def _boom(request):
    raise RuntimeError("a view that fails, to see the error page's headers")


# The project's URLs plus one view that fails (used as ROOT_URLCONF in the 500 test).
urlpatterns = [path("falla-de-prueba/", _boom), *cms_urls.urlpatterns]


@pytest.fixture(autouse=True)
def production(settings, monkeypatch):
    """The settings production.py changes, applied to the test settings."""
    import cms.settings.base as base

    monkeypatch.setattr(base, "SECRET_KEY", "x" * 64)
    monkeypatch.setattr(base, "CERTIFICATE_SIGNING_KEY", "y" * 44)
    hardened = runpy.run_module("cms.settings.production")
    changed = {
        name: value
        for name, value in hardened.items()
        if name.isupper()
        and not name.startswith("_")
        and name not in PRODUCTION_ONLY
        and value != getattr(base, name, object())
    }
    assert {"SECURE_HSTS_SECONDS", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE"} <= set(changed)
    for name, value in changed.items():
        setattr(settings, name, value)
    return changed


@pytest.fixture
def https(client):
    """Requests as the proxy passes them on: over HTTPS."""
    client.defaults.update(HTTPS)
    return client


def staff_client(user):
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client(**HTTPS)
    device = TOTPDevice.objects.create(user=user, name="Teléfono", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


# ---------------------------------------------------------------------------
# What each kind of response must carry.


def directives(response) -> dict[str, str]:
    assert "Content-Security-Policy-Report-Only" not in response, "the policy must be enforced"
    policy = response["Content-Security-Policy"]
    return {
        part.strip().split(" ", 1)[0]: (part.strip().split(" ", 1) + [""])[1]
        for part in policy.split(";")
        if part.strip()
    }


def assert_baseline(response):
    """What SecurityMiddleware puts on every response, whatever made it."""
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains; preload")


def assert_site_policy(response):
    """The public site's strict policy: no inline script, no framing, no plugins."""
    assert_baseline(response)
    policy = directives(response)
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'none'"
    assert policy["form-action"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"


def assert_private(response):
    """Personal data: kept by no cache, shared or the browser's."""
    cache_control = response["Cache-Control"]
    assert "no-store" in cache_control
    assert "private" in cache_control or "no-cache" in cache_control
    assert "public" not in cache_control


def assert_download(response, extension: str):
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment"), disposition
    assert f".{extension}" in disposition
    assert response["X-Content-Type-Options"] == "nosniff"


# ---------------------------------------------------------------------------
# Pages.


def test_plain_http_is_sent_to_https(client, toolkit_page):
    response = client.get(toolkit_page.url)
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


def test_a_public_page_carries_the_strict_policy(https, toolkit_page):
    response = https.get(toolkit_page.url)
    assert response.status_code == 200
    assert response["X-Page-Cache"] == "miss"
    assert_site_policy(response)


def test_a_public_page_from_the_page_cache_carries_the_same_policy(https, toolkit_page):
    https.get(toolkit_page.url)
    response = https.get(toolkit_page.url)
    assert response.status_code == 200
    assert response["X-Page-Cache"] == "hit"
    assert_site_policy(response)


def test_a_signed_in_page_carries_the_strict_policy_and_is_never_stored(https, official, home):
    https.force_login(official)
    response = https.get(reverse("lms:my_learning"))
    assert response.status_code == 200
    assert_site_policy(response)
    assert_private(response)


def assert_host_only(cookie):
    """What the __Host- prefix demands, or browsers drop the cookie: Secure, path /, no Domain."""
    assert cookie.key.startswith("__Host-")
    assert cookie["secure"] and cookie["path"] == "/" and not cookie["domain"]


def test_the_login_page_sets_secure_cookies(https, home, django_user_model, settings):
    from allauth.account.models import EmailAddress

    user = django_user_model.objects.create_user("entra@example.org", password="clave-larga-123")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    page = https.get(reverse("account_login"))
    assert_site_policy(page)
    csrf = page.cookies[settings.CSRF_COOKIE_NAME]
    assert_host_only(csrf)
    assert csrf["httponly"] and csrf["samesite"] == "Lax"

    response = https.post(
        reverse("account_login"), {"login": user.email, "password": "clave-larga-123"}
    )

    assert response.status_code == 302
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert_host_only(session)
    assert session["httponly"] and session["samesite"] == "Lax"
    # The new session cookie is what signs the visitor in from then on.
    assert https.get(reverse("lms:profile")).status_code == 200


def test_the_admin_keeps_a_policy_relaxed_only_where_wagtail_needs_it(db):
    client = staff_client(UserFactory(is_superuser=True, is_staff=True))
    response = client.get("/admin/")
    assert response.status_code == 200
    assert_baseline(response)
    policy = directives(response)
    assert "'unsafe-inline'" in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'none'"
    assert policy["frame-ancestors"] == "'self'"  # previews frame the site
    assert response["X-Frame-Options"] in ("DENY", "SAMEORIGIN")
    assert_private(response)


# ---------------------------------------------------------------------------
# JSON.


def test_public_json_is_not_sniffed(https, db):
    response = https.get(reverse("lms:gad_search"), {"q": "Pedernales"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert_baseline(response)
    assert directives(response)["default-src"] == "'self'"


def test_json_about_a_person_is_never_stored(https, official, course):
    from courses.models import QuizPage
    from lms.models import Participant
    from lms.services.learning import enrol, start_attempt

    https.force_login(official)
    enrolment = enrol(participant=Participant.objects.get(user=official), course=course)
    attempt = start_attempt(enrolment=enrolment, quiz=QuizPage.objects.get())
    response = https.post(
        reverse("lms:quiz_save", args=[attempt.pk]),
        data='{"fields": {}}',
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert_baseline(response)
    assert_private(response)


def test_a_certificate_s_open_badge_is_public_but_never_cached(https, certificate):
    response = https.get(reverse("lms:certificate_badge", args=[certificate.code]))
    assert response.status_code == 200
    assert_baseline(response)
    assert "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"


# ---------------------------------------------------------------------------
# File downloads.


@pytest.fixture
def certificate(official, course):
    from lms.models import Participant

    certificate = issue(
        participant=Participant.objects.get(user=official),
        kind=Certificate.Kind.COURSE,
        course=course,
    )
    certificate.pdf.save("cabeceras.pdf", ContentFile(b"%PDF-1.7 cabeceras"), save=False)
    certificate.pdf_status = Certificate.Pdf.READY
    certificate.save()
    return certificate


def test_the_certificate_pdf_is_an_attachment_never_stored(https, official, certificate):
    https.force_login(official)
    response = https.get(reverse("lms:certificate_pdf", args=[certificate.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert_download(response, "pdf")
    assert_baseline(response)
    assert_private(response)


@pytest.mark.parametrize(
    ("name", "extension"), [("lms:my_data_json", "json"), ("lms:my_data_csv", "csv")]
)
def test_my_data_downloads_are_attachments_never_stored(https, official, home, name, extension):
    https.force_login(official)
    response = https.get(reverse(name))
    assert response.status_code == 200
    assert_download(response, extension)
    assert_baseline(response)
    assert_private(response)


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_report_exports_are_attachments_never_stored(db, extension):
    client = staff_client(UserFactory(groups=[roles.MANAGER]))
    response = client.get(reverse("reports_export", args=["participants", extension]))
    assert response.status_code == 200
    assert_download(response, extension)
    assert_baseline(response)
    assert_private(response)


@pytest.mark.parametrize("name", ["lms:attendance_workshop_csv", "lms:attendance_workshop_xlsx"])
def test_attendance_exports_are_attachments_never_stored(db, name):
    from django.utils import timezone

    trainer = UserFactory(groups=[roles.TRAINER])
    workshop = Workshop.objects.create(
        title="Taller", slug="taller-cabeceras", status=Workshop.Status.PUBLISHED
    )
    workshop.trainers.add(trainer)
    workshop.save()
    start = timezone.now() - timedelta(days=1)
    Session.objects.create(workshop=workshop, starts_at=start, ends_at=start + timedelta(hours=2))
    response = staff_client(trainer).get(reverse(name, args=[workshop.pk]))
    assert response.status_code == 200
    assert_download(response, name.rsplit("_", 1)[1])
    assert_baseline(response)
    assert_private(response)


def test_the_calendar_file_of_a_workshop_is_not_sniffed(https, db):
    from django.utils import timezone

    workshop = Workshop.objects.create(
        title="Taller", slug="taller-ics", status=Workshop.Status.PUBLISHED
    )
    start = timezone.now() + timedelta(days=3)
    Session.objects.create(workshop=workshop, starts_at=start, ends_at=start + timedelta(hours=2))
    response = https.get(reverse("lms:workshop_calendar", args=[workshop.slug]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert_baseline(response)


def test_a_document_is_served_so_it_cannot_run_as_a_page(https, db, settings, tmp_path):
    from wagtail.models import Collection
    from wagtail_factories import DocumentFactory

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    document = DocumentFactory(
        collection=Collection.get_first_root_node(),
        file=ContentFile(b"<script>alert(1)</script>", name="guia.txt"),
    )
    response = https.get(document.url)
    assert response.status_code == 200
    assert_baseline(response)
    assert directives(response)["default-src"] == "'none'"
    assert response["Content-Disposition"].startswith("attachment")


# ---------------------------------------------------------------------------
# H5P package files.


@pytest.fixture
def h5p_token(official):
    from courses.models import H5PActivity

    activity = H5PActivity.objects.create(
        title="Actividad", key="cabeceras", main_library="Aula.Question 1.0"
    )
    default_storage.save("h5p/content/cabeceras/h5p.json", ContentFile(b'{"title": "x"}'))
    default_storage.save("h5p/content/cabeceras/content/pagina.html", ContentFile(b"<b>hola</b>"))
    yield h5p_service.file_token(activity_id=activity.pk, key=activity.key, user_id=official.pk)
    for name in ("h5p/content/cabeceras/h5p.json", "h5p/content/cabeceras/content/pagina.html"):
        default_storage.delete(name)


def assert_sandboxed(response):
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    # The sandboxed frame sends no Referer at all: stricter than the site's same-origin.
    assert response["Referrer-Policy"] == "no-referrer"
    policy = response["Content-Security-Policy"]
    assert policy.startswith("sandbox allow-scripts")
    assert "allow-same-origin" not in policy
    assert directives(response)["default-src"] == "'none'"


@pytest.mark.parametrize("name", ["h5p.json", "content/pagina.html"])
def test_h5p_package_files_are_sandboxed_and_never_html(https, h5p_token, name):
    url = reverse("h5p_file", args=[h5p_token, name])
    response = https.get(url)
    assert response.status_code == 200
    assert_sandboxed(response)
    assert not response["Content-Type"].startswith("text/html")


def test_the_h5p_player_page_is_sandboxed(https, h5p_token):
    response = https.get(reverse("h5p_player", args=[h5p_token]))
    assert response.status_code == 200
    assert_sandboxed(response)
    # Kept by the person's browser only, for a downloaded lesson offline (docs/offline.md).
    assert response["Cache-Control"] == "private, max-age=2592000"


@pytest.mark.parametrize("token", ["", "x", "no-es-un-token"])
def test_h5p_files_need_a_valid_token(https, h5p_token, token):
    bad = token or h5p_token[:-2] + ("AA" if not h5p_token.endswith("AA") else "BB")
    response = https.get(reverse("h5p_file", args=[bad, "h5p.json"]))
    assert response.status_code == 404
    assert b'"title"' not in response.content


def test_h5p_files_need_a_token_that_has_not_expired(https, h5p_token, settings, monkeypatch):
    import time

    later = time.time() + settings.H5P_TOKEN_SECONDS + 60
    monkeypatch.setattr(time, "time", lambda: later)
    response = https.get(reverse("h5p_file", args=[h5p_token, "h5p.json"]))
    assert response.status_code == 404


# ---------------------------------------------------------------------------
# Error pages and static files.


def test_a_404_carries_the_site_policy(https, home):
    response = https.get("/no-existe-esta-pagina/")
    assert response.status_code == 404
    assert_site_policy(response)


def test_a_404_in_the_admin_carries_the_admin_policy(db):
    client = staff_client(UserFactory(is_superuser=True, is_staff=True))
    response = client.get("/admin/no-existe/")
    assert response.status_code == 404
    assert_baseline(response)
    assert directives(response)["object-src"] == "'none'"


def test_a_500_carries_the_site_policy_and_no_detail(home, settings):
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False, **HTTPS)
    response = client.get("/falla-de-prueba/")
    assert response.status_code == 500
    assert_site_policy(response)
    assert b"RuntimeError" not in response.content
    assert b"Traceback" not in response.content


@pytest.mark.parametrize("path", ["/", "/buscar/", "/cuenta/login/", "/admin/"])
def test_no_response_echoes_a_trace_request(https, home, path):
    response = https.generic("TRACE", path, data="X-Secreto: eco", content_type="text/plain")
    assert b"X-Secreto" not in response.content
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", ["/static/css/site.css", "/static/h5p-standalone/frame.bundle.js"])
def test_static_files_are_not_sniffed(https, db, path):
    response = https.get(path)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    # Read to the end, which closes the file the way the test client expects.
    b"".join(response.streaming_content if response.streaming else [response.content])


# ---------------------------------------------------------------------------
# The settings change this suite proposes, applied: both gaps above close.

XFRAME = "django.middleware.clickjacking.XFrameOptionsMiddleware"
PAGE_CACHE = "cms.page_cache.PageCacheMiddleware"
PRIVATE = "cms.security_headers.PrivateByDefaultMiddleware"
AUTHENTICATION = "django.contrib.auth.middleware.AuthenticationMiddleware"


@pytest.fixture
def proposed_middleware(settings):
    """X-Frame-Options above the page cache; private-by-default after authentication."""
    middleware = [name for name in settings.MIDDLEWARE if name not in (XFRAME, PRIVATE)]
    middleware.insert(middleware.index(PAGE_CACHE), XFRAME)
    middleware.insert(middleware.index(AUTHENTICATION) + 1, PRIVATE)
    settings.MIDDLEWARE = middleware
    return middleware


def test_with_the_proposed_order_a_cached_page_keeps_x_frame_options(
    https, toolkit_page, proposed_middleware
):
    https.get(toolkit_page.url)
    response = https.get(toolkit_page.url)
    assert response["X-Page-Cache"] == "hit"
    assert_site_policy(response)


def test_with_the_proposed_middleware_account_pages_are_never_stored(
    https, official, home, proposed_middleware
):
    https.force_login(official)
    response = https.get(reverse("account_email"))
    assert response.status_code == 200
    assert official.email.encode() in response.content
    assert_private(response)
    # A view that says it may be cached keeps its word.
    public = https.get(reverse("lms:gad_search"), {"q": "Pedernales"})
    assert "public" in public["Cache-Control"]
    # Anonymous pages are left to the page cache.
    https.logout()
    assert "no-store" not in https.get(home.url).get("Cache-Control", "")


def test_the_h5p_player_stays_frameable_with_the_proposed_order(
    https, h5p_token, proposed_middleware
):
    response = https.get(reverse("h5p_player", args=[h5p_token]))
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
