"""A GAD's journey, the pilot GADs side by side, and transcripts: figures, story, access, queries.

Pedernales (a pilot GAD), counted by hand:

- Ana (female): enrolled in course A on 3 Feb 2025 and completed it on 1 Mar (her course
  certificate, 2 Mar, is valid); confirmed in workshop W, present at its first session
  and late at the second; confirmed in Pedernales' consultative process C, present.
- Beto (male): enrolled on 5 Feb, halfway; confirmed in W, present then absent; his
  workshop certificate (19 Mar) was revoked.
- Cami (prefer not to say, no account): confirmed in W, absent twice; present in C.
- Dora (female): enrolled on 2 May, completed on 20 May, certificate on 21 May; then her
  data was deleted: she still counts, without a name, and the certificate is revoked.
- Eve (other), named "<script>x</script>": on W's waitlist.
- Fer (male): a profile and nothing else, so not a participant.

Gil (Quito, female) is confirmed in W and present at its first session.

W (trained by `trainer`): sessions held on 11 and 18 March 2025, one cancelled, one to
come. C (trained by `other_trainer`): a session held on 8 April 2025 and one to come.

The admin pages are mounted here as Wagtail mounts what `register_admin_urls` returns
(`require_admin_access` around each view); this module is their URLconf.
"""

import re
from datetime import datetime, timedelta
from itertools import count
from types import SimpleNamespace
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import include, path, reverse
from django.utils import timezone
from wagtail.admin.auth import require_admin_access

from cms import urls as site_urls
from lms import roles
from lms.models import (
    GAD,
    Attendance,
    Certificate,
    Enrolment,
    Participant,
    Registration,
    Session,
    Workshop,
)
from lms.services import certificates as certificate_service
from lms.services import journeys, transcripts
from lms.services.privacy import delete_participant
from lms.services.reports import ReportFilters, ReportScope, indicators
from lms.views import journeys as views
from tests.factories import CourseIndexPageFactory, CoursePageFactory, UserFactory
from tests.lms.factories import ParticipantFactory, gad

urlpatterns = [
    path(
        "admin/",
        include(
            [
                path(str(p.pattern), require_admin_access(p.callback), name=p.name)
                for p in views.admin_urlpatterns
            ]
        ),
    ),
    *site_urls.urlpatterns,
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

GYE = ZoneInfo("America/Guayaquil")
PEDERNALES = "1317"
QUITO = "1701"
PILOTS = ["Catamayo", "El Carmen", "Huaquillas", "Pedernales", "Zamora"]
AGREEMENTS = "Incluir la <b>movilidad humana</b>\nen el diagnóstico del PDOT"
HOSTILE_NAME = "<script>x</script>"

# The services' SQL, whatever the data (pinned exactly):
FIGURES_QUERIES = 6  # people by sex, enrolments, attendance, workshops, processes, certificates
JOURNEY_QUERIES = 13  # the figures; people, enrolments, registrations, attendance,
#                       workshops and their sessions, certificates
TRANSCRIPT_QUERIES = 6  # enrolments, H5P results, workshops and their sessions,
#                         attendance, certificates
# Whole pages, the same on small and larger data and at most (warm caches):
# 7 for the request (session, user, device, permissions, profile) and 4 for the
# admin's menu, plus the view's own.
GAD_PAGE = 7 + 1 + JOURNEY_QUERIES + 4  # + the GAD
PILOTS_PAGE = 7 + 1 + FIGURES_QUERIES + 4  # + the pilot GADs
# + the trainer's workshops, whether the person is theirs, the person, the quiz results.
TRAINER_TRANSCRIPT_PAGE = 7 + 3 + TRANSCRIPT_QUERIES + 1 + 4
# Session, user, the participant, the transcript and the quiz results.
SITE_TRANSCRIPT_PAGE = 11

serial = count(1)


def at(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=GYE)


@pytest.fixture(autouse=True)
def _no_pdf_rendering():
    with mock.patch("lms.tasks.render_certificate_pdf"):
        yield


@pytest.fixture
def trainer(db):
    return UserFactory(email="capacitadora@ame.gob.ec", groups=[roles.TRAINER])


@pytest.fixture
def other_trainer(db):
    return UserFactory(email="capacitador2@ame.gob.ec", groups=[roles.TRAINER])


@pytest.fixture
def manager(db):
    return UserFactory(email="gestora@ame.gob.ec", groups=[roles.MANAGER])


@pytest.fixture
def editor(db):
    return UserFactory(email="editora@ame.gob.ec", groups=[roles.EDITOR])


def _person(name, code, sex, *, account=True, **extra):
    return ParticipantFactory(
        full_name=name, gad=gad(code), sex=sex, **({} if account else {"user": None}), **extra
    )


def _certificate(participant, when, **subject):
    certificate = certificate_service.issue(participant=participant, **subject)
    Certificate.objects.filter(pk=certificate.pk).update(issued_at=when)
    certificate.refresh_from_db()
    return certificate


def _sessions(workshop, starts, *, cancelled=()):
    return [
        Session.objects.create(
            workshop=workshop,
            title=f"{workshop.title} {number}",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            cancelled=number in cancelled,
        )
        for number, start in enumerate(starts, start=1)
    ]


def _attend(session, participant, status):
    Attendance.objects.create(
        session=session, participant=participant, status=status, source="roster"
    )


@pytest.fixture
def story(home, trainer, other_trainer, manager):
    index = CourseIndexPageFactory(parent=home)
    course = CoursePageFactory(parent=index, title="Movilidad humana en el PDOT")
    pedernales = gad(PEDERNALES)
    F, M = Participant.Sex.FEMALE, Participant.Sex.MALE
    ana = _person("Ana Zambrano", PEDERNALES, F, email="ana@pedernales.gob.ec")
    beto = _person("Beto Cedeño", PEDERNALES, M)
    cami = _person("Cami Loor", PEDERNALES, Participant.Sex.UNDISCLOSED, account=False)
    dora = _person("Dora Pillajo", PEDERNALES, F)
    eve = _person(HOSTILE_NAME, PEDERNALES, Participant.Sex.OTHER)
    fer = _person("Fer Andrade", PEDERNALES, M)
    gil = _person("Gil Toapanta", QUITO, F)

    def enrol(person, when, *, done, completed=None):
        return Enrolment.objects.create(
            participant=person,
            course=course,
            enrolled_at=when,
            required_steps=4,
            completed_steps=done,
            progress_percent=25 * done,
            completed_at=completed,
        )

    enrol(ana, at(2, 3), done=4, completed=at(3, 1))
    enrol(beto, at(2, 5), done=2)
    enrol(dora, at(5, 2), done=4, completed=at(5, 20))

    later = timezone.now() + timedelta(days=30)
    w = Workshop.objects.create(title="Taller W", slug="taller-w", status="published")
    w.trainers.add(trainer)
    w.save()
    w1, w2, _w3, _w4 = _sessions(w, [at(3, 11), at(3, 18), at(3, 25), later], cancelled={3})
    c = Workshop.objects.create(
        title="Proceso consultivo de Pedernales",
        slug="consulta-pedernales",
        kind=Workshop.Kind.CONSULTATIVE,
        gad=pedernales,
        status="published",
        agreements=AGREEMENTS,
    )
    c.trainers.add(other_trainer)
    c.save()
    c1, _c2 = _sessions(c, [at(4, 8), later + timedelta(days=7)])

    confirmed = Registration.Status.CONFIRMED
    for person in (ana, beto, cami, gil):
        Registration.objects.create(workshop=w, participant=person, status=confirmed)
    Registration.objects.create(workshop=w, participant=eve, status="waitlisted")
    for person in (ana, cami):
        Registration.objects.create(workshop=c, participant=person, status=confirmed)

    present, absent = Attendance.Status.PRESENT, Attendance.Status.ABSENT
    _attend(w1, ana, present)
    _attend(w2, ana, Attendance.Status.LATE)
    _attend(w1, beto, present)
    _attend(w2, beto, absent)
    _attend(w1, cami, absent)
    _attend(w2, cami, absent)
    _attend(w1, gil, present)
    _attend(c1, ana, present)
    _attend(c1, cami, present)

    ana_certificate = _certificate(ana, at(3, 2), kind="course", course=course)
    beto_certificate = _certificate(beto, at(3, 19), kind="workshop", workshop=w)
    certificate_service.revoke(beto_certificate, by=manager, reason="Emitido por error")
    _certificate(dora, at(5, 21), kind="course", course=course)
    dora = delete_participant(participant=dora)

    return SimpleNamespace(
        gad=pedernales,
        course=course,
        w=w,
        c=c,
        held=[w1, w2],
        c1=c1,
        ana=ana,
        beto=beto,
        cami=cami,
        dora=dora,
        eve=eve,
        fer=fer,
        gil=gil,
        ana_certificate=ana_certificate,
        beto_certificate=beto_certificate,
    )


def crowd(story, size: int) -> None:
    """`size` more people of Pedernales who did everything: for the query counts."""
    people = Participant.objects.bulk_create(
        Participant(full_name=f"Persona {next(serial)}", gad=story.gad, sex="female")
        for _ in range(size)
    )
    Enrolment.objects.bulk_create(
        Enrolment(
            participant=person,
            course=story.course,
            enrolled_at=at(2, 10),
            progress_percent=100,
            completed_at=at(3, 10),
        )
        for person in people
    )
    Registration.objects.bulk_create(
        Registration(workshop=workshop, participant=person, status="confirmed")
        for person in people
        for workshop in (story.w, story.c)
    )
    Attendance.objects.bulk_create(
        Attendance(session=session, participant=person, status="present", source="roster")
        for person in people
        for session in [*story.held, story.c1]
    )
    Certificate.objects.bulk_create(
        Certificate(
            participant=person,
            kind="course",
            course=story.course,
            subject_key=f"course:{story.course.pk}",
            code=f"code-{person.pk}",
            reference=f"AULA-TEST-{person.pk}",
            holder_name=person.full_name,
            subject_title=story.course.title,
            achieved_on=at(3, 10).date(),
            issued_at=at(3, 11),
        )
        for person in people
    )


def busier(story, person, size: int) -> None:
    """`size` more courses, workshops and certificates of one person: for the query counts."""
    index = story.course.get_parent()
    for _ in range(size):
        number = next(serial)
        course = CoursePageFactory(parent=index, title=f"Curso {number}")
        Enrolment.objects.create(
            participant=person, course=course, enrolled_at=at(6, 1), progress_percent=40
        )
        Certificate.objects.create(
            participant=person,
            kind="course",
            course=course,
            subject_key=f"course:{course.pk}",
            code=f"code-{person.pk}-{number}",
            reference=f"AULA-TEST-{person.pk}-{number}",
            holder_name=person.full_name,
            subject_title=course.title,
            achieved_on=at(6, 2).date(),
        )
        workshop = Workshop.objects.create(
            title=f"Taller {number}", slug=f"taller-{number}", status="published"
        )
        first, second = _sessions(workshop, [at(6, 3), at(6, 10)])
        Registration.objects.create(workshop=workshop, participant=person, status="confirmed")
        _attend(first, person, "present")
        _attend(second, person, "excused")


def as_request(user, url="/"):
    request = RequestFactory().get(url)
    request.user = user
    return request


def own_queries(function, *args):
    with CaptureQueriesContext(connection) as context:
        result = function(*args)
    return result, len(context.captured_queries)


def page_queries(client, url):
    """The queries of a page seen again (publishing pages empties the shared caches)."""
    client.get(url)
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


# ---------------------------------------------------------------------------
# Figures.


def test_a_gads_figures_counted_by_hand(story):
    figures = journeys.gad_figures([story.gad.pk])[story.gad.pk]
    # Ana, Beto, Cami, Dora (deleted, still counted), Eve (waitlisted). Not Fer.
    assert figures.participants == 5
    assert (figures.female, figures.male, figures.other, figures.undisclosed) == (2, 1, 1, 1)
    assert (figures.enrolments, figures.completions) == (3, 2)
    assert figures.completion_rate == 66.7
    # W: 3 confirmed × 2 sessions held (one cancelled, one to come); C: 2 × 1.
    # Attended (present or late): Ana 2 and Beto 1 in W, Ana and Cami in C.
    assert (figures.sessions_expected, figures.sessions_attended) == (8, 5)
    assert figures.attendance_rate == 62.5
    assert figures.workshops_attended == 1
    assert (figures.consultative_processes, figures.consultative_sessions_held) == (1, 1)
    # Ana's; Beto's was revoked and Dora's went with her data.
    assert figures.certificates == 1


def test_another_gads_people_stay_out_of_the_figures(story):
    quito = gad(QUITO)
    figures = journeys.gad_figures([story.gad.pk, quito.pk])
    assert figures[quito.pk].participants == 1
    assert (figures[quito.pk].sessions_expected, figures[quito.pk].sessions_attended) == (2, 1)
    assert figures[story.gad.pk].participants == 5


def test_the_pilots_add_up_to_the_dashboards_pilot_figures(story):
    pilots = journeys.gad_figures(GAD.objects.pilots().values_list("pk", flat=True))
    dashboard = indicators(ReportFilters(pilots_only=True), ReportScope(whole_programme=True))
    for name in (
        "participants",
        "enrolments",
        "completions",
        "sessions_expected",
        "sessions_attended",
        "certificates",
    ):
        assert sum(getattr(f, name) for f in pilots.values()) == getattr(dashboard.total, name)


def test_figures_take_a_fixed_number_of_queries(story):
    pilots = list(GAD.objects.pilots().values_list("pk", flat=True))
    _figures, small = own_queries(journeys.gad_figures, pilots)
    crowd(story, 15)
    figures, large = own_queries(journeys.gad_figures, pilots)
    assert small == large == FIGURES_QUERIES
    assert figures[story.gad.pk].participants == 20


# ---------------------------------------------------------------------------
# The GAD's journey.


def test_the_timeline_tells_the_story_oldest_first_by_month(story):
    journey = journeys.gad_journey(story.gad)
    months = [(month.month.year, month.month.month) for month in journey.timeline]
    assert months == [(2025, 2), (2025, 3), (2025, 4), (2025, 5)]
    events = [event for month in journey.timeline for event in month.events]
    assert [(event.kind, timezone.localtime(event.when).date()) for event in events] == [
        ("enrolled", at(2, 3).date()),  # Ana and Beto: the GAD's first enrolments
        ("completed", at(3, 1).date()),
        ("certificates", at(3, 2).date()),  # Beto's revoked one is not told
        ("workshop", at(3, 11).date()),
        ("workshop", at(3, 18).date()),
        ("consultative", at(4, 8).date()),
        ("enrolled", at(5, 2).date()),
        ("completed", at(5, 20).date()),  # Dora's certificate went with her data
    ]
    assert "2" in events[0].text and story.course.title in events[0].text
    # Gil (Quito) attended the first session too: only the GAD's two people are told.
    assert "2" in events[3].text and "3" not in events[3].text
    assert events[5].agreements == AGREEMENTS
    assert journey.timeline_hidden == 0


def test_a_long_timeline_keeps_its_latest_events(story, monkeypatch):
    monkeypatch.setattr(journeys, "TIMELINE_LIMIT", 3)
    journey = journeys.gad_journey(story.gad)
    events = [event for month in journey.timeline for event in month.events]
    assert [event.kind for event in events] == ["consultative", "enrolled", "completed"]
    assert journey.timeline_hidden == 5


def test_the_journeys_tables(story):
    journey = journeys.gad_journey(story.gad)
    rows = {row.participant.pk: row for row in journey.people}
    assert set(rows) == {p.pk for p in (story.ana, story.beto, story.cami, story.dora, story.eve)}
    # Named people first, by name; the deleted one last, with no name.
    assert journey.people[-1].participant.pk == story.dora.pk
    assert journey.people[-1].name == "Participante eliminado"
    ana = rows[story.ana.pk]
    assert [(c.title, c.percent) for c in ana.courses] == [(story.course.title, 100)]
    assert (ana.sessions_attended, ana.certificates) == (3, 1)
    assert (rows[story.beto.pk].sessions_attended, rows[story.beto.pk].certificates) == (1, 0)

    (course,) = journey.courses
    assert (course.enrolled, course.completed, course.average_progress) == (3, 2, 83)

    (workshop,) = journey.workshops
    assert workshop.workshop == story.w
    assert (workshop.registered, workshop.held, workshop.attended) == (3, 2, 3)
    assert workshop.attendance_rate == 50.0

    (process,) = journey.processes
    assert process.workshop == story.c
    assert [(item.held, item.attended) for item in process.sessions] == [(True, 2), (False, 0)]

    assert [c.reference for c in journey.certificates][:2] == [
        story.ana_certificate.reference,
        story.beto_certificate.reference,
    ]
    assert [c.is_revoked for c in journey.certificates] == [False, True, True]


def test_the_journey_takes_a_fixed_number_of_queries(story):
    _journey, small = own_queries(journeys.gad_journey, story.gad)
    crowd(story, 15)
    journey, large = own_queries(journeys.gad_journey, story.gad)
    assert small == large == JOURNEY_QUERIES
    assert len(journey.people) == 20


def test_a_manager_sees_the_gads_page_with_names_and_agreements_escaped(
    story, manager, login_staff
):
    client = login_staff(manager)
    response = client.get(reverse("reports_gad", args=[story.gad.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ana Zambrano" in html
    assert HOSTILE_NAME not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    assert "<b>movilidad humana</b>" not in html
    assert "&lt;b&gt;movilidad humana&lt;/b&gt;<br>en el diagnóstico" in html
    # Dora is counted and listed, never named, not even on her certificate.
    assert "Dora" not in html
    assert "Participante eliminado" in html
    assert reverse("reports_transcript", args=[story.ana.pk]) in html
    assert reverse("reports_pilots") in html
    assert response.context["figures"].participants == 5


def test_the_gads_page_costs_the_same_queries_with_more_people(story, manager, login_staff):
    client = login_staff(manager)
    url = reverse("reports_gad", args=[story.gad.pk])
    small = page_queries(client, url)
    crowd(story, 15)
    large = page_queries(client, url)
    assert small == large <= GAD_PAGE


# ---------------------------------------------------------------------------
# The pilot GADs side by side.


def test_the_five_pilots_side_by_side(story, manager, login_staff):
    client = login_staff(manager)
    response = client.get(reverse("reports_pilots"))
    assert response.status_code == 200
    columns = response.context["columns"]
    assert [column["gad"].name for column in columns] == PILOTS
    pedernales = columns[PILOTS.index("Pedernales")]
    assert pedernales["url"] == reverse("reports_gad", args=[story.gad.pk])
    assert pedernales["figures"].participants == 5
    assert columns[0]["figures"].participants == 0
    rows = response.context["rows"]
    assert len(rows) == 14
    assert [row["cells"][3] for row in rows[:5]] == ["5", "2", "1", "1", "1"]
    # The rates are written the Ecuadorian way; a GAD without enrolments has none.
    assert rows[7]["cells"][3] == "66,7 %"
    assert rows[7]["cells"][0] == "—"
    assert rows[10]["cells"][3] == "62,5 %"
    participants, completion, attendance = response.context["charts"]
    assert [bar.value for bar in participants.bars] == [0, 0, 0, 5, 0]
    assert completion.bars[3].width == 66.7
    assert attendance.bars[3].url == pedernales["url"]
    html = response.content.decode()
    assert 'class="report-chart"' in html


def test_the_pilots_page_costs_the_same_queries_with_more_people(story, manager, login_staff):
    client = login_staff(manager)
    url = reverse("reports_pilots")
    small = page_queries(client, url)
    crowd(story, 15)
    large = page_queries(client, url)
    assert small == large <= PILOTS_PAGE


# ---------------------------------------------------------------------------
# Who may see what.


@pytest.mark.parametrize("view", ["gad", "pilots"])
@pytest.mark.parametrize("who", ["trainer", "editor", "participant", "anonymous"])
def test_only_managers_see_the_gad_and_pilot_pages(story, request, view, who):
    user = {
        "trainer": lambda: request.getfixturevalue("trainer"),
        "editor": lambda: request.getfixturevalue("editor"),
        "participant": lambda: story.ana.user,
        "anonymous": AnonymousUser,
    }[who]()
    with pytest.raises(PermissionDenied):
        if view == "gad":
            views.gad_journey(as_request(user), pk=story.gad.pk)
        else:
            views.pilots(as_request(user))


def test_a_superuser_sees_the_gad_page(story, login_staff):
    admin = UserFactory(email="admin@aula.example.org", is_superuser=True, is_staff=True)
    response = login_staff(admin).get(reverse("reports_gad", args=[story.gad.pk]))
    assert response.status_code == 200


def test_the_admin_sends_anonymous_visitors_to_log_in(story, client):
    for url in (
        reverse("reports_gad", args=[story.gad.pk]),
        reverse("reports_pilots"),
        reverse("reports_transcript", args=[story.ana.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "login" in response["Location"]


@pytest.mark.urls("cms.urls")
def test_the_site_serves_the_pages_inside_its_admin(story, client, manager, login_staff):
    url = reverse("reports_gad", args=[story.gad.pk])
    assert url == f"/admin/informes/gad/{story.gad.pk}/"
    assert reverse("reports_pilots") == "/admin/informes/pilotos/"
    assert reverse("reports_transcript", args=[story.ana.pk]).startswith("/admin/informes/")
    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert "login" in anonymous["Location"]
    assert login_staff(manager).get(url).status_code == 200


def test_the_admin_turns_a_trainer_away_from_the_gad_page(story, trainer, login_staff):
    response = login_staff(trainer).get(reverse("reports_gad", args=[story.gad.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")


def test_a_trainer_sees_the_transcript_of_someone_in_their_workshop(story, trainer, login_staff):
    response = login_staff(trainer).get(reverse("reports_transcript", args=[story.ana.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ana Zambrano" in html
    # Contact details are the managers' only; so is the GAD page.
    assert "ana@pedernales.gob.ec" not in html
    assert response.context["show_contact"] is False
    assert reverse("reports_gad", args=[story.gad.pk]) not in html


@pytest.mark.parametrize("who", ["fer", "dora", "gil"])
def test_a_trainer_may_not_see_people_outside_their_workshops(story, other_trainer, who):
    # other_trainer trains only Pedernales' consultative process: Ana and Cami.
    person = getattr(story, who)
    with pytest.raises(PermissionDenied):
        views.staff_transcript(as_request(other_trainer), pk=person.pk)


@pytest.mark.parametrize("who", ["editor", "participant", "anonymous"])
def test_others_may_not_see_staff_transcripts(story, request, who):
    user = {
        "editor": lambda: request.getfixturevalue("editor"),
        "participant": lambda: story.beto.user,
        "anonymous": AnonymousUser,
    }[who]()
    with pytest.raises(PermissionDenied):
        views.staff_transcript(as_request(user), pk=story.ana.pk)


def test_a_trainer_asking_for_someone_unknown_learns_nothing(trainer):
    with pytest.raises(PermissionDenied):
        views.staff_transcript(as_request(trainer), pk=987654)


def test_a_manager_sees_any_transcript_with_contact_details(story, manager, login_staff):
    response = login_staff(manager).get(reverse("reports_transcript", args=[story.ana.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "ana@pedernales.gob.ec" in html
    assert story.ana_certificate.reference in html
    assert certificate_service.verification_url(story.ana_certificate) in html
    assert story.beto_certificate.reference not in html


def test_a_deleted_participants_transcript_shows_no_name_and_no_contact(
    story, manager, login_staff
):
    response = login_staff(manager).get(reverse("reports_transcript", args=[story.dora.pk]))
    assert response.status_code == 200
    assert response.context["show_contact"] is False
    html = response.content.decode()
    assert "Participante eliminado" in html
    assert "Dora" not in html
    assert story.course.title in html


def test_the_staff_transcript_costs_the_same_queries_with_more_records(story, trainer, login_staff):
    client = login_staff(trainer)
    url = reverse("reports_transcript", args=[story.ana.pk])
    small = page_queries(client, url)
    crowd(story, 15)
    busier(story, story.ana, 4)
    large = page_queries(client, url)
    assert small == large <= TRAINER_TRANSCRIPT_PAGE


# ---------------------------------------------------------------------------
# The participant's own transcript.


def test_the_transcript_takes_a_fixed_number_of_queries(story):
    _record, small = own_queries(transcripts.transcript, story.ana)
    busier(story, story.ana, 4)
    record, large = own_queries(transcripts.transcript, story.ana)
    assert small == large == TRANSCRIPT_QUERIES
    assert (len(record.enrolments), len(record.workshops), len(record.certificates)) == (5, 5, 5)


def test_the_transcript_of_one_person(story):
    record = transcripts.transcript(story.ana)
    assert [e.course_id for e in record.enrolments] == [story.course.pk]
    (workshop,) = record.workshops
    assert workshop.workshop == story.w
    assert workshop.registration_status == "confirmed"
    assert (workshop.attended, workshop.held) == (2, 2)
    assert [(item.held, item.status) for item in workshop.sessions] == [
        (True, "present"),
        (True, "late"),
        (False, None),  # cancelled
        (False, None),  # to come
    ]
    (process,) = record.processes
    assert (process.workshop, process.attended, process.held) == (story.c, 1, 1)
    assert [c.reference for c in record.certificates] == [story.ana_certificate.reference]


def test_a_participant_sees_and_prints_their_own_learning_record(story, client):
    client.force_login(story.ana.user)
    response = client.get(reverse("lms:my_transcript"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ana Zambrano" in html
    assert story.gad.label in html
    assert story.course.title in html
    assert "Taller W" in html
    assert story.ana_certificate.reference in html
    assert certificate_service.verification_url(story.ana_certificate) in html
    # Nobody else's record, and nothing the site's CSP would block.
    assert "Beto" not in html
    assert story.beto_certificate.reference not in html
    assert ' style="' not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert "css/journeys.css" in html


def test_the_learning_record_is_linked_from_my_learning(story, client):
    client.force_login(story.ana.user)
    html = client.get(reverse("lms:my_learning")).content.decode()
    assert f'href="{reverse("lms:my_transcript")}"' in html


def test_the_learning_record_asks_visitors_to_log_in(client):
    response = client.get(reverse("lms:my_transcript"))
    assert response.status_code == 302
    assert "login" in response["Location"] or "entrar" in response["Location"]


def test_an_account_without_a_profile_gets_a_message_not_an_error(client, db):
    client.force_login(UserFactory(email="sin-perfil@example.org"))
    response = client.get(reverse("lms:my_transcript"))
    assert response.status_code == 200
    assert response.context["participant"] is None
    assert "transcript" not in response.context


def test_the_learning_record_costs_the_same_queries_with_more_records(story, client):
    client.force_login(story.ana.user)
    url = reverse("lms:my_transcript")
    small = page_queries(client, url)
    busier(story, story.ana, 4)
    large = page_queries(client, url)
    assert small == large <= SITE_TRANSCRIPT_PAGE
    assert large == SITE_TRANSCRIPT_PAGE
