"""Checking and unpacking uploaded H5P packages (.h5p zip files).

An H5P package is a zip holding `h5p.json`, the content under `content/`
(parameters in `content/content.json` plus media) and one folder per library,
named `<machineName>-<major>.<minor>`, with its `library.json` and files.

Everything is checked before anything is written: the zip's central
directory (names, types, sizes, compression ratios) and the small JSON files
(h5p.json, content/content.json, each library.json). While unpacking, the
decompressed bytes are counted again, so a header that lies about a size
cannot get past the limits.

Rules beyond H5P core's own:

- Names must be plain relative paths: no absolute paths, `..`, backslashes,
  drive letters, colons, control or invisible characters, or empty segments.
- Symbolic links, special files, encrypted entries and compression methods
  other than stored, deflate, bzip2 and LZMA are refused.
- Two names equal apart from letter case or Unicode normalisation are
  refused, as is a name used both as a file and as a folder.
- Content files (`content/...`) use H5P core's list of extensions, without
  svg and xml; code that a browser could run (js, css, svg, xml) is allowed
  only inside library folders; html, php and other executable types are
  never allowed.
- At the top level only `h5p.json` and library or content folders are
  allowed. Operating-system clutter is tolerated and skipped, never unpacked:
  `__MACOSX/` folders, `Thumbs.db`, `desktop.ini` and any file or folder
  whose name starts with a dot (`.DS_Store`, `._photo.jpg`); H5P core skips
  dot files too.
- Every library that h5p.json or a library in the package preloads must be
  in the package (editor dependencies are not needed to play the content).

Limits, from Django settings: H5P_MAX_UPLOAD_BYTES (the .h5p file itself,
default 200 MB), H5P_MAX_UNCOMPRESSED_BYTES (all files unpacked, default
500 MB), H5P_MAX_RATIO (unpacked size over packed size, for the whole package
and for each file above RATIO_MIN_BYTES, default 100) and H5P_MAX_FILES
(entries in the zip, files and folders, default 5000).
"""

from __future__ import annotations

import errno
import json
import logging
import os
import posixpath
import re
import secrets
import shutil
import stat
import struct
import tempfile
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import FileSystemStorage
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

MB = 1024 * 1024

DEFAULT_MAX_UPLOAD_BYTES = 200 * MB
DEFAULT_MAX_UNCOMPRESSED_BYTES = 500 * MB
DEFAULT_MAX_RATIO = 100
DEFAULT_MAX_FILES = 5000

# Compression ratios are only judged above this size: tiny files and tiny
# packages may compress very well and cannot do harm.
RATIO_MIN_BYTES = 1 * MB
# The JSON files are read into memory while checking.
MAX_JSON_BYTES = 16 * MB
CHUNK_BYTES = 64 * 1024

# H5P core's list for content files, without swf (and without svg and xml,
# which can carry scripts).
CONTENT_EXTENSIONS = frozenset(
    {
        "json",
        "png",
        "jpg",
        "jpeg",
        "gif",
        "bmp",
        "tif",
        "tiff",
        "eot",
        "ttf",
        "woff",
        "woff2",
        "otf",
        "webm",
        "mp4",
        "ogg",
        "mp3",
        "m4a",
        "wav",
        "txt",
        "pdf",
        "rtf",
        "doc",
        "docx",
        "xls",
        "xlsx",
        "ppt",
        "pptx",
        "odt",
        "ods",
        "odp",
        "csv",
        "diff",
        "patch",
        "md",
        "textile",
        "vtt",
        "webvtt",
        "gltf",
        "glb",
    }
)
# Types a browser may run; allowed only inside library folders.
LIBRARY_ONLY_EXTENSIONS = frozenset({"js", "css", "svg", "xml"})
LIBRARY_EXTENSIONS = CONTENT_EXTENSIONS | LIBRARY_ONLY_EXTENSIONS

SUPPORTED_COMPRESSION = frozenset(
    {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
)

JUNK_NAMES = frozenset({"__macosx", "thumbs.db", "desktop.ini"})

NAME_PATTERN = r"[A-Za-z0-9_.\-]{1,255}"
MACHINE_NAME_RE = re.compile(rf"^{NAME_PATTERN}$")
LIBRARY_FOLDER_RE = re.compile(
    rf"^(?P<machine>{NAME_PATTERN})-(?P<major>\d{{1,5}})\.(?P<minor>\d{{1,5}})$"
)
LANGUAGE_RE = re.compile(r"^[-a-zA-Z]{1,10}$")
DRIVE_RE = re.compile(r"^[A-Za-z]:")
MAX_SEGMENT_BYTES = 255
MAX_NAME_BYTES = 1024

# Errors the zipfile module (and the codecs under it) raise on damaged or
# hostile archives.
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    struct.error,
    NotImplementedError,
    OverflowError,
    IndexError,
    KeyError,
    RuntimeError,
)

MESSAGES = {
    "not_zip": _("This file is not an H5P package: it is not a zip archive."),
    "corrupt": _(
        "The package is damaged and cannot be read. Export it again and upload the new file."
    ),
    "empty": _("The package is empty."),
    "too_large": _("The package is larger than the limit of %(limit)s."),
    "too_large_uncompressed": _(
        "Once unpacked, the package would take more than the limit of %(limit)s."
    ),
    "zip_bomb": _("The package unpacks to far more than its own size and looks like a zip bomb."),
    "zip_bomb_file": _(
        "The file %(name)s unpacks to far more than its compressed size and looks like a zip bomb."
    ),
    "too_many_files": _("The package holds more than %(limit)s files and folders."),
    "absolute_path": _("The package contains a file with an absolute path: %(name)s"),
    "traversal": _("The package contains a file that points outside its folder: %(name)s"),
    "backslash": _("The package contains a file name with a backslash: %(name)s"),
    "control_chars": _(
        "The package contains a file name with control or invisible characters: %(name)s"
    ),
    "drive_letter": _("The package contains a file name with a drive letter: %(name)s"),
    "invalid_name": _("The package contains an invalid file name: %(name)s"),
    "symlink": _("The package contains a symbolic link, which is not allowed: %(name)s"),
    "special_file": _(
        "The package contains something that is neither a file nor a folder: %(name)s"
    ),
    "duplicate": _("The package contains the file %(name)s twice."),
    "case_duplicate": _(
        "The package contains two files whose names differ only in letter case or accent encoding: %(name)s and %(other)s"
    ),
    "file_folder_clash": _("The package contains %(name)s both as a file and as a folder."),
    "encrypted": _("The package contains a password-protected file: %(name)s"),
    "unsupported_compression": _(
        "The package contains a file compressed with an unsupported method: %(name)s"
    ),
    "disallowed_type": _("The file %(name)s is of a type that H5P packages may not contain."),
    "script_outside_library": _(
        "The file %(name)s can run code in the browser and is only allowed inside a library folder."
    ),
    "top_level_file": _(
        "The file %(name)s is not allowed at the top level of the package; only h5p.json is."
    ),
    "missing_h5p_json": _(
        "The package has no h5p.json file at its top level, so it is not an H5P package."
    ),
    "invalid_json": _("The file %(name)s is not valid JSON."),
    "json_too_large": _("The file %(name)s is too large."),
    "missing_field": _("The file %(name)s lacks the required field %(field)s."),
    "invalid_field": _("The field %(field)s in the file %(name)s is not valid."),
    "main_library_not_listed": _(
        "The file h5p.json does not list the version of its main library %(library)s."
    ),
    "missing_content": _("The package has no content/content.json file."),
    "invalid_content": _("The file content/content.json does not hold the content's parameters."),
    "no_libraries": _(
        "This package does not include its libraries. Export it again with libraries included, for example from Lumi."
    ),
    "missing_dependency": _(
        "The package lacks the library %(library)s. Export it again with libraries included, for example from Lumi."
    ),
    "invalid_library_folder": _(
        "The folder %(folder)s is neither content nor a library folder (named like H5P.Example-1.0)."
    ),
    "missing_library_json": _("The library folder %(folder)s has no library.json file."),
    "library_mismatch": _(
        "The library folder %(folder)s holds the library %(library)s; the names must match."
    ),
    "missing_library_file": _(
        "The library %(folder)s needs the file %(path)s, which is not in the package."
    ),
    "destination_not_empty": _("The destination for this package already holds files."),
    "storage_conflict": _("The file %(name)s could not be stored under its own name."),
}


class PackageError(ValidationError):
    """An H5P package was refused. `code` says why; `messages` say it to a person."""


# Sizes in messages are formatted when the message is shown, in its language.
_size = lazy(filesizeformat, str)


def _error(code: str, **params) -> PackageError:
    return PackageError(MESSAGES[code], code=code, params=params or None)


@dataclass(frozen=True)
class PackageInfo:
    title: str
    main_library: str  # "H5P.MultiChoice 1.16"
    main_machine_name: str  # "H5P.MultiChoice"
    libraries: list[str]  # folder names, sorted: ["H5P.MultiChoice-1.16", ...]
    embed_types: list[str]
    file_count: int
    uncompressed_bytes: int
    h5p_json: dict = field(repr=False)
    files: tuple[str, ...] = field(default=(), repr=False)  # names unpacked, sorted


@dataclass(frozen=True)
class _Limits:
    upload: int
    uncompressed: int
    ratio: float
    files: int

    @classmethod
    def from_settings(cls) -> _Limits:
        return cls(
            upload=getattr(settings, "H5P_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES),
            uncompressed=getattr(
                settings, "H5P_MAX_UNCOMPRESSED_BYTES", DEFAULT_MAX_UNCOMPRESSED_BYTES
            ),
            ratio=getattr(settings, "H5P_MAX_RATIO", DEFAULT_MAX_RATIO),
            files=getattr(settings, "H5P_MAX_FILES", DEFAULT_MAX_FILES),
        )


# Public API


def inspect_package(fileobj) -> PackageInfo:
    """Check an uploaded package completely, writing nothing. Raise PackageError if refused."""
    limits = _Limits.from_settings()
    with _open_zip(fileobj, limits) as (zf, archive_size):
        info, _members = _validate(zf, limits, archive_size)
    return info


def extract_package(fileobj, *, storage, prefix: str) -> PackageInfo:
    """Check a package, then unpack every file into `storage` under `prefix/`.

    The files land in storage only once the whole package has been unpacked
    and counted in a temporary folder. On any failure, whatever was written
    under `prefix` is deleted again and the error is raised.
    """
    prefix = _clean_prefix(prefix)
    limits = _Limits.from_settings()
    with _open_zip(fileobj, limits) as (zf, size):
        info, members = _validate(zf, limits, size)
        if _holds_files(storage, prefix):
            raise _error("destination_not_empty")
        if isinstance(storage, FileSystemStorage):
            _extract_to_filesystem(zf, members, limits, storage, prefix)
        else:
            _extract_to_storage(zf, members, limits, storage, prefix)
    return info


def delete_extracted(storage, prefix: str) -> int:
    """Delete every file under `prefix` in `storage`; return how many there were."""
    prefix = _clean_prefix(prefix)
    if isinstance(storage, FileSystemStorage):
        root = Path(storage.path(prefix))
        if root.is_symlink() or root.is_file():
            root.unlink()
            return 1
        if not root.is_dir():
            return 0
        count = sum(len(files) for _dirpath, _dirs, files in os.walk(root))
        shutil.rmtree(root)
        return count
    count = 0
    for name in list(_walk_files(storage, prefix)):
        storage.delete(name)
        count += 1
    return count


# Opening


@contextmanager
def _open_zip(fileobj, limits: _Limits):
    """(ZipFile, archive size) for a seekable binary file object, closed afterwards."""
    try:
        fileobj.seek(0, os.SEEK_END)
        size = fileobj.tell()
        fileobj.seek(0)
        head = fileobj.read(4)
        fileobj.seek(0)
    except (OSError, ValueError) as exc:
        raise _error("corrupt") from exc
    if size == 0:
        raise _error("empty")
    if size > limits.upload:
        raise _error("too_large", limit=_size(limits.upload))
    try:
        zf = zipfile.ZipFile(fileobj)
    except _ZIP_ERRORS as exc:
        looks_like_zip = head in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
        raise _error("corrupt" if looks_like_zip else "not_zip") from exc
    with zf:
        yield zf, size


# Validation


def _validate(zf: zipfile.ZipFile, limits: _Limits, archive_size: int):
    """Check the whole package; return its PackageInfo and the entries to unpack."""
    entries = zf.infolist()
    if not entries:
        raise _error("empty")
    if len(entries) > limits.files:
        raise _error("too_many_files", limit=limits.files)

    paths = {id(info): _check_entry(info) for info in entries}  # entry -> path segments
    _check_layout(entries, archive_size)
    _check_sizes(entries, limits, archive_size)
    _check_duplicates(entries, paths)

    members = []
    for info in entries:
        parts = paths[id(info)]
        if info.is_dir() or _is_junk(parts):
            continue
        _check_placement(info.filename, parts)
        members.append(info)
    if not members:
        raise _error("empty")
    files = {info.filename: info for info in members}

    h5p_json = _read_json(zf, files, "h5p.json", missing="missing_h5p_json")
    main_machine, main_version, dependencies = _check_h5p_json(h5p_json)

    content = _read_json(zf, files, "content/content.json", missing="missing_content")
    if not isinstance(content, dict):
        raise _error("invalid_content")

    folders = sorted({name.split("/", 1)[0] for name in files if "/" in name} - {"content"})
    if not folders:
        raise _error("no_libraries")
    for folder in folders:
        dependencies.extend(_check_library(zf, files, folder))
    present = set(folders)
    for machine, major, minor in dependencies:
        if f"{machine}-{major}.{minor}" not in present:
            raise _error("missing_dependency", library=f"{machine} {major}.{minor}")

    members.sort(key=lambda info: info.filename)
    info = PackageInfo(
        title=h5p_json["title"],
        main_library=f"{main_machine} {main_version[0]}.{main_version[1]}",
        main_machine_name=main_machine,
        libraries=folders,
        embed_types=list(h5p_json["embedTypes"]),
        file_count=len(members),
        uncompressed_bytes=sum(m.file_size for m in members),
        h5p_json=h5p_json,
        files=tuple(m.filename for m in members),
    )
    return info, members


def _shown(name: str) -> str:
    """A name safe to show in a message: invisible characters escaped."""
    return "".join(
        c.encode("unicode_escape").decode("ascii") if _is_invisible(c) else c for c in name
    )


def _is_invisible(char: str) -> bool:
    return unicodedata.category(char) in {"Cc", "Cf", "Cs", "Zl", "Zp"}


def _check_entry(info: zipfile.ZipInfo) -> list[str]:
    """Refuse a hostile or unsupported entry; return its path segments."""
    raw = info.orig_filename  # zipfile cuts `filename` at a NUL byte
    if any(_is_invisible(c) for c in raw):
        raise _error("control_chars", name=_shown(raw))
    if "\\" in raw:
        raise _error("backslash", name=raw)
    if raw.startswith("/"):
        raise _error("absolute_path", name=raw)
    if DRIVE_RE.match(raw):
        raise _error("drive_letter", name=raw)
    path = raw[:-1] if raw.endswith("/") else raw
    parts = path.split("/")
    if ".." in parts:
        raise _error("traversal", name=raw)
    if (
        raw != info.filename
        or ":" in raw
        or any(part in ("", ".") for part in parts)
        or any(len(part.encode()) > MAX_SEGMENT_BYTES for part in parts)
        or len(raw.encode()) > MAX_NAME_BYTES
    ):
        raise _error("invalid_name", name=raw)
    if info.flag_bits & 0x1:
        raise _error("encrypted", name=raw)
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise _error("symlink", name=raw)
    kind = stat.S_IFMT(mode)
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR) or (kind == stat.S_IFDIR and not info.is_dir()):
        raise _error("special_file", name=raw)
    if info.compress_type not in SUPPORTED_COMPRESSION:
        raise _error("unsupported_compression", name=raw)
    return parts


def _check_layout(entries, archive_size: int) -> None:
    """Entries must lie inside the archive one after another, never overlapping."""
    end = 0
    for info in sorted(entries, key=lambda i: i.header_offset):
        if info.header_offset < end:
            raise _error("corrupt")
        end = info.header_offset + 30 + info.compress_size  # 30: fixed local header
        if end > archive_size:
            raise _error("corrupt")


def _check_sizes(entries, limits: _Limits, archive_size: int) -> None:
    total = 0
    for info in entries:
        if info.file_size < 0 or info.compress_size < 0:
            raise _error("corrupt")
        if info.file_size > RATIO_MIN_BYTES and info.file_size > limits.ratio * max(
            info.compress_size, 1
        ):
            raise _error("zip_bomb_file", name=info.orig_filename)
        total += info.file_size
    if total > RATIO_MIN_BYTES and total > limits.ratio * archive_size:
        raise _error("zip_bomb")
    if total > limits.uncompressed:
        raise _error("too_large_uncompressed", limit=_size(limits.uncompressed))


def _fold(path: str) -> str:
    """The name as case-insensitive, normalising file systems see it."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", path).casefold())


def _check_duplicates(entries, paths) -> None:
    exact: set[str] = set()
    files: dict[str, str] = {}
    folders: dict[str, str] = {}

    def add_folder(path: str) -> None:
        seen = folders.setdefault(_fold(path), path)
        if seen != path:
            raise _error("case_duplicate", name=seen, other=path)

    for info in entries:
        parts = paths[id(info)]
        path = "/".join(parts)
        for depth in range(1, len(parts)):
            add_folder("/".join(parts[:depth]))
        if info.is_dir():
            add_folder(path)
            continue
        if path in exact:
            raise _error("duplicate", name=path)
        exact.add(path)
        seen = files.setdefault(_fold(path), path)
        if seen != path:
            raise _error("case_duplicate", name=seen, other=path)
    for key, path in files.items():
        if key in folders:
            raise _error("file_folder_clash", name=path)


def _is_junk(parts: list[str]) -> bool:
    """Clutter operating systems add to zips: skipped, never unpacked."""
    return any(part.startswith(".") or part.lower() in JUNK_NAMES for part in parts)


def _extension(name: str) -> str:
    last = name.rsplit("/", 1)[-1]
    return last.rsplit(".", 1)[1].lower() if "." in last else ""


def _check_placement(name: str, parts: list[str]) -> None:
    """Where a file may be, by its type."""
    extension = _extension(name)
    if len(parts) == 1:
        if name != "h5p.json":
            raise _error("top_level_file", name=name)
    elif parts[0] == "content":
        if extension in LIBRARY_ONLY_EXTENSIONS:
            raise _error("script_outside_library", name=name)
        if extension not in CONTENT_EXTENSIONS:
            raise _error("disallowed_type", name=name)
    else:
        if not LIBRARY_FOLDER_RE.match(parts[0]):
            raise _error("invalid_library_folder", folder=parts[0])
        if extension not in LIBRARY_EXTENSIONS:
            raise _error("disallowed_type", name=name)


def _iter_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The decompressed bytes of an entry in chunks; damage raises PackageError."""
    try:
        with zf.open(info) as source:
            while chunk := source.read(CHUNK_BYTES):
                yield chunk
    except _ZIP_ERRORS as exc:
        raise _error("corrupt") from exc


def _read_json(zf, files, name: str, *, missing: str, **missing_params):
    info = files.get(name)
    if info is None:
        raise _error(missing, **missing_params)
    if info.file_size > MAX_JSON_BYTES:
        raise _error("json_too_large", name=name)
    data = bytearray()
    for chunk in _iter_member(zf, info):
        data += chunk
        if len(data) > info.file_size:
            raise _error("corrupt")
    try:
        return json.loads(bytes(data).decode("utf-8-sig"))
    except (ValueError, RecursionError) as exc:
        raise _error("invalid_json", name=name) from exc


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 99999


def _dependencies(data, *, file: str, field: str = "preloadedDependencies"):
    """[(machineName, major, minor)] from a dependency list in h5p.json or library.json."""
    value = data.get(field, [])
    if not isinstance(value, list):
        raise _error("invalid_field", field=field, name=file)
    result = []
    for dep in value:
        if not (
            isinstance(dep, dict)
            and isinstance(dep.get("machineName"), str)
            and MACHINE_NAME_RE.match(dep["machineName"])
            and _is_int(dep.get("majorVersion"))
            and _is_int(dep.get("minorVersion"))
        ):
            raise _error("invalid_field", field=field, name=file)
        result.append((dep["machineName"], dep["majorVersion"], dep["minorVersion"]))
    return result


def _check_h5p_json(data):
    """Return (main machine name, (major, minor), [preloaded (machineName, major, minor)])."""
    name = "h5p.json"
    if not isinstance(data, dict):
        raise _error("invalid_json", name=name)
    for key in ("title", "mainLibrary", "language", "embedTypes", "preloadedDependencies"):
        if key not in data:
            raise _error("missing_field", field=key, name=name)
    checks = {
        "title": lambda v: isinstance(v, str) and v.strip() != "" and len(v) <= 255,
        "mainLibrary": lambda v: isinstance(v, str) and MACHINE_NAME_RE.match(v),
        "language": lambda v: isinstance(v, str) and LANGUAGE_RE.match(v),
        "embedTypes": lambda v: (
            isinstance(v, list) and v and all(t in ("div", "iframe") for t in v)
        ),
    }
    for key, check in checks.items():
        if not check(data[key]):
            raise _error("invalid_field", field=key, name=name)
    dependencies = _dependencies(data, file=name)
    main = data["mainLibrary"]
    versions = [(major, minor) for machine, major, minor in dependencies if machine == main]
    if not versions:
        raise _error("main_library_not_listed", library=main)
    return main, versions[0], dependencies


def _check_library(zf, files, folder: str) -> list[tuple[str, int, int]]:
    """Check a library folder; return the libraries it preloads."""
    match = LIBRARY_FOLDER_RE.match(folder)
    if not match:
        raise _error("invalid_library_folder", folder=folder)
    name = f"{folder}/library.json"
    data = _read_json(zf, files, name, missing="missing_library_json", folder=folder)
    if not isinstance(data, dict):
        raise _error("invalid_json", name=name)
    required = ("title", "machineName", "majorVersion", "minorVersion", "patchVersion", "runnable")
    for key in required:
        if key not in data:
            raise _error("missing_field", field=key, name=name)
    checks = {
        "title": lambda v: isinstance(v, str) and v.strip(),
        "machineName": lambda v: isinstance(v, str) and MACHINE_NAME_RE.match(v),
        "majorVersion": _is_int,
        "minorVersion": _is_int,
        "patchVersion": _is_int,
        "runnable": lambda v: v in (0, 1),
    }
    for key, check in checks.items():
        if not check(data[key]):
            raise _error("invalid_field", field=key, name=name)
    if (data["machineName"], data["majorVersion"], data["minorVersion"]) != (
        match["machine"],
        int(match["major"]),
        int(match["minor"]),
    ):
        library = f"{data['machineName']} {data['majorVersion']}.{data['minorVersion']}"
        raise _error("library_mismatch", folder=folder, library=library)
    for key in ("preloadedJs", "preloadedCss"):
        value = data.get(key, [])
        if not isinstance(value, list) or not all(
            isinstance(item, dict) and isinstance(item.get("path"), str) for item in value
        ):
            raise _error("invalid_field", field=key, name=name)
        for item in value:
            if f"{folder}/{item['path']}" not in files:
                raise _error("missing_library_file", folder=folder, path=item["path"])
    return _dependencies(data, file=name)


# Unpacking


def _clean_prefix(prefix: str) -> str:
    cleaned = str(prefix).strip("/")
    parts = cleaned.split("/")
    if not cleaned or "\\" in cleaned or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"Not a usable storage prefix: {prefix!r}")
    return cleaned


def _walk_files(storage, path: str) -> Iterator[str]:
    try:
        folders, files = storage.listdir(path)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        yield f"{path}/{name}"
    for name in folders:
        yield from _walk_files(storage, f"{path}/{name}")


def _holds_files(storage, prefix: str) -> bool:
    if next(_walk_files(storage, prefix), None) is not None:
        return True
    try:
        # A file where the folder should be.
        return bool(storage.exists(prefix)) and not _is_listable(storage, prefix)
    except OSError:
        return False


def _is_listable(storage, path: str) -> bool:
    try:
        storage.listdir(path)
    except OSError:
        return False
    return True


def _unpack(zf, members, root: Path, limits: _Limits, *, file_mode=None, dir_mode=None) -> None:
    """Stream every member into `root`, counting the bytes actually decompressed."""
    total = 0
    made = set()
    root_text = os.path.realpath(root)
    for info in members:
        parts = info.filename.split("/")
        target = root.joinpath(*parts)
        if not os.path.realpath(target).startswith(root_text + os.sep):
            raise _error("traversal", name=info.filename)
        for depth in range(1, len(parts)):
            folder = root.joinpath(*parts[:depth])
            if folder not in made:
                folder.mkdir(exist_ok=True)
                if dir_mode is not None:
                    os.chmod(folder, dir_mode)
                made.add(folder)
        written = 0
        with open(target, "xb") as out:
            for chunk in _iter_member(zf, info):
                written += len(chunk)
                total += len(chunk)
                if written > info.file_size:
                    raise _error("corrupt")
                if total > limits.uncompressed:
                    raise _error("too_large_uncompressed", limit=_size(limits.uncompressed))
                out.write(chunk)
        if written != info.file_size:
            raise _error("corrupt")
        if file_mode is not None:
            os.chmod(target, file_mode)


def _extract_to_storage(zf, members, limits: _Limits, storage, prefix: str) -> None:
    """Any storage: unpack to a temporary folder, then save file by file."""
    with tempfile.TemporaryDirectory(prefix="aula-h5p-") as tmp:
        root = Path(tmp)
        _unpack(zf, members, root, limits)
        written: list[str] = []
        try:
            for info in members:
                name = f"{prefix}/{info.filename}"
                with root.joinpath(*info.filename.split("/")).open("rb") as handle:
                    saved = storage.save(name, File(handle, name=posixpath.basename(name)))
                written.append(saved)
                if saved != name:
                    raise _error("storage_conflict", name=info.filename)
        except BaseException:
            _discard(storage, prefix, written)
            raise


def _discard(storage, prefix: str, written: list[str]) -> None:
    """Best effort: delete what this extraction wrote; the prefix was empty before."""
    try:
        for name in written:
            storage.delete(name)
        delete_extracted(storage, prefix)
    except Exception:
        logger.exception("Could not delete the partly unpacked H5P package under %s", prefix)


def _extract_to_filesystem(zf, members, limits: _Limits, storage, prefix: str) -> None:
    """FileSystemStorage: unpack beside the destination, then move it into place at once."""
    final = Path(storage.path(prefix))
    created = []
    missing = []
    parent = final.parent
    while not parent.exists():
        missing.append(parent)
        parent = parent.parent
    work = None
    try:
        for folder in reversed(missing):
            folder.mkdir()
            created.append(folder)
            if storage.directory_permissions_mode is not None:
                os.chmod(folder, storage.directory_permissions_mode)
        work = _make_work_dir(final.parent)
        if storage.directory_permissions_mode is not None:
            os.chmod(work, storage.directory_permissions_mode)
        _unpack(
            zf,
            members,
            work,
            limits,
            file_mode=storage.file_permissions_mode,
            dir_mode=storage.directory_permissions_mode,
        )
        try:
            os.replace(work, final)
        except OSError as exc:
            if exc.errno in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR, errno.EISDIR):
                raise _error("destination_not_empty") from exc
            raise
        work = None
    except BaseException:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
        for folder in reversed(created):
            try:
                folder.rmdir()
            except OSError:
                break
        raise


def _make_work_dir(parent: Path) -> Path:
    """A fresh hidden folder beside the destination, made with the usual permissions."""
    while True:
        work = parent / f".tmp-h5p-{secrets.token_hex(8)}"
        try:
            work.mkdir()
        except FileExistsError:
            continue
        return work
