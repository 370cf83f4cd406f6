"""H5P: the sandboxed player, its package files, and the results and state it reports.

The player and the package files are served to a sandboxed frame whose origin
is opaque: no cookies, no access to the site. They are reached by a signed,
expiring token in the URL, and every response carries a sandbox CSP, so even
a file opened directly runs in a sandbox. Results and state come back through
the lesson page, with the session and CSRF token, and are judged by
lms.services.h5p.
"""

import json
import mimetypes
import posixpath

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET, require_POST

from courses.models import H5PActivity
from lms import ratelimit
from lms.offline import replayable
from lms.roles import is_staff_member
from lms.services import h5p as h5p_service
from lms.views.learning import learning_for

# Types the browser must not guess (nosniff is set): scripts and styles above all.
CONTENT_TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".eot": "application/vnd.ms-fontobject",
    ".vtt": "text/vtt",
    ".webvtt": "text/vtt",
    ".md": "text/plain",
    ".textile": "text/plain",
    ".diff": "text/plain",
    ".patch": "text/plain",
    ".csv": "text/plain",
    ".xml": "text/plain",  # never rendered as a document
    ".gltf": "model/gltf+json",
    ".glb": "model/gltf-binary",
}
SANDBOX = "sandbox allow-scripts allow-popups allow-popups-to-escape-sandbox allow-downloads"
MAX_BODY_BYTES = 256 * 1024
PLAYER_MAX_AGE = 30 * 24 * 3600
MAX_STATEMENTS_PER_REQUEST = 50


def _files_origin(request) -> str:
    return settings.H5P_FILES_ORIGIN or f"{request.scheme}://{request.get_host()}"


def _site_origin(request) -> str:
    return f"{request.scheme}://{request.get_host()}"


def player_url(request, *, activity_id: int, key: str) -> str:
    """Where a sandboxed frame plays the activity for the person making the request."""
    token = h5p_service.file_token(activity_id=activity_id, key=key, user_id=request.user.pk)
    return _files_origin(request) + reverse("h5p_player", args=[token])


def _sandbox_policy(request, *, frame_ancestors: str) -> str:
    own = _files_origin(request)
    static_origin = _site_origin(request)
    sources = " ".join(sorted({own, static_origin}))
    return "; ".join(
        [
            SANDBOX,
            "default-src 'none'",
            f"script-src {sources} 'unsafe-inline'",
            f"style-src {sources} 'unsafe-inline'",
            f"img-src {sources} data: blob:",
            f"media-src {sources} data: blob:",
            f"font-src {sources} data:",
            f"connect-src {own}",
            "frame-src " + " ".join(settings.VIDEO_HOSTS),
            "form-action 'none'",
            "base-uri 'none'",
            f"frame-ancestors {frame_ancestors}",
        ]
    )


def _sandboxed(response, request, *, frame_ancestors: str = "'none'"):
    response["Content-Security-Policy"] = _sandbox_policy(request, frame_ancestors=frame_ancestors)
    response["X-Content-Type-Options"] = "nosniff"
    response["Access-Control-Allow-Origin"] = "*"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _grant_or_404(token: str):
    grant = h5p_service.read_file_token(token)
    if grant is None:
        raise Http404
    return grant


@require_GET
@xframe_options_exempt  # framed by the site; CSP frame-ancestors says by whom
def player(request, token: str):
    grant = _grant_or_404(token)
    files = _files_origin(request) + reverse("h5p_file", args=[token, "x"])[:-1].rstrip("/")
    state = h5p_service.load_state_for_user(user_id=grant.user_id, activity_id=grant.activity_id)
    site = _site_origin(request)
    config = {
        "id": f"aula-{grant.activity_id}",
        "h5pJsonPath": files,
        "librariesPath": files,
        "contentJsonPath": files + "/content",
        "frameJs": site + static("h5p-standalone/frame.bundle.js"),
        "frameCss": site + static("h5p-standalone/styles/h5p.css"),
        "embedType": "div",
        "frame": False,
        "copyright": False,
        "export": False,
        "icon": False,
        "fullScreen": False,
        "xAPIObjectIRI": h5p_service.activity_iri(grant.activity_id),
        "parentOrigin": site,
    }
    if state:
        config["saveFreq"] = 30
        config["contentUserData"] = [
            {"dataType": "state", "previousState": state, "subContentId": "*"}
        ]
    response = render(
        request,
        "lms/h5p/player.html",
        {
            "config": config,
            "site_json": json.dumps(site),
            "styles": [
                site + static("h5p-standalone/styles/h5p.css"),
                site + static("css/h5p-frame.css"),
            ],
            "scripts": [
                site + static("h5p-standalone/main.bundle.js"),
                site + static("js/h5p-frame.js"),
            ],
        },
    )
    # The address is one person's, for one view of one lesson: the phone may keep it, so
    # that a downloaded lesson's activity opens without a connection (docs/offline.md).
    response["Cache-Control"] = f"private, max-age={PLAYER_MAX_AGE}"
    ancestors = " ".join(["'self'", site] if settings.H5P_FILES_ORIGIN else ["'self'"])
    return _sandboxed(response, request, frame_ancestors=ancestors)


@require_GET
def package_file(request, token: str, name: str):
    grant = _grant_or_404(token)
    clean = posixpath.normpath(name)
    if clean != name or clean.startswith(("/", "..")) or "\\" in name or "\x00" in name:
        raise Http404
    storage_name = f"h5p/content/{grant.key}/{clean}"
    try:
        handle = default_storage.open(storage_name, "rb")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, OSError) as error:
        raise Http404 from error
    extension = posixpath.splitext(clean)[1].lower()
    content_type = CONTENT_TYPES.get(extension) or (
        mimetypes.guess_type(clean)[0] or "application/octet-stream"
    )
    if content_type.startswith("text/html") or content_type in ("application/xhtml+xml",):
        content_type = "text/plain"
    response = FileResponse(handle, content_type=content_type)
    # The URL names one version of one package, so it may be kept; the token expires.
    response["Cache-Control"] = f"private, max-age={min(3600, settings.H5P_TOKEN_SECONDS)}"
    return _sandboxed(response, request)


# ---------------------------------------------------------------------------
# From the lesson page: results and state, with the session and CSRF token.


def _payload(request):
    if len(request.body) > MAX_BODY_BYTES:
        return None
    if request.content_type == "application/json":
        raw = request.body
    else:  # navigator.sendBeacon sends a form, so the CSRF token can travel in it
        raw = request.POST.get("payload", "")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _activity_in_lesson(request, course_id: int, step_id: int, activity_id: int):
    """The person's learning in the course and the activity as the outline knows it."""
    learning = learning_for(request, course_id)
    step = learning.outline.step(step_id) if learning else None
    found = step.activity(activity_id) if step else None
    if found is None:
        raise Http404
    if not learning.is_enrolled:
        raise PermissionDenied
    # Its id and maximum score are all judging needs: no query for the activity row.
    return learning, H5PActivity(pk=activity_id, max_score=found[3])


def _refused(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@require_POST
@never_cache
@replayable
@login_required
def results(request, course_id: int, step_id: int, activity_id: int):
    learning, activity = _activity_in_lesson(request, course_id, step_id, activity_id)
    data = _payload(request)
    statements = data.get("statements") if data else None
    if not isinstance(statements, list) or not 0 < len(statements) <= MAX_STATEMENTS_PER_REQUEST:
        return _refused(_("The results could not be read."))
    participant_id = learning.enrolment.participant_id
    if not ratelimit.allow(
        "h5p-statements",
        participant_id,
        limit=settings.H5P_STATEMENTS_PER_MINUTE,
        period=60,
        cost=len(statements),
    ):
        return _refused(_("Too many results in a short time. Try again in a minute."), 429)
    counts = {"accepted": 0, "ignored": 0, "rejected": 0}
    best = None
    for statement in statements:
        try:
            best = (
                h5p_service.record_statement(
                    participant_id=participant_id,
                    activity=activity,
                    lesson_id=step_id,
                    statement=statement,
                )
                or best
            )
            counts["accepted"] += 1
        except h5p_service.StatementIgnored:
            counts["ignored"] += 1
        except h5p_service.StatementRejected:
            counts["rejected"] += 1
    if best is not None:
        counts["best"] = {
            "raw": best.raw_score,
            "max": best.max_score,
            "completed": best.completed,
            "passed": best.passed,
        }
    status = 400 if counts["rejected"] and not counts["accepted"] else 200
    return JsonResponse(counts, status=status)


@require_POST
@never_cache
@login_required
def state(request, course_id: int, step_id: int, activity_id: int):
    learning, _activity = _activity_in_lesson(request, course_id, step_id, activity_id)
    data = _payload(request)
    value = data.get("state") if data else None
    if not isinstance(value, str):
        return _refused(_("The activity's progress could not be read."))
    try:
        h5p_service.save_state(
            participant_id=learning.enrolment.participant_id,
            activity_id=activity_id,
            data=value,
        )
    except h5p_service.StatementRejected:
        return _refused(_("The activity's progress could not be saved."))
    return HttpResponse(status=204)


# ---------------------------------------------------------------------------
# Staff: preview an activity in the admin.


@never_cache
def preview(request, pk: int):
    if not (is_staff_member(request.user) and request.user.has_perm("courses.view_h5pactivity")):
        raise PermissionDenied
    activity = get_object_or_404(H5PActivity, pk=pk)
    players = {
        "csrf": get_token(request),
        "activities": {
            str(activity.pk): {
                "player": player_url(request, activity_id=activity.pk, key=activity.key),
                "results": reverse("h5p_preview_result", args=[activity.pk]),
                "state": None,
                "best": None,
            }
        },
    }
    return render(
        request,
        "lms/h5p/preview.html",
        {
            "activity": activity,
            "block_value": {"activity": activity, "requirement": "none"},
            "players": players,
        },
    )


@require_POST
@never_cache
def preview_result(request, pk: int):
    """A preview fixes the activity's maximum score if it is not known yet; nothing else is kept."""
    if not (is_staff_member(request.user) and request.user.has_perm("courses.view_h5pactivity")):
        raise PermissionDenied
    activity = get_object_or_404(H5PActivity, pk=pk)
    data = _payload(request)
    statements = data.get("statements") if data else None
    if not isinstance(statements, list):
        return _refused(_("The results could not be read."))
    shown = None
    for statement in statements[:MAX_STATEMENTS_PER_REQUEST]:
        try:
            judged = h5p_service.judge(
                statement, activity_id=activity.pk, known_max=activity.max_score
            )
        except (h5p_service.StatementIgnored, h5p_service.StatementRejected):
            continue
        if judged.max is not None:
            h5p_service.fix_max_score(activity, judged.max)
            shown = {"raw": judged.raw, "max": judged.max, "passed": judged.passed}
    return JsonResponse({"best": shown})


# Outside the language prefixes: the sandboxed frame's addresses never change with language.
file_urlpatterns = [
    path("<str:token>/", player, name="h5p_player"),
    path("<str:token>/archivos/<path:name>", package_file, name="h5p_file"),
]

urlpatterns = [
    path(
        "aprendizaje/cursos/<int:course_id>/pasos/<int:step_id>/h5p/<int:activity_id>/resultados/",
        results,
        name="h5p_results",
    ),
    path(
        "aprendizaje/cursos/<int:course_id>/pasos/<int:step_id>/h5p/<int:activity_id>/estado/",
        state,
        name="h5p_state",
    ),
]
