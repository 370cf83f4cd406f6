"""Workshops for participants: the public listing, a workshop's page, registering and cancelling."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db.models import Count, Max, Min, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from lms.models import Registration, Session, Workshop
from lms.privacy import participant_for
from lms.roles import is_staff_member
from lms.services import workshops as workshop_service
from lms.services.errors import NotInAudienceError, RegistrationClosedError

LIST_LIMIT = 60


def _with_figures(queryset):
    return queryset.annotate(
        first_start=Min("sessions__starts_at", filter=Q(sessions__cancelled=False)),
        last_end=Max("sessions__ends_at", filter=Q(sessions__cancelled=False)),
        confirmed_count=Count(
            "registrations",
            filter=Q(registrations__status=Registration.Status.CONFIRMED),
            distinct=True,
        ),
    )


def may_see(user, participant, workshop: Workshop) -> bool:
    """Workshops are public once published; a consultative process only to its GAD and staff."""
    if is_staff_member(user):
        return True
    if workshop.status == Workshop.Status.DRAFT:
        return False
    if workshop.is_consultative:
        return participant is not None and participant.gad_id == workshop.gad_id
    return True


@require_GET
def workshop_list(request):
    """Upcoming and past workshops (consultative processes: only the visitor's GAD's)."""
    participant = participant_for(request) if request.user.is_authenticated else None
    now = timezone.now()
    workshops = _with_figures(
        Workshop.objects.filter(kind=Workshop.Kind.WORKSHOP).exclude(status=Workshop.Status.DRAFT)
    )
    upcoming = list(
        workshops.filter(Q(last_end__gte=now) | Q(last_end__isnull=True)).order_by(
            "first_start", "title"
        )[:LIST_LIMIT]
    )
    past = list(workshops.filter(last_end__lt=now).order_by("-last_end")[:LIST_LIMIT])
    mine = {}
    processes = []
    if participant is not None:
        mine = dict(
            Registration.objects.filter(participant=participant)
            .exclude(status=Registration.Status.CANCELLED)
            .values_list("workshop_id", "status")
        )
        processes = list(
            _with_figures(
                Workshop.objects.filter(
                    kind=Workshop.Kind.CONSULTATIVE, gad_id=participant.gad_id
                ).exclude(status=Workshop.Status.DRAFT)
            ).order_by("-first_start")
        )
    for workshop in (*upcoming, *past, *processes):
        workshop.my_status = mine.get(workshop.pk)
        workshop.seats_left = (
            None
            if workshop.capacity is None
            else max(workshop.capacity - workshop.confirmed_count, 0)
        )
    return render(
        request,
        "lms/workshops/list.html",
        {"upcoming": upcoming, "past": past, "processes": processes},
    )


def _workshop_or_404(request, slug: str):
    participant = participant_for(request) if request.user.is_authenticated else None
    workshop = get_object_or_404(Workshop.objects.select_related("course", "gad"), slug=slug)
    if not may_see(request.user, participant, workshop):
        raise Http404
    return workshop, participant


@require_GET
@never_cache
def workshop_detail(request, slug: str):
    workshop, participant = _workshop_or_404(request, slug)
    sessions = list(Session.objects.filter(workshop=workshop).order_by("starts_at"))
    registration = None
    position = None
    if participant is not None:
        registration = (
            Registration.objects.filter(workshop=workshop, participant=participant)
            .exclude(status=Registration.Status.CANCELLED)
            .first()
        )
        if registration is not None:
            position = workshop_service.waitlist_position(registration)
    confirmed = registration is not None and registration.status == Registration.Status.CONFIRMED
    can_register = (
        participant is not None
        and registration is None
        and workshop.registration_is_open()
        and workshop_service.in_audience(workshop, participant)
    )
    context = {
        "workshop": workshop,
        "sessions": sessions,
        "now": timezone.now(),
        "registration": registration,
        "position": position,
        "confirmed": confirmed,
        "can_register": can_register,
        "participant": participant,
        "seats_left": workshop_service.seats_left(workshop),
        "pages": list(workshop.pages.live()) if workshop.pk else [],
        "is_staff": is_staff_member(request.user),
    }
    if workshop.is_consultative:
        context["documents"] = list(workshop.documents.all())
        context["people"] = list(
            Registration.objects.filter(workshop=workshop)
            .exclude(status=Registration.Status.CANCELLED)
            .select_related("participant")
            .order_by("participant__full_name")
        )
    return render(request, "lms/workshops/detail.html", context)


@require_POST
@never_cache
def register_view(request, slug: str):
    workshop, participant = _workshop_or_404(request, slug)
    if not request.user.is_authenticated:
        return redirect_to_login(workshop_url(workshop))
    if participant is None:
        messages.info(request, _("Complete your profile to register for workshops."))
        return redirect("lms:profile")
    try:
        registration = workshop_service.register(workshop=workshop, participant=participant)
    except RegistrationClosedError:
        messages.error(request, _("Registration for this workshop is not open."))
    except NotInAudienceError:
        messages.error(request, _("This workshop is for officials of other GADs or provinces."))
    else:
        if registration.status == Registration.Status.CONFIRMED:
            messages.success(
                request,
                _("You are registered. We have sent you an email with the calendar invite."),
            )
        else:
            messages.info(
                request,
                _(
                    "The workshop is full: you are number %(position)d on the waitlist. "
                    "If a seat frees up, it is yours and we will email you."
                )
                % {"position": workshop_service.waitlist_position(registration)},
            )
    return redirect(workshop_url(workshop))


@require_POST
@never_cache
def cancel_view(request, slug: str):
    workshop, participant = _workshop_or_404(request, slug)
    if not request.user.is_authenticated:
        return redirect_to_login(workshop_url(workshop))
    registration = (
        Registration.objects.filter(workshop=workshop, participant=participant)
        .exclude(status=Registration.Status.CANCELLED)
        .first()
        if participant is not None
        else None
    )
    if registration is not None:
        workshop_service.cancel(registration=registration)
        messages.success(request, _("Your registration is cancelled."))
    return redirect(workshop_url(workshop))


def workshop_url(workshop: Workshop) -> str:
    return reverse("lms:workshop_detail", args=[workshop.slug])


urlpatterns = [
    path("talleres/", workshop_list, name="workshop_list"),
    path("talleres/<slug:slug>/", workshop_detail, name="workshop_detail"),
    path("talleres/<slug:slug>/inscribirme/", register_view, name="workshop_register"),
    path("talleres/<slug:slug>/cancelar/", cancel_view, name="workshop_cancel"),
]
