"""Calendar invites (iCalendar) and the "Add to calendar" download."""

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from django.urls import reverse
from django.utils.translation import gettext

from lms.models import Registration, Workshop
from lms.services import workshops as service
from lms.services.sessions import cancel_session, update_session
from lms.services.workshop_mail import session_calendar, workshop_calendar
from tests.factories import UserFactory
from tests.lms.factories import ParticipantFactory, gad
from tests.workshops.conftest import GYE, MEETING_LINK, QUITO

pytestmark = pytest.mark.django_db


def parse(data: bytes) -> icalendar.Calendar:
    assert isinstance(data, bytes)
    return icalendar.Calendar.from_ical(data)


def only_event(calendar: icalendar.Calendar) -> icalendar.Event:
    [event] = calendar.walk("VEVENT")
    return event


def register(workshop, participant) -> Registration:
    return service.register(workshop=workshop, participant=participant)


def test_a_session_invite_has_a_stable_uid_local_times_and_its_time_zone(sessions):
    session = sessions[0]

    calendar = parse(session_calendar(session))

    assert calendar["METHOD"] == "REQUEST"
    assert calendar["VERSION"] == "2.0"
    event = only_event(calendar)
    assert event["UID"] == f"{session.uid}@aula"
    assert event["SEQUENCE"] == 0
    assert event["STATUS"] == "CONFIRMED"
    start = event.decoded("DTSTART")
    assert event["DTSTART"].params["TZID"] == "America/Guayaquil"
    assert event["DTEND"].params["TZID"] == "America/Guayaquil"
    assert (start.hour, start.minute) == (9, 0)
    assert start == datetime(2030, 3, 12, 14, 0, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2030, 3, 12, 16, 0, tzinfo=UTC)
    assert event["SUMMARY"] == "Movilidad humana en el PDOT · Conceptos y marco legal"
    assert event["URL"] == "http://testserver/talleres/movilidad-pdot/"
    assert "Cómo incluir la movilidad humana" in event["DESCRIPTION"]
    assert str(event["ORGANIZER"]) == "mailto:no-responder@localhost"
    assert event["ORGANIZER"].params["CN"] == "Aula"


def test_the_time_zone_is_ecuadors_all_year_offset_without_daylight_saving(sessions):
    calendar = parse(session_calendar(sessions[0]))

    [zone] = calendar.walk("VTIMEZONE")
    assert zone["TZID"] == "America/Guayaquil"
    assert zone.walk("DAYLIGHT") == []
    [standard] = zone.walk("STANDARD")
    assert standard.decoded("TZOFFSETTO") == timedelta(hours=-5)
    assert standard.decoded("TZOFFSETFROM") == timedelta(hours=-5)


def test_a_change_keeps_the_uid_and_raises_the_sequence(
    sessions, django_capture_on_commit_callbacks
):
    session = sessions[0]
    before = only_event(parse(session_calendar(session)))

    with django_capture_on_commit_callbacks(execute=True):
        moved = update_session(
            session,
            starts_at=datetime(2030, 3, 13, 15, 30, tzinfo=GYE),
            ends_at=datetime(2030, 3, 13, 17, 30, tzinfo=GYE),
        )
    after = only_event(parse(session_calendar(moved)))

    assert after["UID"] == before["UID"] == f"{session.uid}@aula"
    assert after["SEQUENCE"] == before["SEQUENCE"] + 1 == 1
    start = after.decoded("DTSTART")
    assert (start.day, start.hour, start.minute) == (13, 15, 30)
    assert start == datetime(2030, 3, 13, 20, 30, tzinfo=UTC)


def test_a_cancelled_session_gives_a_cancel_with_a_higher_sequence(
    sessions, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = cancel_session(sessions[0])

    calendar = parse(session_calendar(cancelled, method="CANCEL"))

    assert calendar["METHOD"] == "CANCEL"
    event = only_event(calendar)
    assert event["UID"] == f"{sessions[0].uid}@aula"
    assert event["STATUS"] == "CANCELLED"
    assert event["SEQUENCE"] == 1


def test_the_meeting_link_is_only_for_confirmed_registrants(workshop, sessions, db):
    people = [ParticipantFactory() for _ in range(3)]
    confirmed = register(workshop, people[0])
    register(workshop, people[1])
    waitlisted = register(workshop, people[2])
    assert waitlisted.status == Registration.Status.WAITLISTED

    mine = only_event(parse(session_calendar(sessions[0], registration=confirmed)))
    waiting = only_event(parse(session_calendar(sessions[0], registration=waitlisted)))
    anyone = only_event(parse(session_calendar(sessions[0])))

    assert mine["LOCATION"] == MEETING_LINK
    assert MEETING_LINK in mine["DESCRIPTION"]
    assert str(mine["ATTENDEE"]) == f"mailto:{people[0].email}"
    for event in (waiting, anyone):
        assert MEETING_LINK not in event.to_ical().decode()
        assert event["LOCATION"] == gettext("Online")


def test_an_in_person_workshop_gives_its_place(workshop, sessions):
    workshop.mode = Workshop.Mode.IN_PERSON
    workshop.place = "Sala de sesiones del GAD de Pedernales"
    workshop.save()

    event = only_event(parse(session_calendar(sessions[0])))

    assert event["LOCATION"] == "Sala de sesiones del GAD de Pedernales"


def test_the_workshop_calendar_lists_every_session_still_planned(
    workshop, sessions, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        cancel_session(sessions[1])

    calendar = parse(workshop_calendar(workshop))

    assert calendar["METHOD"] == "PUBLISH"
    assert [event["UID"] for event in calendar.walk("VEVENT")] == [f"{sessions[0].uid}@aula"]
    assert len(calendar.walk("VTIMEZONE")) == 1


def test_a_cancelled_workshop_has_no_events_left(workshop, sessions):
    workshop.status = Workshop.Status.CANCELLED
    workshop.save()

    assert parse(workshop_calendar(workshop)).walk("VEVENT") == []


def test_unknown_methods_are_refused(sessions):
    with pytest.raises(ValueError, match="method"):
        session_calendar(sessions[0], method="REPLY")


# The download.


def calendar_url(workshop) -> str:
    return reverse("lms:workshop_calendar", args=[workshop.slug])


def test_the_download_address_is_in_spanish(workshop):
    assert calendar_url(workshop) == "/talleres/movilidad-pdot/calendario.ics"


def test_anyone_may_download_a_published_workshop_without_the_link(client, workshop, sessions):
    response = client.get(calendar_url(workshop))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="movilidad-pdot.ics"'
    assert "private" in response["Cache-Control"]
    calendar = parse(response.content)
    assert len(calendar.walk("VEVENT")) == 2
    assert MEETING_LINK.encode() not in response.content


def test_a_confirmed_registrant_gets_the_meeting_link(client, workshop, sessions, participant):
    register(workshop, participant)
    client.force_login(participant.user)

    response = client.get(calendar_url(workshop))

    assert response.status_code == 200
    events = parse(response.content).walk("VEVENT")
    assert [event["LOCATION"] for event in events] == [MEETING_LINK, MEETING_LINK]


def test_a_waitlisted_registrant_does_not(client, workshop, sessions, participant):
    for person in (ParticipantFactory(), ParticipantFactory()):
        register(workshop, person)
    assert register(workshop, participant).status == Registration.Status.WAITLISTED
    client.force_login(participant.user)

    response = client.get(calendar_url(workshop))

    assert response.status_code == 200
    assert MEETING_LINK.encode() not in response.content


def test_a_cancelled_registrant_does_not(client, workshop, sessions, participant):
    service.cancel(registration=register(workshop, participant))
    client.force_login(participant.user)

    response = client.get(calendar_url(workshop))

    assert MEETING_LINK.encode() not in response.content


def test_drafts_and_unknown_workshops_are_not_found(client, workshop, trainer, login_staff):
    workshop.status = Workshop.Status.DRAFT
    workshop.save()

    assert client.get(calendar_url(workshop)).status_code == 404
    assert client.get("/talleres/no-existe/calendario.ics").status_code == 404
    login_staff(trainer)
    assert client.get(calendar_url(workshop)).status_code == 404


@pytest.fixture
def consultative(participant):
    """A consultative process of Pedernales, the GAD of `participant`."""
    return Workshop.objects.create(
        title="Proceso consultivo de Pedernales",
        slug="consulta-pedernales",
        kind=Workshop.Kind.CONSULTATIVE,
        gad=participant.gad,
        status=Workshop.Status.PUBLISHED,
        mode=Workshop.Mode.IN_PERSON,
        place="Salón de la alcaldía",
    )


def test_a_consultative_process_is_for_its_gad_and_staff(
    client, consultative, participant, other_participant, trainer, login_staff
):
    url = calendar_url(consultative)

    assert client.get(url).status_code == 404
    client.force_login(other_participant.user)
    assert other_participant.gad == gad(QUITO)
    assert client.get(url).status_code == 404
    client.force_login(participant.user)
    assert client.get(url).status_code == 200
    client.logout()
    login_staff(trainer)
    assert client.get(url).status_code == 200


def test_a_person_without_a_participant_profile_gets_the_public_file(client, workshop, sessions):
    client.force_login(UserFactory())

    response = client.get(calendar_url(workshop))

    assert response.status_code == 200
    assert MEETING_LINK.encode() not in response.content
