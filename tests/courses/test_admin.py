"""Editors build a whole course in the Wagtail admin: catalogue, course, lessons, quiz."""

import pytest
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from courses.models import CourseIndexPage, CoursePage, LessonPage, QuizPage
from lms import roles
from tests.cms.test_admin import add_page_url, list_items
from tests.factories import UserFactory


@pytest.fixture
def editor_client(login_staff, db):
    return login_staff(UserFactory(email="editora@example.org", groups=[roles.EDITOR]))


def option(text, correct=False, feedback=""):
    return {"text": text, "correct": "on" if correct else "", "feedback": feedback}


EVERY_QUESTION = [
    (
        "single_choice",
        {
            "prompt": rich_text("<p>¿Qué documento ordena el territorio?</p>"),
            "options": list_items([option("El PDOT", True), option("El POA")]),
            "feedback": "",
        },
    ),
    (
        "multiple_choice",
        {
            "prompt": rich_text("<p>¿Qué normas aplican?</p>"),
            "options": list_items(
                [option("LOMH", True), option("COOTAD", True), option("Código de Comercio")]
            ),
            "partial_credit": "on",
            "feedback": "",
        },
    ),
    (
        "true_false",
        {"prompt": rich_text("<p>Nadie es ilegal.</p>"), "answer": "true", "feedback": ""},
    ),
    (
        "short_answer",
        {
            "prompt": rich_text("<p>Sigla del plan</p>"),
            "accepted_answers": list_items(["PDOT"]),
            "feedback": "",
        },
    ),
    (
        "matching",
        {
            "prompt": rich_text("<p>Relacione</p>"),
            "pairs": list_items(
                [{"left": "Llegar", "right": "Inmigración"}, {"left": "Volver", "right": "Retorno"}]
            ),
            "feedback": "",
        },
    ),
    (
        "ordering",
        {
            "prompt": rich_text("<p>Ordene</p>"),
            "items": list_items(["Diagnóstico", "Propuesta", "Modelo de gestión"]),
            "feedback": "",
        },
    ),
]


def publish(client, model, parent, data):
    response = client.post(
        add_page_url(model, parent), nested_form_data({**data, "action-publish": "publish"})
    )
    assert response.status_code == 302, (
        response.context["form"].errors if response.context else response
    )
    return model.objects.get(slug=data["slug"])


def test_editor_builds_a_course_with_lessons_and_a_quiz_of_every_question_type(editor_client, home):
    catalogue = publish(
        editor_client,
        CourseIndexPage,
        home,
        {"title": "Cursos", "slug": "cursos", "intro": rich_text("")},
    )
    course = publish(
        editor_client,
        CoursePage,
        catalogue,
        {
            "title": "Movilidad humana en el PDOT",
            "slug": "movilidad-pdot",
            "summary": "Curso básico.",
            "objectives": inline_formset(
                [{"text": "Distinguir los tipos de movilidad humana"}], min=1
            ),
            "estimated_hours": "6",
            "level": "basic",
            "self_enrolment": "on",
            "lessons_in_order": "on",
            "tags": "PDOT",
        },
    )
    publish(
        editor_client,
        LessonPage,
        course,
        {
            "title": "Conceptos",
            "slug": "conceptos",
            "body": streamfield(
                [("paragraph", rich_text("<p>Inmigración, emigración, tránsito y retorno.</p>"))]
            ),
            "estimated_minutes": "12",
            "required": "on",
        },
    )
    quiz = publish(
        editor_client,
        QuizPage,
        course,
        {
            "title": "Evaluación",
            "slug": "evaluacion",
            "intro": rich_text(""),
            "questions": streamfield(EVERY_QUESTION),
            "pass_mark": "70",
            "max_attempts": "3",
            "questions_per_attempt": "0",
            "shuffle_options": "on",
            "show_answers": "after_each",
            "estimated_minutes": "10",
            "required": "on",
        },
    )

    course.refresh_from_db()
    assert course.live and course.lessons_in_order
    assert [o.text for o in course.objectives.all()] == ["Distinguir los tipos de movilidad humana"]
    assert [step.slug for step in course.steps()] == ["conceptos", "evaluacion"]
    bank = quiz.question_bank()
    assert [question["type"] for question in bank] == [
        "single_choice", "multiple_choice", "true_false", "short_answer", "matching", "ordering",
    ]  # fmt: skip
    assert all(question["id"] for question in bank)


def test_a_single_choice_question_needs_exactly_one_correct_option(editor_client, home):
    catalogue = publish(
        editor_client,
        CourseIndexPage,
        home,
        {"title": "Cursos", "slug": "cursos", "intro": rich_text("")},
    )
    course = publish(
        editor_client,
        CoursePage,
        catalogue,
        {
            "title": "Curso",
            "slug": "curso",
            "summary": "Resumen",
            "objectives": inline_formset([{"text": "Objetivo"}], min=1),
            "estimated_hours": "1",
            "level": "basic",
        },
    )
    data = {
        "title": "Evaluación",
        "slug": "evaluacion",
        "intro": rich_text(""),
        "questions": streamfield(
            [
                (
                    "single_choice",
                    {
                        "prompt": rich_text("<p>¿?</p>"),
                        "options": list_items([option("A"), option("B")]),
                        "feedback": "",
                    },
                )
            ]
        ),
        "pass_mark": "70",
        "max_attempts": "0",
        "questions_per_attempt": "0",
        "show_answers": "never",
        "estimated_minutes": "5",
        "action-publish": "publish",
    }

    response = editor_client.post(add_page_url(QuizPage, course), nested_form_data(data))

    assert response.status_code == 200
    assert not QuizPage.objects.exists()


def test_lessons_and_quizzes_live_only_under_courses(course, home):
    assert not LessonPage.can_create_at(home)
    assert not QuizPage.can_create_at(home)
    assert LessonPage.can_create_at(course)
    assert QuizPage.can_create_at(course)
    assert not CoursePage.can_create_at(home)
    assert CoursePage.can_create_at(course.get_parent())
