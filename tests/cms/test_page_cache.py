"""Anonymous visitors share rendered pages; nobody ever sees a stale or personal copy."""

from django.core.cache import caches
from django.test import override_settings

from cms.models import SiteSettings
from tests.factories import ToolkitPageFactory, UserFactory


def test_second_anonymous_visit_is_served_from_the_cache(client, toolkit_page):
    first = client.get(toolkit_page.url)
    second = client.get(toolkit_page.url)

    assert first["X-Page-Cache"] == "miss"
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == "text/html; charset=utf-8"
    assert second["Content-Language"] == "es"


def test_cached_pages_still_carry_the_security_headers(client, toolkit_page):
    client.get(toolkit_page.url)
    response = client.get(toolkit_page.url)
    assert response["X-Page-Cache"] == "hit"
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_publishing_a_page_refreshes_every_cached_page(client, toolkit_index, toolkit_page):
    client.get(toolkit_index.url)
    ToolkitPageFactory(parent=toolkit_index, title="Nuevo módulo de retorno")

    response = client.get(toolkit_index.url)

    assert response["X-Page-Cache"] == "miss"
    assert "Nuevo módulo de retorno" in response.content.decode()


def test_unpublishing_removes_the_page_from_the_cache(client, toolkit_page):
    client.get(toolkit_page.url)
    toolkit_page.unpublish()
    assert client.get(toolkit_page.url).status_code == 404


def test_changing_site_settings_refreshes_the_footer(client, home):
    client.get("/")
    settings = SiteSettings.for_site(home.get_site())
    settings.contact_email = "contacto@aula.example.org"
    settings.save()

    assert "contacto@aula.example.org" in client.get("/").content.decode()


def test_logged_in_users_never_get_or_fill_the_shared_cache(client, toolkit_page):
    client.force_login(UserFactory())
    response = client.get(toolkit_page.url)
    assert "X-Page-Cache" not in response
    client.logout()
    assert client.get(toolkit_page.url)["X-Page-Cache"] == "miss"


def test_the_session_cookie_keeps_visitors_out_under_production_s_name(
    client, toolkit_page, settings
):
    settings.SESSION_COOKIE_NAME = "__Host-sessionid"
    assert client.get(toolkit_page.url)["X-Page-Cache"] == "miss"
    client.force_login(UserFactory())

    assert "X-Page-Cache" not in client.get(toolkit_page.url)


def test_each_language_is_cached_separately(client, toolkit_page):
    spanish = client.get(toolkit_page.url)
    english = client.get("/en" + toolkit_page.url)
    assert english["X-Page-Cache"] == "miss"
    assert 'lang="en"' in english.content.decode()
    assert 'lang="es"' in spanish.content.decode()


def test_search_results_are_not_cached(client, toolkit_page):
    client.get("/buscar/", {"q": "diagnóstico"})
    assert "X-Page-Cache" not in client.get("/buscar/", {"q": "diagnóstico"})


def test_post_requests_bypass_the_cache(client, toolkit_page):
    client.get(toolkit_page.url)
    assert "X-Page-Cache" not in client.post(toolkit_page.url)


def test_cache_works_on_the_shared_database_backend(client, toolkit_page, settings):
    with override_settings(CACHES={"default": settings.CACHES["database"]}):
        caches["default"].clear()
        assert client.get(toolkit_page.url)["X-Page-Cache"] == "miss"
        assert client.get(toolkit_page.url)["X-Page-Cache"] == "hit"
        toolkit_page.save_revision().publish()
        assert client.get(toolkit_page.url)["X-Page-Cache"] == "miss"


def test_a_publish_elsewhere_makes_every_remembered_fragment_unreachable(rf, db):
    """Each process keeps fragments in memory; the shared generation still decides."""
    from django.core.cache import cache

    from cms import page_cache

    computed = []

    def compute():
        computed.append(1)
        return {"items": [len(computed)]}

    first = page_cache.get_or_set_fragment(rf.get("/"), "menu:test", compute)
    # Another app server's memory holds the same key; emptying the shared cache
    # here shows the value now comes from this process's memory.
    cache.delete(f"fragment:{page_cache.current_generation()}:menu:test")
    again = page_cache.get_or_set_fragment(rf.get("/"), "menu:test", compute)
    assert again == first == {"items": [1]}
    assert again is not first  # never one mutable object shared by two requests

    page_cache.invalidate()  # what a publish on any server does
    after = page_cache.get_or_set_fragment(rf.get("/"), "menu:test", compute)
    assert after == {"items": [2]}


def test_a_flushed_shared_cache_never_brings_back_an_old_generation(rf):
    from django.core.cache import cache

    from cms import page_cache

    before = page_cache.current_generation()
    cache.clear()
    assert page_cache.current_generation() != before


def test_migrating_starts_a_new_generation(db):
    from django.core.management import call_command

    from cms import page_cache

    before = page_cache.current_generation()
    call_command("migrate", verbosity=0)
    assert page_cache.current_generation() != before
