"""Demo course in Spanish: integrating human mobility into the PDOT, five lessons and two quizzes.

Used by `manage.py seed_demo`; finds what exists before creating anything.
"""

import json
import uuid

from cms.demo import (
    _block,
    _child,
    _publish,
    accordion,
    callout,
    document,
    heading,
    image,
    paragraph,
    pdot_cycle_image,
    quote,
    steps,
    table,
    variables_document,
)
from courses.h5p import activities
from courses.h5p.builder import build_package
from courses.models import (
    CourseIndexPage,
    CourseObjective,
    CoursePage,
    H5PActivity,
    LessonPage,
    QuizPage,
)

H5P_DEMO_TITLE = "¿Qué tipo de movilidad es?"


def _id(*parts) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "aula-demo:" + ":".join(parts)))


def _list(key, values):
    return [
        {"type": "item", "value": value, "id": _id(key, str(i))} for i, value in enumerate(values)
    ]


def option(text, correct=False, feedback=""):
    return {"text": text, "correct": correct, "feedback": feedback}


def single(key, prompt, options, feedback=""):
    return {
        "type": "single_choice",
        "id": _id(key),
        "value": {
            "prompt": f"<p>{prompt}</p>",
            "options": _list(key, options),
            "feedback": feedback,
        },
    }


def multiple(key, prompt, options, feedback="", partial_credit=True):
    return {
        "type": "multiple_choice",
        "id": _id(key),
        "value": {
            "prompt": f"<p>{prompt}</p>",
            "options": _list(key, options),
            "feedback": feedback,
            "partial_credit": partial_credit,
        },
    }


def true_false(key, prompt, answer, feedback=""):
    return {
        "type": "true_false",
        "id": _id(key),
        "value": {
            "prompt": f"<p>{prompt}</p>",
            "answer": "true" if answer else "false",
            "feedback": feedback,
        },
    }


def short(key, prompt, accepted, feedback=""):
    return {
        "type": "short_answer",
        "id": _id(key),
        "value": {
            "prompt": f"<p>{prompt}</p>",
            "accepted_answers": _list(key, accepted),
            "feedback": feedback,
        },
    }


def matching(key, prompt, pairs, feedback=""):
    return {
        "type": "matching",
        "id": _id(key),
        "value": {
            "prompt": f"<p>{prompt}</p>",
            "pairs": _list(key, [{"left": left, "right": right} for left, right in pairs]),
            "feedback": feedback,
        },
    }


def ordering(key, prompt, items, feedback=""):
    return {
        "type": "ordering",
        "id": _id(key),
        "value": {"prompt": f"<p>{prompt}</p>", "items": _list(key, items), "feedback": feedback},
    }


QUIZ_CONCEPTS = [
    single(
        "q1-1",
        "¿Cuál de estas situaciones es un caso de <em>retorno</em>?",
        [
            option("Una familia venezolana que se instala en Huaquillas"),
            option(
                "Un ecuatoriano que vuelve a Catamayo tras diez años en España",
                True,
                "Exacto: regresa a su país de origen.",
            ),
            option(
                "Una persona colombiana que cruza el cantón hacia Perú", feedback="Eso es tránsito."
            ),
        ],
        "Retorno es volver al país de origen después de vivir fuera.",
    ),
    multiple(
        "q1-2",
        "¿Qué normas asignan responsabilidades a los GAD en materia de movilidad humana? (marque todas las que correspondan)",
        [
            option("La Ley Orgánica de Movilidad Humana", True),
            option("El COOTAD", True),
            option("El Código de Comercio", feedback="No regula la movilidad humana."),
            option("La Constitución de la República", True),
        ],
        "La Constitución, la LOMH y el COOTAD forman el marco de referencia.",
    ),
    true_false(
        "q1-3",
        "Según la Constitución, una persona puede ser considerada ilegal por su condición migratoria.",
        False,
        "El artículo 40 dice lo contrario: ningún ser humano es ilegal por su condición migratoria.",
    ),
    short(
        "q1-4",
        "¿Qué sigla usamos para el Plan de Desarrollo y Ordenamiento Territorial?",
        ["PDOT", "P.D.O.T."],
        "PDOT: Plan de Desarrollo y Ordenamiento Territorial.",
    ),
    matching(
        "q1-5",
        "Relacione cada situación con su nombre.",
        [
            ("Llegar a un territorio para quedarse", "Inmigración"),
            ("Salir del propio territorio para vivir en otro", "Emigración"),
            ("Atravesar un territorio hacia otro destino", "Tránsito"),
            ("Volver después de haber vivido fuera", "Retorno"),
        ],
    ),
    ordering(
        "q1-6",
        "Ordene las partes del PDOT tal como se elaboran.",
        ["Diagnóstico", "Propuesta", "Modelo de gestión"],
        "Primero se describe el territorio, luego se decide qué hacer y por último cómo hacerlo.",
    ),
]

QUIZ_FINAL = [
    single(
        "q2-1",
        "En el diagnóstico, ¿qué fuente permite conocer la población extranjera residente por parroquia?",
        [
            option("El Censo de Población y Vivienda 2022", True),
            option("El plan operativo anual del GAD"),
            option("El registro de contratos públicos"),
        ],
    ),
    multiple(
        "q2-2",
        "¿Qué elementos forman parte del modelo de gestión?",
        [
            option("Estrategias de articulación", True),
            option("Sistema de seguimiento y evaluación", True),
            option("Fuentes de financiamiento", True),
            option(
                "El mapa de amenazas naturales", feedback="Ese insumo pertenece al diagnóstico."
            ),
        ],
    ),
    true_false(
        "q2-3",
        "Una meta del PDOT necesita una línea base, un valor esperado y una fecha.",
        True,
    ),
    true_false(
        "q2-4",
        "Para proteger los datos personales, el diagnóstico debe trabajar con cifras agregadas.",
        True,
    ),
    short(
        "q2-5",
        "¿Qué consejo cantonal coordina el sistema de protección integral de derechos?",
        ["Consejo Cantonal de Protección de Derechos", "Consejo de Protección de Derechos", "CCPD"],
    ),
    matching(
        "q2-6",
        "Relacione cada parte del PDOT con una pregunta que responde.",
        [
            ("Diagnóstico", "¿Cómo es hoy el territorio?"),
            ("Propuesta", "¿Qué queremos lograr?"),
            ("Modelo de gestión", "¿Cómo lo haremos y con quién?"),
        ],
    ),
    ordering(
        "q2-7",
        "Ordene los pasos para armar el diagnóstico.",
        [
            "Reunir los datos disponibles",
            "Escuchar a la comunidad",
            "Mapear los servicios",
            "Redactar los hallazgos",
        ],
    ),
    single(
        "q2-8",
        "¿Cuál es un indicador adecuado para la meta «ferias de emprendimiento con participación de personas en movilidad»?",
        [
            option("Número de emprendimientos participantes, por sexo", True),
            option("Número de reuniones del concejo"),
            option("Presupuesto total del GAD"),
        ],
    ),
]


def correct_answer(question: dict):
    """The full-marks answer to a question (used to give demo participants passed quizzes)."""
    kind, value = question["type"], question["value"]
    if kind == "single_choice":
        return next(item["id"] for item in value["options"] if item["value"]["correct"])
    if kind == "multiple_choice":
        return [item["id"] for item in value["options"] if item["value"]["correct"]]
    if kind == "true_false":
        return value["answer"]
    if kind == "short_answer":
        return value["accepted_answers"][0]["value"]
    if kind == "matching":
        return {item["id"]: item["id"] for item in value["pairs"]}
    return [item["id"] for item in value["items"]]


def demo_h5p_activity() -> H5PActivity:
    """A one-question H5P activity, built from Aula's own content type (no downloads)."""
    existing = H5PActivity.objects.filter(title=H5P_DEMO_TITLE).first()
    if existing:
        return existing
    from django.core.files.base import ContentFile

    package = ContentFile(
        build_package(
            title=H5P_DEMO_TITLE,
            question=(
                "María nació en Catamayo, vivió diez años en España y este año volvió a su "
                "cantón para abrir un negocio. ¿Qué tipo de movilidad humana vive?"
            ),
            options=[
                ("Retorno", True),
                ("Tránsito", False),
                ("Inmigración", False),
            ],
        ),
        name="que-tipo-de-movilidad.h5p",
    )
    key = activities.new_key()
    info = activities.unpack(package, key)
    activity = H5PActivity(title=H5P_DEMO_TITLE, max_score=1)
    activities.apply_package(activity, info, key)
    activity.package.save(package.name, package, save=False)
    activity.save()
    return activity


def h5p(activity_id, requirement="none"):
    return _block("h5p", {"activity": activity_id, "requirement": requirement})


def lessons(media):
    return [
        (
            "por-que-importa",
            "Lección 1. Por qué la movilidad humana importa al PDOT",
            12,
            True,
            [
                paragraph(
                    "Los planes de desarrollo describen quién vive en un territorio y qué necesita. "
                    "Cuando dejan fuera a quienes llegan, salen, transitan o retornan, las decisiones "
                    "se toman con una foto incompleta: faltan aulas donde llegaron familias, faltan "
                    "servicios donde se concentran las personas en tránsito, y se pierden aportes "
                    "como los emprendimientos de quienes regresan.",
                ),
                callout(
                    "info",
                    "Idea clave",
                    "Integrar la movilidad humana no es un capítulo aparte: es mirar cada parte del "
                    "PDOT preguntando cómo afecta y cómo aporta la población en movilidad.",
                ),
                h5p(media["h5p_activity"]),
                quote(
                    "Cuando contamos a todas las personas, el plan deja de ser un documento y se "
                    "vuelve una herramienta para gobernar mejor.",
                    "Técnica de planificación de un GAD piloto",
                ),
            ],
        ),
        (
            "marco-normativo",
            "Lección 2. El marco normativo en la práctica",
            15,
            True,
            [
                paragraph(
                    "La Constitución reconoce el derecho a migrar; la Ley Orgánica de Movilidad Humana "
                    "pide a los GAD incluir el tema en su planificación; el COOTAD organiza los "
                    "sistemas de protección de derechos en cada cantón.",
                ),
                steps(
                    "Cómo aplicar el marco en su GAD",
                    [
                        (
                            "Identifique las competencias",
                            "Revise qué servicios presta su GAD y a quién llegan.",
                        ),
                        (
                            "Busque aliados",
                            "El Consejo Cantonal de Protección de Derechos es el primero.",
                        ),
                        (
                            "Deje constancia",
                            "Cite las normas en el PDOT para sostener las decisiones.",
                        ),
                    ],
                ),
                accordion(
                    "Dudas frecuentes",
                    [
                        (
                            "¿Puede el GAD atender a personas sin documentos?",
                            "Sí: los servicios municipales y la protección de derechos no dependen de "
                            "la condición migratoria.",
                        ),
                        (
                            "¿Necesito una ordenanza específica?",
                            "No es obligatoria, pero una ordenanza ayuda a dar continuidad a las políticas.",
                        ),
                    ],
                ),
            ],
        ),
        (
            "diagnostico",
            "Lección 3. Diagnóstico con enfoque de movilidad humana",
            20,
            True,
            [
                image(
                    media["pdot_image"],
                    "Diagrama de tres bloques unidos por flechas: 1. Diagnóstico, 2. Propuesta, "
                    "3. Modelo de gestión.",
                    "El diagnóstico es la base de las otras dos partes.",
                ),
                heading("Qué datos reunir"),
                table(
                    "Datos mínimos para el diagnóstico",
                    ["Dato", "Fuente", "Desagregación"],
                    [
                        [
                            "Población extranjera residente",
                            "Censo 2022 (INEC)",
                            "Parroquia, sexo, edad",
                        ],
                        [
                            "Estudiantes extranjeros",
                            "Ministerio de Educación",
                            "Circuito educativo",
                        ],
                        [
                            "Atenciones de salud",
                            "Ministerio de Salud Pública",
                            "Establecimiento, sexo",
                        ],
                    ],
                ),
                document(
                    media["variables_document"],
                    "Descargar la matriz de variables (CSV)",
                    "Úsela como lista de control al preparar el diagnóstico.",
                ),
            ],
        ),
        (
            "propuesta",
            "Lección 4. Propuesta: objetivos, metas y proyectos",
            15,
            True,
            [
                paragraph(
                    "Cada problema del diagnóstico debe tener una respuesta en la propuesta: un "
                    "objetivo, una meta medible y al menos un programa o proyecto con responsable.",
                ),
                table(
                    "De un hallazgo a un proyecto",
                    ["Hallazgo", "Objetivo", "Proyecto"],
                    [
                        [
                            "Familias recién llegadas sin cupo escolar",
                            "Garantizar el acceso a la educación",
                            "Mesa cantonal de cupos con el distrito educativo",
                        ],
                        [
                            "Emprendimientos de personas retornadas sin apoyo",
                            "Promover la integración económica",
                            "Feria anual de emprendimientos",
                        ],
                    ],
                ),
                callout(
                    "tip",
                    "Metas que se pueden medir",
                    "Línea base, valor esperado y fecha: sin ellas no habrá seguimiento posible.",
                ),
            ],
        ),
        (
            "experiencias-piloto",
            "Lección complementaria. Experiencias de los GAD piloto",
            10,
            False,
            [
                paragraph(
                    "Catamayo, El Carmen, Huaquillas, Pedernales y Zamora probaron la caja de "
                    "herramientas. Sus equipos coinciden en que escuchar a la comunidad en movilidad "
                    "cambió las prioridades del plan.",
                ),
                accordion(
                    "Lo que aprendimos",
                    [
                        (
                            "Huaquillas",
                            "Un cantón de frontera necesita datos de tránsito actualizados cada año.",
                        ),
                        (
                            "Pedernales",
                            "La reconstrucción tras el terremoto de 2016 atrajo población nueva.",
                        ),
                    ],
                ),
            ],
        ),
        (
            "modelo-de-gestion",
            "Lección 5. Modelo de gestión y seguimiento",
            15,
            True,
            [
                paragraph(
                    "El modelo de gestión convierte la propuesta en trabajo diario: quién coordina, "
                    "con qué dinero y cómo se mide el avance.",
                ),
                steps(
                    "Un seguimiento sencillo",
                    [
                        ("Elija pocos indicadores", "Los que ya puede medir con datos del GAD."),
                        ("Revise cada semestre", "Con el Consejo de Protección de Derechos."),
                        ("Publique los avances", "La ciudadanía también da seguimiento."),
                    ],
                ),
            ],
        ),
    ]


COURSE_SLUG = "movilidad-humana-en-el-pdot"


def seed_course(home):
    """The course catalogue and the demo course, featured on the home page; returns the course."""
    index = _child(
        home,
        CourseIndexPage,
        "cursos",
        title="Cursos",
        show_in_menus=True,
        intro="<p>Cursos a su ritmo, pensados para leerse en el teléfono y con pocos datos.</p>",
    )
    existing = index.get_children().filter(slug=COURSE_SLUG).first()
    if existing:
        return existing.specific
    course = _create_course(index)
    featured = [block["value"] for block in home.featured.raw_data]
    if course.pk not in featured:
        home.featured = [("page", course), *[("page", block.value) for block in home.featured]]
        _publish(home)
    return course


def _create_course(index):
    course = CoursePage(
        slug=COURSE_SLUG,
        title="Movilidad humana en el PDOT: curso básico",
        summary=(
            "Aprenda a integrar a las personas en movilidad humana en las tres partes del Plan de "
            "Desarrollo y Ordenamiento Territorial de su GAD, con ejemplos de los GAD piloto."
        ),
        estimated_hours=6,
        level=CoursePage.Level.BASIC,
    )
    course.objectives = [
        CourseObjective(text="Distinguir inmigración, emigración, tránsito y retorno."),
        CourseObjective(text="Conocer las normas que orientan la acción de los GAD."),
        CourseObjective(text="Incluir datos de movilidad humana en el diagnóstico."),
        CourseObjective(
            text="Formular metas y proyectos medibles con enfoque de movilidad humana."
        ),
    ]
    index.add_child(instance=course)
    course.tags.add("PDOT", "Movilidad humana")
    _publish(course)

    media = {
        "pdot_image": pdot_cycle_image().pk,
        "variables_document": variables_document().pk,
        "h5p_activity": demo_h5p_activity().pk,
    }
    all_lessons = lessons(media)
    for slug, title, minutes, required, body in all_lessons[:2]:
        _add_lesson(course, slug, title, minutes, required, body)
    _add_quiz(
        course,
        "evaluacion-conceptos",
        "Evaluación 1. Conceptos y normativa",
        QUIZ_CONCEPTS,
        pass_mark=70,
        max_attempts=0,
        questions_per_attempt=0,
        show_answers=QuizPage.ShowAnswers.AFTER_EACH,
    )
    for slug, title, minutes, required, body in all_lessons[2:]:
        _add_lesson(course, slug, title, minutes, required, body)
    _add_quiz(
        course,
        "evaluacion-final",
        "Evaluación final",
        QUIZ_FINAL,
        pass_mark=70,
        max_attempts=3,
        questions_per_attempt=6,
        show_answers=QuizPage.ShowAnswers.AFTER_PASS,
    )
    return course


def _add_lesson(course, slug, title, minutes, required, body):
    lesson = LessonPage(
        slug=slug, title=title, estimated_minutes=minutes, required=required, body=json.dumps(body)
    )
    course.add_child(instance=lesson)
    return _publish(lesson)


def _add_quiz(course, slug, title, questions, **rules):
    quiz = QuizPage(
        slug=slug,
        title=title,
        intro="<p>Responda con calma: sus respuestas se guardan mientras avanza.</p>",
        questions=json.dumps(questions),
        **rules,
    )
    course.add_child(instance=quiz)
    return _publish(quiz)
