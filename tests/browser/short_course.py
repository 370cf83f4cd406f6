"""A three-step course for the end-to-end learning test, built in the demo server's database.

Run inside the server's environment: `manage.py shell -c "from tests.browser.short_course import build; build()"`.
"""

import json

from cms.demo import _publish, paragraph
from courses.demo import QUIZ_CONCEPTS
from courses.models import CourseIndexPage, CourseObjective, CoursePage, LessonPage, QuizPage

SLUG = "curso-breve"


def build():
    index = CourseIndexPage.objects.get()
    if index.get_children().filter(slug=SLUG).exists():
        return
    course = CoursePage(
        slug=SLUG, title="Curso breve", summary="Dos lecciones y una evaluación.", estimated_hours=1
    )
    course.objectives = [CourseObjective(text="Repasar los conceptos básicos.")]
    index.add_child(instance=course)
    _publish(course)
    for slug, title in (("primera", "Primera lección"), ("segunda", "Segunda lección")):
        lesson = LessonPage(
            slug=slug,
            title=title,
            estimated_minutes=5,
            body=json.dumps([paragraph(f"Texto de la {title.lower()}.")]),
        )
        course.add_child(instance=lesson)
        _publish(lesson)
    quiz = QuizPage(
        slug="evaluacion",
        title="Evaluación del curso breve",
        questions=json.dumps(QUIZ_CONCEPTS),
        pass_mark=70,
        show_answers=QuizPage.ShowAnswers.AFTER_EACH,
    )
    course.add_child(instance=quiz)
    _publish(quiz)
