"""Editors build every kind of page in the Wagtail admin, without code."""

import pytest
import wagtail_factories
from django.urls import reverse
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from cms.models import StandardPage, ToolkitIndexPage, ToolkitPage
from tests.factories import UserFactory


@pytest.fixture
def editor(db):
    return UserFactory(email="editora@example.org", groups=["Editores"])


@pytest.fixture
def editor_client(login_staff, editor):
    return login_staff(editor)


def add_page_url(model, parent):
    return reverse(
        "wagtailadmin_pages:add",
        args=(model._meta.app_label, model._meta.model_name, parent.pk),
    )


def list_items(items):
    """ListBlock form data: one entry per item, in order."""
    data = {
        str(i): {"value": value, "deleted": "", "order": str(i), "id": ""}
        for i, value in enumerate(items)
    }
    data["count"] = str(len(items))
    return data


def every_block(image, document):
    table = {
        "caption": "Fuentes de datos",
        "column-count": "2",
        "column": {
            "0": {"type": "text", "order": "0", "heading": "Fuente", "deleted": ""},
            "1": {"type": "number", "order": "1", "heading": "Año", "deleted": ""},
        },
        "row-count": "1",
        "row": {"0": {"order": "0", "deleted": ""}},
        "cell": {"0": {"0": "Censo de Población", "1": "2022"}},
    }
    return streamfield(
        [
            ("heading", {"text": "Fuentes de información", "level": "h2"}),
            ("paragraph", rich_text("<p>Combine fuentes oficiales y consultas.</p>")),
            ("image", {"image": image.pk, "alt_text": "Mapa del cantón", "caption": "Zamora"}),
            (
                "document",
                {"document": document.pk, "title": "Matriz de variables", "description": ""},
            ),
            (
                "video",
                {
                    "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
                    "title": "Testimonio de una técnica municipal",
                    "transcript": rich_text("<p>Trabajamos con la comunidad.</p>"),
                },
            ),
            (
                "callout",
                {
                    "tone": "warning",
                    "title": "Datos personales",
                    "body": rich_text("<p>Use cifras agregadas.</p>"),
                },
            ),
            (
                "accordion",
                {
                    "title": "Preguntas frecuentes",
                    "items": list_items(
                        [
                            {
                                "question": "¿Es competencia del GAD?",
                                "answer": rich_text("<p>Sí, en parte.</p>"),
                            }
                        ]
                    ),
                },
            ),
            ("table", table),
            ("quote", {"quote": "Nadie es ilegal.", "attribution": "Constitución, art. 40"}),
            (
                "steps",
                {
                    "title": "Cómo empezar",
                    "steps": list_items(
                        [{"title": "Reúna los datos", "body": rich_text("<p>Censo 2022.</p>")}]
                    ),
                },
            ),
        ]
    )


def test_editor_creates_and_publishes_a_toolkit_page_with_every_block(
    editor_client, toolkit_index, client
):
    image = wagtail_factories.ImageFactory(title="Mapa")
    document = wagtail_factories.DocumentFactory(title="Matriz")
    data = nested_form_data(
        {
            "title": "Diagnóstico participativo",
            "slug": "diagnostico-participativo",
            "summary": "Cómo reunir la información del territorio.",
            "reading_minutes": "12",
            "body": every_block(image, document),
            "tags": "PDOT, Diagnóstico",
            "action-publish": "publish",
        }
    )

    response = editor_client.post(add_page_url(ToolkitPage, toolkit_index), data)

    assert response.status_code == 302, (
        response.context["form"].errors if response.context else response
    )
    page = ToolkitPage.objects.get(slug="diagnostico-participativo")
    assert page.live
    assert [block.block_type for block in page.body] == [
        "heading", "paragraph", "image", "document", "video",
        "callout", "accordion", "table", "quote", "steps",
    ]  # fmt: skip
    assert sorted(tag.name for tag in page.tags.all()) == ["Diagnóstico", "PDOT"]

    client.logout()
    html = client.get(page.url).content.decode()
    assert "<h2>Fuentes de información</h2>" in html
    assert "Combine fuentes oficiales" in html
    assert 'alt="Mapa del cantón"' in html and "srcset=" in html
    assert "Matriz de variables" in html
    assert 'data-embed-url="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"' in html
    assert "callout--warning" in html
    assert "<summary>¿Es competencia del GAD?</summary>" in html
    assert '<th scope="col">Fuente</th>' in html and "Censo de Población" in html
    assert "Nadie es ilegal." in html
    assert "Reúna los datos" in html


def test_image_block_requires_alternative_text(editor_client, toolkit_index):
    image = wagtail_factories.ImageFactory()
    data = nested_form_data(
        {
            "title": "Sin texto alternativo",
            "slug": "sin-alt",
            "summary": "Resumen",
            "body": streamfield([("image", {"image": image.pk, "alt_text": "", "caption": ""})]),
            "action-publish": "publish",
        }
    )

    response = editor_client.post(add_page_url(ToolkitPage, toolkit_index), data)

    assert response.status_code == 200  # the form comes back with the error
    assert not ToolkitPage.objects.filter(slug="sin-alt").exists()


def test_video_block_accepts_only_youtube_or_vimeo(editor_client, toolkit_index):
    data = nested_form_data(
        {
            "title": "Video externo",
            "slug": "video-externo",
            "summary": "Resumen",
            "body": streamfield(
                [
                    (
                        "video",
                        {
                            "url": "https://example.com/video.mp4",
                            "title": "Otro",
                            "transcript": rich_text(""),
                        },
                    )
                ]
            ),
            "action-publish": "publish",
        }
    )

    response = editor_client.post(add_page_url(ToolkitPage, toolkit_index), data)

    assert response.status_code == 200
    assert (
        "YouTube o Vimeo." in response.content.decode()
    )  # Spanish error; accents are JSON-escaped
    assert not ToolkitPage.objects.filter(slug="video-externo").exists()


def test_editor_creates_a_toolkit_index_and_a_standard_page(editor_client, home):
    response = editor_client.post(
        add_page_url(ToolkitIndexPage, home),
        nested_form_data(
            {
                "title": "Guías",
                "slug": "guias",
                "intro": rich_text("<p>Guías.</p>"),
                "action-publish": "publish",
            }
        ),
    )
    assert response.status_code == 302
    assert ToolkitIndexPage.objects.get(slug="guias").live

    response = editor_client.post(
        add_page_url(StandardPage, home),
        nested_form_data(
            {
                "title": "Aviso de privacidad",
                "slug": "aviso-de-privacidad",
                "intro": "Cómo tratamos sus datos.",
                "body": streamfield([("paragraph", rich_text("<p>Sus derechos.</p>"))]),
                "action-publish": "publish",
            }
        ),
    )
    assert response.status_code == 302
    assert StandardPage.objects.get(slug="aviso-de-privacidad").live


def test_editor_edits_the_home_page(editor_client, home, toolkit_index):
    url = reverse("wagtailadmin_pages:edit", args=(home.pk,))
    data = nested_form_data(
        {
            "title": "Inicio",
            "slug": "inicio",
            "welcome_title": "Bienvenidos a Aula",
            "welcome_text": rich_text("<p>Planificación con movilidad humana.</p>"),
            "call_to_action_page": toolkit_index.pk,
            "call_to_action_label": "Ver la caja de herramientas",
            "featured_title": "Destacados",
            "featured": streamfield([]),
            "action-publish": "publish",
        }
    )

    response = editor_client.post(url, data)

    assert response.status_code == 302
    home.refresh_from_db()
    assert home.welcome_title == "Bienvenidos a Aula"


def test_editor_edits_site_settings(editor_client, home):
    url = reverse("wagtailsettings:edit", args=("cms", "sitesettings", home.get_site().pk))
    assert editor_client.get(url).status_code == 200


def test_admin_speaks_spanish_by_default(editor_client):
    html = editor_client.get(reverse("wagtailadmin_home")).content.decode()
    assert 'lang="es"' in html
    assert "Panel de control" in html
