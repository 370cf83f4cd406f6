"""Two steps of Wagtail's admin that fail with a 500, answered in their place.

Both are listed under Wagtail's own addresses (cms/wagtail_hooks.py registers them
before Wagtail's), keep Wagtail's permission checks and call its views for the work.
Drop each one when Wagtail fixes its step.
"""

from django.core.exceptions import SuspiciousOperation
from django.views.decorators.http import require_POST
from wagtail.contrib.redirects import views as redirect_views
from wagtail.documents.views.multiple import CreateFromUploadedDocumentView


class CreateDocumentFromUploadView(CreateFromUploadedDocumentView):
    """The multiple uploader's last step, with the uploaded file known while its form is checked.

    A file whose details fail (an empty title) is kept as an upload until the editor
    completes them here. Wagtail checks WAGTAILDOCS_EXTENSIONS in Document.clean() on
    the new document's file, but attaches the uploaded file only once the form is valid:
    with no file yet the check refuses the empty name, and the form, which has no file
    field to show that on, raises a ValueError, on every submission. The form is given
    the upload's name first (its extension was checked when it was uploaded).
    """

    def get_edit_form_class(self):
        form_class = super().get_edit_form_class()

        def form_with_the_uploaded_file(*args, **kwargs):
            form = form_class(*args, **kwargs)
            form.instance.file.name = self.upload.file.name  # post() finds the upload first
            return form

        return form_with_the_uploaded_file


# The confirmation step reads the uploaded file's name and format from two signed hidden
# fields. Wagtail turns a bad signature into a 400, but a missing field into a KeyError
# (ConfirmImportManagementForm.clean reads cleaned_data[key] for a field that failed).
SIGNED_IMPORT_FIELDS = ("import_file_name", "input_format")


@redirect_views.permission_checker.require_any("add")
@require_POST
def process_redirect_import(request):
    """Wagtail's import of redirects, refusing a confirmation without its signed fields."""
    if not all(request.POST.get(name, "").strip() for name in SIGNED_IMPORT_FIELDS):
        raise SuspiciousOperation("A redirect import was confirmed without its file's details.")
    return redirect_views.process_import(request)
