import pytest

from cms.sanitizer import sanitize_html

PAYLOADS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">clic</a>',
    '<a href="JaVaScRiPt:alert(1)">clic</a>',
    "<svg><script>alert(1)</script></svg>",
    '<svg onload="alert(1)"></svg>',
    '<iframe src="https://evil.example/"></iframe>',
    '<p style="background:url(javascript:alert(1))">texto</p>',
    "<style>body{display:none}</style>",
    '<object data="x.swf"></object>',
    '<form action="https://evil.example/"><input name="q"></form>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<p onclick="alert(1)">texto</p>',
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_sanitizer_removes_script_vectors(payload):
    cleaned = sanitize_html(payload).lower()
    for dangerous in (
        "<script",
        "onerror",
        "onload",
        "onclick",
        "javascript:",
        "<iframe",
        "style",
        "<svg",
        "<object",
        "<form",
        "data:text",
    ):
        assert dangerous not in cleaned


def test_sanitizer_keeps_basic_formatting_and_safe_links():
    html = '<p>Hola <strong>GAD</strong> <a href="https://www.ame.gob.ec/">AME</a></p><ul><li>uno</li></ul>'
    cleaned = sanitize_html(html)
    assert "<strong>GAD</strong>" in cleaned
    assert '<a href="https://www.ame.gob.ec/" rel="noopener noreferrer nofollow">AME</a>' in cleaned
    assert "<li>uno</li>" in cleaned


def test_sanitizer_escapes_text_that_looks_like_markup():
    assert sanitize_html("1 < 2 & 3 > 2") == "1 &lt; 2 &amp; 3 &gt; 2"


def test_sanitizer_handles_empty_input():
    assert sanitize_html("") == ""
    assert sanitize_html(None) == ""
