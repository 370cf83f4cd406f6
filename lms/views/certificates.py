"""Certificates on the site: public verification, Open Badges, and the holder's PDF.

Anyone with a certificate's code may check it, without an account: the page says
whether it is valid or was revoked (and when), and what it states (name, GAD, subject,
hours, date, issuer, reference), never an email, a phone or an ID number. An unknown
code gets a plain "not found", the same for every code. Lookups are limited per
client address, so codes cannot be guessed by trying; the page costs one query of its
own (the site, menu and footer come from the shared cache), is never cached by anyone
on the way (`never_cache`), and asks search engines not to index it.

The same certificate is an Open Badges 3.0 credential (JSON-LD), also signed as a JWT
with Aula's Ed25519 key, whose public half is published as a JWK.

The PDF is the holder's: only they download it, from "Mi aprendizaje".
"""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET
from ipware import get_client_ip

from cms import routing
from lms import ratelimit
from lms.models import Certificate, Workshop
from lms.privacy import participant_for
from lms.services import certificates as service

RATE_SCOPE = "certificate-lookup"
RATE_PERIOD = 60
# Codes are URL-safe base64, at most the model's 64 characters.
CODE_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
JSON_LD = "application/ld+json"
VC_JWT = "application/vc+jwt"
JWK_SET = "application/jwk-set+json"


def client_ip(request) -> str:
    """The client's address, behind as many proxies as django-axes is told (AXES_PROXY_COUNT)."""
    address, _routable = get_client_ip(
        request,
        proxy_count=getattr(settings, "AXES_IPWARE_PROXY_COUNT", None),
        request_header_order=getattr(
            settings, "AXES_IPWARE_META_PRECEDENCE_ORDER", ["REMOTE_ADDR"]
        ),
    )
    return address or "unknown"


def _allowed(request) -> bool:
    return ratelimit.allow(
        RATE_SCOPE,
        client_ip(request),
        limit=settings.CERTIFICATE_LOOKUPS_PER_MINUTE,
        period=RATE_PERIOD,
    )


def _private(response):
    """Never indexed; never_cache (on the views) keeps shared caches away."""
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _public_document(response):
    # Open Badges verifiers may fetch from a browser; nothing here depends on cookies.
    response["Access-Control-Allow-Origin"] = "*"
    return _private(response)


def _find(code: str) -> Certificate | None:
    if not code or len(code) > 64 or not CODE_CHARACTERS.issuperset(code):
        return None
    return Certificate.objects.filter(code=code).first()


def _page(request, template: str, context: dict, *, status: int = 200):
    # The menu and footer of base.html look the site up: from the shared cache.
    routing.site_for_request(request)
    return _private(render(request, template, context, status=status))


def _too_many(request):
    response = _page(request, "lms/certificates/too_many.html", {}, status=429)
    response["Retry-After"] = str(RATE_PERIOD)
    return response


def _not_found(request):
    return _page(request, "lms/certificates/not_found.html", {}, status=404)


@require_GET
@never_cache
def verify(request, code: str):
    """The public verification page."""
    if not _allowed(request):
        return _too_many(request)
    certificate = _find(code)
    if certificate is None:
        return _not_found(request)
    return _page(
        request,
        "lms/certificates/verify.html",
        {
            "certificate": certificate,
            "issuer": service.issuer_name(),
            "verification_url": service.verification_url(certificate),
        },
    )


def _json_refusal(status: int) -> HttpResponse:
    response = HttpResponse(
        json.dumps({"error": "too_many_requests" if status == 429 else "not_found"}),
        status=status,
        content_type="application/json",
    )
    if status == 429:
        response["Retry-After"] = str(RATE_PERIOD)
    return _public_document(response)


def _for_badge(request, code: str):
    """The certificate and its workshop's threshold, or the refusal to send."""
    if not _allowed(request):
        return None, _json_refusal(429)
    certificate = _find(code)
    if certificate is None:
        return None, _json_refusal(404)
    threshold = _threshold(certificate.workshop_id) if certificate.workshop_id else None
    return (certificate, threshold), None


def _threshold(workshop_id: int) -> int | None:
    """The workshop's attendance threshold, for the Achievement's criteria."""
    return (
        Workshop.objects.filter(pk=workshop_id)
        .values_list("attendance_threshold", flat=True)
        .first()
    )


@require_GET
@never_cache
def badge_json(request, code: str):
    """The certificate as an Open Badges 3.0 credential (JSON-LD, unsigned)."""
    found, refusal = _for_badge(request, code)
    if refusal is not None:
        return refusal
    certificate, threshold = found
    credential = service.open_badge(certificate, threshold=threshold)
    body = json.dumps(credential, ensure_ascii=False, indent=2)
    return _public_document(HttpResponse(body, content_type=f"{JSON_LD}; charset=utf-8"))


@require_GET
@never_cache
def badge_jwt(request, code: str):
    """The same credential, signed: a JWS (EdDSA, Ed25519) in compact form."""
    found, refusal = _for_badge(request, code)
    if refusal is not None:
        return refusal
    certificate, threshold = found
    token = service.signed_badge(certificate, threshold=threshold)
    return _public_document(HttpResponse(token, content_type=VC_JWT))


@require_GET
@cache_control(public=True, max_age=3600)
def signing_key(request):
    """The public key that verifies signed credentials, as a JWK set."""
    body = json.dumps(service.jwks(), indent=2)
    response = HttpResponse(body, content_type=JWK_SET)
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
@never_cache
def achievement(request, subject: str):
    """A course's or workshop's Achievement, as its certificates describe it.

    Known only through a certificate that names it: a workshop nobody holds a
    certificate for (a consultative process, say) stays out of sight.
    """
    if not _allowed(request):
        return _json_refusal(429)
    slug, _sep, pk = subject.partition("-")
    kind = {"curso": "course", "taller": "workshop"}.get(slug)
    if kind is None or not pk.isdigit():
        return _json_refusal(404)
    certificate = (
        Certificate.objects.valid()
        .filter(subject_key=f"{kind}:{int(pk)}")
        .order_by("-issued_at")
        .first()
    )
    if certificate is None:
        return _json_refusal(404)
    threshold = _threshold(certificate.workshop_id) if certificate.workshop_id else None
    body = json.dumps(
        {
            "@context": list(service.CREDENTIAL_CONTEXT),
            **service.achievement(certificate, threshold=threshold),
            "creator": service.issuer_profile(),
        },
        ensure_ascii=False,
        indent=2,
    )
    return _public_document(HttpResponse(body, content_type=f"{JSON_LD}; charset=utf-8"))


@require_GET
@never_cache
@login_required
def certificate_pdf(request, pk: int):
    """The holder's own PDF, as a download; anyone else's is not found."""
    participant = participant_for(request)
    if participant is None:  # an account without a profile holds no certificate
        return redirect("lms:profile")
    certificate = Certificate.objects.valid().filter(pk=pk, participant=participant).first()
    if certificate is None:
        raise Http404
    handle = None
    if certificate.pdf_status == Certificate.Pdf.READY and certificate.pdf:
        try:
            handle = certificate.pdf.storage.open(certificate.pdf.name, "rb")
        except FileNotFoundError:
            handle = None
    if handle is None:
        # Lost or failed (or still being made): made again on demand, from the snapshot.
        if certificate.pdf_status != Certificate.Pdf.PENDING:
            service.prepare_pdf_again(certificate)
        messages.info(request, _("The PDF is being prepared: come back in a few minutes."))
        return redirect("lms:my_learning")
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"certificado-{certificate.reference}.pdf",
        content_type="application/pdf",
    )


urlpatterns = [
    path("verificar/clave.json", signing_key, name="certificate_key"),
    path("verificar/logros/<str:subject>/", achievement, name="certificate_achievement"),
    path("verificar/<str:code>/", verify, name="certificate_verify"),
    path("verificar/<str:code>/insignia.json", badge_json, name="certificate_badge"),
    path("verificar/<str:code>/insignia.jwt", badge_jwt, name="certificate_badge_jwt"),
    path("aprendizaje/certificados/<int:pk>/pdf/", certificate_pdf, name="certificate_pdf"),
]
