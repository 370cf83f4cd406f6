"""Side effects of account events; the rules themselves live in lms.services."""

from lms.roles import is_staff_member
from lms.services.people import claim_participant


def join_earlier_participant(sender, request, email_address, **kwargs):
    claim_participant(user=email_address.user)


STAFF_SESSION_KEY = "aula_staff"


def remember_staff_role(sender, request, user, **kwargs):
    # Pages show the Wagtail user bar to staff only; deciding it from the session
    # spares every participant's page view the two permission queries.
    if request is not None and hasattr(request, "session"):
        request.session[STAFF_SESSION_KEY] = is_staff_member(user)
