"""The export log in the Wagtail admin: who downloaded which report, when, with which filters.

Read-only for everyone, superusers included: the log is the record of where personal
data went, so nobody adds, edits or deletes an entry here. Programme managers hold
"view export" (migration 0011); nobody else sees the screen.
"""

import django_filters
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from lms.models import ExportLog


class ExportLogPermissionPolicy(ModelPermissionPolicy):
    """Those with "view export" see the log; nobody adds, edits or deletes an entry."""

    def __init__(self):
        super().__init__(ExportLog)

    def user_has_permission(self, user, action):
        return action == "view" and super().user_has_permission(user, "view")

    def user_has_any_permission(self, user, actions):
        return "view" in actions and self.user_has_permission(user, "view")

    def users_with_any_permission(self, actions):
        if "view" not in actions:
            return get_user_model().objects.none()
        return super().users_with_any_permission(["view"])


register_permission_policy(ExportLog, ExportLogPermissionPolicy())


def readable_filters(log: ExportLog) -> str:
    """The filters as "name: value" pairs, in the order the report recorded them."""
    return "; ".join(f"{name}: {value}" for name, value in (log.filters or {}).items())


def _rows(log: ExportLog):
    # No count means the file was never completed (a dropped download or an error).
    return log.rows if log.rows is not None else _("incomplete")


class ExportLogFilterSet(WagtailFilterSet):
    created_at = django_filters.DateFromToRangeFilter(
        label=_("Exported at"), widget=DateRangePickerWidget
    )

    class Meta:
        model = ExportLog
        fields = ["kind", "file_format", "created_at"]


class ExportLogViewSet(ModelViewSet):
    model = ExportLog
    icon = "download"
    menu_label = _("Export log")
    menu_order = 240
    add_to_admin_menu = True
    # In the admin's "Informes" menu, beside the dashboard.
    menu_hook = "register_reports_menu_item"
    list_display = [
        DateColumn("created_at", label=_("Exported at"), sort_key="created_at"),
        "user_email",
        Column("kind", label=_("Report"), accessor="get_kind_display", sort_key="kind"),
        Column("file_format", label=_("Format"), accessor="get_file_format_display"),
        Column("rows", label=_("Rows"), accessor=_rows),
        Column("filters", label=_("Filters"), accessor=readable_filters),
    ]
    filterset_class = ExportLogFilterSet
    search_fields = ["user_email"]
    search_backend_name = None
    ordering = ["-created_at"]
    list_per_page = 50
    copy_view_enabled = False
    inspect_view_enabled = False
    add_to_reference_index = False

    def get_permissions_to_register(self):
        # "View export", and the two report permissions the model carries, so that
        # administrators can grant them to a group from the admin.
        return Permission.objects.filter(content_type=ContentType.objects.get_for_model(ExportLog))

    def get_queryset(self, request):
        return ExportLog.objects.all()

    def get_urlpatterns(self):
        # Read-only: no add, edit, delete or history screens exist at all.
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
        ]


export_log_viewset = ExportLogViewSet("export_log", url_prefix="informes/exportaciones")
