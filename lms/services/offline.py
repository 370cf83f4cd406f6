"""What a participant's device needs to read a course without a connection.

A course download is the course page, its steps, and what their bodies use:
the image renditions a phone shows, the documents they link, and each H5P
activity's package files with the player that runs them. Sizes are known for
files; a page's size is estimated from its body, so the size shown before a
download is close but not exact.
"""

import hashlib
import posixpath
import re
from dataclasses import dataclass

from django.core.cache import cache
from django.core.files.storage import default_storage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

from courses.models import H5PActivity

# The renditions the site's templates put in srcset that a phone picks (a 360 px
# wide screen at twice the density); the others are found by the worker's
# fallback to any cached rendition of the same image.
BODY_IMAGE_SPEC = "width-720|format-webp"  # templates/blocks/image.html
COVER_IMAGE_SPEC = "width-800|format-webp"  # templates/courses/course_page.html
# A rendered page beyond its body's text: header, menus, footer, outline.
PAGE_OVERHEAD_BYTES = 14_000
# What the course's pages load besides the site's shell (which the worker keeps from the start).
PAGE_STATIC = ("js/quiz.js", "js/h5p-lesson.js")
# The player's own files (the fonts are left out: the player falls back to the phone's).
H5P_PLAYER_STATIC = (
    "h5p-standalone/main.bundle.js",
    "h5p-standalone/frame.bundle.js",
    "h5p-standalone/styles/h5p.css",
    "css/h5p-frame.css",
    "js/h5p-frame.js",
)
_RICH_TEXT_DOCUMENT = re.compile(r'<a[^>]*\blinktype="document"[^>]*\bid="(\d+)"')


@dataclass(frozen=True)
class File:
    url: str
    bytes: int


@dataclass
class BodyMedia:
    images: set[int]
    documents: set[int]

    @classmethod
    def of(cls, bodies) -> "BodyMedia":
        media = cls(images=set(), documents=set())
        for body in bodies:
            media._walk(list(body.raw_data) if hasattr(body, "raw_data") else body)
        return media

    def _walk(self, value) -> None:
        if isinstance(value, dict):
            kind = value.get("type")
            inner = value.get("value")
            if kind == "image" and isinstance(inner, dict) and isinstance(inner.get("image"), int):
                self.images.add(inner["image"])
            elif (
                kind == "document"
                and isinstance(inner, dict)
                and isinstance(inner.get("document"), int)
            ):
                self.documents.add(inner["document"])
            for item in value.values():
                self._walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                self._walk(item)
        elif isinstance(value, str) and 'linktype="document"' in value:
            self.documents.update(int(pk) for pk in _RICH_TEXT_DOCUMENT.findall(value))


def estimated_page_bytes(body_text: str = "") -> int:
    return PAGE_OVERHEAD_BYTES + len(body_text.encode())


def _size(file) -> int:
    try:
        return int(file.size)
    except (OSError, ValueError):
        return 0


def image_files(image_ids, *, cover_id: int | None = None) -> list[File]:
    """The renditions a phone shows, made now if a page has not made them yet."""
    wanted = [(pk, BODY_IMAGE_SPEC) for pk in sorted(image_ids)]
    if cover_id:
        wanted.append((cover_id, COVER_IMAGE_SPEC))
    images = get_image_model().objects.in_bulk([pk for pk, _spec in wanted])
    files = []
    for pk, spec in wanted:
        image = images.get(pk)
        if image is None:
            continue
        try:
            rendition = image.get_rendition(spec)
        except (OSError, ValueError):  # the original is missing or unreadable
            continue
        files.append(File(rendition.url, _size(rendition.file)))
    return files


def document_files(document_ids) -> list[File]:
    documents = get_document_model().objects.filter(pk__in=document_ids).order_by("pk")
    return [File(document.url, document.get_file_size() or 0) for document in documents]


def h5p_package_files(activity: H5PActivity) -> list[tuple[str, int]]:
    """(name, bytes) of each file unpacked from the package, kept until the package changes."""
    key = f"offline:h5p-files:{activity.key}"
    found = cache.get(key)
    if found is None:
        found = sorted(_walk_storage(activity.files_prefix.rstrip("/")))
        cache.set(key, found, None)  # the key names one version of the package
    return [tuple(item) for item in found]


def _walk_storage(prefix: str):
    try:
        directories, names = default_storage.listdir(prefix)
    except (FileNotFoundError, NotADirectoryError, OSError):
        return
    for name in names:
        path = posixpath.join(prefix, name)
        try:
            size = default_storage.size(path)
        except OSError:
            size = 0
        yield path, size
    for directory in directories:
        yield from _walk_storage(posixpath.join(prefix, directory))


def version(*parts) -> str:
    """A short fingerprint of what a download holds: it changes when the course changes."""
    digest = hashlib.sha256("|".join(str(part) for part in parts).encode())
    return digest.hexdigest()[:16]
