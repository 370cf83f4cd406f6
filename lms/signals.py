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


def complete_courses_after_attendance(sender, instance, **kwargs) -> None:
    """A course that asks for a linked workshop completes the moment attendance meets its rule."""
    from django.db import transaction

    from lms.models import Enrolment
    from lms.services.learning import refresh_progress

    course_id = (
        type(instance.session)
        .objects.filter(pk=instance.session_id)
        .values_list("workshop__course_id", flat=True)
        .first()
    )
    if course_id is None:
        return
    waiting = Enrolment.objects.filter(
        participant_id=instance.participant_id,
        course_id=course_id,
        course__requires_workshop_attendance=True,
        status=Enrolment.Status.ACTIVE,
        completed_at__isnull=True,
    )

    def refresh():
        for enrolment in waiting:
            refresh_progress(enrolment=enrolment)

    transaction.on_commit(refresh)
