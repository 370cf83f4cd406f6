"""Importing video-call reports: preview, apply, idempotence, merging, aliases, bad files."""

import pytest

from lms.attendance_reports import AMBIGUOUS, BY_ALIAS, MATCHED, UNMATCHED, ReportError
from lms.models import (
    Attendance,
    AttendanceChange,
    AttendanceImport,
    Registration,
    ReportAlias,
)
from lms.services import attendance as service
from tests.lms.factories import ParticipantFactory
from tests.workshops.attendance_fixtures import *  # noqa: F403
from tests.workshops.attendance_fixtures import (
    REPORT_FILES,
    SESSION_START,
    add_session,
    register_person,
    report_bytes,
    zoom_csv,
)

P, L, A = "present", "late", "absent"
Status = Attendance.Status

# What each report records for the registered officials it names: (status, minutes).
# The trainer's own account ("Capacitación AME") and guests nobody registered stay out.
EXPECTED = {
    "zoom_legacy.csv": {
        "María José Andrade": (P, 114),
        "Luis Ángel Guamán": (A, 45),
        "Verónica Chávez Ñauta": (A, 88),  # 73 % of the session: under the threshold
        "Jorge Cevallos": (P, 120),
    },
    "zoom_legacy_unique.csv": {
        "María José Andrade": (P, 120),
        "Luis Ángel Guamán": (A, 55),
        "Verónica Chávez Ñauta": (A, 88),
    },
    "zoom_excel_semicolon.csv": {
        "María José Andrade": (A, 74),
        "Verónica Chávez Ñauta": (A, 88),
    },
    "zoom_2024.csv": {"Ana Pérez": (P, 119), "Dayana Quishpe Tituaña": (A, 80)},
    "teams_2020.txt": {
        "María José Andrade": (P, 100),
        "Luis Ángel Guamán": (A, 70),
        "Verónica Chávez Ñauta": (A, 20),
        "Dayana Quishpe Tituaña": (A, 45),
    },
    "teams_2021.txt": {
        "María José Andrade": (P, 112),
        "Luis Ángel Guamán": (A, 50),
        # Exactly 75 % of the session, joined exactly 15 minutes after the start: present.
        "Paúl Tenesaca": (P, 90),
    },
    "teams_2022_en.txt": {
        "María José Andrade": (P, 98),
        "Luis Ángel Guamán": (A, 50),
        "Rosa Elena Yupanqui": (A, 45),
    },
    "teams_2022_es.txt": {"María José Andrade": (A, 85), "Luis Ángel Guamán": (A, 45)},
    "google_meet.csv": {
        "María José Andrade": (A, 65),
        "Luis Ángel Guamán": (A, 45),
        "Nelly Sarango Medina": (P, 110),
    },
}
UNMATCHED_NAMES = {"zoom_2024.csv": {"Capacitación AME", "Wilmer Ñacato"}}

# A Zoom report for the 09:00-11:00 session of 12 March 2030 (SESSION_START).
LATE_REPORT = zoom_csv(
    "Rosa Mero,rmero@pedernales.gob.ec,03/12/2030 09:20:00 AM,03/12/2030 11:00:00 AM,100,No",
    "Jorge Cevallos,jcevallos@gadmanta.gob.ec,03/12/2030 08:58:00 AM,03/12/2030 11:00:00 AM,122,No",
    "Ana Pérez,aperez@gadesmeraldas.gob.ec,03/12/2030 09:00:00 AM,03/12/2030 09:30:00 AM,30,No",
)


def recorded(session) -> dict[str, tuple[str, int | None]]:
    return {
        row.participant.full_name: (row.status, row.minutes)
        for row in Attendance.objects.filter(session=session).select_related("participant")
    }


def apply(session, data, by, name="report.csv", **kwargs):
    return service.apply_import(session, data, name, by=by, **kwargs)


@pytest.mark.parametrize("name", REPORT_FILES)
def test_every_layout_previews_then_applies(name, report_session, report_people, ame_trainer):
    session = report_session(name)
    data = report_bytes(name)

    preview = service.preview_import(session, data, name)

    assert not preview.already_applied
    assert not preview.warnings
    matched = {row.participant.full_name: (row.proposed, row.minutes) for row in preview.matched}
    assert matched == EXPECTED[name]
    assert {row.name for row in preview.unmatched} == UNMATCHED_NAMES.get(
        name, {"Capacitación AME"}
    )
    assert not preview.ambiguous
    assert not Attendance.objects.exists()  # a preview writes nothing

    result = apply(session, data, ame_trainer, name=name)

    assert recorded(session) == EXPECTED[name]
    assert (result.created, result.improved, result.ignored) == (
        len(EXPECTED[name]),
        0,
        len(preview.unmatched),
    )
    record = AttendanceImport.objects.get(session=session)
    assert (record.filename, record.layout, record.applied_by) == (
        name,
        preview.layout,
        ame_trainer,
    )
    assert set(
        AttendanceChange.objects.filter(session=session).values_list("source", "changed_by")
    ) == {("import", ame_trainer.pk)}


def test_joining_late_with_enough_minutes_is_late(pdot_workshop, session, ame_trainer):
    for name, email in [
        ("Rosa Mero", "rmero@pedernales.gob.ec"),
        ("Jorge Cevallos", "jcevallos@gadmanta.gob.ec"),
        ("Ana Pérez", "aperez@gadesmeraldas.gob.ec"),
    ]:
        register_person(pdot_workshop, name, email=email)

    apply(session, LATE_REPORT, ame_trainer)

    assert recorded(session) == {
        "Rosa Mero": (L, 100),
        "Jorge Cevallos": (P, 120),
        "Ana Pérez": (A, 30),
    }


def test_applying_the_same_file_twice_changes_nothing(report_session, report_people, ame_trainer):
    session = report_session("zoom_legacy.csv")
    data = report_bytes("zoom_legacy.csv")
    first = apply(session, data, ame_trainer)
    rows = set(Attendance.objects.values_list("pk", "participant_id", "status", "minutes"))
    logged = AttendanceChange.objects.count()

    again = apply(session, data, ame_trainer, resolutions={"0": report_people["Ana Pérez"].pk})

    assert not first.already_applied and again.already_applied
    assert again.record == first.record
    assert set(Attendance.objects.values_list("pk", "participant_id", "status", "minutes")) == rows
    assert AttendanceChange.objects.count() == logged
    assert AttendanceImport.objects.count() == 1
    assert service.preview_import(session, data, "report.csv").already_applied


def test_the_same_file_for_another_session_is_another_import(
    pdot_workshop, report_session, report_people, ame_trainer
):
    data = report_bytes("zoom_legacy.csv")
    apply(report_session("zoom_legacy.csv"), data, ame_trainer)
    apply(report_session("zoom_legacy.csv"), data, ame_trainer)

    assert AttendanceImport.objects.count() == 2


def test_a_second_report_merges_statuses_only_improve(pdot_workshop, session, ame_trainer):
    rosa = register_person(pdot_workshop, "Rosa Mero", email="rmero@pedernales.gob.ec")
    jorge = register_person(pdot_workshop, "Jorge Cevallos", email="jcevallos@gadmanta.gob.ec")
    ana = register_person(pdot_workshop, "Ana Pérez", email="aperez@gadesmeraldas.gob.ec")
    nelly = register_person(pdot_workshop, "Nelly Sarango", email="nsarango@gadsaraguro.gob.ec")
    service.set_attendance(
        session, nelly, status=Status.EXCUSED, source="roster", by=ame_trainer, note="Enferma"
    )
    apply(session, LATE_REPORT, ame_trainer)  # Rosa late, Jorge present, Ana absent

    # The call dropped and was restarted: a second report for the same session.
    second = zoom_csv(
        "Rosa Mero,rmero@pedernales.gob.ec,03/12/2030 09:00:00 AM,03/12/2030 11:00:00 AM,120,No",
        "Jorge Cevallos,jcevallos@gadmanta.gob.ec,03/12/2030 10:00:00 AM,03/12/2030 10:30:00 AM,30,No",
        "Ana Pérez,aperez@gadesmeraldas.gob.ec,03/12/2030 09:10:00 AM,03/12/2030 11:00:00 AM,110,No",
        "Nelly Sarango,nsarango@gadsaraguro.gob.ec,03/12/2030 09:00:00 AM,03/12/2030 11:00:00 AM,120,No",
    )
    result = apply(session, second, ame_trainer, name="segunda.csv")

    assert recorded(session) == {
        "Rosa Mero": (P, 120),  # late, then present: improves
        "Jorge Cevallos": (P, 120),  # present, then absent: stays, with the larger minutes
        "Ana Pérez": (P, 110),  # absent, then present
        "Nelly Sarango": (Status.EXCUSED, 120),  # excused by hand: kept
    }
    assert Attendance.objects.get(participant=nelly).note == "Enferma"
    assert (result.created, result.improved, result.unchanged) == (0, 3, 1)
    assert AttendanceImport.objects.filter(session=session).count() == 2
    assert list(
        AttendanceChange.objects.filter(participant=rosa).values_list("previous_status", "status")
    ) == [("", L), (L, P)]
    assert AttendanceChange.objects.filter(participant=jorge).count() == 1
    assert Attendance.objects.get(participant=ana).source == "import"


def test_a_hand_set_status_beats_a_worse_report(pdot_workshop, session, ame_trainer):
    ana = register_person(pdot_workshop, "Ana Pérez", email="aperez@gadesmeraldas.gob.ec")
    service.set_attendance(session, ana, status=Status.PRESENT, source="roster", by=ame_trainer)

    apply(session, LATE_REPORT, ame_trainer)

    assert recorded(session)["Ana Pérez"] == (P, 30)


def test_ambiguous_names_are_resolved_and_remembered(pdot_workshop, ame_trainer):
    first = register_person(pdot_workshop, "Luis Guamán", email="lguaman@gadloja.gob.ec")
    register_person(pdot_workshop, "Luis Guamán", email="luis.guaman@quito.gob.ec")
    session = add_session(pdot_workshop, SESSION_START)
    report = zoom_csv(
        "Luis Guaman,,03/12/2030 09:00:00 AM,03/12/2030 11:00:00 AM,120,Yes",
    )

    preview = service.preview_import(session, report, "zoom.csv")
    [row] = preview.rows
    assert row.match == AMBIGUOUS
    assert len(row.candidates) == 2

    result = apply(session, report, ame_trainer, resolutions={"0": first.pk})

    assert recorded(session) == {"Luis Guamán": (P, 120)}
    assert Attendance.objects.get().participant == first
    assert ReportAlias.objects.get(alias="luis guaman").participant == first
    assert result.aliases == 1

    # Next week the same name is matched by the alias remembered.
    later = add_session(pdot_workshop, SESSION_START.replace(day=19))
    next_report = zoom_csv(
        "Luis Guaman,,03/19/2030 09:00:00 AM,03/19/2030 10:00:00 AM,60,Yes",
    )
    [row] = service.preview_import(later, next_report, "zoom.csv").rows
    assert (row.match, row.how, row.participant) == (MATCHED, BY_ALIAS, first)
    apply(later, next_report, ame_trainer)
    assert recorded(later) == {"Luis Guamán": (A, 60)}


def test_an_unmatched_person_given_to_anyone_is_registered_and_remembered(
    pdot_workshop, ame_trainer
):
    session = add_session(pdot_workshop, SESSION_START)
    walk_in = ParticipantFactory(full_name="Wilmer Ñacato Chicaiza", user=None, email="")
    report = zoom_csv(
        "wilmer phone,wilmer.personal@gmail.com,03/12/2030 09:05:00 AM,03/12/2030 11:00:00 AM,115,Yes",
        "Capacitación AME,capacitacion@ame.gob.ec,03/12/2030 08:55:00 AM,03/12/2030 11:00:00 AM,125,No",
    )
    [row, host] = service.preview_import(session, report, "zoom.csv").rows
    assert (row.match, host.match) == (UNMATCHED, UNMATCHED)

    result = apply(session, report, ame_trainer, resolutions={"wilmer phone": walk_in.pk})

    assert recorded(session) == {"Wilmer Ñacato Chicaiza": (P, 115)}
    registration = Registration.objects.get(participant=walk_in)
    assert (registration.status, registration.added_by) == ("confirmed", ame_trainer)
    assert (result.registered, result.ignored) == (1, 1)
    assert dict(ReportAlias.objects.values_list("alias", "participant")) == {
        "wilmer phone": walk_in.pk,
        "wilmer.personal@gmail.com": walk_in.pk,
    }

    later = add_session(pdot_workshop, SESSION_START.replace(day=19))
    [row, _host] = service.preview_import(later, report.replace(b"03/12", b"03/19"), "z.csv").rows
    assert (row.match, row.participant) == (MATCHED, walk_in)


def test_aliases_are_not_kept_when_asked_not_to(pdot_workshop, ame_trainer):
    session = add_session(pdot_workshop, SESSION_START)
    person = register_person(pdot_workshop, "Rosa Mero")
    report = zoom_csv("Rosita,,03/12/2030 09:00:00 AM,03/12/2030 11:00:00 AM,120,Yes")

    apply(session, report, ame_trainer, resolutions={"0": person.pk}, remember_aliases=False)

    assert recorded(session) == {"Rosa Mero": (P, 120)}
    assert not ReportAlias.objects.exists()


def test_a_matched_row_can_be_left_out(report_session, report_people, ame_trainer):
    session = report_session("zoom_legacy.csv")

    result = apply(
        session,
        report_bytes("zoom_legacy.csv"),
        ame_trainer,
        resolutions={"1": None, "Luis Ángel Guamán": ""},
    )

    assert set(recorded(session)) == {"Verónica Chávez Ñauta", "Jorge Cevallos"}
    assert result.ignored == 3
    assert not ReportAlias.objects.exists()


def test_two_rows_given_to_one_person_count_their_time_once(pdot_workshop, ame_trainer):
    session = add_session(pdot_workshop, SESSION_START)
    rosa = register_person(pdot_workshop, "Rosa Mero", email="rmero@pedernales.gob.ec")
    report = zoom_csv(
        "Rosa Mero,rmero@pedernales.gob.ec,03/12/2030 09:00:00 AM,03/12/2030 10:00:00 AM,60,No",
        "Galaxy A13,,03/12/2030 09:50:00 AM,03/12/2030 10:40:00 AM,50,Yes",
    )

    apply(session, report, ame_trainer, resolutions={"1": rosa.pk})

    assert recorded(session) == {"Rosa Mero": (P, 100)}  # 09:00-10:40, the overlap once


def test_a_choice_naming_nobody_applies_nothing(report_session, report_people, ame_trainer):
    session = report_session("zoom_legacy.csv")

    for resolutions in ({"0": 999_999}, {"Nadie": 1}, {"0": "abc"}):
        with pytest.raises(service.ImportResolutionError):
            apply(session, report_bytes("zoom_legacy.csv"), ame_trainer, resolutions=resolutions)

    assert not AttendanceImport.objects.exists()
    assert not Attendance.objects.exists()
    assert not AttendanceChange.objects.exists()


def test_a_malformed_file_applies_nothing_and_names_the_line(
    report_session, report_people, ame_trainer
):
    session = report_session("zoom_legacy.csv")
    broken = zoom_csv(
        "Rosa Mero,rmero@pedernales.gob.ec,03/12/2030 09:00:00 AM,03/12/2030 11:00:00 AM,120,No",
        "Jorge Cevallos,jcevallos@gadmanta.gob.ec,ayer por la tarde,03/12/2030 11:00:00 AM,120,No",
    )

    with pytest.raises(ReportError) as previewed:
        service.preview_import(session, broken, "zoom.csv")
    with pytest.raises(ReportError) as applied:
        apply(session, broken, ame_trainer)

    assert previewed.value.line == applied.value.line == 3
    assert "3" in str(applied.value)
    assert not AttendanceImport.objects.exists()
    assert not Attendance.objects.exists()


def test_a_file_that_is_not_a_report_is_refused(session, ame_trainer):
    with pytest.raises(ReportError):
        apply(session, b"%PDF-1.7 not a report", ame_trainer, name="lista.pdf")
    with pytest.raises(ReportError):
        apply(session, b"", ame_trainer)
    assert not AttendanceImport.objects.exists()


def test_the_preview_warns_about_a_report_of_another_day(report_session, report_people):
    session = report_session("zoom_2024.csv")

    preview = service.preview_import(session, report_bytes("zoom_legacy.csv"), "zoom.csv")

    assert len(preview.warnings) == 2  # another date, and nobody in the session's hours
    assert all(row.minutes == 0 for row in preview.rows)
