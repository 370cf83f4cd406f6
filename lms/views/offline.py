"""The installable web app: service worker, manifest, offline page, course downloads, sync.

See lms.offline for what a device may keep and how changes made offline are
applied once. The worker script is rendered from a template so that it names
the current static files: a deployment that changes them changes the script,
the browser installs the new worker, and the new worker deletes the old caches.
"""

import hashlib
import json
import os
from functools import lru_cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import Http404, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET

from courses.models import CoursePage, H5PActivity, LessonPage
from lms.models import QuizAttempt
from lms.offline import user_scope
from lms.services import offline as offline_service
from lms.views.h5p import player_url
from lms.views.learning import learning_for

# What the worker keeps from the start, so the offline page works on the first day.
SHELL_STATIC = (
    "css/site.css",
    "js/site.js",
    "js/offline.js",
    "js/offline-store.js",
    "images/aula-mark.svg",
    "images/favicon.svg",
    "images/icon-192.png",
    "images/icon-512.png",
)
# POST addresses whose changes a device may keep and send later (see lms.offline.replayable).
REPLAYABLE_PATTERNS = (
    r"/aprendizaje/cursos/\d+/pasos/\d+/terminar/$",
    r"/aprendizaje/cuestionario/\d+/enviar/$",
    r"/aprendizaje/cursos/\d+/pasos/\d+/h5p/\d+/resultados/$",
)
QUIZ_START_PATTERN = r"/aprendizaje/cuestionarios/(\d+)/empezar/$"


def _language_paths(name: str) -> dict[str, str]:
    paths = {}
    for code, _label in settings.LANGUAGES:
        with translation.override(code):
            paths[code] = reverse(name)
    return paths


@lru_cache(maxsize=1)
def _static_fingerprint() -> str:
    """Changes whenever a deployment changes a static file (or the worker itself)."""
    digest = hashlib.sha256()
    manifest = getattr(staticfiles_storage, "manifest_name", None)
    content = None
    if manifest:
        try:
            with staticfiles_storage.open(manifest) as handle:
                content = handle.read()
        except (FileNotFoundError, OSError):
            content = None
    if content is None:  # development: no manifest, so the worker's own sources
        for name in (*SHELL_STATIC, "js/quiz.js", "js/h5p-lesson.js"):
            found = finders.find(name)
            if found:
                with open(found, "rb") as handle:
                    content = (content or b"") + handle.read()
    digest.update(content or b"")
    return digest.hexdigest()


@lru_cache(maxsize=1)
def _worker_source() -> str:
    """The worker's own template, rendered once per process (it changes only on deploy)."""
    return render_to_string("lms/offline/sw.js", {"version": ""})


def worker_version() -> str:
    source = _worker_source()
    digest = hashlib.sha256((_static_fingerprint() + source + settings.AULA_RELEASE).encode())
    return digest.hexdigest()[:12]


@require_GET
def service_worker(request):
    """The worker, at the root so that it looks after every page of the site."""
    context = {
        "version": worker_version(),
        "precache": json.dumps(
            [static(name) for name in SHELL_STATIC if finders.find(name) or not settings.DEBUG]
            + list(_language_paths("lms:offline").values())
        ),
        "offline_pages": json.dumps(_language_paths("lms:offline")),
        "sync_url": json.dumps(reverse("lms:offline_sync")),
        "static_url": json.dumps(settings.STATIC_URL),
        "store_url": static("js/offline-store.js"),
        "replayable": json.dumps(list(REPLAYABLE_PATTERNS)),
        "quiz_start": json.dumps(QUIZ_START_PATTERN),
        "logout": json.dumps(list(_language_paths("account_logout").values())),
    }
    response = HttpResponse(
        render_to_string("lms/offline/sw.js", context), content_type="text/javascript"
    )
    # Checked on every visit, so a deployment reaches phones on their next page.
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
@cache_control(public=True, max_age=86400)
def web_manifest(request):
    with translation.override(settings.LANGUAGE_CODE):
        data = {
            "name": _("Aula: migration in local development plans"),
            "short_name": "Aula",
            "description": _(
                "Courses, toolkit and workshops for Ecuador's local governments on migration."
            ),
            "lang": settings.LANGUAGE_CODE,
            "start_url": "/",
            "scope": "/",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#0b5f7a",
            "icons": [
                {"src": static("images/icon-192.png"), "sizes": "192x192", "type": "image/png"},
                {"src": static("images/icon-512.png"), "sizes": "512x512", "type": "image/png"},
                {
                    "src": static("images/icon-512.png"),
                    "sizes": "512x512",
                    "type": "image/png",
                    "purpose": "maskable",
                },
            ],
        }
    return HttpResponse(
        json.dumps(data, ensure_ascii=False), content_type="application/manifest+json"
    )


@require_GET
def offline_page(request):
    """What still works without a connection; the lists are filled in on the device."""
    return render(request, "lms/offline/offline.html", {})


@require_GET
@never_cache
def sync_state(request):
    """Who is signed in (as their cache scope) and a CSRF token, before sending changes."""
    user = request.user if request.user.is_authenticated else None
    return JsonResponse(
        {"user": user_scope(user) if user else None, "csrf": get_token(request) if user else None}
    )


# ---------------------------------------------------------------------------
# A course, for reading without a connection.


def _quiz_to_prepare(learning, quiz_id: int, passed: set[int]) -> bool:
    return quiz_id not in passed and not learning.is_locked(quiz_id)


@require_GET
@never_cache
def course_download(request, course_id: int):
    """The addresses and sizes of everything a course needs offline (enrolled participants)."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": "login_required"}, status=401)
    learning = learning_for(request, course_id)
    if learning is None:
        raise Http404
    if not learning.is_enrolled:
        return JsonResponse(
            {"error": "not_enrolled", "message": _("Enrol in the course to download it.")},
            status=403,
        )
    outline = learning.outline
    course = CoursePage.objects.only("pk", "cover_image_id", "last_published_at").get(pk=outline.id)
    lesson_ids = [step.id for step in outline.steps if not step.is_quiz]
    lessons = LessonPage.objects.filter(pk__in=lesson_ids).only("pk", "body", "last_published_at")
    bodies = {lesson.pk: lesson.body for lesson in lessons}
    media = offline_service.BodyMedia.of(bodies.values())
    pages = [{"url": outline.url, "bytes": offline_service.estimated_page_bytes()}]
    for step in outline.steps:
        body = bodies.get(step.id)
        text = json.dumps(list(body.raw_data) if body is not None else [])
        pages.append({"url": step.url, "bytes": offline_service.estimated_page_bytes(text)})
    files = [
        *offline_service.image_files(media.images, cover_id=course.cover_image_id),
        *offline_service.document_files(media.documents),
    ]
    for name in offline_service.PAGE_STATIC:
        files.append(offline_service.File(static(name), _file_size(finders.find(name))))
    h5p = []
    activity_ids = {a[0] for step in outline.steps for a in step.activities}
    if activity_ids:
        for name in offline_service.H5P_PLAYER_STATIC:
            found = finders.find(name)
            files.append(offline_service.File(static(name), _file_size(found)))
        for activity in H5PActivity.objects.filter(pk__in=activity_ids).order_by("pk"):
            player = player_url(request, activity_id=activity.pk, key=activity.key)
            base = player.rstrip("/") + "/archivos/"
            prefix = activity.files_prefix.rstrip("/") + "/"
            package = [
                {"url": base + name[len(prefix) :], "bytes": size}
                for name, size in offline_service.h5p_package_files(activity)
            ]
            h5p.append({"id": activity.pk, "player": player, "files": package})
    passed = set(
        QuizAttempt.objects.filter(enrolment=learning.enrolment, passed=True).values_list(
            "quiz_id", flat=True
        )
    )
    quizzes = [
        {
            "id": step.id,
            "title": step.title,
            "url": step.url,
            "start": reverse("lms:quiz_start", args=[step.id]),
        }
        for step in outline.steps
        if step.is_quiz and _quiz_to_prepare(learning, step.id, passed)
    ]
    total = (
        sum(page["bytes"] for page in pages)
        + sum(file.bytes for file in files)
        + sum(item["bytes"] for activity in h5p for item in activity["files"])
        + sum(offline_service.estimated_page_bytes() for _quiz in quizzes)
    )
    published = [course.last_published_at, *(lesson.last_published_at for lesson in lessons)]
    return JsonResponse(
        {
            "course": outline.id,
            "title": outline.title,
            "url": outline.url,
            "scope": user_scope(request.user),
            "version": offline_service.version(
                worker_version(),
                *(step.id for step in outline.steps),
                *(str(stamp) for stamp in published),
                *sorted(activity_ids),
            ),
            "bytes": total,
            "pages": pages,
            "files": [{"url": file.url, "bytes": file.bytes} for file in files],
            "h5p": h5p,
            "quizzes": quizzes,
        }
    )


def _file_size(found) -> int:
    if not found:
        return 0
    try:
        return os.path.getsize(found)
    except OSError:
        return 0


# At the root, outside the language prefixes: one worker and one manifest for the site.
root_urlpatterns = [
    path("sw.js", service_worker, name="service_worker"),
    path("manifest.webmanifest", web_manifest, name="web_manifest"),
]

urlpatterns = [
    path("sin-conexion/", offline_page, name="offline"),
    path("aprendizaje/sincronizar/", sync_state, name="offline_sync"),
    path(
        "aprendizaje/cursos/<int:course_id>/sin-conexion/", course_download, name="course_download"
    ),
]
