"""Search shows live pages anyone may see, and never the title of a restricted one."""

from django.contrib.auth.models import Group
from wagtail.models import PageViewRestriction

from tests.factories import StandardPageFactory, ToolkitPageFactory


def search(client, query, **params):
    response = client.get("/buscar/", {"q": query, **params})
    assert response.status_code == 200
    return response.content.decode()


def test_search_finds_live_public_pages(client, toolkit_index):
    ToolkitPageFactory(parent=toolkit_index, title="Remesas y economía local", summary="Remesas.")

    html = search(client, "remesas")

    assert "Remesas y economía local" in html
    assert "1 resultado para «remesas»" in html


def test_search_leaves_out_drafts(client, toolkit_index):
    page = ToolkitPageFactory(parent=toolkit_index, title="Remesas borrador")
    page.unpublish()

    assert "Remesas borrador" not in search(client, "remesas")


def test_login_restricted_page_never_appears_in_search(client, toolkit_index, django_user_model):
    secret = ToolkitPageFactory(parent=toolkit_index, title="Remesas confidencial")
    PageViewRestriction.objects.create(page=secret, restriction_type=PageViewRestriction.LOGIN)

    assert "Remesas confidencial" not in search(client, "remesas")
    client.force_login(
        django_user_model.objects.create_user("lector@example.org", password="x" * 12)
    )
    assert "Remesas confidencial" not in search(client, "remesas")


def test_children_of_a_restricted_page_stay_hidden(client, home):
    private = StandardPageFactory(parent=home, title="Intranet")
    PageViewRestriction.objects.create(
        page=private, restriction_type=PageViewRestriction.PASSWORD, password="clave"
    )
    StandardPageFactory(parent=private, title="Remesas internas")

    assert "Remesas internas" not in search(client, "remesas")


def test_group_restricted_page_is_hidden(client, home):
    page = StandardPageFactory(parent=home, title="Remesas de moderadores")
    restriction = PageViewRestriction.objects.create(
        page=page, restriction_type=PageViewRestriction.GROUPS
    )
    restriction.groups.add(Group.objects.get(name="Moderadores"))

    assert "Remesas de moderadores" not in search(client, "remesas")


def test_search_is_paginated(client, toolkit_index):
    for number in range(12):
        ToolkitPageFactory(parent=toolkit_index, title=f"Remesas {number}")

    first = search(client, "remesas")
    second = search(client, "remesas", pagina=2)

    assert "12 resultados" in first
    assert 'rel="next"' in first
    assert first.count("<li>\n              <h2>") == 10
    assert second.count("<li>\n              <h2>") == 2


def test_empty_query_shows_the_form_only(client, home):
    html = search(client, "")
    assert "resultado" not in html
    assert 'name="q"' in html


def test_query_is_escaped_in_the_results_page(client, home):
    html = search(client, "<script>alert(1)</script>")
    assert "<script>alert(1)</script>" not in html
