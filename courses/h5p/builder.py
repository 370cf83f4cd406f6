"""Building .h5p packages of Aula's own content type, Aula.Question 1.0.

The library's files live in `library/` beside this module and go into the
package as the folder `Aula.Question-1.0/`. Used by the demo seed and tests.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterable
from pathlib import Path

LIBRARY_DIR = Path(__file__).resolve().parent / "library"
MACHINE_NAME = "Aula.Question"
MAJOR_VERSION = 1
MINOR_VERSION = 0
LIBRARY_FOLDER = f"{MACHINE_NAME}-{MAJOR_VERSION}.{MINOR_VERSION}"
LIBRARY_FILES = ("library.json", "question.js", "question.css")

# A fixed timestamp keeps the bytes of a package the same from one build to the next.
_DATE_TIME = (2024, 1, 1, 0, 0, 0)

# As a value in `h5p_json_overrides`: leave that key out of h5p.json.
REMOVE = object()


def _options(options: Iterable) -> list[dict]:
    """Options as given: dicts with "text" and "correct", or (text, correct) pairs."""
    result = []
    for option in options:
        if isinstance(option, dict):
            text, correct = option["text"], option.get("correct", False)
        else:
            text, correct = option
        result.append({"text": str(text), "correct": bool(correct)})
    return result


def library_files() -> dict[str, bytes]:
    """The library's files as they go into a package, by name."""
    return {f"{LIBRARY_FOLDER}/{name}": (LIBRARY_DIR / name).read_bytes() for name in LIBRARY_FILES}


def build_package(
    *,
    title: str,
    question: str,
    options: Iterable,
    include_library: bool = True,
    extra_files: dict[str, bytes] | None = None,
    h5p_json_overrides: dict | None = None,
) -> bytes:
    """The bytes of a .h5p package holding one Aula.Question.

    `extra_files` are added as given, name and bytes; a name the package
    already has replaces that file. In `h5p_json_overrides`, REMOVE as a
    value drops the key.
    """
    h5p_json = {
        "title": title,
        "language": "es",
        "mainLibrary": MACHINE_NAME,
        "embedTypes": ["iframe"],
        "license": "U",
        "defaultLanguage": "es",
        "preloadedDependencies": [
            {
                "machineName": MACHINE_NAME,
                "majorVersion": MAJOR_VERSION,
                "minorVersion": MINOR_VERSION,
            }
        ],
    }
    for key, value in (h5p_json_overrides or {}).items():
        if value is REMOVE:
            h5p_json.pop(key, None)
        else:
            h5p_json[key] = value
    content = {"question": question, "options": _options(options)}

    files = {
        "h5p.json": json.dumps(h5p_json, ensure_ascii=False, indent=2).encode(),
        "content/content.json": json.dumps(content, ensure_ascii=False).encode(),
    }
    if include_library:
        files.update(library_files())
    files.update(extra_files or {})

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=_DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o40755 if name.endswith("/") else 0o100644) << 16
            info.create_system = 3
            zf.writestr(info, data)
    return buffer.getvalue()
