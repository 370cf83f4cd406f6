"""Reminders a day and an hour before each session: when they are queued, and sent once."""

from datetime import datetime, timedelta

import icalendar
import pytest
from django.core import mail
from django_tasks import task_backends

from lms.models import Registration, ReminderRecord, Session, Workshop
from lms.services import workshop_mail
from lms.services import workshops as service
from lms.services.sessions import cancel_session, update_session
from lms.tasks import schedule_reminders, send_reminder
from tests.lms.factories import ParticipantFactory
from tests.workshops.conftest import FIRST_START, MEETING_LINK, at

pytestmark = pytest.mark.django_db

DAY = ReminderRecord.Kind.DAY.value
HOUR = ReminderRecord.Kind.HOUR.value


@pytest.fixture
def queue(settings):
    """A backend that keeps tasks instead of running them, and can hold them until later."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    return task_backends["default"]


def queued(queue, name: str) -> list[tuple]:
    return [
        (result.task.run_after, *result.args, *result.kwargs.values())
        for result in queue.results
        if result.task.name == name
    ]


# Queuing.


def test_a_new_session_queues_its_two_reminders(
    queue, workshop, set_now, django_capture_on_commit_callbacks
):
    set_now(at(3, 1, 9))
    with django_capture_on_commit_callbacks(execute=True):
        session = Session.objects.create(
            workshop=workshop, starts_at=FIRST_START, ends_at=FIRST_START + timedelta(hours=2)
        )

    assert queued(queue, "send_reminder") == [
        (at(3, 11, 9), session.pk, DAY),
        (at(3, 12, 8), session.pk, HOUR),
    ]


def test_reminder_times_already_past_are_skipped(
    queue, workshop, set_now, django_capture_on_commit_callbacks
):
    set_now(FIRST_START - timedelta(hours=3))
    with django_capture_on_commit_callbacks(execute=True):
        session = Session.objects.create(
            workshop=workshop, starts_at=FIRST_START, ends_at=FIRST_START + timedelta(hours=2)
        )

    assert queued(queue, "send_reminder") == [(at(3, 12, 8), session.pk, HOUR)]


def test_a_confirmed_registration_queues_that_persons_reminders(
    queue, workshop, sessions, participant, set_now, django_capture_on_commit_callbacks
):
    set_now(at(3, 12, 8, 30))  # the first session's reminders are past, the second's to come
    with django_capture_on_commit_callbacks(execute=True):
        registration = service.register(workshop=workshop, participant=participant)

    assert queued(queue, "send_registration_email") == [
        (None, registration.pk, workshop_mail.CONFIRMED)
    ]
    second = sessions[1].pk
    assert queued(queue, "send_reminder") == [
        (at(3, 18, 9), second, DAY, participant.pk),
        (at(3, 19, 8), second, HOUR, participant.pk),
    ]


def test_the_waitlist_queues_no_reminders(
    queue, workshop, sessions, set_now, django_capture_on_commit_callbacks
):
    set_now(at(3, 1, 9))
    for _ in range(2):
        service.register(workshop=workshop, participant=ParticipantFactory())
    with django_capture_on_commit_callbacks(execute=True):
        waiting = service.register(workshop=workshop, participant=ParticipantFactory())

    assert waiting.status == Registration.Status.WAITLISTED
    assert queued(queue, "send_reminder") == []
    assert queued(queue, "send_registration_email") == [
        (None, waiting.pk, workshop_mail.WAITLISTED)
    ]


def test_a_moved_session_queues_new_reminders_and_forgets_those_sent(
    queue, sessions, participant, set_now, django_capture_on_commit_callbacks
):
    set_now(at(3, 11, 10))
    session = sessions[0]
    ReminderRecord.objects.create(session=session, participant=participant, kind=DAY)
    new_start = at(3, 14, 15)

    with django_capture_on_commit_callbacks(execute=True):
        update_session(session, starts_at=new_start, ends_at=new_start + timedelta(hours=2))

    assert not ReminderRecord.objects.filter(session=session).exists()
    assert queued(queue, "send_reminder") == [
        (at(3, 13, 15), session.pk, DAY),
        (at(3, 14, 14), session.pk, HOUR),
    ]
    [(_, notice_session, kind, sequence, was)] = queued(queue, "send_session_notice")
    assert (notice_session, kind, sequence) == (session.pk, workshop_mail.SESSION_CHANGED, 1)
    assert [datetime.fromisoformat(moment) for moment in was] == [
        FIRST_START,
        FIRST_START + timedelta(hours=2),
    ]


def test_saves_that_do_not_move_a_session_queue_nothing(
    queue, sessions, set_now, django_capture_on_commit_callbacks
):
    set_now(at(3, 1, 9))
    session = sessions[0]
    with django_capture_on_commit_callbacks(execute=True):
        session.check_in_code = "K7P2QX"
        session.save(update_fields=["check_in_code"])
        session.title = "Marco legal"
        session.save()
        cancel_session(session)

    assert queued(queue, "send_reminder") == []


def test_a_backend_that_cannot_wait_queues_nothing(sessions, set_now):
    set_now(at(3, 1, 9))

    assert schedule_reminders(sessions[0]) == []


# Sending.


@pytest.fixture
def registrants(workshop, sessions):
    """Two confirmed registrants and one on the waitlist (no emails sent: nothing committed)."""
    people = [ParticipantFactory() for _ in range(3)]
    for person in people:
        service.register(workshop=workshop, participant=person)
    return people


def addresses() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def test_a_due_reminder_goes_to_each_confirmed_registrant_once(sessions, registrants, set_now):
    set_now(FIRST_START - timedelta(hours=24))

    first = send_reminder.call(sessions[0].pk, DAY)
    again = send_reminder.call(sessions[0].pk, DAY)
    send_reminder.enqueue(sessions[0].pk, DAY)

    assert first == {"sent": 2, "failed": 0, "skipped": 0}
    assert again == {"sent": 0, "failed": 0, "skipped": 0}
    assert addresses() == sorted(person.email for person in registrants[:2])
    assert ReminderRecord.objects.filter(session=sessions[0], kind=DAY).count() == 2


def test_the_reminder_has_the_meeting_link_and_the_invite(sessions, registrants, set_now):
    set_now(FIRST_START - timedelta(minutes=59))

    send_reminder.call(sessions[0].pk, HOUR)

    message = mail.outbox[0]
    assert message.subject.startswith("Aula: ")
    assert "Movilidad humana en el PDOT" in message.subject and "09:00" in message.subject
    [(html, _)] = message.alternatives
    for body in (message.body, html):
        assert MEETING_LINK in body
        assert "Conceptos y marco legal" in body
        assert "12 de marzo de 2030" in body
    [attachment] = message.attachments
    assert attachment.mimetype == "text/calendar; method=REQUEST"
    [event] = icalendar.Calendar.from_ical(attachment.content).walk("VEVENT")
    assert event["UID"] == f"{sessions[0].uid}@aula"
    assert event["LOCATION"] == MEETING_LINK


def test_an_in_person_reminder_gives_the_place(workshop, sessions, registrants, set_now):
    workshop.mode = Workshop.Mode.IN_PERSON
    workshop.place = "Sala de sesiones del GAD de Pedernales"
    workshop.save()
    set_now(FIRST_START - timedelta(minutes=59))

    send_reminder.call(sessions[0].pk, HOUR)

    assert len(mail.outbox) == 2
    assert "Sala de sesiones del GAD de Pedernales" in mail.outbox[0].body
    assert MEETING_LINK not in mail.outbox[0].body


@pytest.mark.parametrize(
    ("kind", "before_start"),
    [
        pytest.param(DAY, timedelta(hours=24, minutes=1), id="24h, a minute early"),
        pytest.param(DAY, timedelta(minutes=59), id="24h, once the 1h reminder is due"),
        pytest.param(HOUR, timedelta(hours=1, minutes=1), id="1h, a minute early"),
        pytest.param(HOUR, timedelta(0), id="1h, at the start"),
        pytest.param(HOUR, -timedelta(minutes=30), id="1h, during the session"),
    ],
)
def test_a_reminder_outside_its_window_sends_nothing(
    sessions, registrants, set_now, kind, before_start
):
    set_now(FIRST_START - before_start)

    assert send_reminder.call(sessions[0].pk, kind)["sent"] == 0
    assert mail.outbox == []
    assert not ReminderRecord.objects.exists()


def test_a_cancelled_session_sends_no_reminder(sessions, registrants, set_now):
    cancel_session(sessions[0])  # its notice is not sent: nothing is committed
    set_now(FIRST_START - timedelta(hours=24))

    assert send_reminder.call(sessions[0].pk, DAY)["sent"] == 0
    assert mail.outbox == []


def test_a_moved_session_sends_nothing_until_its_new_time(sessions, registrants, set_now):
    session = sessions[0]
    set_now(at(3, 10, 9))
    later = FIRST_START + timedelta(days=2)
    update_session(session, starts_at=later, ends_at=later + timedelta(hours=2))

    # The reminder queued for the old time runs, and finds it is not due.
    set_now(FIRST_START - timedelta(hours=24))
    assert send_reminder.call(session.pk, DAY)["sent"] == 0
    # The one queued by the change, at the new time.
    set_now(later - timedelta(hours=24))
    assert send_reminder.call(session.pk, DAY)["sent"] == 2
    assert len(mail.outbox) == 2


def test_a_session_moved_after_its_reminder_is_reminded_again(sessions, registrants, set_now):
    session = sessions[0]
    set_now(FIRST_START - timedelta(hours=24))
    send_reminder.call(session.pk, DAY)
    later = FIRST_START + timedelta(weeks=3)
    update_session(session, starts_at=later, ends_at=later + timedelta(hours=2))

    set_now(later - timedelta(hours=23))

    assert send_reminder.call(session.pk, DAY)["sent"] == 2
    assert len(mail.outbox) == 4


@pytest.mark.parametrize("status", [Workshop.Status.DRAFT, Workshop.Status.CANCELLED])
def test_workshops_not_published_send_no_reminders(
    workshop, sessions, registrants, set_now, status
):
    workshop.status = status
    workshop.save()
    set_now(FIRST_START - timedelta(hours=24))

    assert send_reminder.call(sessions[0].pk, DAY)["sent"] == 0


def test_a_reminder_for_one_person(sessions, registrants, set_now):
    set_now(FIRST_START - timedelta(hours=2))

    result = send_reminder.call(sessions[0].pk, DAY, participant_id=registrants[1].pk)
    waiting = send_reminder.call(sessions[0].pk, DAY, participant_id=registrants[2].pk)

    assert result["sent"] == 1 and waiting["sent"] == 0
    assert addresses() == [registrants[1].email]


def test_a_reminder_claimed_by_another_worker_meanwhile_is_skipped(
    sessions, registrants, set_now, monkeypatch
):
    set_now(FIRST_START - timedelta(hours=24))
    send_reminder.call(sessions[0].pk, DAY)
    # As if another worker had read the registrants before these claims committed.
    monkeypatch.setattr(
        workshop_mail,
        "registrations_to_remind",
        lambda session, kind, participant_id=None: list(
            Registration.objects.confirmed().filter(workshop_id=session.workshop_id)
        ),
    )

    result = send_reminder.call(sessions[0].pk, DAY)

    assert result == {"sent": 0, "failed": 0, "skipped": 2}
    assert len(mail.outbox) == 2


def test_a_failed_send_releases_its_claim_for_a_later_run(
    sessions, registrants, set_now, monkeypatch
):
    from django.core.mail.backends.locmem import EmailBackend

    original = EmailBackend.send_messages
    broken = registrants[0].email

    def send_messages(self, messages):
        if any(broken in message.to for message in messages):
            raise OSError("mailbox unavailable")
        return original(self, messages)

    set_now(FIRST_START - timedelta(hours=24))
    monkeypatch.setattr(EmailBackend, "send_messages", send_messages)

    assert send_reminder.call(sessions[0].pk, DAY) == {"sent": 1, "failed": 1, "skipped": 0}
    assert not ReminderRecord.objects.filter(participant=registrants[0]).exists()

    monkeypatch.setattr(EmailBackend, "send_messages", original)
    assert send_reminder.call(sessions[0].pk, DAY)["sent"] == 1
    assert addresses() == sorted(person.email for person in registrants[:2])


def test_an_unknown_reminder_kind_is_refused(sessions):
    with pytest.raises(ValueError, match="Unknown reminder"):
        send_reminder.call(sessions[0].pk, "2h")
