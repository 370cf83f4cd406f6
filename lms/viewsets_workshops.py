"""Admin screens where trainers schedule workshops and consultative processes."""

from datetime import datetime, timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.generic import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton

from lms import roles
from lms.models import Session, Workshop
from lms.services.sessions import announce_edits
from lms.services.workshops import add_series, change_capacity
from lms.viewsets import gad_chooser_viewset


class WorkshopForm(WagtailAdminModelForm):
    """Only trainers and managers can be chosen as a workshop's trainers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "trainers" in self.fields:
            self.fields["trainers"].queryset = (
                get_user_model()
                .objects.filter(
                    Q(groups__name__in=[roles.TRAINER, roles.MANAGER]) | Q(is_superuser=True),
                    is_active=True,
                )
                .distinct()
                .order_by("first_name", "last_name", "email")
            )


class SeriesForm(forms.Form):
    first_date = forms.DateField(
        label=_("First session"), widget=forms.DateInput(attrs={"type": "date"})
    )
    start_time = forms.TimeField(
        label=_("Starts at"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    duration = forms.IntegerField(
        label=_("Length (minutes)"), min_value=15, max_value=600, initial=120
    )
    count = forms.IntegerField(label=_("Number of sessions"), min_value=1, max_value=52, initial=4)
    every_days = forms.IntegerField(
        label=_("Every (days)"), min_value=1, max_value=60, initial=7,
        help_text=_("7 for weekly, 14 for every two weeks."),
    )  # fmt: skip


class SeriesView(WagtailAdminTemplateMixin, FormView):
    """Add a series of sessions (e.g. weekly × 4), in Ecuador's time."""

    form_class = SeriesForm
    template_name = "wagtailadmin/generic/form.html"
    page_title = _("Add a series of sessions")
    header_icon = "date"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm("lms.change_workshop"):
            raise PermissionDenied
        self.workshop = get_object_or_404(Workshop, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return self.workshop.title

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["action_url"] = self.request.path
        context["submit_button_label"] = _("Add the sessions")
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        first = timezone.make_aware(datetime.combine(data["first_date"], data["start_time"]))
        sessions = add_series(
            workshop=self.workshop,
            first_start=first,
            duration=timedelta(minutes=data["duration"]),
            count=data["count"],
            every=timedelta(days=data["every_days"]),
        )
        messages.success(
            self.request,
            _("%(count)d sessions added to “%(title)s”.")
            % {"count": len(sessions), "title": self.workshop.title},
        )
        return redirect(reverse("workshops:edit", args=[self.workshop.pk]))


class WorkshopEditView(ModelViewSet.edit_view_class):
    def save_instance(self):
        previous = Workshop.objects.filter(pk=self.object.pk).values_list("capacity", flat=True)
        capacity_before = previous.first()
        sessions_before = {
            pk: rest
            for pk, *rest in Session.objects.filter(workshop_id=self.object.pk).values_list(
                "pk", "starts_at", "ends_at", "title", "cancelled"
            )
        }
        instance = super().save_instance()
        if instance.capacity != capacity_before:
            # More seats promote people from the waitlist, in order, and tell them.
            change_capacity(workshop=instance, capacity=instance.capacity)
        # Moved, renamed or cancelled sessions: a new invite version, and a notice.
        announce_edits({pk: tuple(values) for pk, values in sessions_before.items()})
        return instance

    @cached_property
    def header_buttons(self):
        buttons = [
            *super().header_buttons,
            HeaderButton(
                _("Add a series of sessions"),
                url=reverse("workshops:series", args=[self.object.pk]),
                icon_name="date",
            ),
        ]
        if self.request.user.has_perm("lms.add_certificate") and not self.object.is_consultative:
            buttons.append(
                HeaderButton(
                    _("Issue the workshop's certificates"),
                    url=f"{reverse('certificates:issue_workshop')}?workshop={self.object.pk}",
                    icon_name="doc-full",
                )
            )
        return buttons


def _next_session(workshop) -> str:
    upcoming = [
        s for s in workshop.sessions.all() if s.ends_at >= timezone.now() and not s.cancelled
    ]
    if not upcoming:
        return ""
    return timezone.localtime(upcoming[0].starts_at).strftime("%d/%m/%Y %H:%M")


class WorkshopViewSet(ModelViewSet):
    model = Workshop
    icon = "date"
    menu_label = _("Workshops")
    menu_order = 210
    add_to_admin_menu = True
    edit_view_class = WorkshopEditView
    list_display = [
        "title",
        "kind",
        "status",
        Column("next_session", label=_("Next session"), accessor=_next_session),
        Column(
            "public",
            label=_("Page"),
            accessor=lambda w: format_html(
                '<a href="{}" target="_blank" rel="noopener">{}</a>',
                reverse("lms:workshop_detail", args=[w.slug]),
                _("View"),
            ),
        ),
        DateColumn("updated_at", label=_("Updated")),
    ]
    list_filter = ["kind", "status", "mode"]
    search_fields = ["title", "description"]
    search_backend_name = None
    copy_view_enabled = False
    edit_handler = ObjectList(
        [
            FieldPanel("title"),
            FieldPanel("slug"),
            FieldPanel("description"),
            FieldRowPanel([FieldPanel("kind"), FieldPanel("mode"), FieldPanel("status")]),
            FieldPanel("gad", widget=gad_chooser_viewset.widget_class),
            MultiFieldPanel(
                [
                    FieldPanel("meeting_link"),
                    FieldPanel("place"),
                    FieldPanel("capacity"),
                    FieldRowPanel(
                        [FieldPanel("registration_opens_at"), FieldPanel("registration_closes_at")]
                    ),
                ],
                heading=_("Where and how many"),
            ),
            MultiFieldPanel(
                [FieldPanel("audience"), FieldPanel("provinces"), FieldPanel("gads")],
                heading=_("Who may register"),
            ),
            MultiFieldPanel(
                [FieldPanel("attendance_threshold"), FieldPanel("late_after_minutes")],
                heading=_("Attendance"),
            ),
            InlinePanel("sessions", heading=_("Sessions"), label=_("Session")),
            FieldPanel("trainers"),
            MultiFieldPanel(
                [FieldPanel("course"), FieldPanel("pages")], heading=_("Linked course and pages")
            ),
            MultiFieldPanel(
                [
                    FieldPanel("agenda"),
                    FieldPanel("minutes"),
                    FieldPanel("agreements"),
                    FieldPanel("documents"),
                ],
                heading=_("Consultative process"),
            ),
        ],
        base_form_class=WorkshopForm,
    )

    def get_queryset(self, request):
        return Workshop.objects.prefetch_related("sessions")

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("<int:pk>/serie/", SeriesView.as_view(), name="series"),
        ]


workshop_viewset = WorkshopViewSet("workshops")
