"""Certificates in the Wagtail admin: trainers and managers list, inspect, issue and revoke.

Nobody edits or deletes a certificate here: what it states is a snapshot taken when it
was issued, and a certificate that should not stand is revoked, with a reason, so its
verification page says so. Every write goes through lms.services.certificates.

- "view certificate" opens the listing and each certificate's page;
- "add certificate" issues: one by hand (rule or no rule), or every certificate of a
  workshop at once, for the confirmed registrants who reached its attendance threshold;
- "change certificate" revokes.

Trainers and managers hold all three (migration 0009); a trainer issues for the workshops
they run, a manager for any.
"""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.chooser import (
    ChooseResultsView,
    ChooseView,
    ChosenMultipleView,
    ChosenView,
)
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import HeaderButton
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from courses.models import CoursePage
from lms.models import Certificate, Participant, Workshop
from lms.services import certificates as service
from lms.services.attendance import workshops_for_trainer

VIEW_PERMISSION = "lms.view_certificate"
ISSUE_PERMISSION = "lms.add_certificate"
REVOKE_PERMISSION = "lms.change_certificate"
# Choosing a person to issue to shows names and emails: for those who may see participants.
CHOOSE_PERMISSION = "lms.view_participant"


class CertificatePermissionPolicy(ModelPermissionPolicy):
    """Wagtail's generic screens may only show certificates; issuing and revoking have their own.

    So no generic add, edit or delete screen or link ever appears, whatever a role holds.
    """

    def __init__(self):
        super().__init__(Certificate)

    def user_has_permission(self, user, action):
        return action == "view" and super().user_has_permission(user, "view")

    def user_has_any_permission(self, user, actions):
        return "view" in actions and self.user_has_permission(user, "view")

    def users_with_any_permission(self, actions):
        if "view" not in actions:
            return get_user_model().objects.none()
        return super().users_with_any_permission(["view"])


register_permission_policy(Certificate, CertificatePermissionPolicy())


# ---------------------------------------------------------------------------
# Choosing a participant (for issuing by hand).


class _MayChoosePeople:
    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(CHOOSE_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class ParticipantChooseView(_MayChoosePeople, ChooseView):
    pass


class ParticipantChooseResultsView(_MayChoosePeople, ChooseResultsView):
    pass


class ParticipantChosenView(_MayChoosePeople, ChosenView):
    pass


class ParticipantChosenMultipleView(_MayChoosePeople, ChosenMultipleView):
    pass


class ParticipantChooserViewSet(ChooserViewSet):
    model = Participant
    icon = "user"
    choose_one_text = _("Choose a participant")
    choose_another_text = _("Choose another participant")
    choose_view_class = ParticipantChooseView
    choose_results_view_class = ParticipantChooseResultsView
    chosen_view_class = ParticipantChosenView
    chosen_multiple_view_class = ParticipantChosenMultipleView
    form_fields = None
    search_fields = ["full_name", "email"]
    per_page = 20

    def get_object_list(self):
        return Participant.objects.active().select_related("gad").order_by("full_name", "pk")


participant_chooser_viewset = ParticipantChooserViewSet("participant_chooser")


# ---------------------------------------------------------------------------
# Forms.


class IssueForm(forms.Form):
    participant = forms.ModelChoiceField(
        label=_("Participant"),
        queryset=Participant.objects.active(),
        widget=participant_chooser_viewset.widget_class,
    )
    kind = forms.ChoiceField(
        label=_("Certificate for"),
        choices=Certificate.Kind.choices,
        widget=forms.RadioSelect,
        initial=Certificate.Kind.COURSE,
    )
    course = forms.ModelChoiceField(
        label=_("Course"), queryset=CoursePage.objects.none(), required=False
    )
    workshop = forms.ModelChoiceField(
        label=_("Workshop"),
        queryset=Workshop.objects.none(),
        required=False,
        help_text=_("The workshops you run (managers: every workshop)."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = CoursePage.objects.live().order_by("title")
        self.fields["workshop"].queryset = workshops_for_trainer(user).order_by("title")

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == Certificate.Kind.COURSE and not data.get("course"):
            self.add_error("course", _("Choose the course."))
        if kind == Certificate.Kind.WORKSHOP and not data.get("workshop"):
            self.add_error("workshop", _("Choose the workshop."))
        return data


class WorkshopIssueForm(forms.Form):
    workshop = forms.ModelChoiceField(
        label=_("Workshop"),
        queryset=Workshop.objects.none(),
        help_text=_(
            "Everyone with a confirmed registration who attended (present or late) at least "
            "the workshop's attendance threshold gets a certificate; people who have one "
            "already keep it."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workshop"].queryset = workshops_for_trainer(user).order_by("title")


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=service.REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Kept in the record, never shown on the verification page, which only says that "
            "the certificate was revoked and when."
        ),
    )


# ---------------------------------------------------------------------------
# Views.


class _CertificateFormView(WagtailAdminTemplateMixin, FormView):
    template_name = "wagtailadmin/generic/form.html"
    header_icon = "doc-full"
    permission = ISSUE_PERMISSION
    submit_button_label = _("Issue")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            *super().get_breadcrumbs_items(),
            {"url": reverse("certificates:index"), "label": _("Certificates")},
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            action_url=self.request.get_full_path(),
            submit_button_label=self.submit_button_label,
            media=context["form"].media,
        )
        return context


class IssueView(_CertificateFormView):
    """Issue one certificate by hand, for a course or a workshop, rule or no rule."""

    form_class = IssueForm
    page_title = _("Issue a certificate")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        data = form.cleaned_data
        kind = data["kind"]
        certificate, created = service.issue_or_get(
            participant=data["participant"],
            kind=kind,
            course=data["course"] if kind == Certificate.Kind.COURSE else None,
            workshop=data["workshop"] if kind == Certificate.Kind.WORKSHOP else None,
            by=self.request.user,
        )
        if created:
            messages.success(
                self.request,
                _("Certificate %(reference)s issued to %(name)s.")
                % {"reference": certificate.reference, "name": certificate.holder_name},
            )
        else:
            messages.warning(
                self.request,
                _("%(name)s already has this certificate (%(reference)s).")
                % {"reference": certificate.reference, "name": certificate.holder_name},
            )
        return redirect(reverse("certificates:inspect", args=[certificate.pk]))


class WorkshopIssueView(_CertificateFormView):
    """Every certificate of a workshop in one action (`?workshop=<pk>` chooses it)."""

    form_class = WorkshopIssueForm
    page_title = _("Issue a workshop's certificates")
    submit_button_label = _("Issue the certificates")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        workshop = self.request.GET.get("workshop", "")
        return {"workshop": int(workshop)} if workshop.isdigit() else {}

    def form_valid(self, form):
        workshop = form.cleaned_data["workshop"]
        result = service.issue_for_workshop(workshop, by=self.request.user)
        messages.success(
            self.request,
            ngettext(
                "“%(title)s”: %(count)s certificate issued",
                "“%(title)s”: %(count)s certificates issued",
                result.issued,
            )
            % {"title": workshop.title, "count": result.issued}
            + "; "
            + ngettext(
                "%(count)s person already had one",
                "%(count)s people already had one",
                result.existing,
            )
            % {"count": result.existing}
            + "; "
            + ngettext(
                "%(count)s person has not reached the attendance threshold.",
                "%(count)s people have not reached the attendance threshold.",
                result.not_reached,
            )
            % {"count": result.not_reached},
        )
        return redirect(reverse("certificates:index"))


class RevokeView(_CertificateFormView):
    form_class = RevokeForm
    page_title = _("Revoke a certificate")
    header_icon = "cross"
    permission = REVOKE_PERMISSION
    submit_button_label = _("Revoke the certificate")

    def dispatch(self, request, *args, **kwargs):
        self.certificate = get_object_or_404(Certificate, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return str(self.certificate)

    def get(self, request, *args, **kwargs):
        if self.certificate.is_revoked:
            messages.warning(request, _("This certificate is already revoked."))
            return redirect(reverse("certificates:inspect", args=[self.certificate.pk]))
        return super().get(request, *args, **kwargs)

    def form_valid(self, form):
        service.revoke(self.certificate, by=self.request.user, reason=form.cleaned_data["reason"])
        messages.success(
            self.request,
            _("Certificate %(reference)s revoked.") % {"reference": self.certificate.reference},
        )
        return redirect(reverse("certificates:inspect", args=[self.certificate.pk]))


class CertificateIndexView(generic.IndexView):
    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if self.request.user.has_perm(ISSUE_PERMISSION):
            buttons += [
                HeaderButton(
                    _("Issue a certificate"),
                    url=reverse("certificates:issue"),
                    icon_name="plus",
                ),
                HeaderButton(
                    _("Issue a workshop's certificates"),
                    url=reverse("certificates:issue_workshop"),
                    icon_name="group",
                ),
            ]
        return buttons


class CertificateInspectView(generic.InspectView):
    extra_labels = {"status": _("Status"), "verification": _("Verification page")}

    def get_field_label(self, field_name, field):
        if field_name in self.extra_labels:
            return self.extra_labels[field_name]
        return super().get_field_label(field_name, field)

    def get_status_display_value(self):
        return _status(self.object)

    def get_verification_display_value(self):
        url = service.verification_url(self.object)
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, url)

    @cached_property
    def header_buttons(self):
        buttons = []
        if not self.object.is_revoked and self.request.user.has_perm(REVOKE_PERMISSION):
            buttons.append(
                HeaderButton(
                    _("Revoke"),
                    url=reverse("certificates:revoke", args=[self.object.pk]),
                    icon_name="cross",
                )
            )
        return buttons


def _status(certificate) -> str:
    if certificate.revoked_at is None:
        return str(_("Valid"))
    return str(_("Revoked")) + f" ({certificate.revoked_at:%d/%m/%Y})"


class CertificateFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[("valid", _("Valid")), ("revoked", _("Revoked"))],
        method="filter_status",
        empty_label=_("All"),
    )

    class Meta:
        model = Certificate
        fields = ["kind"]

    def filter_status(self, queryset, name, value):
        if value == "valid":
            return queryset.filter(revoked_at__isnull=True)
        if value == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


class CertificateViewSet(ModelViewSet):
    model = Certificate
    icon = "doc-full"
    menu_label = _("Certificates")
    menu_order = 215
    add_to_admin_menu = True
    index_view_class = CertificateIndexView
    inspect_view_class = CertificateInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = [
        "reference",
        "holder_name",
        "subject_title",
        Column("kind", label=_("Kind"), accessor="get_kind_display"),
        DateColumn("achieved_on", label=_("Date"), sort_key="achieved_on"),
        Column("status", label=_("Status"), accessor=_status),
        DateColumn("issued_at", label=_("Issued"), sort_key="issued_at"),
    ]
    filterset_class = CertificateFilterSet
    search_fields = ["holder_name", "reference"]
    search_backend_name = None
    ordering = ["-issued_at"]
    list_per_page = 50
    # A certificate links to courses and workshops; indexing those references buys nothing.
    add_to_reference_index = False
    inspect_view_fields = [
        "reference",
        "status",
        "holder_name",
        "gad_name",
        "participant",
        "kind",
        "subject_title",
        "hours",
        "achieved_on",
        "issued_at",
        "issued_by",
        "revoked_at",
        "revoked_reason",
        "revoked_by",
        "pdf_status",
        "verification",
    ]

    def get_permissions_to_register(self):
        # Certificates are revoked, never deleted.
        return super().get_permissions_to_register().exclude(codename="delete_certificate")

    def get_queryset(self, request):
        return Certificate.objects.all()

    def get_urlpatterns(self):
        # No generic add, edit, delete, history or usage screens: issuing and revoking only.
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("<int:pk>/", self.inspect_view, name="inspect"),
            path("<int:pk>/revocar/", RevokeView.as_view(), name="revoke"),
            path("emitir/", IssueView.as_view(), name="issue"),
            path("emitir-taller/", WorkshopIssueView.as_view(), name="issue_workshop"),
        ]


certificate_viewset = CertificateViewSet("certificates", url_prefix="certificados")
