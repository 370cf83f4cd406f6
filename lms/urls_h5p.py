"""The sandboxed H5P player and package files: outside the language prefixes, no session needed."""

from lms.views.h5p import file_urlpatterns

urlpatterns = file_urlpatterns
