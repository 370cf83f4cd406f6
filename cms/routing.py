"""Serving pages with a constant number of queries, however deep they sit in the tree.

Wagtail's own router walks the tree one level at a time (two queries per
level). A page's `url_path` already spells its position, so this router asks
for the page and all its ancestors in one query, by their url paths, and learns
in the same query whether any of them carries a view restriction. Anything it
cannot answer with certainty (aliases, routable sub-paths, unknown paths) goes
to Wagtail's router unchanged.

Wagtail's helpers for private pages live under `_util/`, which this route also
matches (it is listed before Wagtail's URLs, to win over Wagtail's own page
route): they are answered here, before any page is looked for.
"""

from django import urls
from django.core.exceptions import DisallowedHost
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.urls.resolvers import RegexPattern
from django.utils.cache import add_never_cache_headers
from django.views.generic import RedirectView
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.views import authenticate_with_password
from wagtail.views import serve as wagtail_serve

from cms.page_cache import get_or_set_fragment

# Cached in place of None, which the cache cannot tell from a miss.
MISSING = "missing"


def _url_path_prefixes(root_url_path: str, path: str) -> list[str]:
    prefixes = [root_url_path]
    for component in (c for c in path.split("/") if c):
        prefixes.append(f"{prefixes[-1]}{component}/")
    return prefixes


def site_for_request(request):
    """The request's site, shared through the cache until the next publish or site change."""
    try:
        key = f"site:{request.get_host()}"
    except DisallowedHost:
        return Site.find_for_request(request)
    site = get_or_set_fragment(request, key, lambda: Site.find_for_request(request) or MISSING)
    if site == MISSING:
        return None
    request._wagtail_site = site  # where Site.find_for_request keeps it for the request
    # Where page URLs look for the sites' root paths (Wagtail would read its own cache key).
    request._wagtail_cached_site_root_paths = get_or_set_fragment(
        request, "site-root-paths", Site.get_site_root_paths
    )
    return site


def _chain(site, path: str):
    """The page at `path` and its ancestors up to the site root, or None if any is missing."""
    prefixes = _url_path_prefixes(site.root_page.url_path, path)
    found = {
        page.url_path: page
        for page in Page.objects.filter(url_path__in=prefixes).annotate(
            restricted=Exists(PageViewRestriction.objects.filter(page=OuterRef("pk")))
        )
    }
    pages = [found.get(prefix) for prefix in prefixes]
    if any(page is None or page.alias_of_id for page in pages) or not pages[-1].live:
        return MISSING
    # Kept as its specific type, so serving it costs no further query.
    pages[-1] = pages[-1].specific
    pages[-1].restricted = found[prefixes[-1]].restricted
    return pages


def fast_route(request, path: str):
    """The Wagtail route result for `path`, or None when Wagtail's router should decide."""
    site = site_for_request(request)
    if site is None:
        return None
    # The chain is the same for everyone until the next publish, move or new
    # restriction (all of which drop the shared fragments), so it is kept there.
    pages = get_or_set_fragment(request, f"route:{site.pk}:{path}", lambda: _chain(site, path))
    if pages == MISSING:
        return None
    page = pages[-1]
    page._route_ancestors = pages[:-1]
    if len(pages) > 1:
        page._cached_parent_obj = pages[-2]  # read by treebeard's get_parent()
    page._route_restricted = any(p.restricted for p in pages)
    return page.route(request, [])


def _unlock(request, page_view_restriction_id: int, page_id: int):
    """Wagtail's password form, only for a live page that the password restriction covers.

    Wagtail's view would render the form in the context of any page, drafts included.
    """
    page = Page.objects.live().filter(pk=page_id).first()
    covered = page is not None and (
        PageViewRestriction.objects.filter(
            pk=page_view_restriction_id,
            restriction_type=PageViewRestriction.PASSWORD,
            page__in=page.get_ancestors(inclusive=True),
        ).exists()
    )
    if not covered:
        raise Http404
    return authenticate_with_password(request, page_view_restriction_id, page_id)


_HELPERS = urls.URLResolver(
    RegexPattern(r"^_util/"),
    [
        urls.path(
            "authenticate_with_password/<int:page_view_restriction_id>/<int:page_id>/",
            _unlock,
        ),
        # Where Wagtail sends visitors of pages for signed-in people: everyone signs in
        # on the site's own login page, with its brute-force and two-factor rules.
        urls.path("login/", RedirectView.as_view(pattern_name="account_login", query_string=True)),
    ],
)


def _helper(request, path: str):
    """The answer of Wagtail's helper at `path`, or None if there is none there."""
    try:
        match = _HELPERS.resolve(path)
    except urls.Resolver404:
        return None
    response = match.func(request, *match.args, **match.kwargs)
    # The form carries a CSRF token, and what follows it concerns one visitor only.
    response.skip_page_cache = True
    add_never_cache_headers(response)
    return response


def serve(request, path):
    if path.startswith("_util/"):
        response = _helper(request, path)
        if response is not None:
            return response
    if not hasattr(request, "_wagtail_route_for_request"):
        route = fast_route(request, path)
        if route is not None:
            # Wagtail's serve reads the route from here (see Page.route_for_request).
            request._wagtail_route_for_request = route
    return wagtail_serve(request, path)
