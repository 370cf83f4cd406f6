from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from courses.h5p import activities


class H5PActivityForm(WagtailAdminModelForm):
    """Upload or replace a package: checked and unpacked before the activity is saved."""

    package = forms.FileField(
        label=_("H5P package"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".h5p"}),
        help_text=_(
            "An .h5p file exported with its libraries (for example from Lumi, Moodle or "
            "WordPress). It is checked before anything is saved."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False
        self.fields["title"].help_text = _("Leave empty to use the title inside the package.")
        self._unpacked = None
        # Read now: by save() the model form has put the new upload on the instance.
        self._old_package = self.instance.package.name if self.instance.pk else ""

    def clean_package(self):
        upload = self.cleaned_data.get("package")
        if upload is False:  # "clear" ticked: a package cannot be removed, only replaced
            raise forms.ValidationError(_("Upload another package to replace this one."))
        if not upload and not self.instance.pk:
            raise forms.ValidationError(_("Choose an .h5p file to upload."))
        return upload

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("package")
        if self.errors or not hasattr(upload, "content_type"):
            return cleaned
        key = activities.new_key()
        try:
            info = activities.unpack(upload, key)
        except forms.ValidationError as error:
            self.add_error("package", error)
            return cleaned
        self._unpacked = (key, info)
        if not cleaned.get("title"):
            cleaned["title"] = info.title[:255] or upload.name
        return cleaned

    def save(self, commit=True):
        activity = super().save(commit=False)
        if self._unpacked:
            key, info = self._unpacked
            activities.apply_package(activity, info, key, old_package=self._old_package)
            if "max_score" in self.changed_data:  # what the editor typed wins over the reset
                activity.max_score = self.cleaned_data["max_score"]
            if getattr(self, "for_user", None) is not None:
                activity.uploaded_by = self.for_user
        if commit:
            activity.save()
        return activity
