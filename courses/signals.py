"""Keeping pages and files in step with H5P activities."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from cms.page_cache import invalidate
from courses.h5p.activities import discard
from courses.models import H5PActivity


def _activity_saved(sender, instance, **kwargs) -> None:
    # Course outlines hold each activity's files key; a new package has a new one.
    invalidate()


def _activity_deleted(sender, instance, **kwargs) -> None:
    invalidate()
    key, package = instance.key, instance.package.name if instance.package else ""
    transaction.on_commit(lambda: discard(key, package))


def connect() -> None:
    post_save.connect(_activity_saved, sender=H5PActivity, dispatch_uid="h5p_activity_saved")
    post_delete.connect(_activity_deleted, sender=H5PActivity, dispatch_uid="h5p_activity_deleted")
