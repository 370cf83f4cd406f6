from django.urls import path
from wagtail import hooks

# Hooks of each feature live beside it; importing them here registers them.
import lms.viewsets_learning  # noqa: F401
from lms import learning_hooks, quiz_hooks  # noqa: F401
from lms.viewsets import PeopleViewSetGroup, gad_chooser_viewset


@hooks.register("register_admin_viewset")
def register_people():
    return PeopleViewSetGroup()


@hooks.register("register_admin_viewset")
def register_gad_chooser():
    return gad_chooser_viewset


@hooks.register("register_admin_viewset")
def register_workshops():
    from lms.viewsets_workshops import workshop_viewset

    return workshop_viewset


@hooks.register("register_admin_urls")
def register_h5p_preview():
    from lms.views import h5p

    return [
        path("h5p/<int:pk>/vista-previa/", h5p.preview, name="h5p_preview"),
        path("h5p/<int:pk>/vista-previa/resultado/", h5p.preview_result, name="h5p_preview_result"),
    ]


@hooks.register("register_admin_viewset")
def register_certificate_templates():
    from lms.viewsets_certificate_templates import certificate_template_viewset

    return certificate_template_viewset


@hooks.register("register_admin_viewset")
def register_certificates():
    from lms.viewsets_certificates import certificate_viewset, participant_chooser_viewset

    return [certificate_viewset, participant_chooser_viewset]


@hooks.register("register_admin_urls")
def register_reports():
    from lms.views import journeys, reports

    return reports.admin_urlpatterns + journeys.admin_urlpatterns


# The dashboard, the pilots and the export log join Wagtail's own "Informes" menu
# (its hook is register_reports_menu_item), each shown to whoever may open it.
class _ReportsMenuItem:
    """Menu items of the reports submenu, shown to whoever holds `permission`."""

    @staticmethod
    def make(label, url_name, icon, order, permission):
        from django.urls import reverse_lazy
        from wagtail.admin.menu import MenuItem

        class Item(MenuItem):
            def is_shown(self, request):
                return request.user.has_perm(permission)

        return Item(label, reverse_lazy(url_name), icon_name=icon, order=order)


@hooks.register("register_reports_menu_item")
def register_dashboard_menu_item():
    from django.utils.translation import gettext_lazy as _

    return _ReportsMenuItem.make(
        _("Programme dashboard"), "reports_dashboard", "table", 100, "lms.view_reports"
    )


@hooks.register("register_reports_menu_item")
def register_pilots_menu_item():
    from django.utils.translation import gettext_lazy as _

    return _ReportsMenuItem.make(
        _("Pilot GADs side by side"), "reports_pilots", "group", 200, "lms.view_programme_reports"
    )


@hooks.register("register_admin_viewset")
def register_export_log():
    from lms.viewsets_export_log import export_log_viewset

    return export_log_viewset
