from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.conf.urls.static import static
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms import routing, views

urlpatterns = [
    # One login page for everyone, with the same brute-force and two-factor rules.
    path("admin/login/", RedirectView.as_view(pattern_name="account_login", query_string=True)),
    path("admin/", include(wagtailadmin_urls)),
    path("documentos/", include(wagtaildocs_urls)),
    # The sandboxed H5P player and its files (by dotted path: cms never imports lms).
    path("h5p/", include("lms.urls_h5p")),
    # The service worker and manifest must live at the root to look after every page.
    path("", include("lms.urls_offline")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Spanish lives at the root and English under /en/, so every URL names its
# language and a cached page can never be served in the wrong one.
urlpatterns += i18n_patterns(
    path("buscar/", views.search, name="search"),
    # People and records live in lms; included by dotted path so cms never imports it.
    path("", include("lms.urls")),
    path("cuenta/", include("allauth.urls")),
    # Same pattern and name as Wagtail's page route, so reverse() and {% pageurl %} agree.
    re_path(r"^((?:[\w\-]+/)*)$", routing.serve, name="wagtail_serve"),
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)
