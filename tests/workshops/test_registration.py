"""Registering for workshops: seats, the waitlist, cancelling, audiences and windows."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from lms.models import GAD, Province, Registration, Session, Workshop
from lms.services import workshops as service
from lms.services.errors import NotInAudienceError, RegistrationClosedError
from tests.lms.factories import ParticipantFactory


def make_workshop(**fields) -> Workshop:
    defaults = {
        "title": "Movilidad humana en el PDOT",
        "slug": "movilidad-pdot",
        "status": Workshop.Status.PUBLISHED,
        "capacity": 2,
        "meeting_link": "https://meet.example.org/pdot",
    }
    workshop = Workshop.objects.create(**{**defaults, **fields})
    start = timezone.now() + timedelta(days=3)
    Session.objects.create(workshop=workshop, starts_at=start, ends_at=start + timedelta(hours=2))
    return workshop


@pytest.fixture
def seats_for_two(db):
    return make_workshop()


@pytest.fixture
def people(db):
    return [ParticipantFactory(full_name=f"Persona {n}") for n in range(5)]


def test_seats_then_waitlist_in_order(seats_for_two, people):
    registrations = [service.register(workshop=seats_for_two, participant=p) for p in people[:4]]

    assert [r.status for r in registrations] == [
        "confirmed",
        "confirmed",
        "waitlisted",
        "waitlisted",
    ]
    assert service.waitlist_position(registrations[2]) == 1
    assert service.waitlist_position(registrations[3]) == 2
    assert service.seats_left(seats_for_two) == 0


def test_registering_twice_changes_nothing(seats_for_two, people):
    first = service.register(workshop=seats_for_two, participant=people[0])
    again = service.register(workshop=seats_for_two, participant=people[0])

    assert again.pk == first.pk
    assert Registration.objects.count() == 1


def test_cancelling_a_seat_promotes_the_first_waiting_and_announces_it(
    seats_for_two, people, django_capture_on_commit_callbacks
):
    confirmed = service.register(workshop=seats_for_two, participant=people[0])
    service.register(workshop=seats_for_two, participant=people[1])
    first_waiting = service.register(workshop=seats_for_two, participant=people[2])
    second_waiting = service.register(workshop=seats_for_two, participant=people[3])
    promoted_events = []

    def listener(sender, registration, **kwargs):
        if kwargs.get("promoted"):
            promoted_events.append(registration.pk)

    service.registration_confirmed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            promoted = service.cancel(registration=confirmed)
    finally:
        service.registration_confirmed.disconnect(listener)

    assert promoted.pk == first_waiting.pk
    first_waiting.refresh_from_db()
    second_waiting.refresh_from_db()
    assert first_waiting.status == "confirmed"
    assert service.waitlist_position(second_waiting) == 1
    assert promoted_events == [first_waiting.pk]


def test_cancelling_a_waitlisted_place_promotes_nobody(seats_for_two, people):
    for person in people[:3]:
        service.register(workshop=seats_for_two, participant=person)
    waiting = Registration.objects.get(participant=people[2])

    assert service.cancel(registration=waiting) is None
    assert Registration.objects.filter(status="confirmed").count() == 2


def test_coming_back_after_cancelling_goes_to_the_end_of_the_queue(seats_for_two, people):
    for person in people[:4]:
        service.register(workshop=seats_for_two, participant=person)
    leaving = Registration.objects.get(participant=people[2])
    service.cancel(registration=leaving)

    back = service.register(workshop=seats_for_two, participant=people[2])

    assert back.status == "waitlisted"
    assert service.waitlist_position(back) == 2


def test_more_seats_promote_people_in_order(seats_for_two, people):
    for person in people:
        service.register(workshop=seats_for_two, participant=person)

    promoted = service.change_capacity(workshop=seats_for_two, capacity=4)

    assert [r.participant for r in promoted] == people[2:4]
    assert Registration.objects.filter(status="waitlisted").get().participant == people[4]


def test_the_audience_and_the_window_bind_self_registration_not_trainers(db, people):
    other_province = Province.objects.exclude(pk=people[0].gad.province_id).first()
    for_others = make_workshop(
        slug="solo-otros", audience=Workshop.Audience.PROVINCES, capacity=None
    )
    for_others.provinces.set([other_province])
    for_others.save()
    closed = make_workshop(
        slug="cerrado", registration_closes_at=timezone.now() - timedelta(hours=1)
    )

    with pytest.raises(NotInAudienceError):
        service.register(workshop=for_others, participant=people[0])
    with pytest.raises(RegistrationClosedError):
        service.register(workshop=closed, participant=people[0])
    trainer_added = service.register(
        workshop=for_others, participant=people[0], added_by=people[1].user
    )
    assert trainer_added.status == "confirmed"


def test_gad_audience(db, people):
    for_one_gad = make_workshop(slug="un-gad", audience=Workshop.Audience.GADS)
    for_one_gad.gads.set([people[0].gad])
    for_one_gad.save()  # modelcluster keeps relations in memory until saved
    elsewhere = ParticipantFactory(gad=GAD.objects.exclude(pk=people[0].gad_id).first())

    assert service.register(workshop=for_one_gad, participant=people[0]).status == "confirmed"
    with pytest.raises(NotInAudienceError):
        service.register(workshop=for_one_gad, participant=elsewhere)


# --- Pages -----------------------------------------------------------------------


def test_listing_shows_seats_left_and_hides_drafts(client, seats_for_two, people):
    make_workshop(slug="borrador", title="Taller en preparación", status=Workshop.Status.DRAFT)
    service.register(workshop=seats_for_two, participant=people[0])

    page = client.get(reverse("lms:workshop_list")).content.decode()

    assert "Movilidad humana en el PDOT" in page
    assert "Queda 1 cupo" in page
    assert "Taller en preparación" not in page


def test_register_and_cancel_from_the_page(client, seats_for_two, people):
    person = people[0]
    client.force_login(person.user)
    url = reverse("lms:workshop_detail", args=[seats_for_two.slug])

    assert (
        client.get(reverse("lms:workshop_register", args=[seats_for_two.slug])).status_code == 405
    )
    response = client.post(reverse("lms:workshop_register", args=[seats_for_two.slug]))
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "https://meet.example.org/pdot" in page  # the link, for a confirmed registrant

    client.post(reverse("lms:workshop_cancel", args=[seats_for_two.slug]))
    assert Registration.objects.get(participant=person).status == "cancelled"
    assert "https://meet.example.org/pdot" not in client.get(url).content.decode()


def test_a_waitlisted_person_sees_their_position_and_no_link(client, seats_for_two, people):
    for person in people[:3]:
        service.register(workshop=seats_for_two, participant=person)
    client.force_login(people[2].user)

    page = client.get(reverse("lms:workshop_detail", args=[seats_for_two.slug])).content.decode()

    assert "1 en la lista de espera" in page
    assert "https://meet.example.org/pdot" not in page


def test_anonymous_visitors_see_the_workshop_but_register_only_after_logging_in(
    client, seats_for_two
):
    url = reverse("lms:workshop_detail", args=[seats_for_two.slug])
    assert client.get(url).status_code == 200
    response = client.post(reverse("lms:workshop_register", args=[seats_for_two.slug]))
    assert response["Location"].startswith("/cuenta/login/")
    assert not Registration.objects.exists()


def test_a_consultative_process_is_seen_only_by_its_gad(client, people):
    pilot = people[0].gad
    process = make_workshop(
        slug="proceso-consultivo", kind=Workshop.Kind.CONSULTATIVE, gad=pilot, agenda="Agenda"
    )
    url = reverse("lms:workshop_detail", args=[process.slug])
    outsider = ParticipantFactory(gad=GAD.objects.exclude(pk=pilot.pk).first())

    assert client.get(url).status_code == 404
    client.force_login(outsider.user)
    assert client.get(url).status_code == 404
    client.force_login(people[0].user)
    assert client.get(url).status_code == 200


def test_listing_costs_the_same_queries_for_few_or_many_registrants(client, seats_for_two):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(reverse("lms:workshop_list"))  # the site's menu and footer fill the cache
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("lms:workshop_list"))
    seats_for_two.capacity = None
    seats_for_two.save()
    for _n in range(30):
        service.register(workshop=seats_for_two, participant=ParticipantFactory())
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("lms:workshop_list"))

    assert len(few) == len(many) <= 10
