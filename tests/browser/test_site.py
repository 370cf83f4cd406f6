"""A visitor on a phone reads the home page, switches to English and searches."""

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_site(demo_server):
    return demo_server.url


def test_visitor_reads_switches_to_english_and_searches(phone, demo_site):
    phone.goto(demo_site + "/")
    assert phone.locator("html").get_attribute("lang") == "es"
    assert (
        phone.get_by_role("heading", level=1).inner_text()
        == "Movilidad humana en la planificación local"
    )
    # Nothing overflows a 360 px screen sideways (measured once styles have loaded).
    phone.wait_for_load_state()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    phone.get_by_role("link", name="Explorar la caja de herramientas").click()
    phone.get_by_role(
        "link", name="Módulo 3. Diagnóstico: la movilidad humana en el territorio"
    ).click()
    assert phone.get_by_role("navigation", name="Migas de pan").is_visible()
    assert (
        phone.locator("figure.figure img")
        .get_attribute("alt")
        .startswith("Diagrama de tres bloques")
    )
    phone.wait_for_load_state()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    phone.locator(".language-switcher").get_by_role("link", name="EN").click()
    assert phone.locator("html").get_attribute("lang") == "en"
    assert phone.url.startswith(demo_site + "/en/caja-de-herramientas/")
    assert phone.get_by_role("link", name="Skip to content").count() == 1

    phone.get_by_label("Search the site").fill("remesas")
    phone.get_by_label("Search the site").press("Enter")
    phone.wait_for_url("**/en/buscar/?q=remesas")
    assert phone.get_by_role(
        "link", name="Módulo 1. Movilidad humana y desarrollo local"
    ).is_visible()

    assert phone.csp_violations == []


def test_skip_link_moves_focus_to_the_content(phone, demo_site):
    phone.goto(demo_site + "/caja-de-herramientas/")
    phone.keyboard.press("Tab")
    focused = phone.evaluate("document.activeElement.textContent")
    assert focused == "Saltar al contenido"
    phone.keyboard.press("Enter")
    assert phone.evaluate("document.activeElement.id") == "main"


def test_every_toolkit_module_fits_a_phone_screen(phone, demo_site):
    phone.goto(demo_site + "/caja-de-herramientas/")
    links = phone.locator("ol.cards a")
    urls = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert len(urls) == 5
    for url in urls:
        phone.goto(demo_site + url)
        assert phone.get_by_role("heading", level=1).is_visible()
        overflow = phone.evaluate(
            "[...document.querySelectorAll('main *')]"
            ".filter(e => e.getBoundingClientRect().right > 361 && !e.closest('.table-scroll'))"
            ".map(e => e.tagName + '.' + e.className)"
        )
        assert overflow == [], f"{url}: {overflow}"
        assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert phone.csp_violations == []
