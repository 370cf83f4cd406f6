import factory
import wagtail_factories
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from cms.models import HomePage, StandardPage, ToolkitIndexPage, ToolkitPage
from courses.models import CourseIndexPage, CoursePage, LessonPage, QuizPage


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"persona{n}@example.org")
    first_name = "María"
    last_name = "Quishpe"
    password = factory.django.Password("contrasena-segura-123")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        for name in extracted or ():
            self.groups.add(Group.objects.get(name=name))


class HomePageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = HomePage

    title = "Inicio"
    slug = "inicio"
    welcome_title = "Movilidad humana en la planificación local"
    welcome_text = "<p>Bienvenida a Aula.</p>"


class ToolkitIndexPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = ToolkitIndexPage

    title = "Caja de herramientas"
    slug = "caja-de-herramientas"
    show_in_menus = True


class ToolkitPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = ToolkitPage

    title = factory.Sequence(lambda n: f"Módulo {n}")
    slug = factory.Sequence(lambda n: f"modulo-{n}")
    summary = "Un módulo de la caja de herramientas."
    body = factory.LazyFunction(
        lambda: [("paragraph", "<p>La movilidad humana en el territorio.</p>")]
    )


class StandardPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = StandardPage

    title = factory.Sequence(lambda n: f"Página {n}")
    slug = factory.Sequence(lambda n: f"pagina-{n}")
    intro = "Una página del sitio."


class CourseIndexPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = CourseIndexPage

    title = "Cursos"
    slug = "cursos"
    show_in_menus = True


class CoursePageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = CoursePage

    title = factory.Sequence(lambda n: f"Curso {n}")
    slug = factory.Sequence(lambda n: f"curso-{n}")
    summary = "Un curso sobre movilidad humana y planificación local."
    estimated_hours = 4


class LessonPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = LessonPage

    title = factory.Sequence(lambda n: f"Lección {n}")
    slug = factory.Sequence(lambda n: f"leccion-{n}")
    estimated_minutes = 10
    body = factory.LazyFunction(lambda: [("paragraph", "<p>Contenido de la lección.</p>")])


def single_choice(
    prompt="¿Qué documento ordena el territorio cantonal?",
    right="El PDOT",
    wrong=("El POA", "El PAC"),
):
    return {
        "prompt": f"<p>{prompt}</p>",
        "options": [{"text": right, "correct": True, "feedback": "Correcto."}]
        + [{"text": text, "correct": False, "feedback": ""} for text in wrong],
        "feedback": "El PDOT ordena el territorio.",
    }


class QuizPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = QuizPage

    title = factory.Sequence(lambda n: f"Evaluación {n}")
    slug = factory.Sequence(lambda n: f"evaluacion-{n}")
    pass_mark = 70
    questions = factory.LazyFunction(
        lambda: [
            ("single_choice", single_choice()),
            (
                "true_false",
                {
                    "prompt": "<p>El diagnóstico es la primera parte del PDOT.</p>",
                    "answer": "true",
                    "feedback": "",
                },
            ),
        ]
    )
