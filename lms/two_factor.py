"""Staff two-factor login (django-otp): the gate in front of staff areas.

Staff confirm a time-based code (TOTP) from an authenticator app, or one of ten
single-use recovery codes, once per session before any staff page opens.
Participants never meet it. The writes to devices are lms.services.two_factor.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language_from_path
from django.utils.translation import gettext as _
from django_otp import user_has_device

from lms.roles import is_staff_member

# Reachable by a staff member who has not confirmed a code yet, whatever
# STAFF_AREA_PREFIXES says, so the gate can never send anyone round in a loop.
OPEN_VIEWS = {
    "lms:two_factor_setup",
    "lms:two_factor_verify",
    "lms:two_factor_recovery_codes",
    "account_logout",
    "wagtailadmin_logout",
}


def staff_area_prefixes() -> tuple[str, ...]:
    return tuple(getattr(settings, "STAFF_AREA_PREFIXES", ["/admin/"]))


def safe_next_url(request, candidate: str | None) -> str:
    """Where to go after the second factor: a local URL, or the admin's home."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("wagtailadmin_home")


def url_with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


class StaffTwoFactorMiddleware:
    """Send staff who have not confirmed a second factor this session to do so first.

    Runs after django-otp's OTPMiddleware, which sets `request.user.is_verified()`.
    Cheap checks come first so public (and cached) pages never load the user.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self.must_verify(request):
            return self.refuse(request)
        return self.get_response(request)

    def must_verify(self, request) -> bool:
        if not getattr(settings, "STAFF_TWO_FACTOR_REQUIRED", True):
            return False
        if not self.in_staff_area(request.path_info) or self.is_open(request.path_info):
            return False
        user = getattr(request, "user", None)
        if user is None or not is_staff_member(user):
            return False
        is_verified = getattr(user, "is_verified", None)
        return not (is_verified and is_verified())

    @staticmethod
    def in_staff_area(path: str) -> bool:
        # A staff area under i18n_patterns (/en/…) counts as well as the bare one.
        language = get_language_from_path(path)
        if language and path.startswith(f"/{language}/"):
            path = path[len(language) + 1 :]
        return path.startswith(staff_area_prefixes())

    @staticmethod
    def is_open(path: str) -> bool:
        assets = tuple(url for url in (settings.STATIC_URL, settings.MEDIA_URL) if url)
        if path.startswith(assets):
            return True
        try:
            return resolve(path).view_name in OPEN_VIEWS
        except Resolver404:
            return False

    @staticmethod
    def refuse(request):
        next_url = request.get_full_path()
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = reverse("wagtailadmin_home")
        # A user with recovery codes but no app proves who they are before enrolling a new app.
        name = (
            "lms:two_factor_verify"
            if user_has_device(request.user, confirmed=True)
            else "lms:two_factor_setup"
        )
        target = url_with_next(name, next_url)
        if wants_json(request):
            return JsonResponse(
                {
                    "error": "two_factor_required",
                    "detail": _("Confirm your two-step login code before continuing."),
                    "location": target,
                },
                status=403,
            )
        return HttpResponseRedirect(target)


def wants_json(request) -> bool:
    if request.headers.get("x-requested-with") == "XMLHttpRequest":
        return True
    if request.content_type == "application/json":
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept
