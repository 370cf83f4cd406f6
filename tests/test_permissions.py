"""Who may open what: every role against every protected URL.

Add a row for each URL a feature adds. "ok" means the page opens (200);
"login" means an anonymous visitor is sent to log in; "elsewhere" means the
page sends the user on (a staff account without a participant profile is
sent to complete it); "denied" means a
logged-in user without the right is turned away (403, or Wagtail's redirect
to its dashboard with a message) and sees none of the page's data;
"not_allowed" means the URL only takes a POST (405 to a GET, for everyone).
"""

import pytest
from django.urls import reverse

from lms import roles
from lms.models import GAD
from lms.services.people import register_participant
from tests.factories import UserFactory

ROLES = ["anonymous", "participant", "trainer", "editor", "manager", "superuser"]


def site_settings_url():
    from wagtail.models import Site

    return reverse(
        "wagtailsettings:edit",
        args=("cms", "sitesettings", Site.objects.get(is_default_site=True).pk),
    )


def course_url():
    """A course closed to self-enrolment, built on first use (the matrix starts from a home page)."""
    from cms.models import HomePage
    from courses.models import CoursePage
    from tests.factories import CourseIndexPageFactory, CoursePageFactory, LessonPageFactory

    course = CoursePage.objects.filter(slug="curso-matriz").first()
    if course is None:
        index = CourseIndexPageFactory(parent=HomePage.objects.get())
        course = CoursePageFactory(parent=index, slug="curso-matriz", self_enrolment=False)
        LessonPageFactory(parent=course, slug="leccion-matriz")
    return course.url


def lesson_url():
    return f"{course_url()}leccion-matriz/"


def catalogue_url():
    return course_url().rsplit("/", 2)[0] + "/"


def h5p_preview_url():
    from courses.models import H5PActivity

    activity = H5PActivity.objects.filter(key="matriz").first() or H5PActivity.objects.create(
        title="Actividad de la matriz", key="matriz", main_library="Aula.Question 1.0"
    )
    return reverse("h5p_preview", args=[activity.pk])


def workshop():
    from datetime import timedelta

    from django.utils import timezone

    from lms.models import Session, Workshop

    found = Workshop.objects.filter(slug="taller-matriz").first()
    if found is None:
        found = Workshop.objects.create(title="Taller", slug="taller-matriz", status="published")
        start = timezone.now() + timedelta(days=1)
        Session.objects.create(workshop=found, starts_at=start, ends_at=start + timedelta(hours=2))
    return found


def workshop_route(name, by="slug"):
    def url():
        found = workshop()
        if by == "session":
            return reverse(name, args=[found.sessions.get().pk])
        return reverse(name, args=[getattr(found, by)])

    url.__name__ = name
    return url


def matrix_certificate():
    """The matrix participant's certificate for the matrix course, its PDF ready."""
    from django.core.files.base import ContentFile

    from courses.models import CoursePage
    from lms.models import Certificate, Participant
    from lms.services.certificates import issue

    course_url()
    certificate = issue(
        participant=Participant.objects.get(user__email="participante@example.org"),
        kind=Certificate.Kind.COURSE,
        course=CoursePage.objects.get(slug="curso-matriz"),
    )
    if not certificate.pdf:
        certificate.pdf.save("matriz.pdf", ContentFile(b"%PDF-1.7 matriz"), save=False)
        certificate.pdf_status = Certificate.Pdf.READY
        certificate.save()
    return certificate


def certificate_route(name, by="code"):
    def url():
        return reverse(name, args=[getattr(matrix_certificate(), by)])

    url.__name__ = name
    return url


def pedernales_page():
    return reverse("reports_gad", args=[GAD.objects.get(code="1317").pk])


def matrix_transcript():
    """The matrix participant's transcript: they are in no workshop the trainer trains."""
    from lms.models import Participant

    participant = Participant.objects.get(user__email="participante@example.org")
    return reverse("reports_transcript", args=[participant.pk])


# url (or callable), then the expected outcome per role, in ROLES order.
MATRIX = [
    ("/", ["ok", "ok", "ok", "ok", "ok", "ok"]),
    ("/cuenta/perfil/", ["login", "ok", "ok", "ok", "ok", "ok"]),
    ("/cuenta/mis-datos/", ["login", "ok", "ok", "ok", "ok", "ok"]),
    ("/cuenta/mis-datos/descargar.json", ["login", "ok", *["elsewhere"] * 4]),
    ("/cuenta/mis-datos/descargar.csv", ["login", "ok", *["elsewhere"] * 4]),
    ("/cuenta/eliminar/", ["login", "ok", "ok", "ok", "ok", "ok"]),
    ("/cuenta/consentimiento/", ["login", "ok", *["elsewhere"] * 4]),
    ("/admin/", ["login", "denied", "ok", "ok", "ok", "ok"]),
    ("/admin/pages/", ["login", "denied", "denied", "ok", "denied", "ok"]),
    ("/admin/images/", ["login", "denied", "denied", "ok", "denied", "ok"]),
    ("/admin/documents/", ["login", "denied", "denied", "ok", "denied", "ok"]),
    (site_settings_url, ["login", "denied", "denied", "ok", "denied", "ok"]),
    ("/admin/participants/", ["login", "denied", "ok", "denied", "ok", "ok"]),
    (lambda: reverse("participants:add"), ["login", "denied", "ok", "denied", "ok", "ok"]),
    ("/admin/participants/?export=csv", ["login", "denied", "denied", "denied", "ok", "ok"]),
    ("/admin/gads/", ["login", "denied", "ok", "denied", "ok", "ok"]),
    (lambda: reverse("gads:add"), ["login", "denied", "denied", "denied", "ok", "ok"]),
    ("/admin/users/", ["login", "denied", "denied", "denied", "denied", "ok"]),
    ("/admin/groups/", ["login", "denied", "denied", "denied", "denied", "ok"]),
    # Self-paced courses: the catalogue and course pages are public; a lesson needs an
    # enrolment (nobody in this matrix is enrolled, so everyone is sent to the course page).
    (catalogue_url, ["ok"] * 6),
    (course_url, ["ok"] * 6),
    (lesson_url, ["login", *["elsewhere"] * 5]),
    ("/aprendizaje/", ["login", "ok", "ok", "ok", "ok", "ok"]),
    (lambda: reverse("lms:enrol", args=[1]), ["not_allowed"] * 6),
    (lambda: reverse("lms:leave", args=[1]), ["not_allowed"] * 6),
    (lambda: reverse("lms:complete_step", args=[1, 2]), ["not_allowed"] * 6),
    # The course progress report: trainers and managers (view participants), read-only.
    ("/admin/avance-cursos/", ["login", "denied", "ok", "denied", "ok", "ok"]),
    (lambda: reverse("learning_report:enrol_gad"), ["login", "denied", "ok", "denied", "ok", "ok"]),
    # H5P activities: editors manage them; trainers and managers may look and preview.
    ("/admin/snippets/courses/h5pactivity/", ["login", "denied", "ok", "ok", "ok", "ok"]),
    (
        lambda: reverse("wagtailsnippets_courses_h5pactivity:add"),
        ["login", "denied", "denied", "ok", "denied", "ok"],
    ),
    (h5p_preview_url, ["login", "denied", "ok", "ok", "ok", "ok"]),
    (
        lambda: reverse("h5p_preview_result", args=[1]),
        ["login", "denied", *["not_allowed"] * 4],
    ),
    (lambda: reverse("lms:h5p_results", args=[1, 2, 3]), ["not_allowed"] * 6),
    (lambda: reverse("lms:h5p_state", args=[1, 2, 3]), ["not_allowed"] * 6),
    # Workshops: public pages; registering is a POST; trainers schedule them in the admin
    # and take attendance on the site (only for workshops they run, or as managers).
    ("/talleres/", ["ok"] * 6),
    (workshop_route("lms:workshop_detail"), ["ok"] * 6),
    (workshop_route("lms:workshop_calendar"), ["ok"] * 6),
    (workshop_route("lms:workshop_register"), ["not_allowed"] * 6),
    (workshop_route("lms:workshop_cancel"), ["not_allowed"] * 6),
    ("/admin/workshops/", ["login", "denied", "ok", "denied", "ok", "ok"]),
    (workshop_route("workshops:edit", "pk"), ["login", "denied", "ok", "denied", "ok", "ok"]),
    (workshop_route("workshops:series", "pk"), ["login", "denied", "ok", "denied", "ok", "ok"]),
    ("/capacitacion/", ["login", "denied", "ok", "denied", "ok", "ok"]),
    (
        workshop_route("lms:attendance_workshop", "pk"),
        ["login", "denied", "denied", "denied", "ok", "ok"],
    ),
    (
        workshop_route("lms:attendance_workshop_csv", "pk"),
        ["login", "denied", "denied", "denied", "ok", "ok"],
    ),
    (
        workshop_route("lms:attendance_roster", "session"),
        ["login", "denied", "denied", "denied", "ok", "ok"],
    ),
    (
        workshop_route("lms:attendance_code", "session"),
        ["login", "denied", "denied", "denied", "ok", "ok"],
    ),
    (
        workshop_route("lms:attendance_import", "session"),
        ["login", "denied", "denied", "denied", "ok", "ok"],
    ),
    # Checking in is for confirmed registrants; nobody in this matrix is registered.
    (workshop_route("lms:attendance_check_in"), ["login", *["denied"] * 5]),
    # Certificates: anyone verifies one (page, Open Badges JSON and JWT, the public key);
    # only the holder downloads its PDF; trainers and managers list, issue and revoke.
    (certificate_route("lms:certificate_verify"), ["ok"] * 6),
    (certificate_route("lms:certificate_badge"), ["ok"] * 6),
    (certificate_route("lms:certificate_badge_jwt"), ["ok"] * 6),
    (lambda: reverse("lms:certificate_key"), ["ok"] * 6),
    (certificate_route("lms:certificate_pdf", "pk"), ["login", "ok", *["elsewhere"] * 4]),
    ("/admin/certificados/", ["login", "denied", "ok", "denied", "ok", "ok"]),
    (
        certificate_route("certificates:inspect", "pk"),
        ["login", "denied", "ok", "denied", "ok", "ok"],
    ),
    (
        certificate_route("certificates:revoke", "pk"),
        ["login", "denied", "ok", "denied", "ok", "ok"],
    ),
    (lambda: reverse("certificates:issue"), ["login", "denied", "ok", "denied", "ok", "ok"]),
    (
        lambda: reverse("certificates:issue_workshop"),
        ["login", "denied", "ok", "denied", "ok", "ok"],
    ),
    (
        lambda: reverse("participant_chooser:choose"),
        ["login", "denied", "ok", "denied", "ok", "ok"],
    ),
    # Reports: trainers read the dashboard of their workshops and export its indicator
    # tables; only managers see GAD pages, the pilots, anyone's transcript, personal-data
    # exports and the export log. Participants read their own record.
    ("/admin/informes/", ["login", "denied", "ok", "denied", "ok", "ok"]),
    ("/admin/informes/exportar/indicators.csv", ["login", "denied", "ok", "denied", "ok", "ok"]),
    ("/admin/informes/exportar/indicators.xlsx", ["login", "denied", "ok", "denied", "ok", "ok"]),
    *[
        (f"/admin/informes/exportar/{kind}.{fmt}", ["login", *["denied"] * 3, "ok", "ok"])
        for kind in ("participants", "enrolments", "attendance", "certificates")
        for fmt in ("csv", "xlsx")
    ],
    ("/admin/informes/exportaciones/", ["login", *["denied"] * 3, "ok", "ok"]),
    ("/admin/informes/pilotos/", ["login", *["denied"] * 3, "ok", "ok"]),
    (pedernales_page, ["login", *["denied"] * 3, "ok", "ok"]),
    (matrix_transcript, ["login", *["denied"] * 3, "ok", "ok"]),
    (lambda: reverse("lms:my_transcript"), ["login", "ok", "ok", "ok", "ok", "ok"]),
]


@pytest.fixture
def users(db):
    pedernales = GAD.objects.get(code="1317")
    participant = UserFactory(email="participante@example.org")
    register_participant(
        user=participant, full_name="Rosa Mero", gad=pedernales, sex="female", consent_version="1"
    )
    return {
        "participant": participant,
        "trainer": UserFactory(email="capacitador@example.org", groups=[roles.TRAINER]),
        "editor": UserFactory(email="editora@example.org", groups=[roles.EDITOR]),
        "manager": UserFactory(email="gestora@example.org", groups=[roles.MANAGER]),
        "superuser": UserFactory(email="admin@example.org", is_superuser=True, is_staff=True),
    }


def row_id(url):
    return (
        url if isinstance(url, str) else url.__name__ if url.__name__ != "<lambda>" else "add view"
    )


@pytest.mark.parametrize(
    ("url", "expected"), MATRIX, ids=[f"{i}:{row_id(row[0])}" for i, row in enumerate(MATRIX)]
)
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, login_staff, users, home, role, url, expected):
    url = url() if callable(url) else url
    outcome = expected[ROLES.index(role)]
    if role == "participant":
        client.force_login(users[role])
    elif role != "anonymous":
        login_staff(users[role])

    response = client.get(url)

    if outcome == "ok":
        assert response.status_code == 200, f"{role} should open {url}"
    elif outcome == "login":
        assert response.status_code == 302
        assert response["Location"].startswith("/cuenta/login/")
    elif outcome == "not_allowed":
        assert response.status_code == 405
    elif outcome == "elsewhere":
        assert response.status_code == 302
        assert not response["Location"].startswith(("/cuenta/login/", url))
    else:
        assert response.status_code in (302, 403), f"{role} must not open {url}"
        if response.status_code == 302:
            assert not response["Location"].startswith(url)
        assert b"participante@example.org" not in response.content
