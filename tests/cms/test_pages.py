import json

import wagtail_factories
from django.contrib.auth.models import Group
from wagtail.models import Page, PageViewRestriction

from cms.models import HomePage, SiteSettings, StandardPage, ToolkitIndexPage, ToolkitPage
from tests.factories import StandardPageFactory, ToolkitPageFactory


def test_toolkit_pages_live_only_under_a_toolkit_index(home, toolkit_index):
    assert ToolkitPage.can_create_at(toolkit_index)
    assert not ToolkitPage.can_create_at(home)
    assert ToolkitIndexPage.can_create_at(home)
    assert not ToolkitIndexPage.can_create_at(toolkit_index)


def test_standard_pages_nest_under_home_and_each_other(home, toolkit_index):
    about = StandardPageFactory(parent=home)
    assert StandardPage.can_create_at(home)
    assert StandardPage.can_create_at(about)
    assert not StandardPage.can_create_at(toolkit_index)


def test_only_one_home_page_and_only_at_the_root(home):
    root = Page.get_first_root_node()
    assert not HomePage.can_create_at(root)  # max_count reached
    assert not HomePage.can_create_at(home)


def test_home_page_shows_welcome_and_featured_modules_in_editor_order(client, home, toolkit_index):
    first = ToolkitPageFactory(parent=toolkit_index, title="Conceptos básicos")
    second = ToolkitPageFactory(parent=toolkit_index, title="Marco normativo")
    home.featured = [("page", second), ("page", first)]
    home.save_revision().publish()

    html = client.get("/").content.decode()

    assert "Movilidad humana en la planificación local" in html
    assert html.index("Marco normativo") < html.index("Conceptos básicos")


def test_home_page_leaves_out_featured_pages_that_are_not_live(client, home, toolkit_index):
    draft = ToolkitPageFactory(parent=toolkit_index, title="Borrador interno")
    draft.unpublish()
    home.featured = [("page", draft)]
    home.save_revision().publish()

    assert "Borrador interno" not in client.get("/").content.decode()


def test_toolkit_index_lists_modules_in_tree_order_and_filters_by_tag(client, toolkit_index):
    first = ToolkitPageFactory(parent=toolkit_index, title="Diagnóstico")
    second = ToolkitPageFactory(parent=toolkit_index, title="Propuesta")
    first.tags.add("PDOT")
    first.save_revision().publish()
    second.tags.add("Gestión")
    second.save_revision().publish()

    html = client.get(toolkit_index.url).content.decode()
    assert html.index("Diagnóstico") < html.index("Propuesta")

    filtered = client.get(toolkit_index.url, {"etiqueta": "pdot"}).content.decode()
    assert "Diagnóstico" in filtered
    assert "Propuesta" not in filtered


def test_toolkit_page_shows_breadcrumbs_and_tags(client, toolkit_page):
    toolkit_page.tags.add("Diagnóstico")
    toolkit_page.save_revision().publish()

    response = client.get(toolkit_page.url)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'aria-label="Migas de pan"' in html
    assert 'href="/caja-de-herramientas/"' in html
    assert "?etiqueta=diagnostico" in html


def test_main_menu_lists_pages_marked_for_menus_and_marks_the_current_section(client, toolkit_page):
    html = client.get(toolkit_page.url).content.decode()
    assert '<a href="/caja-de-herramientas/" aria-current="true">Caja de herramientas</a>' in html


def test_standard_page_renders_its_body(client, home):
    page = StandardPageFactory(
        parent=home, title="Aviso de privacidad", body=[("paragraph", "<p>Sus datos.</p>")]
    )
    html = client.get(page.url).content.decode()
    assert "<h1>Aviso de privacidad</h1>" in html
    assert "Sus datos." in html


def test_unknown_path_gets_the_spanish_not_found_page(client, home):
    response = client.get("/no-existe/")
    assert response.status_code == 404
    assert "Página no encontrada" in response.content.decode()


def test_draft_page_is_not_served(client, toolkit_page):
    toolkit_page.unpublish()
    assert client.get("/caja-de-herramientas/diagnostico/").status_code == 404


def test_login_restricted_page_sends_anonymous_visitors_to_log_in(
    client, toolkit_index, toolkit_page
):
    PageViewRestriction.objects.create(
        page=toolkit_index, restriction_type=PageViewRestriction.LOGIN
    )

    response = client.get(toolkit_page.url)

    assert response.status_code == 302
    assert "Diagnóstico territorial" not in response.content.decode()


def test_group_restricted_page_is_hidden_from_other_users(client, toolkit_page, django_user_model):
    restriction = PageViewRestriction.objects.create(
        page=toolkit_page, restriction_type=PageViewRestriction.GROUPS
    )
    restriction.groups.add(Group.objects.get(name="Moderadores"))
    user = django_user_model.objects.create_user("lector@example.org", password="x" * 12)
    client.force_login(user)

    response = client.get(toolkit_page.url)

    assert response.status_code == 302


def test_uncached_toolkit_page_runs_at_most_six_queries(
    client, home, toolkit_page, django_assert_max_num_queries
):
    image = wagtail_factories.ImageFactory()
    document = wagtail_factories.DocumentFactory()
    toolkit_page.body = json.dumps(
        [
            {"type": "paragraph", "value": "<p>Texto</p>"},
            {"type": "image", "value": {"image": image.pk, "alt_text": "Mapa", "caption": ""}},
            {
                "type": "document",
                "value": {"document": document.pk, "title": "", "description": ""},
            },
        ]
    )
    toolkit_page.tags.add("PDOT")
    toolkit_page.save_revision().publish()
    SiteSettings.for_site(home.get_site())  # created once, on a site's first visit
    # Menu, footer and image renditions are shared by every page until the next publish.
    client.get(toolkit_page.url)

    with django_assert_max_num_queries(6):
        # A query string the page cache has not seen: the page is rendered afresh.
        response = client.get(toolkit_page.url, {"desde": "portada"})

    assert response["X-Page-Cache"] == "miss"


def test_page_body_fragment_follows_each_published_revision(client, course):
    from django.template import Context, Template
    from django.test import RequestFactory

    from courses.models import LessonPage

    lesson = LessonPage.objects.get(slug="conceptos")
    lesson.course.open_reading = True
    lesson.course.save_revision().publish()
    assert "Contenido de la lección." in client.get(lesson.url).content.decode()

    lesson.body = [("paragraph", "<p>Texto corregido.</p>")]
    lesson.save_revision().publish()
    html = client.get(lesson.url).content.decode()

    assert "Texto corregido." in html
    assert "Contenido de la lección." not in html
    lesson.body = [("paragraph", "<p>Borrador sin publicar.</p>")]
    lesson.save_revision()
    assert "Borrador sin publicar." not in client.get(lesson.url).content.decode()

    # An editor's preview renders the draft, never the shared published copy.
    draft = lesson.get_latest_revision_as_object()
    request = RequestFactory().get(lesson.url)
    request.is_preview = True
    template = Template("{% load site_tags %}{% page_body page %}")
    assert "Borrador sin publicar." in template.render(Context({"request": request, "page": draft}))
