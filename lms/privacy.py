"""Participants' privacy rights (LOPDP): consent to the current privacy notice."""

import re
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from wagtail.models import Page

from cms.models import SiteSettings
from cms.page_cache import get_or_set_fragment
from lms.models import Participant
from lms.services.people import current_privacy_version

# Pages a participant can open before accepting a new notice: the consent page,
# logging out, and their rights (download, delete) which never depend on consent.
ALLOWED_VIEWS = frozenset(
    {
        "lms:consent",
        "lms:my_data",
        "lms:my_data_json",
        "lms:my_data_csv",
        "lms:delete_account",
        "account_logout",
    }
)
ALLOWED_PREFIXES = ("/admin/", "/cuenta/dos-pasos/")
LANGUAGE_PREFIX = re.compile(
    r"^/(?:{})(?=/)".format("|".join(re.escape(code) for code, _name in settings.LANGUAGES))
)


CONSENT_SESSION_KEY = "aula_consent_version"


@dataclass(frozen=True)
class PrivacyNotice:
    version: str
    page: Page | None


def participant_for(request) -> Participant | None:
    """The logged-in person's participant, fetched once per request."""
    if not hasattr(request, "_participant"):
        user = getattr(request, "user", None)
        request._participant = (
            Participant.objects.filter(user=user).select_related("gad__province").first()
            if user is not None and user.is_authenticated
            else None
        )
    return request._participant


def privacy_notice(request) -> PrivacyNotice:
    """The current privacy notice and its version, read once per request."""
    notice = getattr(request, "_privacy_notice", None)
    if notice is None:
        # Shared by every request until the next publish or settings change
        # (cms.page_cache drops fragments then), so a logged-in page pays no query.
        notice = get_or_set_fragment(request, "privacy-notice", _read_privacy_notice)
        request._privacy_notice = notice
    return notice


def _read_privacy_notice() -> PrivacyNotice:
    site_settings = SiteSettings.objects.select_related("privacy_page").order_by("pk").first()
    if site_settings is None:
        return PrivacyNotice(version=current_privacy_version(), page=None)
    page = site_settings.privacy_page
    return PrivacyNotice(
        version=site_settings.privacy_notice_version,
        page=page if page is not None and page.live else None,
    )


def _without_language(path: str) -> str:
    return LANGUAGE_PREFIX.sub("", path, count=1)


def _wants_html(request) -> bool:
    # Browsers ask for text/html when they navigate; the GAD picker's fetch asks for JSON.
    accept = request.headers.get("Accept", "")
    return not accept or "text/html" in accept


def _is_allowed(request, notice: PrivacyNotice) -> bool:
    path = _without_language(request.path_info)
    if path.startswith(ALLOWED_PREFIXES):
        return True
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    if match.view_name in ALLOWED_VIEWS:
        return True
    if match.view_name == "wagtail_serve" and notice.page is not None:
        notice_path = urlsplit(notice.page.get_url(request) or "").path
        return _without_language(notice_path) == path
    return False


class ConsentMiddleware:
    """Send a participant who has not accepted the current privacy notice to accept it.

    Only page views (HTML GETs) are redirected: forms already open still submit,
    and people without an account are never asked here.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.skipped_prefixes = tuple(
            prefix for prefix in (settings.STATIC_URL, settings.MEDIA_URL) if prefix
        )

    def __call__(self, request):
        if self._must_consent(request):
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse('lms:consent')}?{query}")
        return self.get_response(request)

    def _must_consent(self, request) -> bool:
        if request.method != "GET" or request.path_info.startswith(self.skipped_prefixes):
            return False
        if not _wants_html(request) or not request.user.is_authenticated:
            return False
        notice = privacy_notice(request)
        # Once this session has seen the person accept the current version, later
        # pages need not load the participant again to know it.
        if request.session.get(CONSENT_SESSION_KEY) == notice.version:
            return False
        participant = participant_for(request)
        if participant is None:
            return False
        if participant.consent_version == notice.version:
            request.session[CONSENT_SESSION_KEY] = notice.version
            return False
        return not _is_allowed(request, notice)
