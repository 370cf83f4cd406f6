"""Attendance services: the roster's statuses, all present, walk-ins, check-in codes, overview."""

from datetime import timedelta

import pytest
from django.core.cache import cache

from lms.models import Attendance, AttendanceChange, Participant, Registration, User
from lms.services import attendance as service
from lms.services.errors import DuplicateParticipantError
from lms.services.workshops import registration_confirmed, registration_waitlisted
from tests.factories import UserFactory
from tests.lms.factories import ParticipantFactory, gad
from tests.workshops.attendance_fixtures import *  # noqa: F403
from tests.workshops.attendance_fixtures import (
    SESSION_START,
    add_session,
    make_workshop,
    register_person,
)

Status = Attendance.Status
Source = Attendance.Source


def changes(session, participant):
    return list(
        AttendanceChange.objects.filter(session=session, participant=participant)
        .order_by("pk")
        .values_list("previous_status", "status", "source", "changed_by_id")
    )


# Statuses from the roster


@pytest.mark.parametrize("status", Status.values)
def test_every_status_is_recorded_with_who_and_how(session, rosa, ame_trainer, status):
    attendance = service.set_attendance(
        session, rosa, status=status, source=Source.ROSTER, by=ame_trainer
    )

    attendance.refresh_from_db()
    assert (attendance.status, attendance.source, attendance.recorded_by) == (
        status,
        Source.ROSTER,
        ame_trainer,
    )
    assert changes(session, rosa) == [("", status, Source.ROSTER, ame_trainer.pk)]


def test_each_change_is_logged_with_the_previous_status(session, rosa, ame_trainer, manager):
    service.set_attendance(session, rosa, status=Status.ABSENT, source=Source.ROSTER, by=manager)
    service.set_attendance(session, rosa, status=Status.LATE, source=Source.ROSTER, by=ame_trainer)
    service.set_attendance(
        session, rosa, status=Status.EXCUSED, source=Source.ROSTER, by=ame_trainer
    )

    assert Attendance.objects.get(session=session, participant=rosa).status == Status.EXCUSED
    assert changes(session, rosa) == [
        ("", Status.ABSENT, Source.ROSTER, manager.pk),
        (Status.ABSENT, Status.LATE, Source.ROSTER, ame_trainer.pk),
        (Status.LATE, Status.EXCUSED, Source.ROSTER, ame_trainer.pk),
    ]
    assert Attendance.objects.count() == 1


def test_tapping_the_same_status_again_changes_and_logs_nothing(session, rosa, ame_trainer):
    for _ in range(3):
        service.set_attendance(
            session, rosa, status=Status.PRESENT, source=Source.ROSTER, by=ame_trainer
        )

    assert len(changes(session, rosa)) == 1


def test_a_note_and_minutes_are_kept_until_changed(session, rosa, ame_trainer):
    service.set_attendance(
        session,
        rosa,
        status=Status.EXCUSED,
        source=Source.ROSTER,
        by=ame_trainer,
        minutes=20,
        note="  Cita médica  ",
    )
    service.set_attendance(session, rosa, status=Status.LATE, source=Source.ROSTER, by=ame_trainer)

    attendance = Attendance.objects.get(session=session, participant=rosa)
    assert (attendance.status, attendance.minutes, attendance.note) == (
        Status.LATE,
        20,
        "Cita médica",
    )

    service.set_attendance(
        session, rosa, status=Status.LATE, source=Source.ROSTER, by=ame_trainer, note=""
    )
    attendance.refresh_from_db()
    assert attendance.note == ""
    assert len(changes(session, rosa)) == 3


def test_unknown_status_or_source_is_refused(session, rosa, ame_trainer):
    with pytest.raises(ValueError):
        service.set_attendance(session, rosa, status="here", source=Source.ROSTER, by=ame_trainer)
    with pytest.raises(ValueError):
        service.set_attendance(session, rosa, status=Status.PRESENT, source="sms", by=ame_trainer)
    assert not Attendance.objects.exists()


# All present


def test_all_present_marks_only_confirmed_registrants_without_a_status(
    pdot_workshop, session, rosa, ame_trainer
):
    excused = register_person(pdot_workshop, "Jorge Cevallos")
    unmarked = register_person(pdot_workshop, "Ana Pérez")
    waiting = register_person(pdot_workshop, "Nelly Sarango", status=Registration.Status.WAITLISTED)
    gone = register_person(pdot_workshop, "Paúl Tenesaca", status=Registration.Status.CANCELLED)
    service.set_attendance(
        session, excused, status=Status.EXCUSED, source=Source.ROSTER, by=ame_trainer
    )

    assert service.mark_all_present(session, by=ame_trainer) == 2

    statuses = dict(
        Attendance.objects.filter(session=session).values_list("participant_id", "status")
    )
    assert statuses == {
        rosa.pk: Status.PRESENT,
        unmarked.pk: Status.PRESENT,
        excused.pk: Status.EXCUSED,
    }
    assert waiting.pk not in statuses and gone.pk not in statuses
    assert changes(session, unmarked) == [("", Status.PRESENT, Source.ROSTER, ame_trainer.pk)]
    assert service.mark_all_present(session, by=ame_trainer) == 0
    assert AttendanceChange.objects.filter(session=session).count() == 3


# Walk-ins


def test_walk_in_of_an_existing_participant_registers_and_marks_them(
    pdot_workshop, session, ame_trainer
):
    person = ParticipantFactory(full_name="Dayana Quishpe")

    attendance = service.add_walk_in(session, by=ame_trainer, participant=person)

    registration = Registration.objects.get(workshop=pdot_workshop, participant=person)
    assert registration.status == Registration.Status.CONFIRMED
    assert registration.added_by == ame_trainer
    assert (attendance.status, attendance.source) == (Status.PRESENT, Source.ROSTER)
    assert changes(session, person) == [("", Status.PRESENT, Source.ROSTER, ame_trainer.pk)]


def test_walk_in_without_an_account_creates_the_person(pdot_workshop, session, ame_trainer):
    pedernales = gad()

    attendance = service.add_walk_in(
        session,
        by=ame_trainer,
        full_name=" Wilmer Ñacato ",
        email="WNacato@Pedernales.gob.ec",
        gad=pedernales,
    )

    person = attendance.participant
    assert (person.full_name, person.email, person.gad, person.user, person.added_by) == (
        "Wilmer Ñacato",
        "wnacato@pedernales.gob.ec",
        pedernales,
        None,
        ame_trainer,
    )
    assert Registration.objects.get(participant=person).status == Registration.Status.CONFIRMED


def test_walk_in_without_email_is_fine(session, ame_trainer):
    attendance = service.add_walk_in(
        session, by=ame_trainer, full_name="Luis Guamán", gad=gad(), status=Status.LATE
    )

    assert attendance.participant.email == ""
    assert attendance.status == Status.LATE


def test_walk_in_with_an_email_already_taken_creates_nothing(session, rosa, ame_trainer):
    with pytest.raises(DuplicateParticipantError):
        service.add_walk_in(
            session, by=ame_trainer, full_name="Otra Rosa", email=rosa.email, gad=gad()
        )

    assert Participant.objects.count() == 1
    assert not Attendance.objects.exists()


def test_walk_in_needs_a_name_and_a_gad(session, ame_trainer):
    with pytest.raises(ValueError):
        service.add_walk_in(session, by=ame_trainer, full_name="  ", gad=gad())
    with pytest.raises(ValueError):
        service.add_walk_in(session, by=ame_trainer, full_name="Sin GAD")


def test_walk_in_to_a_full_workshop_takes_a_seat_over_the_cap(
    django_capture_on_commit_callbacks, ame_trainer
):
    workshop = make_workshop(trainers=[ame_trainer], slug="lleno", capacity=1)
    session = add_session(workshop, SESSION_START)
    register_person(workshop, "Con cupo")
    waiting = register_person(workshop, "En espera", status=Registration.Status.WAITLISTED)
    newcomer = ParticipantFactory(full_name="Recién llegada")
    sent = []

    def listen(signal_name):
        def receiver(sender, registration, **kwargs):
            sent.append((signal_name, registration.participant_id))

        return receiver

    confirmed_receiver = listen("confirmed")
    waitlisted_receiver = listen("waitlisted")
    registration_confirmed.connect(confirmed_receiver)
    registration_waitlisted.connect(waitlisted_receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            service.add_walk_in(session, by=ame_trainer, participant=newcomer)
            service.add_walk_in(session, by=ame_trainer, participant=waiting)
    finally:
        registration_confirmed.disconnect(confirmed_receiver)
        registration_waitlisted.disconnect(waitlisted_receiver)

    assert set(
        Registration.objects.filter(workshop=workshop).values_list("participant_id", "status")
    ) >= {(newcomer.pk, "confirmed"), (waiting.pk, "confirmed")}
    assert sent == [("confirmed", newcomer.pk), ("confirmed", waiting.pk)]


def test_walk_in_already_marked_keeps_a_single_row(session, rosa, ame_trainer):
    service.add_walk_in(session, by=ame_trainer, participant=rosa)
    service.add_walk_in(session, by=ame_trainer, participant=rosa)

    assert Attendance.objects.filter(session=session, participant=rosa).count() == 1
    assert len(changes(session, rosa)) == 1


# Check-in codes


def test_the_code_is_six_digits_made_once_and_kept(session):
    code = service.check_in_code(session)

    assert len(code) == 6 and code.isdigit()
    session.refresh_from_db()
    assert session.check_in_code == code
    assert service.check_in_code(session) == code


def test_rotating_gives_a_new_code_and_the_old_one_stops_working(session, rosa):
    old = service.check_in_code(session)
    new = service.rotate_check_in_code(session)

    assert new != old and len(new) == 6
    session.refresh_from_db()
    assert session.check_in_code == new
    with pytest.raises(service.WrongCodeError):
        service.check_in(session, rosa, old, now=SESSION_START)
    assert service.check_in(session, rosa, new, now=SESSION_START).status == Status.PRESENT


def test_check_in_with_the_right_code_is_present(session, rosa):
    code = service.check_in_code(session)

    attendance = service.check_in(session, rosa, f" {code[:3]} {code[3:]} ", now=SESSION_START)

    attendance.refresh_from_db()
    assert (attendance.status, attendance.source, attendance.recorded_by) == (
        Status.PRESENT,
        Source.CHECK_IN,
        rosa.user,
    )
    assert changes(session, rosa) == [("", Status.PRESENT, Source.CHECK_IN, rosa.user.pk)]


def test_check_in_is_accepted_from_half_an_hour_before_the_start(session, rosa):
    code = service.check_in_code(session)

    attendance = service.check_in(session, rosa, code, now=SESSION_START - timedelta(minutes=30))

    assert attendance.status == Status.PRESENT


def test_check_in_up_to_the_late_limit_is_present_and_after_it_late(pdot_workshop, session, rosa):
    other = register_person(pdot_workshop, "Jorge Cevallos", account=True)
    code = service.check_in_code(session)

    on_time = service.check_in(session, rosa, code, now=SESSION_START + timedelta(minutes=15))
    late = service.check_in(
        session, other, code, now=SESSION_START + timedelta(minutes=15, seconds=1)
    )

    assert (on_time.status, late.status) == (Status.PRESENT, Status.LATE)


def test_check_in_with_a_wrong_code_records_nothing(session, rosa):
    code = service.check_in_code(session)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    with pytest.raises(service.WrongCodeError) as caught:
        service.check_in(session, rosa, wrong, now=SESSION_START)

    assert caught.value.code == "wrong_code" and caught.value.message
    assert not Attendance.objects.exists()
    with pytest.raises(service.WrongCodeError):
        service.check_in(session, rosa, "", now=SESSION_START)


def test_a_session_without_a_code_accepts_none(session, rosa):
    with pytest.raises(service.WrongCodeError):
        service.check_in(session, rosa, "000000", now=SESSION_START)


def test_the_code_expires_when_the_session_ends(session, rosa):
    code = service.check_in_code(session)

    with pytest.raises(service.CheckInClosedError) as caught:
        service.check_in(session, rosa, code, now=session.ends_at + timedelta(seconds=1))

    assert caught.value.code == "check_in_closed" and caught.value.message
    assert service.check_in(session, rosa, code, now=session.ends_at).status == Status.LATE


def test_check_in_is_not_open_long_before_the_start(session, rosa):
    code = service.check_in_code(session)
    early = SESSION_START - timedelta(minutes=31)

    with pytest.raises(service.CheckInNotOpenError) as caught:
        service.check_in(session, rosa, code, now=early)

    assert caught.value.details["opens_at"] == SESSION_START - service.CHECK_IN_OPENS_BEFORE
    assert not Attendance.objects.exists()


def test_a_cancelled_session_takes_no_check_in(session, rosa):
    code = service.check_in_code(session)
    session.cancelled = True
    session.save()

    with pytest.raises(service.CheckInClosedError):
        service.check_in(session, rosa, code, now=SESSION_START)


def test_guessing_is_limited_per_person_and_session_not_per_address(pdot_workshop, session, rosa):
    code = service.check_in_code(session)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(service.CHECK_IN_ATTEMPTS):
        with pytest.raises(service.WrongCodeError):
            service.check_in(session, rosa, wrong, now=SESSION_START)

    # Locked out, even with the right code: the limit is checked before the code.
    with pytest.raises(service.TooManyAttemptsError) as caught:
        service.check_in(session, rosa, code, now=SESSION_START)
    assert caught.value.code == "too_many_attempts" and caught.value.message
    assert not Attendance.objects.filter(participant=rosa).exists()

    # A colleague in the same office (same address, whatever it is) is not affected,
    colleague = register_person(pdot_workshop, "Colega de oficina", account=True)
    assert service.check_in(session, colleague, code, now=SESSION_START).status == Status.PRESENT
    # nor is the same person in another session.
    other = add_session(pdot_workshop, SESSION_START + timedelta(days=7))
    other_code = service.check_in_code(other)
    later = other.starts_at
    assert service.check_in(other, rosa, other_code, now=later).status == Status.PRESENT

    # Once the window passes, the person may try again.
    cache.clear()
    assert service.check_in(session, rosa, code, now=SESSION_START).status == Status.PRESENT


@pytest.mark.parametrize(
    "registration_status",
    [None, Registration.Status.WAITLISTED, Registration.Status.CANCELLED],
)
def test_only_confirmed_registrants_check_in(pdot_workshop, session, registration_status):
    if registration_status is None:
        person = ParticipantFactory(full_name="Sin inscripción")
    else:
        person = register_person(
            pdot_workshop, "No confirmada", account=True, status=registration_status
        )
    code = service.check_in_code(session)

    with pytest.raises(service.NotRegisteredError) as caught:
        service.check_in(session, person, code, now=SESSION_START)

    assert caught.value.code == "not_registered" and caught.value.message
    assert not Attendance.objects.exists()


def test_checking_in_twice_changes_nothing(session, rosa):
    code = service.check_in_code(session)
    service.check_in(session, rosa, code, now=SESSION_START)
    service.check_in(session, rosa, code, now=SESSION_START + timedelta(minutes=40))

    assert Attendance.objects.get(participant=rosa).status == Status.PRESENT
    assert len(changes(session, rosa)) == 1


def test_check_in_improves_absent_but_keeps_excused(pdot_workshop, session, rosa, ame_trainer):
    excused = register_person(pdot_workshop, "Jorge Cevallos", account=True)
    service.set_attendance(
        session, rosa, status=Status.ABSENT, source=Source.ROSTER, by=ame_trainer
    )
    service.set_attendance(
        session, excused, status=Status.EXCUSED, source=Source.ROSTER, by=ame_trainer
    )
    code = service.check_in_code(session)

    assert service.check_in(session, rosa, code, now=SESSION_START).status == Status.PRESENT
    assert service.check_in(session, excused, code, now=SESSION_START).status == Status.EXCUSED
    assert changes(session, rosa)[-1] == (
        Status.ABSENT,
        Status.PRESENT,
        Source.CHECK_IN,
        rosa.user.pk,
    )


def test_the_session_open_for_check_in(pdot_workshop, session):
    later = add_session(pdot_workshop, SESSION_START + timedelta(days=7))

    assert service.open_for_check_in(pdot_workshop, now=SESSION_START - timedelta(hours=1)) is None
    assert service.open_for_check_in(pdot_workshop, now=SESSION_START) == session
    assert service.open_for_check_in(pdot_workshop, now=later.starts_at) == later


def test_merged_status_only_improves_and_keeps_excused():
    assert service.merged_status(None, Status.ABSENT) == Status.ABSENT
    assert service.merged_status(Status.ABSENT, Status.LATE) == Status.LATE
    assert service.merged_status(Status.LATE, Status.PRESENT) == Status.PRESENT
    assert service.merged_status(Status.PRESENT, Status.ABSENT) == Status.PRESENT
    assert service.merged_status(Status.PRESENT, Status.LATE) == Status.PRESENT
    assert service.merged_status(Status.EXCUSED, Status.PRESENT) == Status.EXCUSED


# The workshop's overview


def test_overview_counts_attended_sessions_against_the_threshold(
    pdot_workshop, session, rosa, ame_trainer
):
    second = add_session(pdot_workshop, SESSION_START + timedelta(days=7))
    third = add_session(pdot_workshop, SESSION_START + timedelta(days=14))
    add_session(pdot_workshop, SESSION_START + timedelta(days=21), cancelled=True)
    jorge = register_person(pdot_workshop, "Jorge Cevallos")
    walk_in = service.add_walk_in(
        third, by=ame_trainer, full_name="Wilmer Ñacato", gad=gad()
    ).participant
    Registration.objects.filter(participant=walk_in).update(status=Registration.Status.CANCELLED)
    for target, status in ((session, Status.PRESENT), (second, Status.LATE)):
        service.set_attendance(
            session=target, participant=rosa, status=status, source=Source.ROSTER, by=ame_trainer
        )
    for target, status in (
        (session, Status.PRESENT),
        (second, Status.EXCUSED),
        (third, Status.ABSENT),
    ):
        service.set_attendance(
            session=target, participant=jorge, status=status, source=Source.ROSTER, by=ame_trainer
        )

    overview = service.workshop_overview(pdot_workshop)

    assert (overview.held, overview.required) == (3, 3)  # 75 % of 3 sessions, rounded up
    rows = {row.participant.full_name: row for row in overview.rows}
    assert list(rows) == ["Jorge Cevallos", "Rosa Mero", "Wilmer Ñacato"]
    assert rows["Rosa Mero"].statuses == [Status.PRESENT, Status.LATE, None, None]
    assert (rows["Rosa Mero"].attended, rows["Rosa Mero"].reached) == (2, False)
    assert (rows["Jorge Cevallos"].attended, rows["Jorge Cevallos"].reached) == (1, False)
    assert rows["Wilmer Ñacato"].statuses[2] == Status.PRESENT

    service.set_attendance(third, rosa, status=Status.PRESENT, source=Source.ROSTER, by=ame_trainer)
    rows = {row.participant.full_name: row for row in service.workshop_overview(pdot_workshop).rows}
    assert (rows["Rosa Mero"].attended, rows["Rosa Mero"].reached) == (3, True)


# Who may take attendance


def test_who_may_take_attendance(
    pdot_workshop, ame_trainer, other_trainer, manager, superuser, rosa
):
    from lms import roles

    no_longer_staff = UserFactory(email="ex@ame.gob.ec")
    pdot_workshop.trainers.add(no_longer_staff)
    pdot_workshop.save()
    editor = UserFactory(email="editora@ame.gob.ec", groups=[roles.EDITOR])

    assert service.may_take_attendance(ame_trainer, pdot_workshop)
    assert service.may_take_attendance(manager, pdot_workshop)
    assert service.may_take_attendance(superuser, pdot_workshop)
    assert not service.may_take_attendance(other_trainer, pdot_workshop)
    assert not service.may_take_attendance(editor, pdot_workshop)
    assert not service.may_take_attendance(rosa.user, pdot_workshop)
    assert not service.may_take_attendance(no_longer_staff, pdot_workshop)
    ame_trainer.is_active = False
    assert not service.may_take_attendance(ame_trainer, pdot_workshop)
    assert isinstance(superuser, User)
