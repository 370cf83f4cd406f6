import pytest
from django.template.loader import render_to_string
from wagtail.blocks import StructBlockValidationError

from cms.blocks import ContentBlock, VideoBlock, video_embed_url


@pytest.mark.parametrize(
    ("url", "embed"),
    [
        (
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
        ),
        ("https://youtu.be/dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        (
            "https://m.youtube.com/watch?v=dQw4w9WgXcQ&t=30",
            "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
        ),
        (
            "https://www.youtube.com/shorts/dQw4w9WgXcQ",
            "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
        ),
        ("https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871"),
        ("https://example.com/watch?v=dQw4w9WgXcQ", None),
        ("https://www.youtube.com/watch?v=<script>", None),
        ("javascript:alert(1)", None),
    ],
)
def test_video_embed_url_accepts_only_known_hosts_and_ids(url, embed):
    assert video_embed_url(url) == embed


def test_video_block_rejects_other_hosts():
    block = VideoBlock()
    value = block.to_python({"url": "https://example.com/v.mp4", "title": "Otro", "transcript": ""})
    with pytest.raises(StructBlockValidationError):
        block.clean(value)


def test_video_renders_a_link_and_loads_nothing_until_play():
    block = VideoBlock()
    value = block.to_python(
        {"url": "https://youtu.be/dQw4w9WgXcQ", "title": "Testimonio", "transcript": ""}
    )
    html = block.render(value)
    assert "<iframe" not in html
    assert 'href="https://youtu.be/dQw4w9WgXcQ"' in html
    assert 'data-embed-url="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"' in html


def test_text_in_blocks_is_escaped(db):
    stream = ContentBlock().to_python(
        [
            {"type": "heading", "value": {"text": "<script>alert(1)</script>", "level": "h2"}},
            {
                "type": "quote",
                "value": {"quote": "<img src=x onerror=alert(1)>", "attribution": ""},
            },
        ]
    )
    html = render_to_string("blocks/heading.html", {"value": stream[0].value}) + stream[1].render()
    assert "<script>" not in html
    assert "<img" not in html
    assert "&lt;script&gt;" in html
