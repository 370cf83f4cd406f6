"""Admin screens for people and the GAD directory (registered in wagtail_hooks)."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.admin.ui.tables import BooleanColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from lms.models import GAD, Participant
from lms.services.people import PROFILE_FIELDS, add_participant, change_email, update_profile


class GADChooserViewSet(ChooserViewSet):
    model = GAD
    icon = "site"
    choose_one_text = _("Choose a GAD")
    choose_another_text = _("Choose another GAD")
    edit_item_text = _("Edit this GAD")
    form_fields = None
    search_fields = ["search_text", "code"]
    url_filter_parameters = ["level"]
    per_page = 20

    def get_object_list(self):
        return GAD.objects.select_related("province")


gad_chooser_viewset = GADChooserViewSet("gad_chooser")


class GADViewSet(ModelViewSet):
    model = GAD
    icon = "site"
    menu_label = _("GAD directory")
    list_display = [
        "label",
        "code",
        "level",
        "province",
        BooleanColumn("is_pilot", label=_("Pilot")),
    ]
    list_filter = ["level", "province", "is_pilot"]
    search_fields = ["search_text", "code"]
    search_backend_name = None
    ordering = ["province__name", "level", "name"]
    form_fields = ["code", "name", "level", "province", "canton", "is_pilot"]
    list_per_page = 50
    copy_view_enabled = False

    def get_queryset(self, request):
        return GAD.objects.select_related("province")


class ParticipantIndexView(generic.IndexView):
    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        # Listing is for trainers and managers; taking personal data away is for managers.
        if self.is_export and not request.user.has_perm("lms.export_personal_data"):
            raise PermissionDenied

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        if not self.request.user.has_perm("lms.export_personal_data"):
            context["export_buttons"] = None
            self.list_export = []
        return context


class ParticipantCreateView(generic.CreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        return add_participant(
            added_by=self.request.user,
            email=data.get("email", ""),
            **{field: data[field] for field in PROFILE_FIELDS if field in data},
        )


class ParticipantEditView(generic.EditView):
    def save_instance(self):
        data = self.form.cleaned_data
        participant = Participant.objects.get(pk=self.object.pk)
        update_profile(
            participant=participant,
            **{field: data[field] for field in PROFILE_FIELDS if field in data},
        )
        if not participant.has_account and data.get("email", "") != participant.email:
            change_email(participant=participant, email=data.get("email", ""))
        return participant


class ParticipantViewSet(ModelViewSet):
    model = Participant
    icon = "user"
    menu_label = _("Participants")
    index_view_class = ParticipantIndexView
    add_view_class = ParticipantCreateView
    edit_view_class = ParticipantEditView
    list_display = [
        "full_name",
        "gad",
        "position",
        "sex",
        BooleanColumn("has_account", label=_("Account")),
    ]
    list_filter = ["sex", "age_band", "gad__level", "gad__province", "gad__is_pilot"]
    search_fields = ["full_name", "email", "gad__search_text"]
    search_backend_name = None
    list_export = [
        "full_name", "email", "gad.code", "gad.label", "gad.province.name", "position",
        "sex", "age_band", "phone", "consent_version", "created_at",
    ]  # fmt: skip
    export_headings = {
        "gad.code": _("GAD code"),
        "gad.label": _("GAD"),
        "gad.province.name": _("Province"),
    }
    export_filename = "aula-participantes"
    copy_view_enabled = False
    inspect_view_enabled = True
    panels = [
        FieldPanel("full_name"),
        FieldPanel("email", read_only=False),
        FieldPanel("gad", widget=gad_chooser_viewset.widget_class),
        FieldPanel("position"),
        FieldPanel("sex"),
        FieldPanel("age_band"),
        FieldPanel("phone"),
    ]

    def get_queryset(self, request):
        return Participant.objects.active().select_related("gad__province", "user")


class PeopleViewSetGroup(ModelViewSetGroup):
    menu_label = _("People")
    menu_icon = "group"
    menu_order = 200
    items = (ParticipantViewSet("participants"), GADViewSet("gads"))
