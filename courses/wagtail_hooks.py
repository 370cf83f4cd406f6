from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, HelpPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from courses.forms import H5PActivityForm
from courses.models import H5PActivity


class PreviewColumn(Column):
    """A link to play the activity as participants will (the player lives in lms)."""

    def get_value(self, instance):
        try:
            url = reverse("h5p_preview", args=[instance.pk])
        except NoReverseMatch:
            return ""
        return format_html('<a href="{}">{}</a>', url, _("Preview"))


class H5PActivityViewSet(SnippetViewSet):
    model = H5PActivity
    icon = "pick"
    menu_label = _("H5P activities")
    menu_order = 250
    add_to_admin_menu = True
    list_display = ["title", "main_library", "max_score", "updated_at", PreviewColumn("preview")]
    search_fields = ["title", "content_title", "main_library"]
    # The form checks and unpacks the package before anything is saved.
    edit_handler = ObjectList(
        [
            FieldPanel("package"),
            FieldPanel("title"),
            FieldPanel("max_score"),
            HelpPanel(
                content=_(
                    "After saving, use “Preview” in the list of activities to play it as "
                    "participants will. Place it in a lesson with the “H5P activity” block."
                )
            ),
        ],
        base_form_class=H5PActivityForm,
    )


register_snippet(H5PActivityViewSet)
