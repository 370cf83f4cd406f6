"""Storing an H5P activity's package: unpacked under a fresh key, the old one removed after commit."""

import secrets

from django.core.files.storage import default_storage
from django.db import transaction

from courses.h5p.package import PackageInfo, delete_extracted, extract_package


def new_key() -> str:
    return secrets.token_hex(16)


def unpack(upload, key: str) -> PackageInfo:
    """Check and unpack an uploaded package under `key`; nothing is left if it is refused."""
    upload.seek(0)
    info = extract_package(upload, storage=default_storage, prefix=f"h5p/content/{key}")
    upload.seek(0)
    return info


def apply_package(activity, info: PackageInfo, key: str, *, old_package: str = "") -> None:
    """Point the activity at a freshly unpacked package (saved by the caller).

    `old_package` is the stored name of the package being replaced, read before the
    upload was put on the activity; it is deleted with the old files after commit.
    """
    old_key = activity.key
    activity.key = key
    activity.main_library = info.main_library
    activity.libraries = info.libraries
    activity.content_title = info.title[:255]
    activity.file_count = info.file_count
    activity.size_bytes = info.uncompressed_bytes
    if old_key and old_key != key:
        # A replaced package: its maximum may differ, so the next result sets it again.
        activity.max_score = None
        transaction.on_commit(lambda: discard(old_key, old_package))


def discard(key: str, package_name: str = "") -> None:
    """Delete an activity's unpacked files and its uploaded package."""
    if key:
        delete_extracted(default_storage, f"h5p/content/{key}")
    if package_name and default_storage.exists(package_name):
        default_storage.delete(package_name)
