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
