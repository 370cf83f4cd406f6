"""The learning report in the Wagtail admin: who is where in which course, read-only.

Trainers and managers (anyone who may view participants) follow progress by
course, GAD and province; nobody edits enrolments here, because every write
goes through lms.services. Trainers and managers also enrol a whole GAD in a
course from here, including courses closed to self-enrolment.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.generic import FormView
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import HeaderButton
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from courses.models import CoursePage
from lms.models import GAD, Enrolment, H5PResult, Participant
from lms.services.learning import enrol_gad
from lms.views.learning import best_quiz_results
from lms.viewsets import gad_chooser_viewset

# Enrolling people is changing their records: trainers and managers may, editors may not.
ENROL_PERMISSION = "lms.change_participant"


class LearningReportPermissionPolicy(ModelPermissionPolicy):
    """Seeing enrolments follows "view participants"; nobody adds, edits or deletes them here."""

    def __init__(self):
        super().__init__(Enrolment, auth_model=Participant)

    def user_has_permission(self, user, action):
        return action == "view" and super().user_has_permission(user, "view")

    def user_has_any_permission(self, user, actions):
        return "view" in actions and self.user_has_permission(user, "view")

    def users_with_any_permission(self, actions):
        if "view" not in actions:
            return get_user_model().objects.none()
        return super().users_with_any_permission(["view"])


register_permission_policy(Enrolment, LearningReportPermissionPolicy())


def _quiz_summary(enrolment) -> str:
    return "; ".join(
        f"{result.title}: {result.best_score:.0f} %{' ✓' if result.passed else ''}"
        for result in getattr(enrolment, "quiz_results", [])
    )


def _h5p_summary(enrolment) -> str:
    return "; ".join(
        f"{result.activity.title}: {result.raw_score}/{result.max_score}{' ✓' if result.passed else ''}"
        for result in getattr(enrolment, "h5p_results", [])
        if result.raw_score is not None
    )


class LearningReportIndexView(generic.IndexView):
    def paginate_queryset(self, queryset, page_size):
        paginator, page, object_list, is_paginated = super().paginate_queryset(queryset, page_size)
        # Best quiz results for the whole page of rows in one query.
        object_list = list(object_list)
        by_enrolment = {enrolment.pk: enrolment for enrolment in object_list}
        for enrolment in object_list:
            enrolment.quiz_results = []
        if by_enrolment:
            for result in best_quiz_results(Q(enrolment_id__in=list(by_enrolment))):
                by_enrolment[result.enrolment_id].quiz_results.append(result)
            self._attach_h5p_results(object_list)
        page.object_list = object_list
        return paginator, page, object_list, is_paginated

    @staticmethod
    def _attach_h5p_results(enrolments) -> None:
        """H5P results in each row's course, for the whole page in one query."""
        rows = {}
        for enrolment in enrolments:
            enrolment.h5p_results = []
            rows[(enrolment.participant_id, enrolment.course.path)] = enrolment
        results = H5PResult.objects.filter(
            participant_id__in={enrolment.participant_id for enrolment in enrolments},
            lesson__isnull=False,
        ).select_related("activity", "lesson")
        for result in results.order_by("activity__title"):
            course_path = result.lesson.path[: -result.lesson.steplen]
            enrolment = rows.get((result.participant_id, course_path))
            if enrolment is not None:
                enrolment.h5p_results.append(result)

    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        if self.request.user.has_perm(ENROL_PERMISSION):
            buttons.append(
                HeaderButton(
                    _("Enrol a GAD"), url=reverse("learning_report:enrol_gad"), icon_name="group"
                )
            )
        return buttons


class EnrolGADForm(forms.Form):
    course = forms.ModelChoiceField(
        label=_("Course"),
        queryset=CoursePage.objects.live().order_by("title"),
        help_text=_("Courses closed to self-enrolment are listed too."),
    )
    gad = forms.ModelChoiceField(
        label=_("GAD"),
        queryset=GAD.objects.all(),
        widget=gad_chooser_viewset.widget_class,
        help_text=_("Every participant of this GAD is enrolled, except those who left the course."),
    )


class EnrolGADView(WagtailAdminTemplateMixin, FormView):
    form_class = EnrolGADForm
    template_name = "wagtailadmin/generic/form.html"
    page_title = _("Enrol a GAD in a course")
    header_icon = "group"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(ENROL_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            *super().get_breadcrumbs_items(),
            {"url": reverse("learning_report:index"), "label": _("Course progress")},
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            action_url=reverse("learning_report:enrol_gad"),
            submit_button_label=_("Enrol the GAD"),
            media=context["form"].media,
        )
        return context

    def form_valid(self, form):
        course, gad = form.cleaned_data["course"], form.cleaned_data["gad"]
        count = enrol_gad(gad=gad, course=course, enrolled_by=self.request.user)
        messages.success(
            self.request,
            ngettext(
                "%(count)s participant of %(gad)s enrolled in “%(course)s”.",
                "%(count)s participants of %(gad)s enrolled in “%(course)s”.",
                count,
            )
            % {"count": count, "gad": gad.label, "course": course.title},
        )
        return redirect(f"{reverse('learning_report:index')}?course={course.pk}")


class LearningReportViewSet(ModelViewSet):
    model = Enrolment
    icon = "tasks"
    menu_label = _("Course progress")
    menu_order = 210
    add_to_admin_menu = True
    index_view_class = LearningReportIndexView
    list_display = [
        "participant",
        Column("gad", label=_("GAD"), accessor="participant.gad.label"),
        Column("province", label=_("Province"), accessor="participant.gad.province.name"),
        "course",
        Column("progress_percent", label=_("Progress (%)"), sort_key="progress_percent"),
        Column(
            "steps",
            label=_("Required steps done"),
            accessor=lambda e: f"{e.completed_steps} / {e.required_steps}",
        ),
        DateColumn("completed_at", label=_("Completed at"), sort_key="completed_at"),
        DateColumn("last_activity_at", label=_("Last activity"), sort_key="last_activity_at"),
        Column("quizzes", label=_("Best quiz results"), accessor=_quiz_summary),
        Column("h5p", label=_("Interactive activities"), accessor=_h5p_summary),
        Column("status", label=_("Status"), accessor="get_status_display"),
    ]
    list_filter = [
        "course",
        "participant__gad__province",
        "participant__gad__is_pilot",
        "status",
    ]
    search_fields = [
        "participant__full_name",
        "participant__email",
        "participant__gad__search_text",
    ]
    search_backend_name = None
    ordering = ["course__path", "participant__full_name"]
    list_per_page = 50
    copy_view_enabled = False
    inspect_view_enabled = False
    # Otherwise every progress update would also rewrite Wagtail's reference index.
    add_to_reference_index = False

    def get_permissions_to_register(self):
        # Enrolment permissions would mean nothing here: access follows "view participants".
        return super().get_permissions_to_register().none()

    def get_queryset(self, request):
        return Enrolment.objects.select_related("participant__gad__province", "course").filter(
            participant__anonymised_at__isnull=True
        )

    def get_urlpatterns(self):
        # Read-only: no add, edit, delete or history screens exist at all.
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("enrol-gad/", EnrolGADView.as_view(), name="enrol_gad"),
        ]


@hooks.register("register_admin_viewset")
def register_learning_report():
    return LearningReportViewSet("learning_report", url_prefix="avance-cursos")
