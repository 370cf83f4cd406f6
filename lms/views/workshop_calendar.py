"""A workshop's sessions as a calendar file, for "Add to calendar".

Anyone who may see the workshop may download it; the meeting link is in it
only for a logged-in confirmed registrant, so the response is never cached.
"""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from lms.models import Registration, Workshop
from lms.privacy import participant_for
from lms.roles import is_staff_member
from lms.services.workshop_mail import workshop_calendar


def _visible(user, participant, workshop: Workshop) -> bool:
    """Published (or cancelled) workshops for everyone; a consultative process for its GAD."""
    if workshop.status == Workshop.Status.DRAFT:
        return False
    if workshop.is_consultative:
        return is_staff_member(user) or (
            participant is not None and participant.gad_id == workshop.gad_id
        )
    return True


@never_cache
@require_GET
def calendar_file(request, slug: str):
    workshop = get_object_or_404(Workshop, slug=slug)
    participant = participant_for(request)
    if not _visible(request.user, participant, workshop):
        raise Http404
    registration = (
        Registration.objects.filter(workshop=workshop, participant=participant)
        .select_related("participant__user")
        .first()
        if participant is not None
        else None
    )
    response = HttpResponse(
        workshop_calendar(workshop, registration), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{workshop.slug}.ics"'
    return response


urlpatterns = [
    path("talleres/<slug:slug>/calendario.ics", calendar_file, name="workshop_calendar"),
]
