from django.urls import path
from wagtail import hooks

from cms.admin_fixes import CreateDocumentFromUploadView, process_redirect_import


@hooks.register("register_admin_urls", order=-1)
def register_fixed_wagtail_steps():
    # Under Wagtail's own addresses, listed before Wagtail's patterns (cms/admin_fixes.py).
    return [
        path(
            "documents/multiple/create_from_uploaded_document/<int:uploaded_file_id>/",
            CreateDocumentFromUploadView.as_view(),
        ),
        path("redirects/import/process/", process_redirect_import),
    ]
