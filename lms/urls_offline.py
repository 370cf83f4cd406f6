"""The service worker and the web app manifest: at the root, one for the whole site."""

from lms.views.offline import root_urlpatterns

urlpatterns = root_urlpatterns
