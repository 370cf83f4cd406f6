"""Demo site content in Spanish: the toolkit's real structure, written as real prose.

Used by `manage.py seed_demo`. Every function here finds what exists before it
creates anything, so seeding twice changes nothing.
"""

import io
import json
import uuid

from django.core.files.base import ContentFile
from django.db import transaction
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, Site

from cms.models import HomePage, SiteSettings, StandardPage, ToolkitIndexPage, ToolkitPage


def _block(block_type, value):
    return {
        "type": block_type,
        "value": value,
        "id": str(
            uuid.uuid5(uuid.NAMESPACE_URL, f"{block_type}:{json.dumps(value, sort_keys=True)}")
        ),
    }


def heading(text, level="h2"):
    return _block("heading", {"text": text, "level": level})


def paragraph(*paragraphs):
    return _block("paragraph", "".join(f"<p>{p}</p>" for p in paragraphs))


def callout(tone, title, text):
    return _block("callout", {"tone": tone, "title": title, "body": f"<p>{text}</p>"})


def accordion(title, items):
    return _block(
        "accordion",
        {"title": title, "items": [{"question": q, "answer": f"<p>{a}</p>"} for q, a in items]},
    )


def steps(title, items):
    return _block(
        "steps", {"title": title, "steps": [{"title": t, "body": f"<p>{b}</p>"} for t, b in items]}
    )


def quote(text, attribution):
    return _block("quote", {"quote": text, "attribution": attribution})


def table(caption, headings, rows):
    return _block(
        "table",
        {
            "caption": caption,
            "columns": [{"type": "text", "heading": h} for h in headings],
            "rows": [{"values": list(row)} for row in rows],
        },
    )


def image(image_id, alt, caption=""):
    return _block("image", {"image": image_id, "alt_text": alt, "caption": caption})


def document(document_id, title, description=""):
    return _block("document", {"document": document_id, "title": title, "description": description})


# --- media --------------------------------------------------------------------------------


def pdot_cycle_image():
    """A diagram of the three parts of a PDOT, drawn here so the demo needs no downloads."""
    Image = get_image_model()
    existing = Image.objects.filter(title="Las tres partes del PDOT").first()
    if existing:
        return existing
    from PIL import Image as PILImage
    from PIL import ImageDraw, ImageFont

    width, height = 1200, 520
    canvas = PILImage.new("RGB", (width, height), "#f2f5f9")
    draw = ImageDraw.Draw(canvas)

    def font(size):
        # Debian's DejaVu has every accent; Pillow's built-in font lacks "ó".
        try:
            return ImageFont.truetype("DejaVuSans.ttf", size)
        except OSError:
            return ImageFont.load_default(size=size)

    title_font, box_font, small_font = font(40), font(32), font(26)
    draw.text((60, 40), "Movilidad humana en el ciclo del PDOT", fill="#1b2430", font=title_font)
    boxes = [
        ("1. Diagnóstico", "¿Quiénes llegan,\nsalen, transitan\ny retornan?", "#0b4f8a"),
        ("2. Propuesta", "Objetivos, metas,\nprogramas y\nproyectos", "#1d6b3a"),
        ("3. Modelo de\ngestión", "Articulación,\nseguimiento y\nfinanciamiento", "#8a4b00"),
    ]
    box_width, gap, top = 330, 45, 150
    for index, (name, detail, color) in enumerate(boxes):
        left = 60 + index * (box_width + gap)
        draw.rounded_rectangle((left, top, left + box_width, top + 300), radius=24, fill=color)
        draw.text((left + 24, top + 30), name, fill="#ffffff", font=box_font)
        draw.multiline_text(
            (left + 24, top + 110), detail, fill="#ffffff", font=small_font, spacing=10
        )
        if index < len(boxes) - 1:
            x = left + box_width + 6
            draw.polygon([(x, top + 135), (x + 32, top + 150), (x, top + 165)], fill="#1b2430")
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG")
    return Image.objects.create(
        title="Las tres partes del PDOT",
        file=ContentFile(buffer.getvalue(), name="pdot-ciclo.png"),
    )


VARIABLES_CSV = """variable,fuente,desagregacion_minima,parte_del_pdot
Población extranjera residente,Censo de Población y Vivienda 2022 (INEC),parroquia; sexo; edad,Diagnóstico
Personas ecuatorianas emigrantes,Censo 2022 (INEC) - módulo de emigración,cantón; sexo; destino,Diagnóstico
Entradas y salidas del país,Registro de Entradas y Salidas Internacionales (INEC),provincia de frontera; nacionalidad,Diagnóstico
Estudiantes extranjeros matriculados,Registros administrativos del Ministerio de Educación,circuito educativo; nivel,Diagnóstico
Atenciones de salud a personas extranjeras,Registros del Ministerio de Salud Pública,establecimiento; sexo,Diagnóstico
Casos de protección de derechos,Junta Cantonal de Protección de Derechos,cantón; tipo de vulneración,Diagnóstico / Modelo de gestión
Proyectos con enfoque de movilidad humana,Plan operativo anual del GAD,proyecto; presupuesto,Propuesta / Modelo de gestión
"""


def variables_document():
    Document = get_document_model()
    existing = Document.objects.filter(title="Matriz de variables de movilidad humana").first()
    if existing:
        return existing
    return Document.objects.create(
        title="Matriz de variables de movilidad humana",
        file=ContentFile(VARIABLES_CSV.encode("utf-8"), name="matriz-variables-movilidad.csv"),
    )


# --- pages --------------------------------------------------------------------------------


def _publish(page):
    page.save_revision().publish()
    return page


def _child(parent, model, slug, **fields):
    """The child with this slug, created and published if missing."""
    existing = parent.get_children().filter(slug=slug).first()
    if existing:
        return existing.specific
    page = model(slug=slug, **fields)
    parent.add_child(instance=page)
    return _publish(page)


def home_page():
    home = HomePage.objects.first()
    if home:
        return home
    root = Page.get_first_root_node()
    home = HomePage(
        title="Inicio",
        slug="inicio",
        welcome_title="Movilidad humana en la planificación local",
        welcome_text=(
            "<p>Aula acompaña a los gobiernos autónomos descentralizados del Ecuador en la tarea de "
            "incluir a las personas en movilidad humana en sus Planes de Desarrollo y Ordenamiento "
            "Territorial. Aquí encontrará la caja de herramientas metodológica, cursos a su ritmo y "
            "los talleres en línea que organizamos junto con la AME.</p>"
        ),
    )
    root.add_child(instance=home)
    _publish(home)
    # Wagtail's first migration leaves a placeholder page as the site root: replace it.
    site = Site.objects.filter(is_default_site=True).first()
    placeholder = site.root_page if site else None
    if site:
        site.root_page = home
        site.site_name = "Aula"
        site.save()
    else:
        Site.objects.create(
            hostname="localhost", root_page=home, is_default_site=True, site_name="Aula"
        )
    if placeholder and placeholder.specific_class is Page:
        placeholder.delete()
    return home


TOOLKIT_MODULES = [
    {
        "slug": "movilidad-humana-y-desarrollo-local",
        "title": "Módulo 1. Movilidad humana y desarrollo local",
        "summary": (
            "Conceptos básicos para hablar con precisión de inmigración, emigración, tránsito, "
            "retorno y refugio, y por qué importan para el desarrollo de un cantón."
        ),
        "minutes": 15,
        "tags": ["Conceptos", "Movilidad humana"],
        "body": lambda media: [
            paragraph(
                "La movilidad humana abarca todos los movimientos de personas: quienes llegan a un "
                "territorio para quedarse, quienes salen de él, quienes lo atraviesan camino a otro "
                "país y quienes regresan después de años fuera. Un mismo cantón puede vivir las cuatro "
                "situaciones a la vez, y cada una trae necesidades y aportes distintos.",
                "Para un gobierno local, la pregunta no es si la movilidad humana existe en su "
                "territorio, sino si sus planes la reconocen. Una escuela que recibe estudiantes de "
                "otro país, un mercado donde trabajan comerciantes recién llegados o una familia que "
                "depende de las remesas son parte de la realidad que el PDOT debe ordenar.",
            ),
            heading("Cuatro situaciones, cuatro miradas"),
            table(
                "Situaciones de movilidad humana y preguntas para el GAD",
                ["Situación", "Quiénes son", "Pregunta para la planificación"],
                [
                    [
                        "Inmigración",
                        "Personas extranjeras que residen en el cantón",
                        "¿Acceden a salud, educación, empleo y vivienda?",
                    ],
                    [
                        "Emigración",
                        "Personas del cantón que viven en otro lugar",
                        "¿Cómo apoyamos a las familias que se quedan?",
                    ],
                    [
                        "Tránsito",
                        "Personas que cruzan el territorio hacia otro destino",
                        "¿Qué atención humanitaria básica ofrecemos?",
                    ],
                    [
                        "Retorno",
                        "Ecuatorianos que regresan tras vivir fuera",
                        "¿Cómo aprovechamos su experiencia y reconocemos sus estudios?",
                    ],
                ],
            ),
            callout(
                "tip",
                "Un lenguaje que incluye",
                "Hablamos de «personas en movilidad humana» o «personas en situación de movilidad». "
                "Ningún ser humano es ilegal: la Constitución del Ecuador lo dice expresamente.",
            ),
            quote(
                "Se reconoce a las personas el derecho a migrar. No se identificará ni se considerará "
                "a ningún ser humano como ilegal por su condición migratoria.",
                "Constitución de la República del Ecuador, artículo 40",
            ),
            accordion(
                "Preguntas frecuentes",
                [
                    (
                        "¿Es la movilidad humana una competencia del GAD municipal?",
                        "La política migratoria es competencia del Gobierno central, pero los GAD "
                        "prestan servicios, protegen derechos y planifican el territorio donde viven "
                        "todas las personas, sin importar su nacionalidad.",
                    ),
                    (
                        "¿Necesito datos exactos antes de empezar?",
                        "No. El diagnóstico parte de las fuentes disponibles y reconoce sus límites. "
                        "El módulo 3 explica cómo combinar censo, registros y consultas locales.",
                    ),
                ],
            ),
        ],
    },
    {
        "slug": "marco-normativo-e-institucional",
        "title": "Módulo 2. Marco normativo e institucional",
        "summary": (
            "Qué dicen la Constitución, la Ley Orgánica de Movilidad Humana y el COOTAD sobre el "
            "papel de los gobiernos locales, y con qué instituciones coordinar."
        ),
        "minutes": 20,
        "tags": ["Normativa", "Competencias"],
        "body": lambda media: [
            paragraph(
                "El Ecuador cuenta con un marco normativo que reconoce los derechos de las personas "
                "en movilidad humana y asigna responsabilidades a cada nivel de gobierno. Conocerlo "
                "permite al GAD justificar sus decisiones y coordinar con las entidades adecuadas."
            ),
            heading("Normas de referencia"),
            steps(
                "De lo general a lo local",
                [
                    (
                        "Constitución de 2008",
                        "Reconoce el derecho a migrar, la ciudadanía universal y la igualdad de derechos de las personas extranjeras.",
                    ),
                    (
                        "Ley Orgánica de Movilidad Humana (2017)",
                        "Regula los derechos y obligaciones de las personas en movilidad y pide a los GAD incluir el tema en su planificación.",
                    ),
                    (
                        "COOTAD",
                        "Define las competencias de los GAD y los sistemas de protección integral de derechos en cada cantón.",
                    ),
                    (
                        "Código de Planificación y Finanzas Públicas",
                        "Establece el contenido del PDOT: diagnóstico, propuesta y modelo de gestión.",
                    ),
                ],
            ),
            callout(
                "info",
                "Con quién coordinar",
                "El Consejo Cantonal de Protección de Derechos, las juntas cantonales, las direcciones "
                "distritales de salud y educación, y las organizaciones de la sociedad civil que ya "
                "trabajan con personas en movilidad humana en su territorio.",
            ),
        ],
    },
    {
        "slug": "diagnostico-movilidad-humana-en-el-territorio",
        "title": "Módulo 3. Diagnóstico: la movilidad humana en el territorio",
        "summary": (
            "Cómo reunir y leer la información sobre movilidad humana del cantón para el "
            "diagnóstico del PDOT, con fuentes oficiales y consultas a la comunidad."
        ),
        "minutes": 25,
        "tags": ["PDOT", "Diagnóstico", "Datos"],
        "body": lambda media: [
            paragraph(
                "El diagnóstico es la primera parte del PDOT: describe el territorio tal como es. "
                "Incluir la movilidad humana significa contar a las personas que llegan, salen, "
                "transitan y retornan, y entender cómo usan los servicios y el espacio del cantón."
            ),
            image(
                media["pdot_image"],
                "Diagrama de tres bloques unidos por flechas: 1. Diagnóstico, 2. Propuesta, "
                "3. Modelo de gestión, con la movilidad humana presente en cada uno.",
                "La movilidad humana atraviesa las tres partes del PDOT.",
            ),
            heading("Fuentes de información"),
            paragraph(
                "Combine las fuentes oficiales con lo que saben quienes trabajan en el territorio. "
                "La matriz siguiente resume las variables más útiles, su fuente y el nivel al que "
                "pueden desagregarse."
            ),
            document(
                media["variables_document"],
                "Descargar la matriz de variables (CSV)",
                "Variables, fuentes oficiales y desagregación mínima para el diagnóstico.",
            ),
            steps(
                "Cómo armar el diagnóstico",
                [
                    (
                        "Reúna los datos disponibles",
                        "Censo 2022, registros administrativos de salud y educación, y datos propios del GAD.",
                    ),
                    (
                        "Escuche a la comunidad",
                        "Organice mesas de consulta con personas en movilidad humana, organizaciones y funcionarios de atención al público.",
                    ),
                    (
                        "Mapee los servicios",
                        "Ubique dónde se atiende a la población y dónde hay barreras de acceso.",
                    ),
                    (
                        "Redacte los hallazgos",
                        "Describa problemas y potencialidades con datos desagregados por sexo y edad.",
                    ),
                ],
            ),
            callout(
                "warning",
                "Proteja los datos personales",
                "Trabaje con cifras agregadas. La Ley Orgánica de Protección de Datos Personales "
                "exige cuidar la identidad de las personas, en especial de quienes están en "
                "situación de vulnerabilidad.",
            ),
        ],
    },
    {
        "slug": "propuesta-objetivos-metas-y-proyectos",
        "title": "Módulo 4. Propuesta: objetivos, metas y proyectos",
        "summary": (
            "Cómo convertir los hallazgos del diagnóstico en objetivos estratégicos, metas "
            "medibles y proyectos que incluyan a las personas en movilidad humana."
        ),
        "minutes": 20,
        "tags": ["PDOT", "Propuesta"],
        "body": lambda media: [
            paragraph(
                "La propuesta responde a la pregunta «¿qué queremos lograr y cómo?». Los problemas y "
                "potencialidades identificados en el diagnóstico se convierten en objetivos, metas "
                "con indicadores y programas o proyectos con responsables y presupuesto."
            ),
            table(
                "Ejemplos de metas con enfoque de movilidad humana",
                ["Objetivo", "Meta", "Indicador"],
                [
                    [
                        "Garantizar el acceso a servicios",
                        "Todas las unidades de atención municipal informan en lenguaje claro",
                        "Porcentaje de unidades con protocolo de atención",
                    ],
                    [
                        "Promover la integración económica",
                        "Ferias de emprendimiento con participación de personas en movilidad",
                        "Número de emprendimientos participantes por sexo",
                    ],
                    [
                        "Prevenir la discriminación",
                        "Campaña anual de convivencia en barrios y escuelas",
                        "Personas alcanzadas por la campaña",
                    ],
                ],
            ),
            callout(
                "tip",
                "Metas que se pueden medir",
                "Cada meta necesita una línea base, un valor esperado y una fecha. Sin ellas, el "
                "seguimiento del modelo de gestión no tendrá con qué comparar.",
            ),
        ],
    },
    {
        "slug": "modelo-de-gestion",
        "title": "Módulo 5. Modelo de gestión: articulación, seguimiento y financiamiento",
        "summary": (
            "Quién hace qué, con qué recursos y cómo se mide el avance: la parte del PDOT que "
            "convierte la propuesta en acción sostenida."
        ),
        "minutes": 20,
        "tags": ["PDOT", "Modelo de gestión", "Seguimiento"],
        "body": lambda media: [
            paragraph(
                "El modelo de gestión define las estrategias de articulación con otros niveles de "
                "gobierno y actores, el sistema de seguimiento y evaluación, y las fuentes de "
                "financiamiento de los proyectos propuestos."
            ),
            accordion(
                "Elementos del modelo de gestión",
                [
                    (
                        "Articulación",
                        "Acuerdos con el Consejo Cantonal de Protección de Derechos, ministerios, organismos internacionales y organizaciones de la sociedad civil.",
                    ),
                    (
                        "Seguimiento",
                        "Un tablero con los indicadores de la propuesta, revisado cada semestre y publicado para la ciudadanía.",
                    ),
                    (
                        "Financiamiento",
                        "Recursos propios, transferencias, cooperación internacional y alianzas público-privadas.",
                    ),
                    (
                        "Participación",
                        "Mesas de diálogo en las que participen personas en movilidad humana durante la ejecución y la evaluación.",
                    ),
                ],
            ),
            quote(
                "Un plan que no se sigue es solo un documento. El modelo de gestión es lo que lo "
                "vuelve parte del trabajo diario del municipio.",
                "Equipo técnico de un GAD piloto",
            ),
        ],
    },
]


def toolkit(home):
    index = _child(
        home,
        ToolkitIndexPage,
        "caja-de-herramientas",
        title="Caja de herramientas",
        show_in_menus=True,
        intro=(
            "<p>La caja de herramientas metodológica guía paso a paso la inclusión de la movilidad "
            "humana en el PDOT. Se probó con cinco GAD piloto: Catamayo, El Carmen, Huaquillas, "
            "Pedernales y Zamora.</p>"
        ),
    )
    media = {"pdot_image": pdot_cycle_image().pk, "variables_document": variables_document().pk}
    modules = []
    for module in TOOLKIT_MODULES:
        existing = index.get_children().filter(slug=module["slug"]).first()
        if existing:
            modules.append(existing.specific)
            continue
        page = ToolkitPage(
            slug=module["slug"],
            title=module["title"],
            summary=module["summary"],
            reading_minutes=module["minutes"],
            body=json.dumps(module["body"](media)),
        )
        index.add_child(instance=page)
        page.tags.add(*module["tags"])
        modules.append(_publish(page))
    return index, modules


def standard_pages(home):
    about = _child(
        home,
        StandardPage,
        "acerca-de-aula",
        title="Acerca de Aula",
        show_in_menus=True,
        intro=(
            "Aula es la plataforma del programa que apoya a los GAD del Ecuador para integrar la "
            "movilidad humana en su planificación, con la OIM y la AME."
        ),
        body=json.dumps(
            [
                paragraph(
                    "El programa elaboró una caja de herramientas metodológica, brindó asistencia "
                    "técnica a cinco GAD piloto (Catamayo, El Carmen, Huaquillas, Pedernales y "
                    "Zamora), realizó sesiones de consulta y capacitó en línea, junto con la "
                    "Asociación de Municipalidades Ecuatorianas, a funcionarios de 120 GAD.",
                    "En Aula, los funcionarios leen los módulos, siguen cursos a su ritmo, se "
                    "inscriben en talleres y obtienen certificados que cualquier persona puede "
                    "verificar.",
                ),
            ]
        ),
    )
    privacy = _child(
        home,
        StandardPage,
        "aviso-de-privacidad",
        title="Aviso de privacidad",
        intro="Cómo Aula trata sus datos personales, conforme a la Ley Orgánica de Protección de Datos Personales.",
        body=json.dumps(
            [
                heading("Qué datos tratamos"),
                paragraph(
                    "Su nombre, correo electrónico, GAD, cargo, sexo y rango de edad, y los "
                    "registros de su participación: cursos, talleres, asistencia y certificados."
                ),
                heading("Para qué los usamos"),
                paragraph(
                    "Para darle acceso a los cursos y talleres, emitir sus certificados e informar "
                    "a los financiadores del programa con cifras agregadas, nunca con datos que lo "
                    "identifiquen."
                ),
                heading("Sus derechos"),
                paragraph(
                    "Puede descargar sus datos, corregirlos, retirar su consentimiento y eliminar "
                    "su cuenta en cualquier momento desde «Mis datos»."
                ),
            ]
        ),
    )
    terms = _child(
        home,
        StandardPage,
        "terminos-de-uso",
        title="Términos de uso",
        intro="Las reglas para usar Aula de forma respetuosa y segura.",
        body=json.dumps(
            [
                paragraph(
                    "Aula es un servicio gratuito para funcionarios de los GAD y personas "
                    "vinculadas al programa. Use la plataforma con respeto, no comparta su "
                    "contraseña y no publique datos personales de terceros.",
                    "Los contenidos de la caja de herramientas pueden reproducirse con fines no "
                    "comerciales citando la fuente.",
                ),
            ]
        ),
    )
    return about, privacy, terms


def site_settings(home, privacy):
    site = Site.objects.get(root_page=home)
    settings = SiteSettings.for_site(site)
    if not settings.contact_email:
        settings.contact_email = "aula@example.org"
        settings.footer_text = (
            "Aula es una iniciativa de la OIM y la AME para integrar la movilidad humana en la "
            "planificación local del Ecuador."
        )
        settings.privacy_page = privacy
        settings.save()
    return settings


@transaction.atomic
def seed_site():
    home = home_page()
    index, modules = toolkit(home)
    about, privacy, terms = standard_pages(home)
    if not home.featured.raw_data:
        home.call_to_action_page = index
        home.call_to_action_label = "Explorar la caja de herramientas"
        home.featured = [("page", module) for module in modules[:3]]
        _publish(home)
    site_settings(home, privacy)
    return home
