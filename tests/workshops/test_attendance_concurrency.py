"""Attendance under real concurrency: a report applied twice at once, taps and check-ins together.

Only PostgreSQL shows these races (SQLite serialises every write), so the tests skip
elsewhere; CI runs them with DATABASE_URL pointing at PostgreSQL.
"""

import pytest
from django.db import connection

from lms.models import Attendance, AttendanceChange, AttendanceImport, Registration, Session
from lms.services import attendance as service
from tests.lms.test_quiz_concurrency import run_together
from tests.workshops.attendance_fixtures import *  # noqa: F403
from tests.workshops.attendance_fixtures import SESSION_START, register_person, report_bytes

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Concurrency tests need PostgreSQL (SQLite serialises writes): set DATABASE_URL.",
    ),
    # Serialized rollback brings back what migrations load (GADs, Wagtail's root page),
    # which flushing the database after a transactional test would wipe.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

THREADS = 4


def test_one_report_applied_twice_at_once_is_applied_once(
    report_session, report_people, ame_trainer
):
    session = report_session("zoom_legacy.csv")
    data = report_bytes("zoom_legacy.csv")

    def apply():
        # Each thread reads its own copy, as separate requests would.
        return service.apply_import(
            Session.objects.get(pk=session.pk), data, "zoom.csv", by=ame_trainer
        )

    results = run_together(apply, 2)

    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    assert sorted(result.already_applied for result in results) == [False, True]
    assert AttendanceImport.objects.filter(session=session).count() == 1
    rows = list(Attendance.objects.filter(session=session).values_list("participant", flat=True))
    assert len(rows) == len(set(rows)) == 4
    assert AttendanceChange.objects.filter(session=session).count() == 4


def test_two_reports_at_once_both_count(report_session, report_people, ame_trainer):
    session = report_session("zoom_legacy.csv")
    files = [report_bytes("zoom_legacy.csv"), report_bytes("zoom_legacy_unique.csv")]

    def apply_one(index):
        return lambda: service.apply_import(
            Session.objects.get(pk=session.pk), files[index], f"r{index}.csv", by=ame_trainer
        )

    callables = [apply_one(0), apply_one(1)]
    results = run_together(lambda: callables.pop()(), 2)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert AttendanceImport.objects.filter(session=session).count() == 2
    statuses = dict(
        Attendance.objects.filter(session=session).values_list("participant__full_name", "status")
    )
    # The better of both reports for each person, whichever was applied first.
    assert statuses == {
        "María José Andrade": "present",
        "Luis Ángel Guamán": "absent",
        "Verónica Chávez Ñauta": "absent",
        "Jorge Cevallos": "present",
    }


def test_taps_check_ins_and_all_present_at_once_keep_one_row_each(pdot_workshop, ame_trainer):
    session = Session.objects.create(
        workshop=pdot_workshop,
        starts_at=SESSION_START,
        ends_at=SESSION_START.replace(hour=11),
    )
    people = [register_person(pdot_workshop, f"Persona {n}", account=True) for n in range(THREADS)]
    code = service.check_in_code(session)

    def everyone_at_once():
        mine = Session.objects.select_related("workshop").get(pk=session.pk)
        service.mark_all_present(mine, by=ame_trainer)
        for person in people:
            service.set_attendance(mine, person, status="late", source="roster", by=ame_trainer)
            service.check_in(mine, person, code, now=SESSION_START)
        return True

    results = run_together(everyone_at_once, THREADS)

    assert results == [True] * THREADS, results
    rows = list(Attendance.objects.filter(session=session).values_list("participant", flat=True))
    assert sorted(rows) == sorted(person.pk for person in people)
    # Each person's log starts with their first status and never misses a step.
    for person in people:
        log = list(
            AttendanceChange.objects.filter(session=session, participant=person)
            .order_by("pk")
            .values_list("previous_status", "status")
        )
        assert log[0][0] == ""
        assert all(before == after[0] for (_, before), after in zip(log, log[1:], strict=False))
    assert Registration.objects.filter(workshop=pdot_workshop).count() == THREADS
