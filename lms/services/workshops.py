"""Workshops: registration with a seat cap and a waitlist, cancellation and promotion.

Registrations for one workshop are serialised by locking the workshop's row
(on SQLite, by the write lock every transaction takes when it starts), so the
last seats are never sold twice and the waitlist keeps its order however many
people register at once.
"""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lms.models import Participant, Registration, Session, Workshop
from lms.services.errors import NotInAudienceError, RegistrationClosedError
from lms.services.privacy import register_personal_data

# Sent after the commit, with the registration: emails and calendar invites listen.
registration_confirmed = Signal()  # registered with a seat, or promoted from the waitlist
registration_waitlisted = Signal()
registration_cancelled = Signal()


def in_audience(workshop: Workshop, participant: Participant) -> bool:
    if workshop.audience == Workshop.Audience.EVERYONE:
        return True
    if workshop.audience == Workshop.Audience.PROVINCES:
        return workshop.provinces.filter(pk=participant.gad.province_id).exists()
    return workshop.gads.filter(pk=participant.gad_id).exists()


def _announce(signal, registration, **extra) -> None:
    transaction.on_commit(
        lambda: signal.send(sender=Registration, registration=registration, **extra)
    )


@transaction.atomic
def register(*, workshop: Workshop, participant: Participant, added_by=None) -> Registration:
    """A seat while there are seats, the waitlist after; registering twice changes nothing.

    People registering themselves must be within the workshop's audience and its
    registration window; a trainer adding someone (`added_by`) is not bound by them.
    """
    workshop = Workshop.objects.select_for_update().get(pk=workshop.pk)
    existing = Registration.objects.filter(workshop=workshop, participant=participant).first()
    if existing is not None and existing.status != Registration.Status.CANCELLED:
        return existing
    if added_by is None:
        if not workshop.registration_is_open():
            raise RegistrationClosedError("Registration is not open.")
        if not in_audience(workshop, participant):
            raise NotInAudienceError("This workshop is for other GADs.")
    now = timezone.now()
    has_seat = workshop.capacity is None or (
        Registration.objects.filter(workshop=workshop).confirmed().count() < workshop.capacity
    )
    status = Registration.Status.CONFIRMED if has_seat else Registration.Status.WAITLISTED
    if existing is None:
        try:
            with transaction.atomic():
                registration = Registration.objects.create(
                    workshop=workshop,
                    participant=participant,
                    status=status,
                    registered_at=now,
                    confirmed_at=now if has_seat else None,
                    added_by=added_by,
                )
        except IntegrityError:  # the same person, at the same moment, in another tab
            return Registration.objects.get(workshop=workshop, participant=participant)
    else:  # back after cancelling: at the end of the queue
        registration = existing
        registration.status = status
        registration.registered_at = now
        registration.confirmed_at = now if has_seat else None
        registration.cancelled_at = None
        registration.save(update_fields=["status", "registered_at", "confirmed_at", "cancelled_at"])
    _announce(registration_confirmed if has_seat else registration_waitlisted, registration)
    return registration


@transaction.atomic
def cancel(*, registration: Registration) -> Registration | None:
    """Cancel a registration; a freed seat goes to the first person waiting. Returns them."""
    Workshop.objects.select_for_update().filter(pk=registration.workshop_id).first()
    registration = Registration.objects.select_related("workshop").get(pk=registration.pk)
    if registration.status == Registration.Status.CANCELLED:
        return None
    freed_seat = registration.status == Registration.Status.CONFIRMED
    registration.status = Registration.Status.CANCELLED
    registration.cancelled_at = timezone.now()
    registration.save(update_fields=["status", "cancelled_at"])
    _announce(registration_cancelled, registration)
    return _promote(registration.workshop) if freed_seat else None


def _promote(workshop: Workshop) -> Registration | None:
    """Give a free seat to the first person on the waitlist (the caller holds the lock)."""
    if workshop.capacity is not None:
        taken = Registration.objects.filter(workshop=workshop).confirmed().count()
        if taken >= workshop.capacity:
            return None
    first = Registration.objects.filter(workshop=workshop).waitlisted().first()
    if first is None:
        return None
    first.status = Registration.Status.CONFIRMED
    first.confirmed_at = timezone.now()
    first.save(update_fields=["status", "confirmed_at"])
    _announce(registration_confirmed, first, promoted=True)
    return first


@transaction.atomic
def change_capacity(*, workshop: Workshop, capacity: int | None) -> list[Registration]:
    """More seats promote people from the waitlist, in order; fewer seats never unseat anyone."""
    workshop = Workshop.objects.select_for_update().get(pk=workshop.pk)
    workshop.capacity = capacity
    workshop.save(update_fields=["capacity", "updated_at"])
    promoted = []
    while (registration := _promote(workshop)) is not None:
        promoted.append(registration)
    return promoted


def waitlist_position(registration: Registration) -> int | None:
    """1 for the first person waiting; None when not on the waitlist."""
    if registration.status != Registration.Status.WAITLISTED:
        return None
    ahead = Registration.objects.filter(
        workshop_id=registration.workshop_id, status=Registration.Status.WAITLISTED
    ).filter(
        Q(registered_at__lt=registration.registered_at)
        | Q(registered_at=registration.registered_at, pk__lt=registration.pk)
    )
    return ahead.count() + 1


def seats_left(workshop: Workshop) -> int | None:
    if workshop.capacity is None:
        return None
    taken = Registration.objects.filter(workshop=workshop).confirmed().count()
    return max(workshop.capacity - taken, 0)


def add_series(
    *, workshop: Workshop, first_start, duration: timedelta, count: int, every: timedelta
) -> list[Session]:
    """Sessions at a regular interval (e.g. weekly × 4), same time of day in America/Guayaquil."""
    if not 1 <= count <= 52:
        raise ValueError("A series has 1 to 52 sessions.")
    if duration <= timedelta(0) or every <= timedelta(0):
        raise ValueError("Duration and interval must be positive.")
    sessions = []
    for number in range(count):
        starts = first_start + number * every
        sessions.append(
            Session.objects.create(workshop=workshop, starts_at=starts, ends_at=starts + duration)
        )
    return sessions


@register_personal_data(_("Workshops"))
def export_registrations(participant: Participant) -> list[dict]:
    rows = Registration.objects.filter(participant=participant).select_related("workshop")
    return [
        {
            _("Workshop"): row.workshop.title,
            _("Status"): row.get_status_display(),
            _("Registered on"): row.registered_at,
            _("Cancelled"): row.cancelled_at,
        }
        for row in rows.order_by("registered_at")
    ]
