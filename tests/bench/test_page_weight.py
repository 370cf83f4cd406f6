"""What a phone fetches before it can show a lesson: the page, its stylesheets and scripts.

The budget is 60 KB (60 * 1024 bytes) for the page as an enrolled participant gets it
plus every stylesheet and script it names, each compressed with gzip at level 6;
images and the H5P player (its own frame, loaded once the activity comes into view)
are apart. bench/slow3g.py measures the same page in Chromium over Slow 3G.
"""

import gzip
import json
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

from courses.models import H5PActivity, LessonPage
from lms.models import Participant
from lms.services.learning import enrol

BUDGET = 60 * 1024
TEXT = (
    "Los planes de desarrollo describen quién vive en un territorio y qué necesita. "
    "Cuando dejan fuera a quienes llegan, salen, transitan o retornan, las decisiones "
    "se toman con una foto incompleta. "
) * 6


class Assets(HTMLParser):
    """The stylesheets and scripts a page names."""

    def __init__(self):
        super().__init__()
        self.stylesheets: list[str] = []
        self.scripts: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        rel = (attributes.get("rel") or "").lower().split()
        if tag == "link" and "stylesheet" in rel and attributes.get("href"):
            self.stylesheets.append(attributes["href"])
        elif tag == "script" and attributes.get("src"):
            self.scripts.append(attributes)


def static_file(url: str) -> bytes:
    assert url.startswith(settings.STATIC_URL), f"{url} is not one of the site's static files"
    name = url.removeprefix(settings.STATIC_URL).split("?")[0]
    path = finders.find(name)
    assert path, f"{url} names no static file"
    with open(path, "rb") as handle:
        return handle.read()


def gzipped(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6, mtime=0))


@pytest.fixture
def lesson(course):
    """The first lesson with text and an H5P activity, the heaviest kind of lesson page."""
    activity = H5PActivity.objects.create(
        title="¿Qué tipo de movilidad es?", key="clave", main_library="Aula.Question 1.0"
    )
    lesson = LessonPage.objects.get(slug="conceptos")
    lesson.body = json.dumps(
        [
            {"type": "paragraph", "value": f"<p>{TEXT}</p>", "id": "p1"},
            {"type": "h5p", "value": {"activity": activity.pk, "requirement": "none"}, "id": "a1"},
            {"type": "paragraph", "value": f"<p>{TEXT}</p>", "id": "p2"},
        ]
    )
    lesson.save_revision().publish()
    return lesson


@pytest.fixture
def lesson_page(client, official, course, lesson):
    """The lesson's HTML as an enrolled participant gets it, and the assets it names."""
    enrol(participant=Participant.objects.get(user=official), course=course)
    client.force_login(official)
    response = client.get(lesson.url)
    assert response.status_code == 200
    assets = Assets()
    assets.feed(response.content.decode())
    return response.content, assets


def test_lesson_with_its_stylesheets_and_scripts_fits_60_kb_compressed(lesson_page):
    html, assets = lesson_page
    sizes = {"page": gzipped(html)}
    for url in [*assets.stylesheets, *(script["src"] for script in assets.scripts)]:
        sizes[url] = gzipped(static_file(url))

    total = sum(sizes.values())
    assert assets.stylesheets
    assert any("h5p-lesson" in script["src"] for script in assets.scripts)
    assert total <= BUDGET, f"{total:,} bytes over {BUDGET:,}: {sizes}"


def test_lesson_has_no_render_blocking_script(lesson_page):
    _html, assets = lesson_page

    blocking = [
        script["src"]
        for script in assets.scripts
        if "defer" not in script and "async" not in script and script.get("type") != "module"
    ]

    assert assets.scripts
    assert blocking == []


def test_site_css_declares_no_web_font(lesson_page):
    _html, assets = lesson_page

    with_fonts = [url for url in assets.stylesheets if b"@font-face" in static_file(url).lower()]

    assert with_fonts == []
