"""Checking and unpacking uploaded H5P packages: what passes, what is refused and why.

Every refusal is checked three ways: inspect_package raises it with its
English message, and extract_package raises it too while leaving nothing in
an in-memory storage, in a file-system storage or in the temporary folder.
"""

import hashlib
import io
import json
import os
import posixpath
import stat
import struct
import tempfile
import unicodedata
import warnings
import zipfile
import zlib
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, InMemoryStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from courses.h5p import package as h5p
from courses.h5p.builder import LIBRARY_FOLDER, REMOVE, build_package, library_files
from courses.h5p.package import (
    PackageError,
    PackageInfo,
    delete_extracted,
    extract_package,
    inspect_package,
)

PREFIX = "h5p/activity-1"
EXPECTED_FILES = {
    "h5p.json",
    "content/content.json",
    f"{LIBRARY_FOLDER}/library.json",
    f"{LIBRARY_FOLDER}/question.js",
    f"{LIBRARY_FOLDER}/question.css",
}
NBSP = "\u00a0"

# Hypothesis: deterministic, and no example database written into the project.
PROPERTY = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


# Building packages


def package(**kwargs) -> bytes:
    kwargs.setdefault("title", "Prueba de movilidad humana")
    kwargs.setdefault("question", "¿Quién elabora el PDOT?")
    kwargs.setdefault("options", [("El GAD", True), ("Nadie", False)])
    return build_package(**kwargs)


def zip_of(entries) -> bytes:
    """A zip of (name or ZipInfo, bytes) pairs, written as given (duplicates too)."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf,
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore", UserWarning)  # "Duplicate name"
        for name, data in entries:
            zf.writestr(name, data)
    return buffer.getvalue()


def entries_of(data: bytes) -> list:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(info.filename, zf.read(info)) for info in zf.infolist()]


def without(data: bytes, *names: str) -> bytes:
    return zip_of([(name, body) for name, body in entries_of(data) if name not in names])


def with_entries(data: bytes, *extra) -> bytes:
    return zip_of([*entries_of(data), *extra])


def library_json(**changes) -> bytes:
    data = json.loads(library_files()[f"{LIBRARY_FOLDER}/library.json"])
    for key, value in changes.items():
        if value is REMOVE:
            data.pop(key)
        else:
            data[key] = value
    return json.dumps(data).encode()


def central_records(data: bytes):
    """(offset of the central directory record, name) of each entry."""
    position = data.find(b"PK\x01\x02")
    while position != -1:
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        yield position, data[position + 46 : position + 46 + name_length]
        position = data.find(b"PK\x01\x02", position + 46 + name_length)


def patch_entry(data: bytes, name: str, *, file_size=None, crc=None, flags=0, method=None):
    """Rewrite fields of an entry's headers, as a hostile tool could."""
    data = bytearray(data)
    for position, entry_name in central_records(bytes(data)):
        if entry_name != name.encode():
            continue
        local = struct.unpack_from("<L", data, position + 42)[0]
        if file_size is not None:
            struct.pack_into("<L", data, position + 24, file_size)
        if crc is not None:
            struct.pack_into("<L", data, position + 16, crc)
        if flags:
            for offset in (position + 8, local + 6):
                struct.pack_into(
                    "<H", data, offset, struct.unpack_from("<H", data, offset)[0] | flags
                )
        if method is not None:
            struct.pack_into("<H", data, position + 10, method)
            struct.pack_into("<H", data, local + 8, method)
        return bytes(data)
    raise AssertionError(f"no entry {name}")


def rename_entry(data: bytes, old: str, new: bytes) -> bytes:
    """Rename an entry to raw bytes of the same length (zipfile refuses some names)."""
    assert len(old.encode()) == len(new)
    return data.replace(old.encode(), new)


def special_entry(name: str, mode: int, body: bytes = b"x") -> tuple:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = mode << 16
    return info, body


# Storages and leftovers


@pytest.fixture(autouse=True)
def temp_root(tmp_path, monkeypatch):
    """Temporary folders go here, so a test can see that none is left behind."""
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    yield root
    assert list(root.iterdir()) == []


@pytest.fixture
def memory():
    return InMemoryStorage()


@pytest.fixture
def filesystem(tmp_path):
    return FileSystemStorage(location=tmp_path / "media")


@pytest.fixture(params=["memory", "filesystem"])
def storage(request):
    return request.getfixturevalue(request.param)


def stored_files(storage, path="") -> set[str]:
    try:
        folders, files = storage.listdir(path)
    except FileNotFoundError:
        return set()
    found = {posixpath.join(path, name) for name in files}
    for folder in folders:
        found |= stored_files(storage, posixpath.join(path, folder))
    return found


def assert_nothing_stored(storage):
    assert stored_files(storage) == set()
    if isinstance(storage, FileSystemStorage) and os.path.exists(storage.location):
        leftovers = [
            os.path.join(folder, name)
            for folder, dirs, files in os.walk(storage.location)
            for name in dirs + files
        ]
        assert leftovers == []


def refusal(data: bytes, call=inspect_package) -> PackageError:
    with pytest.raises(PackageError) as caught:
        call(io.BytesIO(data))
    return caught.value


def english(error: PackageError) -> list[str]:
    with translation.override("en"):
        return error.messages


def assert_refused(data: bytes, code: str, message: str, storage):
    error = refusal(data)
    assert (error.code, english(error)) == (code, [message])
    error = refusal(data, lambda f: extract_package(f, storage=storage, prefix=PREFIX))
    assert (error.code, english(error)) == (code, [message])
    assert_nothing_stored(storage)


# What passes


def test_built_package_passes():
    info = inspect_package(io.BytesIO(package()))

    assert isinstance(info, PackageInfo)
    assert info.title == "Prueba de movilidad humana"
    assert info.main_library == "Aula.Question 1.0"
    assert info.main_machine_name == "Aula.Question"
    assert info.libraries == ["Aula.Question-1.0"]
    assert info.embed_types == ["iframe"]
    assert info.file_count == 5
    assert set(info.files) == EXPECTED_FILES
    assert info.uncompressed_bytes == sum(len(body) for _, body in entries_of(package()))
    assert info.h5p_json["mainLibrary"] == "Aula.Question"


def test_extract_puts_exactly_the_package_files_in_storage(storage):
    data = package()

    info = extract_package(io.BytesIO(data), storage=storage, prefix=PREFIX)

    assert stored_files(storage) == {f"{PREFIX}/{name}" for name in EXPECTED_FILES}
    for name, body in entries_of(data):
        with storage.open(f"{PREFIX}/{name}") as handle:
            assert handle.read() == body
    assert info.file_count == 5


def test_extract_to_filesystem_moves_one_folder_into_place(filesystem):
    extract_package(io.BytesIO(package()), storage=filesystem, prefix=PREFIX)

    parent = Path(filesystem.location) / "h5p"
    assert sorted(os.listdir(parent)) == ["activity-1"]
    assert (parent / "activity-1" / LIBRARY_FOLDER / "question.js").is_file()


def test_extract_accepts_an_uploaded_file(memory):
    upload = SimpleUploadedFile("pregunta.h5p", package(), content_type="application/zip")
    upload.read(10)  # wherever the upload was left, it is read from the start

    info = extract_package(upload, storage=memory, prefix=PREFIX)

    assert info.main_library == "Aula.Question 1.0"
    assert len(stored_files(memory)) == 5


def test_clutter_from_operating_systems_is_skipped(storage):
    data = package(
        extra_files={
            "__MACOSX/content/._content.json": b"\x00\x05\x16\x07",
            ".DS_Store": b"\x00\x00\x00\x01Bud1",
            "content/.DS_Store": b"\x00",
            "content/Thumbs.db": b"\x00",
            f"{LIBRARY_FOLDER}/desktop.ini": b"[.ShellClassInfo]",
        }
    )

    info = extract_package(io.BytesIO(data), storage=storage, prefix=PREFIX)

    assert set(info.files) == EXPECTED_FILES
    assert stored_files(storage) == {f"{PREFIX}/{name}" for name in EXPECTED_FILES}


def test_media_and_folder_entries_in_content_pass(memory):
    data = package(
        extra_files={
            "content/images/": b"",
            "content/images/mapa.png": b"\x89PNG\r\n\x1a\n",
            "content/audios/entrevista.mp3": b"ID3",
            "content/documentos/Guía PDOT.pdf": b"%PDF-1.7",
        }
    )

    info = extract_package(io.BytesIO(data), storage=memory, prefix=PREFIX)

    assert "content/documentos/Guía PDOT.pdf" in info.files
    assert "content/images/" not in info.files
    assert f"{PREFIX}/content/images/mapa.png" in stored_files(memory)


def test_editor_dependencies_need_not_be_present():
    data = package(
        extra_files={
            f"{LIBRARY_FOLDER}/library.json": library_json(
                editorDependencies=[
                    {"machineName": "H5PEditor.ShowWhen", "majorVersion": 1, "minorVersion": 0}
                ]
            )
        }
    )

    assert inspect_package(io.BytesIO(data)).libraries == [LIBRARY_FOLDER]


def test_dependencies_between_present_libraries_pass():
    extra = {
        "H5P.Shared-1.2/library.json": json.dumps(
            {
                "title": "Shared",
                "machineName": "H5P.Shared",
                "majorVersion": 1,
                "minorVersion": 2,
                "patchVersion": 7,
                "runnable": 0,
                "preloadedJs": [{"path": "scripts/shared.js"}],
            }
        ).encode(),
        "H5P.Shared-1.2/scripts/shared.js": b"var Shared = {};",
        "H5P.Shared-1.2/icon.svg": b"<svg/>",
        f"{LIBRARY_FOLDER}/library.json": library_json(
            preloadedDependencies=[
                {"machineName": "H5P.Shared", "majorVersion": 1, "minorVersion": 2}
            ]
        ),
    }

    info = inspect_package(io.BytesIO(package(extra_files=extra)))

    assert info.libraries == [LIBRARY_FOLDER, "H5P.Shared-1.2"]


def test_the_package_built_twice_is_the_same_bytes():
    assert package() == package()


# What is refused: the archive itself


def test_not_a_zip(storage):
    assert_refused(
        b"%PDF-1.7 not a package",
        "not_zip",
        "This file is not an H5P package: it is not a zip archive.",
        storage,
    )


def test_damaged_zip(storage):
    assert_refused(
        package()[:-30],
        "corrupt",
        "The package is damaged and cannot be read. Export it again and upload the new file.",
        storage,
    )


@pytest.mark.parametrize("data", [b"", zip_of([])], ids=["no bytes", "zip without files"])
def test_empty(data, storage):
    assert_refused(data, "empty", "The package is empty.", storage)


def test_only_clutter_is_empty(storage):
    assert_refused(zip_of([(".DS_Store", b"x")]), "empty", "The package is empty.", storage)


def test_too_large_compressed(settings, storage):
    settings.H5P_MAX_UPLOAD_BYTES = 2048
    assert_refused(
        package(), "too_large", f"The package is larger than the limit of 2.0{NBSP}KB.", storage
    )


def test_too_large_once_unpacked(settings, storage):
    settings.H5P_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    noise = b"".join(hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(32768))
    assert_refused(
        package(extra_files={"content/ruido.txt": noise}),
        "too_large_uncompressed",
        f"Once unpacked, the package would take more than the limit of 1.0{NBSP}MB.",
        storage,
    )


def test_zip_bomb_in_one_file(storage):
    zeros = bytes(8 * 1024 * 1024)  # about 8 KB once compressed
    assert_refused(
        package(extra_files={"content/ceros.txt": zeros}),
        "zip_bomb_file",
        "The file content/ceros.txt unpacks to far more than its compressed size and looks like a zip bomb.",
        storage,
    )


def test_zip_bomb_spread_over_small_files(storage):
    zeros = bytes(900 * 1024)  # each below the size where one file's ratio is judged
    extra = {f"content/ceros-{i}.txt": zeros for i in range(4)}
    assert_refused(
        package(extra_files=extra),
        "zip_bomb",
        "The package unpacks to far more than its own size and looks like a zip bomb.",
        storage,
    )


def test_lower_ratio_setting(settings):
    settings.H5P_MAX_RATIO = 2
    text = b"Movilidad humana en el PDOT. " * 50_000  # 1.4 MB, compresses far more than 2:1
    error = refusal(package(extra_files={"content/texto.txt": text}))
    assert error.code == "zip_bomb_file"


def test_too_many_files(settings, storage):
    settings.H5P_MAX_FILES = 4
    assert_refused(
        package(), "too_many_files", "The package holds more than 4 files and folders.", storage
    )


# What is refused: names and kinds of entries


@pytest.mark.parametrize(
    ("name", "code", "message"),
    [
        (
            "../evil.js",
            "traversal",
            "The package contains a file that points outside its folder: ../evil.js",
        ),
        (
            "content/../../evil.png",
            "traversal",
            "The package contains a file that points outside its folder: content/../../evil.png",
        ),
        (
            "/etc/x",
            "absolute_path",
            "The package contains a file with an absolute path: /etc/x",
        ),
        (
            "content\\..\\evil.png",
            "backslash",
            "The package contains a file name with a backslash: content\\..\\evil.png",
        ),
        (
            "C:/evil.png",
            "drive_letter",
            "The package contains a file name with a drive letter: C:/evil.png",
        ),
        (
            "content/a\x1b.png",
            "control_chars",
            "The package contains a file name with control or invisible characters: content/a\\x1b.png",
        ),
        (
            "content/gpj.\u202epng",
            "control_chars",
            "The package contains a file name with control or invisible characters: content/gpj.\\u202epng",
        ),
        (
            "content//a.png",
            "invalid_name",
            "The package contains an invalid file name: content//a.png",
        ),
        (
            "content/./a.png",
            "invalid_name",
            "The package contains an invalid file name: content/./a.png",
        ),
        (
            "content/a.png:evil",
            "invalid_name",
            "The package contains an invalid file name: content/a.png:evil",
        ),
        (
            "content/" + "a" * 300 + ".png",
            "invalid_name",
            "The package contains an invalid file name: content/" + "a" * 300 + ".png",
        ),
    ],
)
def test_hostile_names(name, code, message, storage):
    assert_refused(package(extra_files={name: b"x"}), code, message, storage)


def test_nul_byte_in_name(storage):
    data = rename_entry(
        package(extra_files={"content/aXb.png": b"x"}), "content/aXb.png", b"content/a\x00b.png"
    )
    assert_refused(
        data,
        "control_chars",
        "The package contains a file name with control or invisible characters: content/a\\x00b.png",
        storage,
    )


def test_symlink_entry(storage):
    link = special_entry("content/passwd.txt", stat.S_IFLNK | 0o777, b"../../../../etc/passwd")
    assert_refused(
        with_entries(package(), link),
        "symlink",
        "The package contains a symbolic link, which is not allowed: content/passwd.txt",
        storage,
    )


def test_special_file_entry(storage):
    fifo = special_entry("content/pipe.txt", stat.S_IFIFO | 0o644)
    assert_refused(
        with_entries(package(), fifo),
        "special_file",
        "The package contains something that is neither a file nor a folder: content/pipe.txt",
        storage,
    )


def test_same_name_twice(storage):
    assert_refused(
        with_entries(package(), ("content/content.json", b"{}")),
        "duplicate",
        "The package contains the file content/content.json twice.",
        storage,
    )


def test_names_differing_only_in_case(storage):
    assert_refused(
        package(extra_files={"content/Mapa.png": b"1", "content/mapa.png": b"2"}),
        "case_duplicate",
        "The package contains two files whose names differ only in letter case or accent "
        "encoding: content/Mapa.png and content/mapa.png",
        storage,
    )


def test_folders_differing_only_in_case(storage):
    assert_refused(
        package(extra_files={"content/Fotos/a.png": b"1", "content/fotos/b.png": b"2"}),
        "case_duplicate",
        "The package contains two files whose names differ only in letter case or accent "
        "encoding: content/Fotos and content/fotos",
        storage,
    )


def test_names_differing_only_in_unicode_normalisation(storage):
    composed = unicodedata.normalize("NFC", "content/café.png")
    decomposed = unicodedata.normalize("NFD", "content/café.png")
    assert_refused(
        package(extra_files={composed: b"1", decomposed: b"2"}),
        "case_duplicate",
        "The package contains two files whose names differ only in letter case or accent "
        f"encoding: {composed} and {decomposed}",
        storage,
    )


def test_name_used_as_file_and_folder(storage):
    assert_refused(
        package(extra_files={"content/a.png": b"1", "content/a.png/b.png": b"2"}),
        "file_folder_clash",
        "The package contains content/a.png both as a file and as a folder.",
        storage,
    )


def test_encrypted_entry(storage):
    data = patch_entry(package(), "content/content.json", flags=0x1)
    assert_refused(
        data,
        "encrypted",
        "The package contains a password-protected file: content/content.json",
        storage,
    )


def test_unsupported_compression(storage):
    data = patch_entry(package(), "content/content.json", method=99)  # AES
    assert_refused(
        data,
        "unsupported_compression",
        "The package contains a file compressed with an unsupported method: content/content.json",
        storage,
    )


def test_overlapping_entries(storage):
    data = bytearray(package())
    records = list(central_records(bytes(data)))
    first_offset = struct.unpack_from("<L", data, records[0][0] + 42)[0]
    struct.pack_into("<L", data, records[1][0] + 42, first_offset + 1)
    assert_refused(
        bytes(data),
        "corrupt",
        "The package is damaged and cannot be read. Export it again and upload the new file.",
        storage,
    )


# What is refused: types and places of files


@pytest.mark.parametrize(
    "name",
    [
        "content/shell.php",
        "content/page.html",
        "content/page.HTM",
        "content/movie.swf",
        "content/README",
        "content/photo.jpg.",
        f"{LIBRARY_FOLDER}/page.html",
        f"{LIBRARY_FOLDER}/run.php",
        f"{LIBRARY_FOLDER}/tool.exe",
    ],
)
def test_disallowed_types(name, storage):
    assert_refused(
        package(extra_files={name: b"<?php system($_GET['c']); ?>"}),
        "disallowed_type",
        f"The file {name} is of a type that H5P packages may not contain.",
        storage,
    )


@pytest.mark.parametrize(
    "name", ["content/evil.js", "content/x/style.CSS", "content/image.svg", "content/data.xml"]
)
def test_scripts_outside_library_folders(name, storage):
    assert_refused(
        package(extra_files={name: b"alert(1)"}),
        "script_outside_library",
        f"The file {name} can run code in the browser and is only allowed inside a library folder.",
        storage,
    )


@pytest.mark.parametrize("name", ["evil.js", "readme.txt", "H5P.Other-1.0"])
def test_top_level_files(name, storage):
    assert_refused(
        package(extra_files={name: b"x"}),
        "top_level_file",
        f"The file {name} is not allowed at the top level of the package; only h5p.json is.",
        storage,
    )


def test_folder_that_is_no_library(storage):
    assert_refused(
        package(extra_files={"scripts/app.js": b"x"}),
        "invalid_library_folder",
        "The folder scripts is neither content nor a library folder (named like H5P.Example-1.0).",
        storage,
    )


# What is refused: h5p.json and content


def test_missing_h5p_json(storage):
    assert_refused(
        without(package(), "h5p.json"),
        "missing_h5p_json",
        "The package has no h5p.json file at its top level, so it is not an H5P package.",
        storage,
    )


@pytest.mark.parametrize("body", [b"{not json", b"[]", b"\xff\xfe", b"[" * 100_000])
def test_h5p_json_not_valid(body, storage):
    assert_refused(
        package(extra_files={"h5p.json": body}),
        "invalid_json",
        "The file h5p.json is not valid JSON.",
        storage,
    )


@pytest.mark.parametrize(
    "field", ["title", "mainLibrary", "language", "embedTypes", "preloadedDependencies"]
)
def test_h5p_json_missing_field(field, storage):
    assert_refused(
        package(h5p_json_overrides={field: REMOVE}),
        "missing_field",
        f"The file h5p.json lacks the required field {field}.",
        storage,
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", ""),
        ("title", 7),
        ("mainLibrary", "Aula Question"),
        ("language", "español de Ecuador"),
        ("embedTypes", "div"),
        ("embedTypes", []),
        ("embedTypes", ["frame"]),
        ("preloadedDependencies", {"machineName": "Aula.Question"}),
        ("preloadedDependencies", [{"machineName": "Aula.Question", "majorVersion": "1"}]),
        (
            "preloadedDependencies",
            [{"machineName": "../x", "majorVersion": 1, "minorVersion": 0}],
        ),
    ],
)
def test_h5p_json_field_not_valid(field, value, storage):
    assert_refused(
        package(h5p_json_overrides={field: value}),
        "invalid_field",
        f"The field {field} in the file h5p.json is not valid.",
        storage,
    )


def test_main_library_without_version(storage):
    assert_refused(
        package(h5p_json_overrides={"preloadedDependencies": []}),
        "main_library_not_listed",
        "The file h5p.json does not list the version of its main library Aula.Question.",
        storage,
    )


def test_missing_content(storage):
    assert_refused(
        without(package(), "content/content.json"),
        "missing_content",
        "The package has no content/content.json file.",
        storage,
    )


def test_content_not_json(storage):
    assert_refused(
        package(extra_files={"content/content.json": b"{'question': 1}"}),
        "invalid_json",
        "The file content/content.json is not valid JSON.",
        storage,
    )


def test_content_not_an_object(storage):
    assert_refused(
        package(extra_files={"content/content.json": b'["question"]'}),
        "invalid_content",
        "The file content/content.json does not hold the content's parameters.",
        storage,
    )


# What is refused: libraries


def test_package_without_libraries(storage):
    assert_refused(
        package(include_library=False),
        "no_libraries",
        "This package does not include its libraries. Export it again with libraries included, "
        "for example from Lumi.",
        storage,
    )


def test_missing_dependency_of_the_content(storage):
    dependencies = [
        {"machineName": "Aula.Question", "majorVersion": 1, "minorVersion": 0},
        {"machineName": "H5P.Question", "majorVersion": 1, "minorVersion": 5},
    ]
    assert_refused(
        package(h5p_json_overrides={"preloadedDependencies": dependencies}),
        "missing_dependency",
        "The package lacks the library H5P.Question 1.5. Export it again with libraries "
        "included, for example from Lumi.",
        storage,
    )


def test_missing_dependency_of_a_library(storage):
    needs = [{"machineName": "H5P.JoubelUI", "majorVersion": 1, "minorVersion": 3}]
    assert_refused(
        package(
            extra_files={
                f"{LIBRARY_FOLDER}/library.json": library_json(preloadedDependencies=needs)
            }
        ),
        "missing_dependency",
        "The package lacks the library H5P.JoubelUI 1.3. Export it again with libraries "
        "included, for example from Lumi.",
        storage,
    )


def test_other_version_of_a_dependency_does_not_count():
    needs = [{"machineName": "H5P.Shared", "majorVersion": 1, "minorVersion": 3}]
    extra = {
        f"{LIBRARY_FOLDER}/library.json": library_json(preloadedDependencies=needs),
        "H5P.Shared-1.2/library.json": json.dumps(
            {
                "title": "Shared",
                "machineName": "H5P.Shared",
                "majorVersion": 1,
                "minorVersion": 2,
                "patchVersion": 0,
                "runnable": 0,
            }
        ).encode(),
    }
    error = refusal(package(extra_files=extra))
    assert english(error) == [
        "The package lacks the library H5P.Shared 1.3. Export it again with libraries "
        "included, for example from Lumi."
    ]


def test_library_without_library_json(storage):
    assert_refused(
        without(package(), f"{LIBRARY_FOLDER}/library.json"),
        "missing_library_json",
        f"The library folder {LIBRARY_FOLDER} has no library.json file.",
        storage,
    )


def test_library_json_not_valid(storage):
    assert_refused(
        package(extra_files={f"{LIBRARY_FOLDER}/library.json": b"{,}"}),
        "invalid_json",
        f"The file {LIBRARY_FOLDER}/library.json is not valid JSON.",
        storage,
    )


@pytest.mark.parametrize("field", ["machineName", "majorVersion", "runnable"])
def test_library_json_missing_field(field, storage):
    assert_refused(
        package(extra_files={f"{LIBRARY_FOLDER}/library.json": library_json(**{field: REMOVE})}),
        "missing_field",
        f"The file {LIBRARY_FOLDER}/library.json lacks the required field {field}.",
        storage,
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("minorVersion", "0"),
        ("runnable", 2),
        ("preloadedJs", "question.js"),
        ("preloadedCss", [{}]),
    ],
)
def test_library_json_field_not_valid(field, value, storage):
    assert_refused(
        package(extra_files={f"{LIBRARY_FOLDER}/library.json": library_json(**{field: value})}),
        "invalid_field",
        f"The field {field} in the file {LIBRARY_FOLDER}/library.json is not valid.",
        storage,
    )


@pytest.mark.parametrize(
    ("changes", "library"),
    [
        ({"minorVersion": 1}, "Aula.Question 1.1"),
        ({"machineName": "Aula.Pregunta"}, "Aula.Pregunta 1.0"),
    ],
)
def test_library_json_not_matching_its_folder(changes, library, storage):
    assert_refused(
        package(extra_files={f"{LIBRARY_FOLDER}/library.json": library_json(**changes)}),
        "library_mismatch",
        f"The library folder {LIBRARY_FOLDER} holds the library {library}; the names must match.",
        storage,
    )


@pytest.mark.parametrize("path", ["question.js", "question.css"])
def test_preloaded_file_missing(path, storage):
    assert_refused(
        without(package(), f"{LIBRARY_FOLDER}/{path}"),
        "missing_library_file",
        f"The library {LIBRARY_FOLDER} needs the file {path}, which is not in the package.",
        storage,
    )


def test_preloaded_file_outside_the_library(storage):
    changes = {"preloadedJs": [{"path": "../content/content.json"}]}
    assert_refused(
        package(extra_files={f"{LIBRARY_FOLDER}/library.json": library_json(**changes)}),
        "missing_library_file",
        f"The library {LIBRARY_FOLDER} needs the file ../content/content.json, which is not in the package.",
        storage,
    )


# Sizes while unpacking


def test_header_understating_a_size_is_caught_while_unpacking(storage):
    text = b"Plan de Desarrollo y Ordenamiento Territorial. " * 2000
    data = patch_entry(
        package(extra_files={"content/texto.txt": text}), "content/texto.txt", file_size=100
    )

    assert inspect_package(io.BytesIO(data)).file_count == 6  # the directory alone looks fine
    error = refusal(data, lambda f: extract_package(f, storage=storage, prefix=PREFIX))

    assert error.code == "corrupt"
    assert_nothing_stored(storage)


def test_header_understating_a_size_never_unpacks_more_than_it_says(storage):
    text = b"Plan de Desarrollo y Ordenamiento Territorial. " * 2000
    data = package(extra_files={"content/texto.txt": text})
    data = patch_entry(data, "content/texto.txt", file_size=100, crc=zlib.crc32(text[:100]))

    try:
        extract_package(io.BytesIO(data), storage=storage, prefix=PREFIX)
    except PackageError:
        assert_nothing_stored(storage)
    else:
        assert storage.size(f"{PREFIX}/content/texto.txt") <= 100


def test_bytes_beyond_the_declared_size_are_refused(storage, monkeypatch):
    real = h5p._iter_member

    def overflowing(zf, info):
        yield from real(zf, info)
        if info.filename == "content/content.json":
            yield b"more than the header said"

    monkeypatch.setattr(h5p, "_iter_member", overflowing)
    error = refusal(package(), lambda f: extract_package(f, storage=storage, prefix=PREFIX))

    assert error.code == "corrupt"
    assert_nothing_stored(storage)


# Destinations


def test_destination_already_holding_files_is_refused(storage):
    extract_package(io.BytesIO(package()), storage=storage, prefix=PREFIX)
    before = stored_files(storage)

    error = refusal(package(), lambda f: extract_package(f, storage=storage, prefix=PREFIX))

    assert (error.code, english(error)) == (
        "destination_not_empty",
        ["The destination for this package already holds files."],
    )
    assert stored_files(storage) == before


def test_empty_destination_folder_is_fine(filesystem):
    (Path(filesystem.location) / PREFIX).mkdir(parents=True)

    extract_package(io.BytesIO(package()), storage=filesystem, prefix=PREFIX)

    assert len(stored_files(filesystem)) == 5


@pytest.mark.parametrize("prefix", ["", "/", "../media", "h5p/../../x", "h5p\\x", "h5p//x"])
def test_unusable_prefix(prefix, memory):
    with pytest.raises(ValueError, match="prefix"):
        extract_package(io.BytesIO(package()), storage=memory, prefix=prefix)


class RenamingStorage(InMemoryStorage):
    """Saves one file under another name, as a storage does on a name collision."""

    def get_available_name(self, name, max_length=None):
        name = super().get_available_name(name, max_length)
        return name.replace("question.css", "question_x1.css")


class FailingStorage(InMemoryStorage):
    """Fails on the third file, as a full disk or a network error would."""

    saves = 0

    def _save(self, name, content):
        self.saves += 1
        if self.saves == 3:
            super()._save(name, ContentFile(b"half"))
            raise OSError("disk full")
        return super()._save(name, content)


def test_storage_renaming_a_file_is_an_error_and_leaves_nothing():
    storage = RenamingStorage()

    error = refusal(package(), lambda f: extract_package(f, storage=storage, prefix=PREFIX))

    assert (error.code, english(error)) == (
        "storage_conflict",
        [f"The file {LIBRARY_FOLDER}/question.css could not be stored under its own name."],
    )
    assert_nothing_stored(storage)


def test_storage_failing_half_way_leaves_nothing():
    storage = FailingStorage()

    with pytest.raises(OSError, match="disk full"):
        extract_package(io.BytesIO(package()), storage=storage, prefix=PREFIX)

    assert_nothing_stored(storage)


def test_filesystem_failure_half_way_leaves_nothing(filesystem, monkeypatch):
    def fail(*args):
        raise OSError("disk full")

    monkeypatch.setattr(h5p.os, "replace", fail)

    with pytest.raises(OSError, match="disk full"):
        extract_package(io.BytesIO(package()), storage=filesystem, prefix=PREFIX)

    assert_nothing_stored(filesystem)


def test_delete_extracted_removes_only_that_prefix(storage):
    extract_package(io.BytesIO(package()), storage=storage, prefix=PREFIX)
    extract_package(io.BytesIO(package()), storage=storage, prefix="h5p/activity-2")

    assert delete_extracted(storage, PREFIX) == 5

    assert stored_files(storage) == {f"h5p/activity-2/{name}" for name in EXPECTED_FILES}
    assert delete_extracted(storage, PREFIX) == 0
    assert delete_extracted(storage, "h5p/never-there") == 0


# Properties over generated packages

SEGMENTS = st.sampled_from(
    [
        "content",
        "content",
        LIBRARY_FOLDER,
        "H5P.Other-1.0",
        "imagen.png",
        "Imagen.PNG",
        "clip.mp4",
        "x.js",
        "style.css",
        "evil.php",
        "index.html",
        "library.json",
        "h5p.json",
        "content.json",
        "..",
        ".",
        "",
        "C:",
        "c:evil",
        "a\\b",
        "\x00",
        "\x1b",
        "\u202e",
        ".DS_Store",
        "__MACOSX",
        "é",
        "e\u0301",
        "~",
        " ",
    ]
)
HOSTILE_NAMES = st.builds(
    lambda leading, parts, trailing: leading + "/".join(parts) + trailing,
    st.sampled_from(["", "", "", "", "/", "./"]),
    st.lists(st.one_of(SEGMENTS, st.text("abcÁ.-_/ ", max_size=6)), min_size=1, max_size=4),
    st.sampled_from(["", "", "", "/"]),
)
PLAUSIBLE_NAMES = st.builds(
    lambda folder, stem, extension: f"{folder}/{stem}.{extension}",
    st.sampled_from(["content", "content/imágenes", LIBRARY_FOLDER, f"{LIBRARY_FOLDER}/js"]),
    st.text("abcñÁ-_ .", min_size=1, max_size=8),
    st.sampled_from(["png", "JPG", "json", "mp3", "txt", "js", "css", "svg", "html", "php"]),
)
NAMES = st.one_of(PLAUSIBLE_NAMES, PLAUSIBLE_NAMES, HOSTILE_NAMES)


def hostile_package(names, bodies) -> bytes:
    return package(extra_files=dict(zip(names, bodies, strict=False)))


def resolves_inside(prefix: str, name: str) -> bool:
    joined = posixpath.normpath(posixpath.join(prefix, name))
    return (
        joined.startswith(prefix + "/")
        and not name.startswith("/")
        and ".." not in name.split("/")
        and "\\" not in name
        and "\x00" not in name
    )


@pytest.mark.filterwarnings("ignore:Duplicate name")
@PROPERTY
@given(
    names=st.lists(NAMES, min_size=1, max_size=3),
    bodies=st.lists(st.binary(max_size=40), min_size=3, max_size=3),
)
def test_property_names_are_refused_or_stay_inside(names, bodies):
    data = hostile_package(names, bodies)
    try:
        info = inspect_package(io.BytesIO(data))
    except PackageError:
        return
    for name in info.files:
        assert resolves_inside(PREFIX, name), name
    storage = InMemoryStorage()
    try:
        extract_package(io.BytesIO(data), storage=storage, prefix=PREFIX)
    except PackageError:
        assert stored_files(storage) == set()
    else:
        assert stored_files(storage) == {f"{PREFIX}/{name}" for name in info.files}


@PROPERTY
@given(
    data=st.one_of(
        st.binary(max_size=2000), st.binary(max_size=500).map(lambda b: b"PK\x03\x04" + b)
    )
)
def test_property_random_bytes_are_refused(data):
    with pytest.raises(PackageError):
        inspect_package(io.BytesIO(data))


@pytest.mark.filterwarnings("ignore:Duplicate name")
@PROPERTY
@given(
    names=st.lists(NAMES, max_size=2),
    flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 255)), max_size=3),
    cut=st.one_of(st.none(), st.integers(1, 4000)),
)
def test_property_failed_extraction_leaves_nothing(names, flips, cut):
    data = bytearray(hostile_package(names, [b"x"] * len(names)))
    for position, mask in flips:
        data[position % len(data)] ^= mask
    if cut is not None:
        data = data[: len(data) - (cut % len(data))]
    with tempfile.TemporaryDirectory() as media:
        storages = [InMemoryStorage(), FileSystemStorage(location=media)]
        for storage in storages:
            try:
                info = extract_package(io.BytesIO(bytes(data)), storage=storage, prefix=PREFIX)
            except PackageError:
                assert_nothing_stored(storage)
            else:
                assert stored_files(storage) == {f"{PREFIX}/{name}" for name in info.files}
                delete_extracted(storage, PREFIX)
                assert stored_files(storage) == set()
