"""Self-paced courses from the participant's side: access, enrolment, progress, Mi aprendizaje,
and the trainers' course progress report."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from courses.models import LessonPage, QuizPage
from lms import roles
from lms.models import Enrolment, Participant, StepProgress
from lms.services.learning import enrol, start_attempt, submit_attempt
from tests.factories import (
    CoursePageFactory,
    LessonPageFactory,
    UserFactory,
)
from tests.lms.factories import ParticipantFactory, gad

COURSE = "/cursos/movilidad-pdot/"
CONCEPTOS = f"{COURSE}conceptos/"
DIAGNOSTICO = f"{COURSE}diagnostico/"
EVALUACION = f"{COURSE}evaluacion/"


@pytest.fixture
def participant(official):
    return Participant.objects.get(user=official)


@pytest.fixture
def enrolled(client, official, participant, course):
    client.force_login(official)
    return enrol(participant=participant, course=course)


def publish(page, **changes):
    for name, value in changes.items():
        setattr(page, name, value)
    page.save_revision().publish()
    return page


def step(slug) -> LessonPage | QuizPage:
    return LessonPage.objects.filter(slug=slug).first() or QuizPage.objects.get(slug=slug)


def complete_url(course, slug):
    return reverse("lms:complete_step", args=[course.pk, step(slug).pk])


def full_marks(question):
    value = question["value"]
    if question["type"] == "true_false":
        return value["answer"]
    for index, item in enumerate(value["options"]):
        option, option_id = (item["value"], item["id"]) if "value" in item else (item, str(index))
        if option["correct"]:
            return option_id
    raise AssertionError("no correct option")


def pass_quiz(enrolment, slug="evaluacion"):
    attempt = start_attempt(enrolment=enrolment, quiz=step(slug))
    answers = {question["id"]: full_marks(question) for question in attempt.questions}
    return submit_attempt(attempt=attempt, answers=answers)


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- Access to steps -------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_log_in_and_back(client, course):
    response = client.get(CONCEPTOS)

    assert response.status_code == 302
    assert response["Location"] == f"/cuenta/login/?next={CONCEPTOS}"


def test_anonymous_visitor_reads_an_open_reading_course_and_nothing_is_recorded(client, course):
    publish(course, open_reading=True)

    response = client.get(CONCEPTOS)

    assert response.status_code == 200
    assert "Contenido de la lección." in response.content.decode()
    assert not StepProgress.objects.exists()


def test_quiz_page_shows_anonymous_visitors_its_rules_but_no_question(client, course):
    response = client.get(EVALUACION)

    html = response.content.decode()
    assert response.status_code == 200
    assert "/cuenta/login/" in html
    assert "¿Qué documento ordena el territorio cantonal?" not in html


def test_participant_not_enrolled_is_sent_to_the_course_page(client, official, course):
    client.force_login(official)

    response = client.get(CONCEPTOS)

    assert response.status_code == 302
    assert response["Location"] == COURSE
    assert messages_of(response) == ["Inscríbase en el curso para abrir sus lecciones."]


def test_participant_not_enrolled_reads_open_reading_without_records(client, official, course):
    publish(course, open_reading=True)
    client.force_login(official)

    response = client.get(CONCEPTOS)

    assert response.status_code == 200
    html = response.content.decode()
    assert "su avance no se guarda" in html
    assert "Marcar como terminada" not in html
    assert not StepProgress.objects.exists()


def test_participant_who_left_is_sent_to_the_course_page(client, enrolled):
    client.post(reverse("lms:leave", args=[enrolled.course_id]))

    response = client.get(CONCEPTOS)

    assert response.status_code == 302
    assert response["Location"] == COURSE


def test_enrolled_participant_opens_a_lesson_and_the_visit_is_recorded(client, enrolled):
    first = client.get(CONCEPTOS)
    client.get(CONCEPTOS)

    assert first.status_code == 200
    assert "Marcar como terminada" in first.content.decode()
    progress = StepProgress.objects.get(enrolment=enrolled, step=step("conceptos"))
    assert progress.views == 2
    assert progress.first_viewed_at <= progress.last_viewed_at
    assert progress.completed_at is None
    enrolled.refresh_from_db()
    assert enrolled.last_activity_at is not None


def test_without_lessons_in_order_any_step_opens(client, enrolled):
    assert client.get(DIAGNOSTICO).status_code == 200


def test_lessons_in_order_keep_a_step_closed_until_the_previous_required_one_is_done(
    client, enrolled, course
):
    publish(course, lessons_in_order=True)

    closed = client.get(DIAGNOSTICO)
    client.post(complete_url(course, "conceptos"))
    opened = client.get(DIAGNOSTICO)

    assert closed.status_code == 302
    assert closed["Location"] == COURSE
    assert messages_of(closed) == [
        "Termine primero «Conceptos»: los pasos de este curso se abren en orden."
    ]
    assert opened.status_code == 200
    assert not StepProgress.objects.filter(step=step("diagnostico"), views__gt=1).exists()


def test_lessons_in_order_also_close_the_quiz(client, enrolled, course):
    publish(course, lessons_in_order=True)

    response = client.get(EVALUACION)

    assert response.status_code == 302
    assert response["Location"] == COURSE


def test_an_optional_step_does_not_hold_the_next_one_back(client, enrolled, course):
    publish(step("diagnostico"), required=False)
    publish(course, lessons_in_order=True)
    client.post(complete_url(course, "conceptos"))

    # The quiz's previous required step is "conceptos", which is done.
    assert client.get(EVALUACION).status_code == 200
    # The optional step itself opens after the required step before it.
    assert client.get(DIAGNOSTICO).status_code == 200


def test_course_page_marks_locked_steps(client, enrolled, course):
    publish(course, lessons_in_order=True)

    html = client.get(COURSE).content.decode()

    assert html.count("is-locked") == 2
    assert f'href="{CONCEPTOS}"' in html
    assert f'href="{DIAGNOSTICO}"' not in html


def test_course_pages_and_the_catalogue_are_public(client, course):
    assert client.get(COURSE).status_code == 200
    assert client.get("/cursos/").status_code == 200


# --- Enrolling and leaving --------------------------------------------------------


def test_enrol_by_post(client, official, participant, course):
    client.force_login(official)

    response = client.post(reverse("lms:enrol", args=[course.pk]))

    assert response.status_code == 302
    assert response["Location"] == COURSE
    enrolment = Enrolment.objects.get(participant=participant, course=course)
    assert enrolment.is_active
    assert enrolment.enrolled_by is None
    assert enrolment.required_steps == 3
    assert enrolment.next_step_id == step("conceptos").pk


def test_a_get_never_enrols(client, official, course):
    client.force_login(official)

    course_page = client.get(COURSE)
    endpoint = client.get(reverse("lms:enrol", args=[course.pk]))

    assert course_page.status_code == 200
    assert endpoint.status_code == 405
    assert not Enrolment.objects.exists()


def test_course_page_offers_the_enrol_button_only_where_self_enrolment_is_open(
    client, official, course
):
    client.force_login(official)
    open_html = client.get(COURSE).content.decode()
    publish(course, self_enrolment=False)
    closed_html = client.get(COURSE).content.decode()

    assert "Inscribirme" in open_html
    assert reverse("lms:enrol", args=[course.pk]) in open_html
    assert "Inscribirme" not in closed_html
    assert "no está abierto a la inscripción" in closed_html


def test_closed_course_refuses_self_enrolment(client, official, course):
    publish(course, self_enrolment=False)
    client.force_login(official)

    response = client.post(reverse("lms:enrol", args=[course.pk]))

    assert response.status_code == 302
    assert not Enrolment.objects.exists()
    assert "no está abierto a la inscripción" in messages_of(response)[0]


def test_anonymous_enrol_goes_to_log_in_and_back_to_the_course(client, course):
    response = client.post(reverse("lms:enrol", args=[course.pk]))

    assert response.status_code == 302
    assert response["Location"] == f"/cuenta/login/?next={COURSE}"
    assert not Enrolment.objects.exists()


def test_staff_without_a_participant_profile_is_asked_to_complete_it(client, course):
    client.force_login(UserFactory(email="sin-perfil@example.org"))

    response = client.post(reverse("lms:enrol", args=[course.pk]))

    assert response["Location"] == reverse("lms:profile")
    assert not Enrolment.objects.exists()


def test_enrolling_in_an_unpublished_course_is_not_found(client, official, course):
    client.force_login(official)
    course.unpublish()

    response = client.post(reverse("lms:enrol", args=[course.pk]))

    assert response.status_code == 404


def test_leave_keeps_progress_and_enrolling_again_brings_it_back(client, enrolled, course):
    client.post(complete_url(course, "conceptos"))

    left = client.post(reverse("lms:leave", args=[course.pk]))
    after_leaving = client.get(COURSE).content.decode()
    client.post(reverse("lms:enrol", args=[course.pk]))

    assert left["Location"] == COURSE
    assert "Inscribirme" in after_leaving
    assert "Salir del curso" not in after_leaving
    enrolled.refresh_from_db()
    assert enrolled.is_active
    assert enrolled.completed_steps == 1


def test_leave_needs_a_post(client, enrolled):
    response = client.get(reverse("lms:leave", args=[enrolled.course_id]))

    assert response.status_code == 405
    enrolled.refresh_from_db()
    assert enrolled.is_active


def test_leave_asks_for_confirmation_on_the_course_page(client, enrolled):
    html = client.get(COURSE).content.decode()

    assert "<details" in html
    assert "Sí, salir del curso" in html
    assert "Su avance se conserva" in html


# --- Marking lessons done ---------------------------------------------------------


def test_mark_done_updates_the_figures_and_goes_to_the_next_step(client, enrolled, course):
    response = client.post(complete_url(course, "conceptos"))

    assert response.status_code == 302
    assert response["Location"] == DIAGNOSTICO
    enrolled.refresh_from_db()
    assert (enrolled.completed_steps, enrolled.required_steps) == (1, 3)
    assert enrolled.progress_percent == 33
    assert enrolled.next_step_id == step("diagnostico").pk
    course_html = client.get(COURSE).content.decode()
    assert '<progress max="100" value="33"' in course_html
    assert "33 %" in course_html
    assert "1 de 3 pasos obligatorios terminados" in course_html
    assert f'class="button" href="{DIAGNOSTICO}">Continuar' in course_html


def test_a_lesson_already_done_says_so(client, enrolled, course):
    client.post(complete_url(course, "conceptos"))

    html = client.get(CONCEPTOS).content.decode()

    assert "Terminada" in html
    assert "Marcar como terminada" not in html


def test_marking_done_twice_counts_once(client, enrolled, course):
    client.post(complete_url(course, "conceptos"))
    client.post(complete_url(course, "conceptos"))

    enrolled.refresh_from_db()
    assert enrolled.completed_steps == 1


def test_mark_done_needs_a_post_and_an_enrolment(client, official, course):
    client.force_login(official)

    get = client.get(complete_url(course, "conceptos"))
    post = client.post(complete_url(course, "conceptos"))

    assert get.status_code == 405
    assert post["Location"] == COURSE
    assert not StepProgress.objects.exists()


def test_a_quiz_is_not_marked_done_by_hand(client, enrolled, course):
    response = client.post(complete_url(course, "evaluacion"))

    assert response.status_code == 404
    assert not StepProgress.objects.filter(completed_at__isnull=False).exists()


def test_a_locked_lesson_is_not_marked_done(client, enrolled, course):
    publish(course, lessons_in_order=True)

    response = client.post(complete_url(course, "diagnostico"))

    assert response["Location"] == COURSE
    enrolled.refresh_from_db()
    assert enrolled.completed_steps == 0


def test_a_step_of_another_course_is_not_found(client, enrolled, course):
    other = CoursePageFactory(parent=course.get_parent())
    lesson = LessonPageFactory(parent=other)

    response = client.post(reverse("lms:complete_step", args=[course.pk, lesson.pk]))

    assert response.status_code == 404


def test_the_course_is_complete_when_every_required_step_is_done(client, enrolled, course):
    client.post(complete_url(course, "conceptos"))
    last_lesson = client.post(complete_url(course, "diagnostico"))
    pass_quiz(enrolled)

    assert last_lesson["Location"] == EVALUACION
    enrolled.refresh_from_db()
    assert enrolled.is_completed
    assert enrolled.progress_percent == 100
    assert enrolled.next_step_id is None
    html = client.get(COURSE).content.decode()
    assert '<progress max="100" value="100"' in html
    assert "Completó este curso el" in html


def test_the_last_lesson_completes_the_course_and_says_so(client, enrolled, course):
    pass_quiz(enrolled)
    client.post(complete_url(course, "conceptos"))

    response = client.post(complete_url(course, "diagnostico"))

    assert response["Location"] == COURSE
    assert "¡Felicitaciones" in messages_of(response)[-1]


def test_optional_steps_do_not_count(client, enrolled, course):
    publish(step("diagnostico"), required=False)
    client.post(complete_url(course, "conceptos"))
    enrolled.refresh_from_db()
    assert (enrolled.completed_steps, enrolled.required_steps) == (1, 2)

    pass_quiz(enrolled)

    enrolled.refresh_from_db()
    assert enrolled.is_completed
    assert not StepProgress.objects.filter(
        step=step("diagnostico"), completed_at__isnull=False
    ).exists()


def test_a_failed_quiz_leaves_the_course_open(client, enrolled, course):
    attempt = start_attempt(enrolment=enrolled, quiz=step("evaluacion"))
    submit_attempt(attempt=attempt, answers={})

    enrolled.refresh_from_db()
    assert not enrolled.is_completed
    assert enrolled.completed_steps == 0


# --- Catalogue and Mi aprendizaje -------------------------------------------------


def test_catalogue_cards_show_the_participants_progress(client, enrolled, course):
    client.post(complete_url(course, "conceptos"))

    html = client.get("/cursos/").content.decode()

    assert '<progress max="100" value="33"' in html


def test_my_learning_lists_courses_in_progress_and_completed(client, enrolled, course):
    other = CoursePageFactory(parent=course.get_parent(), title="Presupuesto participativo")
    LessonPageFactory(parent=other, title="Única lección")
    finished = enrol(participant=enrolled.participant, course=other)
    client.post(reverse("lms:complete_step", args=[other.pk, other.get_children().first().pk]))
    client.post(complete_url(course, "conceptos"))
    pass_quiz(enrolled)

    response = client.get(reverse("lms:my_learning"))

    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    assert "no-store" in response["Cache-Control"]
    in_progress = [item["course"].pk for item in response.context["in_progress"]]
    completed = [item["course"].pk for item in response.context["completed"]]
    assert in_progress == [course.pk]
    assert completed == [finished.course_id]
    html = response.content.decode()
    assert f'href="{DIAGNOSTICO}">Continuar' in html
    assert "Evaluación final" in html
    assert "100 %" in html


def test_my_learning_needs_a_login(client):
    response = client.get(reverse("lms:my_learning"))

    assert response["Location"].startswith("/cuenta/login/")


def test_my_learning_leaves_out_courses_left_unfinished(client, enrolled, course):
    client.post(reverse("lms:leave", args=[course.pk]))

    response = client.get(reverse("lms:my_learning"))

    assert response.context["in_progress"] == []


# --- The course progress report ---------------------------------------------------


@pytest.fixture
def trainer(db):
    return UserFactory(email="capacitador@example.org", groups=[roles.TRAINER])


@pytest.fixture
def two_provinces(course):
    """One participant enrolled from Manabí (Pedernales), one from Loja."""
    manabi = ParticipantFactory(full_name="Rosa Mero", gad=gad("1317"))
    loja = ParticipantFactory(full_name="Carlos Torres", gad=gad("1101"))
    for participant in (manabi, loja):
        enrol(participant=participant, course=course)
    return manabi, loja


def test_report_lists_participants_with_their_progress(client, login_staff, trainer, two_provinces):
    manabi, _loja = two_provinces
    pass_quiz(Enrolment.objects.get(participant=manabi))
    login_staff(trainer)

    response = client.get(reverse("learning_report:index"))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert "Rosa Mero" in html
    assert "Carlos Torres" in html
    assert "1 / 3" in html
    assert "Evaluación final: 100 % ✓" in html


def test_report_filters_by_province(client, login_staff, trainer, two_provinces):
    manabi, _loja = two_provinces
    login_staff(trainer)

    response = client.get(
        reverse("learning_report:index"), {"participant__gad__province": manabi.gad.province_id}
    )

    html = response.content.decode()
    assert "Rosa Mero" in html
    assert "Carlos Torres" not in html


def test_report_filters_pilot_gads_and_searches_by_gad(client, login_staff, trainer, two_provinces):
    login_staff(trainer)
    url = reverse("learning_report:index")

    searched = client.get(url, {"q": "Loja"}).content.decode()

    assert "Carlos Torres" in searched
    assert "Rosa Mero" not in searched
    assert client.get(url, {"participant__gad__is_pilot": "true"}).status_code == 200


def test_report_is_read_only(client, login_staff, two_provinces):
    manager = UserFactory(email="gestora@example.org", groups=[roles.MANAGER])
    login_staff(manager)

    html = client.get(reverse("learning_report:index")).content.decode()

    assert "/edit/" not in html
    assert "/delete/" not in html
    assert client.get("/admin/avance-cursos/new/").status_code == 404


@pytest.mark.parametrize("role", [roles.EDITOR, None])
def test_report_is_refused_to_editors_and_participants(client, login_staff, official, role):
    if role is None:
        client.force_login(official)
    else:
        login_staff(UserFactory(email="editora@example.org", groups=[role]))

    response = client.get(reverse("learning_report:index"))

    assert response.status_code in (302, 403)
    assert "Rosa Mero" not in response.content.decode()


def test_trainer_enrols_a_whole_gad_in_a_closed_course(client, login_staff, trainer, course):
    publish(course, self_enrolment=False)
    pedernales = [ParticipantFactory(gad=gad("1317")) for _ in range(3)]
    ParticipantFactory(gad=gad("1101"))
    login_staff(trainer)

    response = client.post(
        reverse("learning_report:enrol_gad"), {"course": course.pk, "gad": gad("1317").pk}
    )

    assert response.status_code == 302
    enrolled = Enrolment.objects.filter(course=course)
    assert {e.participant_id for e in enrolled} == {p.pk for p in pedernales}
    assert all(e.enrolled_by == trainer for e in enrolled)
    assert all(e.required_steps == 3 for e in enrolled)


def test_editors_may_not_enrol_a_gad(client, login_staff, course):
    login_staff(UserFactory(email="editora@example.org", groups=[roles.EDITOR]))

    response = client.post(
        reverse("learning_report:enrol_gad"), {"course": course.pk, "gad": gad("1317").pk}
    )

    assert response.status_code in (302, 403)
    assert not Enrolment.objects.exists()


def test_services_refuse_a_step_of_another_course(enrolled, course):
    """The views check the course; the services check it again for any other caller."""
    from wagtail.models import Page

    from lms.services.errors import NotEnrolledError
    from lms.services.learning import complete_step

    other = CoursePageFactory(parent=course.get_parent(), slug="otro-curso")
    foreign = LessonPageFactory(parent=other, slug="leccion-ajena")

    with pytest.raises(NotEnrolledError):
        complete_step(enrolment=enrolled, step=foreign)
    with pytest.raises(NotEnrolledError):  # as the view passes it: only the primary key
        complete_step(enrolment=enrolled, step=Page(pk=foreign.pk))
    with pytest.raises(NotEnrolledError):  # the course itself is not one of its steps
        complete_step(enrolment=enrolled, step=Page(pk=course.pk))
    assert not StepProgress.objects.filter(step=foreign).exists()

    own_quiz = QuizPage.objects.get(slug="evaluacion")
    assert start_attempt(enrolment=enrolled, quiz=own_quiz).enrolment == enrolled
    quiz_elsewhere = other.add_child(
        instance=QuizPage(title="Evaluación ajena", slug="evaluacion-ajena", questions=[])
    )
    with pytest.raises(NotEnrolledError):
        start_attempt(enrolment=enrolled, quiz=quiz_elsewhere)

    done = complete_step(enrolment=enrolled, step=Page(pk=step("conceptos").pk))
    assert done.completed_steps == 1
