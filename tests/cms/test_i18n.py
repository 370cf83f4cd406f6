"""Spanish first, English a click away, Ecuadorian formats."""

import datetime
from pathlib import Path

import polib
from django.conf import settings
from django.utils import formats, translation


def test_pages_are_in_spanish_by_default_whatever_the_browser_asks(client, toolkit_page):
    html = client.get(toolkit_page.url, HTTP_ACCEPT_LANGUAGE="en-US,en").content.decode()
    assert '<html lang="es">' in html
    assert "Saltar al contenido" in html


def test_english_lives_under_en(client, toolkit_page):
    html = client.get("/en" + toolkit_page.url).content.decode()
    assert '<html lang="en">' in html
    assert "Skip to content" in html
    assert 'href="/en/caja-de-herramientas/"' in html  # links stay in English


def test_language_switcher_links_to_the_same_page_in_the_other_language(client, toolkit_page):
    path = "/caja-de-herramientas/diagnostico/"
    spanish = client.get(path).content.decode()
    english = client.get("/en" + path).content.decode()
    assert f'href="/en{path}" hreflang="en"' in spanish
    assert f'href="{path}" hreflang="es"' in english


def test_search_keeps_its_query_when_switching_language(client, home):
    html = client.get("/buscar/", {"q": "pdot"}).content.decode()
    assert 'href="/en/buscar/?q=pdot" hreflang="en"' in html


def test_spanish_catalogue_is_complete():
    catalogue = polib.pofile(str(Path(settings.BASE_DIR) / "locale/es/LC_MESSAGES/django.po"))
    assert catalogue.percent_translated() == 100
    assert not catalogue.fuzzy_entries()


def test_dates_and_numbers_use_ecuadorian_format():
    with translation.override("es"):
        assert formats.date_format(datetime.date(2026, 3, 9), "SHORT_DATE_FORMAT") == "09/03/2026"
        assert formats.date_format(datetime.date(2026, 3, 9)) == "9 de marzo de 2026"
        assert formats.number_format(1234.5, 1, force_grouping=True) == "1.234,5"


def test_time_zone_is_ecuador():
    assert settings.TIME_ZONE == "America/Guayaquil"
