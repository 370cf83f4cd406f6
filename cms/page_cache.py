"""A shared cache of rendered pages for anonymous visitors.

Rendering a Wagtail page costs several queries and a template render; most
visitors are anonymous and see the same bytes. Rendered pages are kept in the
default cache, which every app server shares (database or Redis), and the whole
page cache is dropped whenever anything that appears on pages changes: a
publish, an unpublish, a move, a deletion or a change to the site settings.

Dropping is done by replacing a generation token stored beside the pages: a
cached page counts only if it was rendered in the current generation. A hit
reads both in one round trip.

Fragments (menus, routes, page bodies) are keyed by the generation, so a
fragment never changes under its key. Each app server therefore also keeps the
fragments it used last in a small memory of its own: the generation is still
read from the shared cache on every request, so a publish anywhere makes every
server's memory unreachable at once, and nothing can go stale. Tokens are random
rather than a counter, so a flushed shared cache never brings back an old key.
"""

import pickle  # only to copy this process's own fragments (see _LocalFragments)  # nosec B403
import secrets
import threading
from collections import OrderedDict

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db import transaction
from django.http import HttpResponse
from django.urls import Resolver404, resolve

GENERATION_KEY = "page-cache:generation"
# A visitor with the session cookie or this one may see something personal (their
# name, a message, a view-restricted page), so never serve or store a shared copy.
MESSAGES_COOKIE = "messages"
PAGE_VIEW = "wagtail_serve"
# How many fragments each process keeps in memory (they are small: ids, short HTML).
LOCAL_FRAGMENTS = 512


def _new_generation() -> str:
    return secrets.token_hex(8)


def current_generation(request=None) -> str:
    """The generation pages and fragments are valid for (read once per request)."""
    generation = getattr(request, "_page_cache_generation", None)
    if generation is None:
        generation = cache.get_or_set(GENERATION_KEY, _new_generation, timeout=None)
        if request is not None:
            request._page_cache_generation = generation
    return generation


class _LocalFragments:
    """A bounded, thread-safe memory of pickled fragments, most recently used last.

    Values are kept pickled so that no two requests ever share a mutable object.
    """

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str):
        with self._lock:
            data = self._items.get(key)
            if data is None:
                return None
            self._items.move_to_end(key)
        return pickle.loads(data)  # noqa: S301 - pickled by this process in put()  # nosec B301

    def put(self, key: str, value) -> None:
        data = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        with self._lock:
            self._items[key] = data
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


local_fragments = _LocalFragments(LOCAL_FRAGMENTS)


def get_or_set_fragment(request, name: str, compute):
    """A piece of site chrome (menu, footer) shared by all pages until the next publish."""
    key = f"fragment:{current_generation(request)}:{name}"
    value = local_fragments.get(key)
    if value is not None:
        return value
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, settings.PAGE_CACHE_SECONDS)
    local_fragments.put(key, value)
    return value


def _bump() -> None:
    cache.set(GENERATION_KEY, _new_generation(), timeout=None)


def invalidate(**kwargs) -> None:
    """Forget every cached page (signal receivers call this with their own arguments)."""
    _bump()
    # Publishing signals fire inside the publishing transaction: a page rendered
    # by another request before the commit still shows the old content, so bump
    # once more when the change is visible to everyone.
    transaction.on_commit(_bump)


def _serves_pages(request) -> bool:
    try:
        return resolve(request.path_info).url_name == PAGE_VIEW
    except Resolver404:
        return False


def _is_eligible(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        # The session cookie's name is read per request, as Django does, so overrides hold.
        and not any(
            name in request.COOKIES for name in (settings.SESSION_COOKIE_NAME, MESSAGES_COOKIE)
        )
        and _serves_pages(request)
    )


def _is_storable(request, response) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        # A CSRF token in the page would be another visitor's token.
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not getattr(response, "skip_page_cache", False)
    )


class PageCacheMiddleware:
    """Answer anonymous page requests from the shared cache (after LocaleMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _is_eligible(request):
            return self.get_response(request)
        try:
            key = f"page-cache:page:{request.get_host()}:{request.get_full_path()}"
        except DisallowedHost:
            return self.get_response(request)
        found = cache.get_many([GENERATION_KEY, key])
        if GENERATION_KEY in found:
            request._page_cache_generation = found[GENERATION_KEY]
        generation = current_generation(request)
        cached = found.get(key)
        if cached is not None and cached[0] == generation:
            _, content, content_type = cached
            response = HttpResponse(content, content_type=content_type)
            response["X-Page-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if _is_storable(request, response):
            cache.set(
                key,
                (generation, response.content, response["Content-Type"]),
                settings.PAGE_CACHE_SECONDS,
            )
            response["X-Page-Cache"] = "miss"
        return response


def connect_invalidation() -> None:
    from django.db.models.signals import post_delete, post_migrate, post_save
    from wagtail.models import PageViewRestriction, Site
    from wagtail.signals import page_published, page_unpublished, post_page_move

    from cms.models import SiteSettings

    # Every deploy migrates: a new release may shape pages and fragments differently.
    post_migrate.connect(_invalidate_after_migrate, dispatch_uid="page_cache_migrated")
    page_published.connect(invalidate, dispatch_uid="page_cache_published")
    page_unpublished.connect(invalidate, dispatch_uid="page_cache_unpublished")
    post_page_move.connect(invalidate, dispatch_uid="page_cache_moved")
    post_delete.connect(_invalidate_on_page_delete, dispatch_uid="page_cache_deleted")
    post_save.connect(_invalidate_on_live_page_created, dispatch_uid="page_cache_created")
    # A site's settings row is created with defaults on its first visit; pages
    # cached before then already show those defaults.
    post_save.connect(
        _invalidate_on_settings_change, sender=SiteSettings, dispatch_uid="page_cache_settings"
    )
    post_delete.connect(invalidate, sender=SiteSettings, dispatch_uid="page_cache_settings_deleted")
    for model in (Site, PageViewRestriction):
        post_save.connect(
            invalidate, sender=model, dispatch_uid=f"page_cache_save_{model.__name__}"
        )
        post_delete.connect(
            invalidate, sender=model, dispatch_uid=f"page_cache_del_{model.__name__}"
        )


def _invalidate_after_migrate(sender, app_config, using, **kwargs) -> None:
    from django.core.cache import caches
    from django.core.cache.backends.db import DatabaseCache
    from django.db import connections

    if app_config.label != "cms":  # once per migrate run, not once per app
        return
    backend = caches["default"]
    # On a fresh database the cache table does not exist yet (createcachetable comes next).
    if isinstance(backend, DatabaseCache) and backend._table not in (
        connections[using].introspection.table_names()
    ):
        return
    _bump()


def _invalidate_on_page_delete(sender, instance, **kwargs) -> None:
    from wagtail.models import Page

    if isinstance(instance, Page):
        invalidate()


def _invalidate_on_settings_change(sender, instance, created, **kwargs) -> None:
    if not created:
        invalidate()


def _invalidate_on_live_page_created(sender, instance, created, **kwargs) -> None:
    # Pages created live in code (imports, the demo seed) skip the publish signal.
    from wagtail.models import Page

    if created and isinstance(instance, Page) and instance.live:
        invalidate()
