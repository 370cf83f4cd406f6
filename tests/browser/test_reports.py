"""A programme manager reads the demo's reach at a glance and takes the same table away.

The manager logs in with the second factor, opens Informes, reads the municipal GADs
reached out of 221 with the charts by province and by sex, and downloads the indicator
tables as XLSX: the workbook says what the page says.
"""

import io
import re

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.browser.test_workshops import log_in, second_factor_code

pytestmark = pytest.mark.browser

MANAGER_EMAIL = "gestora@aula.example.org"


@pytest.fixture
def desk(browser):
    """A laptop screen: managers prepare donor reports at a desk."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="es-EC", accept_downloads=True
    )
    page = context.new_page()
    yield page
    context.close()


def test_manager_reads_the_reach_and_exports_it(desk, demo_server):
    page, site = desk, demo_server.url
    log_in(page, site, MANAGER_EMAIL, "/cuenta/dos-pasos/?next=/admin/informes/")
    page.wait_for_url("**/cuenta/dos-pasos/**")
    code = second_factor_code(page, demo_server.database, MANAGER_EMAIL)
    page.get_by_label("Código de 6 dígitos de su aplicación").fill(code)
    page.get_by_role("button", name="Confirmar", exact=True).click()
    page.wait_for_url(site + "/admin/informes/")

    # At a glance: municipal GADs reached out of 221, first.
    first = page.locator(".report-coverage__item").first
    expect(first).to_contain_text("Municipal o metropolitano")
    reached = int(re.search(r"(\d+) de 221", first.inner_text()).group(1))
    assert reached >= 120
    # The charts by province and by sex, with their figures as text.
    by_province = page.get_by_role("table", name=re.compile("GAD alcanzados por provincia"))
    expect(by_province).to_be_visible()
    expect(by_province.get_by_role("rowheader", name="Manabí")).to_be_visible()
    by_sex = page.get_by_role("table", name=re.compile("Participantes por sexo"))
    for sex in ("Mujer", "Hombre", "Otro", "Prefiero no decirlo"):
        expect(by_sex.get_by_role("rowheader", name=sex)).to_be_visible()

    # The same table, as XLSX.
    exports = page.locator(".report-exports__list li", has_text="Tablas de indicadores")
    with page.expect_download() as download_info:
        exports.get_by_role("link", name="Excel (XLSX)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as handle:
        book = openpyxl.load_workbook(io.BytesIO(handle.read()))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:4] == ("Desagregación", "Categoría", "Participantes", "GAD alcanzados")
    municipal = next(row for row in rows if row[1] == "Municipal o metropolitano")
    assert (municipal[3], municipal[-1]) == (reached, 221)
    women = next(row for row in rows if row[1] == "Mujer")
    shown = by_sex.get_by_role("row", name=re.compile("^Mujer")).inner_text()
    assert f"{women[2]:,}".replace(",", ".") in shown
