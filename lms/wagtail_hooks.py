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
