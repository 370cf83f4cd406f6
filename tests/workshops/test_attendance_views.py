"""The trainer's attendance pages and the participant's check-in, through the browser's eyes.

Query counts of the roster are pinned: a trainer opens it on a phone during the call,
and it must cost the same for 5 people as for 50. Where its queries go:

  session, user, second-factor device ........ 3  (Django, django-otp)
  participant, for the privacy notice ........ 1  (lms.privacy; this trainer has none)
  the session, its workshop, trainer or not .. 1  (one query with the permission)
  admin access (user's, groups' permissions) . 2  (shared with Wagtail's user bar)
  the roster with each person's status ....... 1  (one query, a filtered join)
  the user bar's user profile ................ 2  (base.html, for staff)

The site, menu, footer and privacy notice come from the shared cache.
"""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from lms.models import (
    Attendance,
    AttendanceImport,
    Participant,
    Registration,
    ReportAlias,
)
from lms.services import attendance as service
from tests.factories import UserFactory
from tests.lms.factories import ParticipantFactory, gad
from tests.workshops.attendance_fixtures import *  # noqa: F403
from tests.workshops.attendance_fixtures import (
    SESSION_START,
    add_session,
    make_workshop,
    register_person,
    report_bytes,
    zoom_csv,
)

ROSTER_QUERIES = 10  # see the module's docstring; the ceiling is 10, whatever the crowd
Status = Attendance.Status


@pytest.fixture
def as_trainer(client, login_staff, ame_trainer):
    return login_staff(ame_trainer)


def roster_url(session):
    return reverse("lms:attendance_roster", args=[session.pk])


def trainer_urls(workshop, session):
    """Every trainer page a GET opens, and every trainer action (POST)."""
    gets = [
        reverse("lms:attendance_workshop", args=[workshop.pk]),
        reverse("lms:attendance_workshop_csv", args=[workshop.pk]),
        reverse("lms:attendance_workshop_xlsx", args=[workshop.pk]),
        reverse("lms:attendance_roster", args=[session.pk]),
        reverse("lms:attendance_code", args=[session.pk]),
        reverse("lms:attendance_import", args=[session.pk]),
        reverse("lms:attendance_import_review", args=[session.pk]),
    ]
    posts = [
        reverse("lms:attendance_mark", args=[session.pk]),
        reverse("lms:attendance_all_present", args=[session.pk]),
        reverse("lms:attendance_walk_in", args=[session.pk]),
        reverse("lms:attendance_code", args=[session.pk]),
        reverse("lms:attendance_import", args=[session.pk]),
        reverse("lms:attendance_import_review", args=[session.pk]),
    ]
    return gets, posts


# Who may open what


def test_anonymous_visitors_are_sent_to_log_in(client, pdot_workshop, session):
    gets, posts = trainer_urls(pdot_workshop, session)
    for url in [*gets, reverse("lms:attendance_home")]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login")), url
    for url in posts:
        response = client.post(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login")), url
    assert not Attendance.objects.exists()


def test_participants_and_trainers_of_other_workshops_get_403(
    client, login_staff, pdot_workshop, session, rosa, other_trainer
):
    gets, posts = trainer_urls(pdot_workshop, session)
    for user, login in ((rosa.user, client.force_login), (other_trainer, login_staff)):
        login(user)
        for url in gets:
            assert client.get(url).status_code == 403, (user, url)
        for url in posts:
            response = client.post(url, {"participant": rosa.pk, "status": "present"})
            assert response.status_code == 403, (user, url)
    assert client.get(reverse("lms:attendance_home")).status_code == 200  # their own list
    client.force_login(rosa.user)
    assert client.get(reverse("lms:attendance_home")).status_code == 403
    assert not Attendance.objects.exists()
    assert session.check_in_code == ""


@pytest.mark.parametrize("who", ["ame_trainer", "manager", "superuser"])
def test_the_workshops_trainers_managers_and_superusers_open_every_page(
    request, login_staff, pdot_workshop, session, who
):
    client = login_staff(request.getfixturevalue(who))
    gets, _posts = trainer_urls(pdot_workshop, session)
    for url in gets:
        response = client.get(url)
        # Without an uploaded file the review page sends the trainer back to upload one.
        expected = 302 if "revisar" in url else 200
        assert response.status_code == expected, url


def test_staff_confirm_their_second_factor_first(client, pdot_workshop, session, ame_trainer):
    client.force_login(ame_trainer)

    response = client.get(roster_url(session))

    assert response.status_code == 302
    assert "/cuenta/dos-pasos/" in response["Location"]


# The roster


def test_the_roster_lists_registrants_with_one_tap_buttons(
    as_trainer, pdot_workshop, session, rosa, ame_trainer
):
    jorge = register_person(pdot_workshop, "Jorge Cevallos")
    register_person(pdot_workshop, "En espera", status=Registration.Status.WAITLISTED)
    service.set_attendance(session, jorge, status=Status.LATE, source="roster", by=ame_trainer)

    response = as_trainer.get(roster_url(session))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Rosa Mero" in html and "Jorge Cevallos" in html and "En espera" not in html
    assert html.count('name="status"') == 8  # four buttons for each of the two people
    assert re.search(r'value="late"[^>]*aria-pressed="true"', html)
    assert response["Cache-Control"].startswith("max-age=0")


def test_a_tap_records_the_status_and_comes_back_to_the_person(
    as_trainer, session, rosa, ame_trainer
):
    response = as_trainer.post(
        reverse("lms:attendance_mark", args=[session.pk]),
        {"participant": rosa.pk, "status": "excused"},
    )

    assert response.status_code == 302
    assert response["Location"] == f"{roster_url(session)}#persona-{rosa.pk}"
    attendance = Attendance.objects.get(session=session, participant=rosa)
    assert (attendance.status, attendance.source, attendance.recorded_by) == (
        "excused",
        "roster",
        ame_trainer,
    )


def test_a_tap_from_roster_js_gets_json(as_trainer, pdot_workshop, session, rosa):
    register_person(pdot_workshop, "Jorge Cevallos")

    response = as_trainer.post(
        reverse("lms:attendance_mark", args=[session.pk]),
        {"participant": rosa.pk, "status": "present"},
        headers={"accept": "application/json", "x-requested-with": "XMLHttpRequest"},
    )

    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "present" and data["participant"] == rosa.pk
    assert data["counts"]["present"] == 1 and data["counts"]["unmarked"] == 1


def test_a_note_is_saved_once_there_is_a_status(as_trainer, session, rosa):
    url = reverse("lms:attendance_mark", args=[session.pk])

    response = as_trainer.post(url, {"participant": rosa.pk, "note": "Llegó por teléfono"})
    assert response.status_code == 302
    assert not Attendance.objects.exists()

    as_trainer.post(url, {"participant": rosa.pk, "status": "late"})
    as_trainer.post(url, {"participant": rosa.pk, "note": "Llegó por teléfono"})

    attendance = Attendance.objects.get()
    assert (attendance.status, attendance.note) == ("late", "Llegó por teléfono")
    assert "Llegó por teléfono" in as_trainer.get(roster_url(session)).content.decode()


def test_nobody_off_the_roster_can_be_marked(as_trainer, session, pdot_workshop):
    stranger = ParticipantFactory(full_name="Sin inscripción")
    waiting = register_person(pdot_workshop, "En espera", status=Registration.Status.WAITLISTED)
    url = reverse("lms:attendance_mark", args=[session.pk])

    for person in (stranger, waiting):
        response = as_trainer.post(url, {"participant": person.pk, "status": "present"})
        assert response.status_code == 404
    assert as_trainer.post(url, {"participant": "x", "status": "present"}).status_code == 404
    assert not Attendance.objects.exists()


def test_another_workshops_session_is_out_of_reach(as_trainer, other_trainer, rosa):
    other = make_workshop(trainers=[other_trainer], slug="otro")
    other_session = add_session(other, SESSION_START)
    Registration.objects.create(workshop=other, participant=rosa, status="confirmed")

    response = as_trainer.post(
        reverse("lms:attendance_mark", args=[other_session.pk]),
        {"participant": rosa.pk, "status": "present"},
    )

    assert response.status_code == 403
    assert not Attendance.objects.exists()


def test_all_present_from_the_roster(as_trainer, pdot_workshop, session, rosa):
    register_person(pdot_workshop, "Jorge Cevallos")

    response = as_trainer.post(reverse("lms:attendance_all_present", args=[session.pk]))

    assert response.status_code == 302
    assert set(Attendance.objects.values_list("status", flat=True)) == {"present"}
    assert Attendance.objects.count() == 2


def test_finding_and_adding_a_walk_in(as_trainer, pdot_workshop, session, rosa):
    dayana = ParticipantFactory(full_name="Dayana Quishpe Tituaña", email="dquishpe@gad.gob.ec")
    ParticipantFactory(full_name="Otra Persona")

    html = as_trainer.get(roster_url(session), {"q": "quishpe"}).content.decode()
    assert "Dayana Quishpe Tituaña" in html and "Otra Persona" not in html
    # People already on the roster are not offered again.
    assert (
        "Add as present" not in as_trainer.get(roster_url(session), {"q": "Rosa"}).content.decode()
    )

    response = as_trainer.post(
        reverse("lms:attendance_walk_in", args=[session.pk]), {"participant": dayana.pk}
    )

    assert response.status_code == 302
    assert Attendance.objects.get(participant=dayana).status == "present"
    assert Registration.objects.get(participant=dayana).status == "confirmed"


def test_adding_a_new_person_without_an_account(as_trainer, session):
    pedernales = gad()

    response = as_trainer.post(
        reverse("lms:attendance_walk_in", args=[session.pk]),
        {
            "nueva-full_name": "Wilmer Ñacato",
            "nueva-email": "",
            "nueva-gad": pedernales.pk,
            "nueva-gad_query": pedernales.label,
        },
    )

    assert response.status_code == 302
    person = Participant.objects.get(full_name="Wilmer Ñacato")
    assert person.user is None and person.gad == pedernales
    assert Attendance.objects.get(participant=person).status == "present"


def test_a_new_person_form_with_errors_shows_them(as_trainer, session, rosa):
    url = reverse("lms:attendance_walk_in", args=[session.pk])

    missing = as_trainer.post(url, {"nueva-full_name": "", "nueva-gad_query": ""})
    pedernales = gad()
    taken = as_trainer.post(
        url,
        {
            "nueva-full_name": "Otra Rosa",
            "nueva-email": rosa.email,
            "nueva-gad": pedernales.pk,
            "nueva-gad_query": pedernales.label,
        },
    )

    assert missing.status_code == taken.status_code == 400
    assert 'class="error"' in taken.content.decode()
    assert Participant.objects.count() == 1
    assert not Attendance.objects.exists()


# The code


def test_the_code_page_shows_the_code_and_where_to_enter_it(as_trainer, pdot_workshop, session):
    response = as_trainer.get(reverse("lms:attendance_code", args=[session.pk]))

    session.refresh_from_db()
    html = response.content.decode()
    assert f"{session.check_in_code[:3]}</span> <span>{session.check_in_code[3:]}" in html
    assert reverse("lms:attendance_check_in", args=[pdot_workshop.slug]) in html


def test_a_new_code_replaces_the_old_one(as_trainer, session):
    old = service.check_in_code(session)

    response = as_trainer.post(reverse("lms:attendance_code", args=[session.pk]))

    session.refresh_from_db()
    assert response.status_code == 302
    assert session.check_in_code != old


# Importing a report


def upload(client, session, data, name="participants.csv"):
    file = io.BytesIO(data)
    file.name = name
    return client.post(reverse("lms:attendance_import", args=[session.pk]), {"report": file})


def test_upload_review_and_apply(as_trainer, report_session, report_people, ame_trainer):
    session = report_session("zoom_2024.csv")
    wilmer = ParticipantFactory(full_name="Wilmer Ñacato", user=None, email="")

    response = upload(as_trainer, session, report_bytes("zoom_2024.csv"), "zoom_2024.csv")
    assert response.status_code == 302
    review_url = response["Location"]
    assert review_url.startswith(reverse("lms:attendance_import_review", args=[session.pk]))
    assert not Attendance.objects.exists()

    page = as_trainer.get(review_url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Ana Pérez" in html and "Dayana Quishpe Tituaña" in html and "Wilmer Ñacato" in html
    token = page.context["token"]
    rows = {row.name: row for row in page.context["preview"].rows}
    assert rows["Ana Pérez"].chosen == str(report_people["Ana Pérez"].pk)
    assert rows["Wilmer Ñacato"].chosen == ""

    # Searching keeps the choices made so far and offers the people found.
    searched = as_trainer.post(
        review_url,
        {"archivo": token, "action": "search", "q": "wilmer", "fila-1": ""},
    )
    rows = {row.name: row for row in searched.context["preview"].rows}
    assert rows["Ana Pérez"].chosen == ""
    assert wilmer in rows["Wilmer Ñacato"].found

    applied = as_trainer.post(
        review_url,
        {
            "archivo": token,
            "action": "apply",
            "remember": "1",
            "fila-0": "",
            "fila-1": str(report_people["Ana Pérez"].pk),
            "fila-2": str(report_people["Dayana Quishpe Tituaña"].pk),
            "fila-3": str(wilmer.pk),
        },
    )

    assert applied.status_code == 302
    assert applied["Location"] == roster_url(session)
    statuses = dict(
        Attendance.objects.filter(session=session).values_list("participant__full_name", "status")
    )
    assert statuses == {
        "Ana Pérez": "present",
        "Dayana Quishpe Tituaña": "absent",
        "Wilmer Ñacato": "absent",
    }
    assert AttendanceImport.objects.get(session=session).applied_by == ame_trainer
    assert ReportAlias.objects.get(alias="wilmer nacato").participant == wilmer
    # The stored file is gone once applied.
    assert as_trainer.get(review_url).status_code == 302


def test_a_malformed_report_is_refused_on_upload_with_its_line(as_trainer, session):
    broken = zoom_csv(
        "Rosa Mero,rmero@pedernales.gob.ec,03/12/2030 09:00:00 AM,03/12/2030 11:00:00 AM,120,No",
        "Jorge,jc@gadmanta.gob.ec,03/12/2030 09:00:00 AM,ayer,120,No",
    )

    response = upload(as_trainer, session, broken)

    assert response.status_code == 400
    assert re.search(r"\b3\b", response.context["error"])
    assert not AttendanceImport.objects.exists()


def test_an_oversized_upload_is_refused(as_trainer, session, monkeypatch):
    from lms.views import attendance as views

    monkeypatch.setattr(views, "MAX_REPORT_BYTES", 100)

    response = upload(as_trainer, session, b"x" * 101)

    assert response.status_code == 400
    assert response.context["form"].errors["report"]
    assert not [key for key in cache._cache if "attendance-import" in key]  # nothing stored


def test_an_upload_is_only_for_its_trainer_and_session(
    client, login_staff, as_trainer, pdot_workshop, report_session, report_people, manager
):
    session = report_session("zoom_legacy.csv")
    review_url = upload(as_trainer, session, report_bytes("zoom_legacy.csv"))["Location"]
    token = review_url.split("archivo=")[1]
    other_session = report_session("zoom_legacy.csv")

    moved = as_trainer.get(
        reverse("lms:attendance_import_review", args=[other_session.pk]), {"archivo": token}
    )
    forged = as_trainer.get(review_url[:-3] + "abc")
    login_staff(manager)
    someone_else = client.get(review_url)

    for response in (moved, forged, someone_else):
        assert response.status_code == 302
        assert response["Location"].endswith("/importar/")
    assert not AttendanceImport.objects.exists()


# Exports


def test_csv_export_has_a_bom_and_no_runnable_cells(
    as_trainer, pdot_workshop, session, ame_trainer
):
    for name in (
        '=HYPERLINK("http://x")',
        "+593 99",
        "-1+1",
        "@SUM(A1)",
        "\tTab",
        "\rCR",
        "Ñusta Álvarez",
    ):
        person = register_person(pdot_workshop, name)
        service.set_attendance(session, person, status="present", source="roster", by=ame_trainer)

    response = as_trainer.get(reverse("lms:attendance_workshop_csv", args=[pdot_workshop.pk]))

    content = b"".join(response.streaming_content)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="asistencia-pdot-asistencia.csv"' in response["Content-Disposition"]
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    names = [row[0] for row in rows[1:]]
    assert set(names) == {
        '\'=HYPERLINK("http://x")',
        "'+593 99",
        "'-1+1",
        "'@SUM(A1)",
        "'\tTab",
        "'\rCR",
        "Ñusta Álvarez",
    }
    assert all(
        not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row
    )
    assert len(rows[0]) == 4 + 1 + 2  # name, email, GAD, province; one session; totals
    # Personal data left Aula: the export log says who took which workshop's attendance.
    from lms.models import ExportLog

    log = ExportLog.objects.get()
    assert (log.user, log.kind, log.file_format) == (ame_trainer, "attendance", "csv")
    assert log.filters == {"workshop": pdot_workshop.pk}
    assert log.rows == len(rows) - 1


def test_xlsx_export_opens_and_keeps_formulas_as_text(
    as_trainer, pdot_workshop, session, rosa, ame_trainer
):
    sneaky = register_person(pdot_workshop, "=1+2")
    service.set_attendance(session, rosa, status="late", source="roster", by=ame_trainer)
    service.set_attendance(session, sneaky, status="present", source="roster", by=ame_trainer)

    response = as_trainer.get(reverse("lms:attendance_workshop_xlsx", args=[pdot_workshop.pk]))

    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 3 and len(rows[0]) == 7
    formula_cell = next(row for row in sheet.iter_rows() if row[0].value == "=1+2")[0]
    assert formula_cell.data_type == "s"
    rosa_row = next(row for row in rows if row[0] == "Rosa Mero")
    assert rosa_row[1] == rosa.email and rosa_row[5] == 1


def test_the_overview_shows_who_reached_the_threshold(
    as_trainer, pdot_workshop, session, rosa, ame_trainer
):
    register_person(pdot_workshop, "Jorge Cevallos")
    service.set_attendance(session, rosa, status="present", source="roster", by=ame_trainer)

    response = as_trainer.get(reverse("lms:attendance_workshop", args=[pdot_workshop.pk]))

    assert response.status_code == 200
    assert response.context["reached"] == 1
    assert roster_url(session) in response.content.decode()


# The participant's check-in


def check_in_url(workshop):
    return reverse("lms:attendance_check_in", args=[workshop.slug])


def test_check_in_asks_to_log_in(client, pdot_workshop):
    response = client.get(check_in_url(pdot_workshop))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_check_in_during_the_session(client, pdot_workshop, live_session, rosa):
    code = service.check_in_code(live_session)
    client.force_login(rosa.user)

    page = client.get(check_in_url(pdot_workshop))
    assert page.status_code == 200
    assert page.context["session"] == live_session

    wrong = client.post(
        check_in_url(pdot_workshop),
        {"sesion": live_session.pk, "code": f"{(int(code) + 1) % 1_000_000:06d}"},
    )
    assert wrong.status_code == 400
    assert wrong.context["error"]
    assert not Attendance.objects.exists()

    right = client.post(check_in_url(pdot_workshop), {"sesion": live_session.pk, "code": code})
    assert right.status_code == 302
    assert Attendance.objects.get(participant=rosa).status == "present"
    assert client.get(check_in_url(pdot_workshop)).context["checked_in"]


def test_check_in_refuses_people_not_registered(client, pdot_workshop, live_session):
    stranger = UserFactory(email="curiosa@example.org")
    ParticipantFactory(user=stranger, full_name="Curiosa")
    client.force_login(stranger)

    response = client.post(
        check_in_url(pdot_workshop),
        {"sesion": live_session.pk, "code": service.check_in_code(live_session)},
    )

    assert response.status_code == 403
    assert not Attendance.objects.exists()


def test_check_in_when_no_session_is_open(client, pdot_workshop, rosa):
    upcoming = add_session(pdot_workshop, timezone.now() + timedelta(days=2))
    client.force_login(rosa.user)

    response = client.get(check_in_url(pdot_workshop))

    assert response.status_code == 200
    assert response.context["session"] is None
    assert response.context["upcoming"] == upcoming


def test_check_in_after_the_session_says_the_code_expired(client, pdot_workshop, rosa):
    ended = add_session(pdot_workshop, timezone.now() - timedelta(hours=3))
    code = service.check_in_code(ended)
    client.force_login(rosa.user)

    response = client.post(check_in_url(pdot_workshop), {"sesion": ended.pk, "code": code})

    assert response.status_code == 400
    assert response.context["error"] == service.CheckInClosedError().message


def test_check_in_of_a_draft_workshop_is_not_found(client, rosa, pdot_workshop):
    pdot_workshop.status = "draft"
    pdot_workshop.save()
    client.force_login(rosa.user)

    assert client.get(check_in_url(pdot_workshop)).status_code == 404


# Query counts


def crowd(workshop, session, size: int, by) -> None:
    """`size` confirmed registrants without accounts, half of them marked (in bulk, for speed)."""
    where = gad()
    people = Participant.objects.bulk_create(
        Participant(full_name=f"Participante {n:03d}", gad=where, sex="female") for n in range(size)
    )
    Registration.objects.bulk_create(
        Registration(workshop=workshop, participant=person, status="confirmed") for person in people
    )
    Attendance.objects.bulk_create(
        Attendance(session=session, participant=person, status="present", source="roster")
        for person in people[::2]
    )


def roster_queries(client, session) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as context:
        response = client.get(roster_url(session))
    assert response.status_code == 200
    return len(context.captured_queries), [query["sql"] for query in context.captured_queries]


def test_the_roster_costs_the_same_for_5_and_50_people(as_trainer, pdot_workshop, ame_trainer):
    small = add_session(pdot_workshop, SESSION_START)
    crowd(pdot_workshop, small, 5, ame_trainer)
    as_trainer.get(roster_url(small))  # warm the shared cache (menu, footer, privacy notice)
    count_5, sql_5 = roster_queries(as_trainer, small)

    big_workshop = make_workshop(trainers=[ame_trainer], slug="grande")
    big = add_session(big_workshop, SESSION_START)
    crowd(big_workshop, big, 50, ame_trainer)
    count_50, sql_50 = roster_queries(as_trainer, big)

    assert count_5 == count_50, "\n".join(sql_50)
    assert count_50 == ROSTER_QUERIES, "\n".join(sql_50)
