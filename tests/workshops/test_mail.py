"""Workshop emails: confirmation, waitlist, promotion, cancellation and session notices."""

from datetime import datetime

import icalendar
import pytest
from django.core import mail
from django.utils import translation

from lms.models import Registration
from lms.services import workshop_mail
from lms.services import workshops as service
from lms.services.sessions import cancel_session, update_session
from lms.tasks import send_registration_email, send_session_notice
from tests.lms.factories import ParticipantFactory
from tests.workshops.conftest import GYE, MEETING_LINK

pytestmark = pytest.mark.django_db


@pytest.fixture
def act(django_capture_on_commit_callbacks):
    """Run a service call and the emails queued after its commit; returns what it returned."""

    def run(function, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(**kwargs)

    return run


def html_of(message) -> str:
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return html


def invite_of(message) -> tuple[icalendar.Calendar, str]:
    [attachment] = message.attachments
    assert attachment.filename.endswith(".ics")
    return icalendar.Calendar.from_ical(attachment.content), attachment.mimetype


def test_a_confirmation_has_text_html_and_the_invite(act, workshop, sessions, participant):
    act(service.register, workshop=workshop, participant=participant)

    [message] = mail.outbox
    assert message.to == ["rmero@pedernales.gob.ec"]
    assert message.subject.startswith("Aula: ")
    assert "Movilidad humana en el PDOT" in message.subject
    for body in (message.body, html_of(message)):
        assert "Rosa Mero" in body
        assert "Conceptos y marco legal" in body
        assert MEETING_LINK in body
        assert "http://testserver/talleres/movilidad-pdot/" in body
        assert "12 de marzo de 2030" in body and "09:00" in body
        assert "http://testserver/talleres/movilidad-pdot/calendario.ics" in body
    assert "<html" in html_of(message) and "<html" not in message.body
    calendar, mimetype = invite_of(message)
    assert mimetype == "text/calendar; method=REQUEST"
    assert calendar["METHOD"] == "REQUEST"
    events = calendar.walk("VEVENT")
    assert [event["UID"] for event in events] == [f"{s.uid}@aula" for s in sessions]
    assert all(event["LOCATION"] == MEETING_LINK for event in events)


def test_emails_are_in_spanish_whatever_the_language_active(act, workshop, sessions, participant):
    with translation.override("en"):
        act(service.register, workshop=workshop, participant=participant)

    [message] = mail.outbox
    # Month and weekday names come with Django's own Spanish translation.
    assert "Martes, 12 de marzo de 2030, 09:00–11:00" in message.body
    assert 'lang="es"' in html_of(message)


def test_the_waitlist_notice_gives_the_position_and_no_link(act, workshop, sessions):
    people = [ParticipantFactory() for _ in range(4)]
    for person in people:
        act(service.register, workshop=workshop, participant=person)

    assert len(mail.outbox) == 4
    with translation.override("es"):
        number = translation.gettext("Number %(position)s on the waitlist")
    for message, person, position in zip(mail.outbox[2:], people[2:], (1, 2), strict=True):
        assert message.to == [person.email]
        assert message.subject.startswith("Aula: ")
        assert number % {"position": position} in message.body
        assert number % {"position": position} in html_of(message)
        assert MEETING_LINK not in message.body
        assert MEETING_LINK not in html_of(message)
        assert message.attachments == []


def test_cancelling_a_seat_sends_a_receipt_and_promotes_the_first_waiting(act, workshop, sessions):
    first, second, waiting = (ParticipantFactory() for _ in range(3))
    seat = act(service.register, workshop=workshop, participant=first)
    act(service.register, workshop=workshop, participant=second)
    act(service.register, workshop=workshop, participant=waiting)
    mail.outbox.clear()

    act(service.cancel, registration=seat)

    receipt, promotion = sorted(mail.outbox, key=lambda m: m.to != [first.email])
    assert receipt.to == [first.email]
    assert MEETING_LINK not in receipt.body
    calendar, mimetype = invite_of(receipt)
    assert mimetype == "text/calendar; method=CANCEL"
    assert {event["STATUS"] for event in calendar.walk("VEVENT")} == {"CANCELLED"}
    assert promotion.to == [waiting.email]
    assert MEETING_LINK in promotion.body and MEETING_LINK in html_of(promotion)
    calendar, mimetype = invite_of(promotion)
    assert mimetype == "text/calendar; method=REQUEST"
    assert len(calendar.walk("VEVENT")) == 2


def test_leaving_the_waitlist_sends_a_receipt_without_a_calendar(act, workshop, sessions):
    for _ in range(2):
        act(service.register, workshop=workshop, participant=ParticipantFactory())
    waiting = act(service.register, workshop=workshop, participant=ParticipantFactory())
    mail.outbox.clear()

    act(service.cancel, registration=waiting)

    [receipt] = mail.outbox
    assert receipt.to == [waiting.participant.email]
    assert receipt.attachments == []


def test_an_email_that_no_longer_applies_is_not_sent(workshop, sessions, participant):
    registration = service.register(workshop=workshop, participant=participant)
    service.cancel(registration=registration)

    # The confirmation was still queued when the person cancelled.
    send_registration_email.enqueue(registration.pk, workshop_mail.CONFIRMED)
    send_registration_email.enqueue(123456, workshop_mail.CONFIRMED)

    assert mail.outbox == []


def test_people_without_an_account_are_written_to_at_their_own_address(act, workshop, sessions):
    added = ParticipantFactory(user=None, email="tecnico@gadesmeraldas.gob.ec")

    act(service.register, workshop=workshop, participant=added)

    assert mail.outbox[0].to == ["tecnico@gadesmeraldas.gob.ec"]


def test_an_account_address_is_used_when_the_participant_has_none(act, workshop, sessions):
    person = ParticipantFactory(email="")

    act(service.register, workshop=workshop, participant=person)

    assert mail.outbox[0].to == [person.user.email]


def test_a_consultative_process_participant_added_by_a_trainer_is_told(act, trainer, participant):
    from lms.models import Session, Workshop

    process = Workshop.objects.create(
        title="Proceso consultivo de Pedernales",
        slug="consulta-pedernales",
        kind=Workshop.Kind.CONSULTATIVE,
        gad=participant.gad,
        status=Workshop.Status.PUBLISHED,
        mode=Workshop.Mode.IN_PERSON,
        place="Salón de la alcaldía",
    )
    start = datetime(2030, 4, 2, 10, tzinfo=GYE)
    Session.objects.create(workshop=process, starts_at=start, ends_at=start.replace(hour=12))

    act(service.register, workshop=process, participant=participant, added_by=trainer)

    [message] = mail.outbox
    assert "Salón de la alcaldía" in message.body
    calendar, _ = invite_of(message)
    assert calendar.walk("VEVENT")[0]["LOCATION"] == "Salón de la alcaldía"


# Session changes.


@pytest.fixture
def full_workshop(act, workshop, sessions):
    """Two confirmed, one waitlisted and one cancelled registrant; the outbox emptied."""
    people = [ParticipantFactory() for _ in range(4)]
    for person in people:
        act(service.register, workshop=workshop, participant=person)
    act(
        service.cancel,
        registration=Registration.objects.get(workshop=workshop, participant=people[0]),
    )
    # people[2] was promoted; people[3] waits.
    mail.outbox.clear()
    return people


def test_a_moved_session_tells_the_confirmed_only_with_the_updated_invite(
    act, sessions, full_workshop
):
    session = sessions[0]
    new_start = datetime(2030, 3, 12, 15, tzinfo=GYE)

    moved = act(
        update_session, session=session, starts_at=new_start, ends_at=new_start.replace(hour=17)
    )

    confirmed = {full_workshop[1].email, full_workshop[2].email}
    assert sorted(address for m in mail.outbox for address in m.to) == sorted(confirmed)
    for message in mail.outbox:
        assert message.subject.startswith("Aula: ")
        assert "15:00–17:00" in message.body and "15:00–17:00" in html_of(message)
        assert "09:00–11:00" in message.body  # what it was
        calendar, mimetype = invite_of(message)
        assert mimetype == "text/calendar; method=REQUEST"
        [event] = calendar.walk("VEVENT")
        assert event["UID"] == f"{session.uid}@aula"
        assert event["SEQUENCE"] == moved.sequence == 1
        assert event.decoded("DTSTART").hour == 15
        assert event["LOCATION"] == MEETING_LINK


def test_a_renamed_session_is_announced_too(act, sessions, full_workshop):
    act(update_session, session=sessions[1], title="Diagnóstico y propuesta")

    assert len(mail.outbox) == 2
    assert all("Diagnóstico y propuesta" in message.body for message in mail.outbox)


def test_changing_nothing_sends_nothing(act, sessions, full_workshop):
    unchanged = act(
        update_session,
        session=sessions[0],
        starts_at=sessions[0].starts_at,
        title=sessions[0].title,
    )

    assert unchanged.sequence == 0
    assert mail.outbox == []


def test_a_session_must_still_end_after_it_starts(act, sessions):
    with pytest.raises(ValueError, match="end after"):
        act(update_session, session=sessions[0], starts_at=sessions[0].ends_at)
    with pytest.raises(ValueError, match="aware"):
        act(update_session, session=sessions[0], starts_at=datetime(2030, 3, 12, 8))

    sessions[0].refresh_from_db()
    assert sessions[0].sequence == 0
    assert mail.outbox == []


def test_a_cancelled_session_sends_the_cancellation(act, sessions, full_workshop):
    cancelled = act(cancel_session, session=sessions[0])

    assert len(mail.outbox) == 2
    for message in mail.outbox:
        calendar, mimetype = invite_of(message)
        assert mimetype == "text/calendar; method=CANCEL"
        [event] = calendar.walk("VEVENT")
        assert event["UID"] == f"{sessions[0].uid}@aula"
        assert event["STATUS"] == "CANCELLED"
        assert event["SEQUENCE"] == cancelled.sequence == 1
        assert "Conceptos y marco legal" in message.body

    # Cancelling again changes nothing, and a cancelled session cannot be moved.
    mail.outbox.clear()
    assert act(cancel_session, session=sessions[0]).sequence == 1
    with pytest.raises(ValueError, match="cancelled"):
        act(update_session, session=sessions[0], title="Otra")
    assert mail.outbox == []


def test_a_notice_overtaken_by_a_later_change_is_not_sent(act, sessions, full_workshop):
    act(update_session, session=sessions[0], title="Primera versión")
    mail.outbox.clear()

    # Queued for sequence 1, run after a second change raised it to 2.
    act(update_session, session=sessions[0], title="Segunda versión")
    send_session_notice.enqueue(sessions[0].pk, workshop_mail.SESSION_CHANGED, sequence=1)

    assert len(mail.outbox) == 2
    assert all("Segunda versión" in message.body for message in mail.outbox)


def test_one_failed_address_does_not_stop_the_others(act, sessions, full_workshop, monkeypatch):
    from django.core.mail.backends.locmem import EmailBackend

    original = EmailBackend.send_messages
    broken = full_workshop[1].email

    def send_messages(self, messages):
        if any(broken in message.to for message in messages):
            raise OSError("mailbox unavailable")
        return original(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", send_messages)

    result = send_session_notice.call(sessions[0].pk, workshop_mail.SESSION_CHANGED)

    assert result == {"sent": 1, "failed": 1}
    assert [message.to for message in mail.outbox] == [[full_workshop[2].email]]


def test_an_email_that_cannot_be_queued_does_not_fail_the_registration(
    act, workshop, sessions, participant, monkeypatch, caplog
):
    from lms import tasks

    class Unavailable:
        def enqueue(self, *args, **kwargs):
            raise OSError("the task queue is unavailable")

    monkeypatch.setattr(tasks, "send_registration_email", Unavailable())

    registration = act(service.register, workshop=workshop, participant=participant)

    assert registration.status == Registration.Status.CONFIRMED
    assert mail.outbox == []
    assert "Could not queue the workshop email" in caplog.text
