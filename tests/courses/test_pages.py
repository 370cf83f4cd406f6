"""Course pages: where they may live in the tree, and that each template renders."""

import pytest

from cms.models import HomePage, StandardPage, ToolkitIndexPage
from courses.models import CourseIndexPage, CoursePage, LessonPage, QuizPage
from tests.factories import CoursePageFactory, LessonPageFactory


@pytest.mark.parametrize(
    ("model", "parent", "allowed"),
    [
        (CourseIndexPage, HomePage, True),
        (CourseIndexPage, StandardPage, False),
        (CourseIndexPage, CourseIndexPage, False),
        (CoursePage, CourseIndexPage, True),
        (CoursePage, HomePage, False),
        (CoursePage, ToolkitIndexPage, False),
        (CoursePage, CoursePage, False),
        (LessonPage, CoursePage, True),
        (LessonPage, CourseIndexPage, False),
        (LessonPage, HomePage, False),
        (LessonPage, LessonPage, False),
        (QuizPage, CoursePage, True),
        (QuizPage, CourseIndexPage, False),
        (QuizPage, StandardPage, False),
        (QuizPage, LessonPage, False),
    ],
)
def test_tree_rules(model, parent, allowed):
    assert (model in parent.allowed_subpage_models()) is allowed
    assert (parent in model.allowed_parent_page_models()) is allowed


def test_steps_take_no_children():
    assert LessonPage.allowed_subpage_models() == []
    assert QuizPage.allowed_subpage_models() == []


def test_a_lesson_cannot_be_created_outside_a_course(home):
    assert not LessonPage.can_create_at(home)
    assert not QuizPage.can_create_at(home)
    assert not CoursePage.can_create_at(home)
    assert CourseIndexPage.can_create_at(home)


def test_catalogue_renders_cards_with_level_hours_and_tags(client, course):
    course.tags.add("PDOT")
    course.save_revision().publish()

    response = client.get("/cursos/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Movilidad humana en el PDOT" in html
    assert "Básico" in html
    assert "4 horas" in html
    assert 'href="?etiqueta=pdot"' in html


def test_catalogue_filters_by_level_and_tag(client, course):
    index = course.get_parent()
    advanced = CoursePageFactory(parent=index, title="Presupuesto avanzado", level="advanced")
    advanced.tags.add("Presupuesto")
    advanced.save_revision().publish()

    by_level = client.get("/cursos/?nivel=advanced").content.decode()
    by_tag = client.get("/cursos/?etiqueta=presupuesto").content.decode()
    unknown_level = client.get("/cursos/?nivel=experto").content.decode()

    assert "Presupuesto avanzado" in by_level
    assert "Movilidad humana en el PDOT" not in by_level
    assert "Presupuesto avanzado" in by_tag
    assert "Movilidad humana en el PDOT" not in by_tag
    assert "Movilidad humana en el PDOT" in unknown_level


def test_course_page_renders_summary_objectives_and_outline(client, course):
    course.objectives.create(text="Reconocer los tipos de movilidad humana")
    course.save_revision().publish()

    response = client.get("/cursos/movilidad-pdot/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Un curso sobre movilidad humana" in html
    assert "Reconocer los tipos de movilidad humana" in html
    for title in ("Conceptos", "Diagnóstico", "Evaluación final"):
        assert title in html
    assert 'href="/cursos/movilidad-pdot/conceptos/"' in html


def test_course_page_invites_anonymous_visitors_to_log_in_or_sign_up(client, course):
    html = client.get("/cursos/movilidad-pdot/").content.decode()

    assert "/cuenta/login/?next=/cursos/movilidad-pdot/" in html
    assert "/cuenta/signup/?next=/cursos/movilidad-pdot/" in html
    assert "csrfmiddlewaretoken" not in html  # so the shared page cache may keep it


def test_lesson_page_renders_title_minutes_body_and_step_links(client, course):
    course.open_reading = True
    course.save_revision().publish()

    response = client.get("/cursos/movilidad-pdot/diagnostico/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Diagnóstico</h1>" in html
    assert "10 minutos" in html
    assert "Contenido de la lección." in html
    assert 'rel="prev" href="/cursos/movilidad-pdot/conceptos/"' in html
    assert 'rel="next" href="/cursos/movilidad-pdot/evaluacion/"' in html
    assert 'href="/cursos/movilidad-pdot/"' in html  # breadcrumbs and the outline link


def test_unpublished_steps_are_left_out_of_the_outline(client, course):
    draft = LessonPageFactory(parent=course, title="Borrador", slug="borrador", live=False)
    assert not draft.live

    html = client.get("/cursos/movilidad-pdot/").content.decode()

    assert "Borrador" not in html
