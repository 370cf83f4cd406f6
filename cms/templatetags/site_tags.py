from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse, translate_url
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail.models import Site

from cms.models import SiteSettings
from cms.page_cache import get_or_set_fragment

register = template.Library()


@register.inclusion_tag("includes/main_menu.html", takes_context=True)
def main_menu(context):
    request = context["request"]
    site = Site.find_for_request(request)

    def compute():
        if site is None:
            return []
        children = site.root_page.get_children().live().public().in_menu()
        return [(page.title, page.get_url(request), page.url_path) for page in children]

    items = get_or_set_fragment(request, f"menu:{site.pk if site else 0}:{get_language()}", compute)
    current = context.get("page")
    current_path = current.url_path if current else ""
    return {
        "items": [
            {
                "title": title,
                "url": url,
                "current": "page"
                if url_path == current_path
                else ("true" if current_path.startswith(url_path) else ""),
            }
            for title, url, url_path in items
        ]
        + _extra_menu_items(request),
    }


# Sections that are not pages, by URL name (cms never imports the apps that serve them).
EXTRA_MENU = [("lms:workshop_list", _("Workshops"))]


def _extra_menu_items(request) -> list[dict]:
    items = []
    for name, title in EXTRA_MENU:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append({"title": title, "url": url, "current": "page" if request.path == url else ""})
    return items


@register.simple_tag(takes_context=True)
def site_footer(context):
    request = context["request"]
    site = Site.find_for_request(request)

    def compute():
        return render_to_string(
            "includes/footer.html",
            {"site_settings": SiteSettings.for_request(request), "request": request},
        )

    return get_or_set_fragment(
        request, f"footer:{site.pk if site else 0}:{get_language()}", compute
    )


@register.inclusion_tag("includes/breadcrumbs.html", takes_context=True)
def breadcrumbs(context, page):
    if hasattr(page, "get_breadcrumb_ancestors"):
        ancestors = page.get_breadcrumb_ancestors()
    else:
        ancestors = list(page.get_ancestors().filter(depth__gt=1))
    return {"ancestors": ancestors, "page": page, "request": context.get("request")}


@register.inclusion_tag("includes/language_switcher.html", takes_context=True)
def language_switcher(context):
    request = context["request"]
    current = get_language()
    path = request.get_full_path()
    languages = [
        {"code": code, "name": name, "url": translate_url(path, code), "current": code == current}
        for code, name in settings.LANGUAGES
    ]
    return {"languages": languages}


@register.inclusion_tag("includes/account_link.html", takes_context=True)
def account_link(context):
    """Log in or "my account": anonymous pages are shared, so this reads the user only here."""
    request = context["request"]
    return {"user": getattr(request, "user", None)}


@register.simple_tag(takes_context=True)
def page_body(context, page, field="body"):
    """A page's StreamField, rendered once per published revision and language, then shared.

    Logged-in visitors (lessons) get no page cache; the body is the costly part
    of their page and the same for everyone, so it is kept like the menu.
    """
    request = context["request"]

    def render():
        return str(getattr(page, field).render_as_block(context.flatten()))

    if getattr(request, "is_preview", False) or not page.live_revision_id:
        return mark_safe(render())  # noqa: S308 - an editor's draft is never shared  # nosec B308, B703
    key = f"body:{page.pk}:{page.live_revision_id}:{field}:{get_language()}"
    return mark_safe(get_or_set_fragment(request, key, render))  # noqa: S308 - rendered by our own templates  # nosec B308, B703
