from wagtail import hooks

from lms.viewsets import PeopleViewSetGroup, gad_chooser_viewset


@hooks.register("register_admin_viewset")
def register_people():
    return PeopleViewSetGroup()


@hooks.register("register_admin_viewset")
def register_gad_chooser():
    return gad_chooser_viewset
