"""The consistency checks of the load run (bench.load) on small hand-made datasets.

Each dataset is first made through the services, as the run makes it, and passes; then
one row is changed behind the services' back, and the check must say so.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from bench.load import (
    check_attempts,
    check_check_ins,
    check_h5p,
    check_import,
    check_registrations,
    check_seats,
)
from courses.models import H5PActivity, QuizPage
from lms.models import Attendance, H5PStatement, QuizAttempt, Registration, Session, Workshop
from lms.services import attendance, workshops
from lms.services.h5p import activity_iri, record_statement
from lms.services.learning import enrol, start_attempt, submit_attempt
from tests.lms.factories import ParticipantFactory


@pytest.fixture
def people(db):
    return [ParticipantFactory(full_name=f"Persona {n}") for n in range(3)]


@pytest.fixture
def workshop(db):
    workshop = Workshop.objects.create(
        title="Movilidad humana en el PDOT", slug="carga", status="published", capacity=1
    )
    now = timezone.now()
    Session.objects.create(
        workshop=workshop, starts_at=now - timedelta(minutes=5), ends_at=now + timedelta(hours=1)
    )
    return workshop


@pytest.fixture
def registered(workshop, people):
    """Two people registered for one seat: the first confirmed, the second waitlisted."""
    return [workshops.register(workshop=workshop, participant=p) for p in people[:2]]


def test_seats_within_capacity_pass(workshop, registered):
    check = check_seats([workshop.pk])

    assert check.ok
    assert check.checked == 1


def test_an_oversold_seat_is_detected(workshop, registered):
    Registration.objects.filter(pk=registered[1].pk).update(status="confirmed")

    check = check_seats([workshop.pk])

    assert not check.ok
    assert "2 confirmed for 1 seats" in check.failures[0]


def test_registrations_match_those_who_registered(workshop, registered, people):
    assert check_registrations(workshop.pk, [people[0].pk, people[1].pk]).ok


def test_a_lost_registration_is_detected(workshop, registered, people):
    check = check_registrations(workshop.pk, [p.pk for p in people])

    assert not check.ok
    assert f"missing [{people[2].pk}]" in check.failures[0]


def test_a_seat_given_after_the_waitlist_started_is_detected(workshop, registered, people):
    # The waitlisted person registered first, and the confirmed one after them.
    Registration.objects.filter(pk=registered[1].pk).update(
        registered_at=registered[0].registered_at - timedelta(seconds=1)
    )

    check = check_registrations(workshop.pk, [people[0].pk, people[1].pk])

    assert check.failures == ["someone was waitlisted before a later registrant got a seat"]


@pytest.fixture
def quiz(course):
    return QuizPage.objects.child_of(course).get()


@pytest.fixture
def submitted(course, quiz, people):
    """One submitted attempt for the first person, as the run's ledger records it."""
    enrolment = enrol(participant=people[0], course=course)
    attempt = submit_attempt(attempt=start_attempt(enrolment=enrolment, quiz=quiz), answers={})
    return {people[0].pk: {attempt.pk}}, attempt


def test_one_attempt_per_successful_submit_passes(quiz, submitted):
    ledger, _attempt = submitted

    assert check_attempts(quiz.pk, ledger).ok


def test_a_duplicated_attempt_is_detected(quiz, submitted):
    ledger, attempt = submitted
    duplicate = QuizAttempt.objects.get(pk=attempt.pk)
    duplicate.pk, duplicate.number = None, 2
    duplicate.save()

    check = check_attempts(quiz.pk, ledger)

    assert not check.ok
    assert f"more than submitted: [{duplicate.pk}]" in check.failures[0]


def test_a_lost_attempt_is_detected(quiz, submitted):
    ledger, attempt = submitted
    QuizAttempt.objects.filter(pk=attempt.pk).delete()

    check = check_attempts(quiz.pk, ledger)

    assert f"(lost [{attempt.pk}])" in check.failures[0]


def test_a_gap_in_attempt_numbers_is_detected(quiz, submitted, people):
    ledger, attempt = submitted
    QuizAttempt.objects.filter(pk=attempt.pk).update(number=2)

    check = check_attempts(quiz.pk, ledger)

    assert check.failures == [f"participant {people[0].pk}: attempt numbers [2]"]


@pytest.fixture
def session(workshop):
    return workshop.sessions.get()


def test_a_recorded_check_in_passes(session, registered, people):
    code = attendance.check_in_code(session)
    attendance.check_in(session, people[0], code)

    assert check_check_ins(session.pk, [people[0].pk]).ok


def test_a_missing_check_in_is_detected(session, registered, people):
    code = attendance.check_in_code(session)
    attendance.check_in(session, people[0], code)
    Attendance.objects.filter(session=session, participant=people[0]).delete()

    check = check_check_ins(session.pk, [people[0].pk])

    assert check.failures == [f"1 check-ins without attendance: participants [{people[0].pk}]"]


def test_a_check_in_turned_absent_is_detected(session, registered, people):
    code = attendance.check_in_code(session)
    attendance.check_in(session, people[0], code)
    Attendance.objects.filter(session=session).update(status="absent")

    assert not check_check_ins(session.pk, [people[0].pk]).ok


def test_a_report_applied_once_with_everyone_passes(session, registered, people):
    attendance.mark_all_present(session, by=None)
    session.imports.create(sha256="0" * 64, filename="reporte.csv", layout="zoom")

    assert check_import(session.pk, [people[0].pk], applied=1).ok
    assert not check_import(session.pk, [people[0].pk], applied=2).ok
    assert not check_import(session.pk, [people[2].pk], applied=1).ok


@pytest.fixture
def activity(db):
    return H5PActivity.objects.create(
        title="¿Qué tipo de movilidad es?", key="clave", main_library="Aula.Question 1.0"
    )


def answered(activity) -> dict:
    return {
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"},
        "object": {"id": activity_iri(activity.pk)},
        "result": {"score": {"min": 0, "raw": 1, "max": 1, "scaled": 1}},
    }


def test_statements_stored_once_pass(activity, people):
    record_statement(
        participant_id=people[0].pk, activity=activity, lesson_id=None, statement=answered(activity)
    )

    check = check_h5p(activity.pk, {people[0].pk: 1})

    assert check.ok
    assert check.checked == 1


def test_a_statement_stored_twice_is_detected(activity, people):
    record_statement(
        participant_id=people[0].pk, activity=activity, lesson_id=None, statement=answered(activity)
    )
    row = H5PStatement.objects.get()
    row.pk = None
    row.save()

    check = check_h5p(activity.pk, {people[0].pk: 1})

    assert check.failures == [f"participant {people[0].pk}: 2 statements stored, 1 accepted"]
