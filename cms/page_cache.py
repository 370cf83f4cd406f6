"""A shared cache of rendered pages for anonymous visitors.

Rendering a Wagtail page costs several queries and a template render; most
visitors are anonymous and see the same bytes. Rendered pages are kept in the
default cache, which every app server shares (database or Redis), and the whole
page cache is dropped whenever anything that appears on pages changes: a
publish, an unpublish, a move, a deletion or a change to the site settings.

Dropping is done by bumping a generation number that is part of every key, so
no app server keeps anything in its own memory that could go stale.
"""

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.http import HttpResponse

GENERATION_KEY = "page-cache:generation"
# A visitor with any of these cookies may see something personal (their name,
# a message, a view-restricted page), so never serve or store a shared copy.
PERSONAL_COOKIES = (settings.SESSION_COOKIE_NAME, "messages")
STORED_HEADERS = ("Content-Type", "Content-Language")


def current_generation(request=None) -> int:
    """The generation every cached page and fragment is keyed on (read once per request)."""
    generation = getattr(request, "_page_cache_generation", None)
    if generation is None:
        generation = cache.get_or_set(GENERATION_KEY, 1, timeout=None)
        if request is not None:
            request._page_cache_generation = generation
    return generation


def get_or_set_fragment(request, name: str, compute):
    """A piece of site chrome (menu, footer) shared by all pages until the next publish."""
    key = f"fragment:{current_generation(request)}:{name}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, settings.PAGE_CACHE_SECONDS)
    return value


def invalidate(**kwargs) -> None:
    """Forget every cached page (signal receivers call this with their own arguments)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 2, timeout=None)


def _cache_key(request) -> str:
    return (
        f"page-cache:{current_generation(request)}:{request.get_host()}:{request.get_full_path()}"
    )


def _is_eligible(request) -> bool:
    return request.method in ("GET", "HEAD") and not any(
        name in request.COOKIES for name in PERSONAL_COOKIES
    )


def _is_storable(request, response) -> bool:
    match = getattr(request, "resolver_match", None)
    return (
        match is not None
        and match.url_name == "wagtail_serve"
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
        # A CSRF token in the page would be another visitor's token.
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not getattr(response, "skip_page_cache", False)
    )


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _is_eligible(request):
            return self.get_response(request)
        try:
            key = _cache_key(request)
        except DisallowedHost:
            return self.get_response(request)
        cached = cache.get(key)
        if cached is not None:
            content, headers = cached
            response = HttpResponse(content)
            for name, value in headers.items():
                response[name] = value
            response["X-Page-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if _is_storable(request, response):
            headers = {name: response[name] for name in STORED_HEADERS if name in response}
            cache.set(key, (response.content, headers), settings.PAGE_CACHE_SECONDS)
            response["X-Page-Cache"] = "miss"
        return response


def connect_invalidation() -> None:
    from django.db.models.signals import post_delete, post_save
    from wagtail.models import PageViewRestriction, Site
    from wagtail.signals import page_published, page_unpublished, post_page_move

    from cms.models import SiteSettings

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
