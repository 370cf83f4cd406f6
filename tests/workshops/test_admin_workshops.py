"""Trainers schedule workshops in the admin: a series of sessions, edits that notify people."""

from datetime import timedelta

from django.core import mail
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from lms.models import Session
from lms.services import workshops as service
from tests.workshops.conftest import FIRST_START


def test_a_trainer_adds_a_weekly_series_in_the_admin(client, login_staff, trainer, workshop):
    login_staff(trainer)

    response = client.post(
        reverse("workshops:series", args=[workshop.pk]),
        {
            "first_date": "2030-03-12",
            "start_time": "09:00",
            "duration": "120",
            "count": "4",
            "every_days": "7",
        },
    )

    assert response.status_code == 302
    starts = list(workshop.sessions.order_by("starts_at").values_list("starts_at", flat=True))
    assert starts == [FIRST_START + timedelta(weeks=n) for n in range(4)]
    assert all(s.ends_at - s.starts_at == timedelta(hours=2) for s in workshop.sessions.all())


def _form(workshop, sessions):
    return nested_form_data(
        {
            "title": workshop.title,
            "slug": workshop.slug,
            "description": workshop.description,
            "kind": workshop.kind,
            "mode": workshop.mode,
            "status": workshop.status,
            "meeting_link": workshop.meeting_link,
            "place": "",
            "capacity": workshop.capacity or "",
            "registration_opens_at": "",
            "registration_closes_at": "",
            "audience": workshop.audience,
            "attendance_threshold": workshop.attendance_threshold,
            "late_after_minutes": workshop.late_after_minutes,
            "trainers": [t.pk for t in workshop.trainers.all()],
            "sessions": inline_formset(sessions, initial=len(sessions)),
            "agenda": "",
            "minutes": "",
            "agreements": "",
        }
    )


def test_moving_a_session_in_the_admin_raises_its_sequence_and_tells_registrants(
    client,
    login_staff,
    trainer,
    workshop,
    sessions,
    participant,
    django_capture_on_commit_callbacks,
):
    service.register(workshop=workshop, participant=participant, added_by=trainer)
    mail.outbox.clear()
    login_staff(trainer)
    moved = FIRST_START + timedelta(hours=1)
    rows = [
        {
            "id": s.pk,
            "title": s.title,
            "starts_at": (moved if n == 0 else s.starts_at).strftime("%Y-%m-%d %H:%M"),
            "ends_at": (moved + timedelta(hours=2) if n == 0 else s.ends_at).strftime(
                "%Y-%m-%d %H:%M"
            ),
            "cancelled": "",
        }
        for n, s in enumerate(sessions)
    ]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("workshops:edit", args=[workshop.pk]), _form(workshop, rows))

    assert response.status_code == 302, response.content.decode()[:3000]
    first, second = Session.objects.filter(pk__in=[s.pk for s in sessions]).order_by("pk")
    assert first.starts_at == moved
    assert (first.sequence, second.sequence) == (1, 0)
    notices = [m for m in mail.outbox if participant.email in m.to]
    assert len(notices) == 1
    assert any(name.endswith(".ics") for name, *_ in notices[0].attachments)


def test_more_seats_in_the_admin_promote_the_waitlist(
    client, login_staff, trainer, workshop, sessions
):
    from tests.lms.factories import ParticipantFactory

    people = [ParticipantFactory() for _ in range(3)]
    for person in people:
        service.register(workshop=workshop, participant=person, added_by=trainer)
    login_staff(trainer)
    workshop.capacity = 3
    rows = [
        {
            "id": s.pk,
            "title": s.title,
            "starts_at": s.starts_at.strftime("%Y-%m-%d %H:%M"),
            "ends_at": s.ends_at.strftime("%Y-%m-%d %H:%M"),
            "cancelled": "",
        }
        for s in sessions
    ]

    response = client.post(reverse("workshops:edit", args=[workshop.pk]), _form(workshop, rows))

    assert response.status_code == 302
    assert workshop.registrations.filter(status="confirmed").count() == 3
