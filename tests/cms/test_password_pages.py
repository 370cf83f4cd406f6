"""Pages behind a password: the form, a wrong password, the right one, and the page cache."""

import pytest
from django.test import Client
from wagtail.models import PageViewRestriction

from tests.factories import StandardPageFactory

PASSWORD = "clave-del-comite"
PRIVATE_TEXT = "Acta reservada del comité"


def protect(page) -> PageViewRestriction:
    return PageViewRestriction.objects.create(
        page=page, restriction_type=PageViewRestriction.PASSWORD, password=PASSWORD
    )


@pytest.fixture
def private_page(home):
    page = StandardPageFactory(
        parent=home, title="Comité de movilidad", slug="privada", intro=PRIVATE_TEXT
    )
    protect(page)
    return page


def unlock_url(page, prefix: str = "") -> str:
    restriction = PageViewRestriction.objects.get(page__in=page.get_ancestors(inclusive=True))
    return f"{prefix}/_util/authenticate_with_password/{restriction.pk}/{page.pk}/"


def test_a_private_page_asks_for_its_password_and_shows_nothing_of_itself(client, private_page):
    response = client.get(private_page.url)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Página privada" in html
    assert f'action="{unlock_url(private_page)}"' in html
    assert PRIVATE_TEXT not in html
    assert "Comité de movilidad" not in html  # not even its title
    assert "no-store" in response["Cache-Control"]


def test_a_wrong_password_is_refused_in_spanish(client, private_page):
    response = client.post(
        unlock_url(private_page), {"password": "no-es-la-clave", "return_url": private_page.url}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Esa contraseña no es correcta. Inténtelo de nuevo." in html
    assert PRIVATE_TEXT not in html
    assert PRIVATE_TEXT not in client.get(private_page.url).content.decode()


def test_the_right_password_opens_the_page(client, private_page):
    response = client.post(
        unlock_url(private_page), {"password": PASSWORD, "return_url": private_page.url}
    )

    assert response.status_code == 302
    assert response["Location"] == private_page.url
    page = client.get(private_page.url)
    assert PRIVATE_TEXT in page.content.decode()
    assert "no-store" in page["Cache-Control"]


def test_the_form_works_in_english_too(client, private_page):
    english = "/en/privada/"
    form = client.get(english).content.decode()
    assert f'action="{unlock_url(private_page, "/en")}"' in form

    response = client.post(
        unlock_url(private_page, "/en"), {"password": PASSWORD, "return_url": english}
    )

    assert response["Location"] == english
    assert PRIVATE_TEXT in client.get(english).content.decode()


def test_a_password_on_a_section_opens_the_pages_below_it(client, toolkit_index, toolkit_page):
    protect(toolkit_index)
    assert "Página privada" in client.get(toolkit_page.url).content.decode()

    client.post(unlock_url(toolkit_page), {"password": PASSWORD, "return_url": toolkit_page.url})

    response = client.get(toolkit_page.url)
    assert response.status_code == 200
    assert "Diagnóstico territorial" in response.content.decode()


def test_a_page_unlocked_by_one_visitor_is_never_served_to_another_from_the_page_cache(
    private_page,
):
    member = Client()
    member.post(unlock_url(private_page), {"password": PASSWORD, "return_url": private_page.url})
    for _ in range(2):
        shown = member.get(private_page.url)
        assert PRIVATE_TEXT in shown.content.decode()
        assert not shown.has_header("X-Page-Cache")  # never stored: it carries a session

    for _ in range(2):
        stranger = Client().get(private_page.url)
        assert stranger.status_code == 200
        assert PRIVATE_TEXT not in stranger.content.decode()
        assert not stranger.has_header("X-Page-Cache")  # nor is the form, with its CSRF token


def test_the_form_opens_only_a_live_page_under_that_restriction(client, private_page, home):
    restriction = PageViewRestriction.objects.get(page=private_page)
    draft = StandardPageFactory(parent=private_page, slug="borrador", live=False)
    for page in (home, draft):  # not under the restriction; a draft under it
        url = f"/_util/authenticate_with_password/{restriction.pk}/{page.pk}/"
        assert client.get(url).status_code == 404
        assert client.post(url, {"password": PASSWORD, "return_url": "/"}).status_code == 404


def test_a_page_for_signed_in_people_sends_visitors_to_the_site_s_login(client, home):
    page = StandardPageFactory(parent=home, slug="solo-cuentas")
    PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.LOGIN)

    response = client.get(page.url, follow=True)

    assert response.redirect_chain == [("/cuenta/login/?next=/solo-cuentas/", 302)]
    assert response.status_code == 200
    # Wagtail's own address for it, still reachable, sends to the same page.
    fallback = client.get("/_util/login/?next=/solo-cuentas/")
    assert fallback.status_code == 302
    assert fallback["Location"] == "/cuenta/login/?next=/solo-cuentas/"
