"""Security headers on the public site and the admin."""

import pytest

from tests.factories import UserFactory


def test_public_pages_forbid_inline_scripts_and_other_hosts(client, toolkit_page):
    response = client.get(toolkit_page.url)
    csp = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in csp
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_public_pages_load_nothing_from_other_hosts(client, toolkit_page):
    html = client.get(toolkit_page.url).content.decode()
    assert "<script>" not in html  # no inline script: the CSP would block it
    for attribute in ('src="http', "src='http", 'href="//', "@import"):
        assert attribute not in html


def test_admin_gets_the_relaxed_policy_it_needs(login_staff, db):
    client = login_staff(UserFactory(is_superuser=True, is_staff=True))
    csp = client.get("/admin/")["Content-Security-Policy"]
    assert "'unsafe-inline'" in csp
    assert "frame-ancestors 'self'" in csp


@pytest.mark.parametrize("path", ["/admin/", "/admin/pages/"])
def test_admin_requires_login(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/cuenta/login/" in response["Location"]
