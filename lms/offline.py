"""Learning without a connection: what a device may keep, and changes it sends later.

The service worker (templates/lms/offline/sw.js) keeps pages so that a
participant on a phone can read a course with no signal. What it may keep is
decided here, on the server, and told in one response header:

- `X-Aula-Offline: public` on pages an anonymous visitor sees: anyone on the
  device may be shown them again;
- `X-Aula-Offline: user=<scope>` on the pages of a signed-in person: kept only
  in caches named after that scope, and deleted as soon as the device shows a
  page for someone else or for nobody (after logging out);
- no header: never kept (the admin, accounts, downloads, anything else).

The scope is an opaque value derived from the user id with the secret key:
it names caches on the device without telling anyone who the person is.

Changes made offline (a lesson marked done, a quiz submitted, H5P results) are
sent later with an `X-Aula-Change` header carrying an id the device made up
when the change happened. `replayable` applies each change once per person and
answers a resend with what the first request got, as JSON the worker can read.
"""

import json
import uuid
from functools import wraps

from django.conf import settings
from django.contrib.messages import constants as message_levels
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.crypto import salted_hmac

from lms.models import OfflineChange

HEADER = "X-Aula-Offline"
CHANGE_HEADER = "HTTP_X_AULA_CHANGE"

# GET views whose pages a device may keep (besides Wagtail's pages).
OFFLINE_VIEWS = frozenset(
    {
        "wagtail_serve",
        "lms:my_learning",
        "lms:quiz_attempt",
        "lms:quiz_result",
        "lms:workshop_list",
        "lms:workshop_detail",
        "lms:offline",
    }
)


def user_scope(user) -> str:
    """The opaque name of a person's caches on a device."""
    return salted_hmac("aula.offline.scope", str(user.pk)).hexdigest()[:20]


def _offline_view(request, response) -> bool:
    if response.get("X-Page-Cache") == "hit":  # a page, answered before URL resolution
        return True
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
    return match.view_name in OFFLINE_VIEWS


class OfflineScopeMiddleware:
    """Say on each page who a device may keep it for (above the page cache, so it sees all)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.method == "GET"
            and response.status_code == 200
            and response.get("Content-Type", "").startswith("text/html")
            and not response.has_header(HEADER)
            and _offline_view(request, response)
        ):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                response[HEADER] = f"user={user_scope(user)}"
            elif settings.SESSION_COOKIE_NAME not in request.COOKIES:
                # Anonymous with a session (a page unlocked by its password, a message):
                # possibly not for everyone, so not kept at all.
                response[HEADER] = "public"
        return response


def context(request):
    """The scope of the signed-in person's caches, for the page's script (blank when anonymous)."""
    user = getattr(request, "user", None)
    return {"offline_scope": user_scope(user) if user is not None and user.is_authenticated else ""}


# ---------------------------------------------------------------------------
# Changes sent later.


class _CollectedMessages:
    """Stands in for the message storage while a change is replayed.

    The person is not looking at the page the view would redirect to, so its
    messages are handed back in the JSON instead of waiting for their next page.
    """

    def __init__(self):
        self.texts = []
        self.refused = False

    def add(self, level, message, extra_tags=""):
        if level >= message_levels.INFO:
            self.texts.append(str(message))
        # Views say "not done" (enrol first, finish the previous steps) as a warning.
        if level >= message_levels.WARNING:
            self.refused = True

    def update(self, response):
        return None

    def __iter__(self):
        return iter(())

    def __len__(self):
        return 0


def _answer(status: int, location: str, *, replayed: bool, body=None, messages=(), refused=False):
    data = {"status": status, "location": location, "replayed": replayed}
    if refused:
        data["refused"] = True
    if body is not None:
        data["body"] = body
    if messages:
        data["messages"] = list(messages)
    # A redirect is the normal end of a form view: the change was applied.
    return JsonResponse(data, status=200 if status < 400 else status)


def _json_body(response):
    if response.get("Content-Type", "").startswith("application/json"):
        try:
            return json.loads(response.content or b"null")
        except ValueError:
            return None
    return None


def replayable(view):
    """Apply a change sent with an `X-Aula-Change` id once; answer resends from the record.

    Without the header the view runs as usual. With it, the answer is JSON:
    the status and redirect the view gave, its messages, and its JSON body.
    A resend while the first is still running gets 409 `in_progress`: the
    device tries again later.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        raw = request.META.get(CHANGE_HEADER)
        if raw is None:
            return view(request, *args, **kwargs)
        try:
            change_id = uuid.UUID(raw)
        except ValueError:
            return JsonResponse({"error": "bad_change_id"}, status=400)
        if not request.user.is_authenticated:
            return JsonResponse({"error": "login_required"}, status=401)
        try:
            with transaction.atomic():
                change = OfflineChange.objects.create(user=request.user, change_id=change_id)
        except IntegrityError:
            change = OfflineChange.objects.get(user=request.user, change_id=change_id)
            if change.status == OfflineChange.IN_PROGRESS:
                return JsonResponse({"error": "in_progress"}, status=409)
            return _answer(change.status, change.location, replayed=True)
        stored = getattr(request, "_messages", None)
        collected = _CollectedMessages()
        request._messages = collected
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            response = JsonResponse({"error": "not_found"}, status=404)
        except PermissionDenied:
            response = JsonResponse({"error": "forbidden"}, status=403)
        except Exception:
            # Not applied: let the device send it again later.
            OfflineChange.objects.filter(pk=change.pk).delete()
            raise
        finally:
            if stored is not None:
                request._messages = stored
            else:
                del request._messages
        if response.status_code >= 500 or response.status_code == 429:
            # Not applied, or not yet: the device sends it again later.
            OfflineChange.objects.filter(pk=change.pk).delete()
            return response
        location = response.get("Location", "")[:500]
        OfflineChange.objects.filter(pk=change.pk).update(
            status=response.status_code, location=location
        )
        return _answer(
            response.status_code,
            location,
            replayed=False,
            body=_json_body(response),
            messages=collected.texts,
            refused=collected.refused,
        )

    return wrapper
