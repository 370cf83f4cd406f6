"""Fixtures for H5P activities: packages on disk in a temporary folder, lessons that place them,
participants enrolled, and the xAPI statements a player sends."""

import json
import os
import uuid

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from courses.h5p import activities
from courses.h5p.builder import build_package
from courses.models import H5PActivity, LessonPage
from lms.models import Participant
from lms.services.h5p import activity_iri
from lms.services.learning import enrol

ANSWERED = "http://adlnet.gov/expapi/verbs/answered"
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
PASSED = "http://adlnet.gov/expapi/verbs/passed"
FAILED = "http://adlnet.gov/expapi/verbs/failed"
PROGRESSED = "http://adlnet.gov/expapi/verbs/progressed"


def package_bytes(**kwargs) -> bytes:
    kwargs.setdefault("title", "¿Qué tipo de movilidad es?")
    kwargs.setdefault("question", "María volvió a Catamayo tras diez años en España. ¿Qué vive?")
    kwargs.setdefault("options", [("Retorno", True), ("Tránsito", False)])
    return build_package(**kwargs)


def files_in(root) -> list[str]:
    """Every file under a folder, as paths relative to it."""
    found = []
    for folder, _dirs, files in os.walk(root):
        found += [os.path.relpath(os.path.join(folder, name), root) for name in files]
    return sorted(found)


def statement(
    activity_id: int,
    *,
    verb: str = ANSWERED,
    raw=1,
    max=1,
    scaled="auto",
    success="auto",
    completion=True,
    email: str = "alguien@example.org",
    parent: str | None = None,
    object_id: str | None = None,
) -> dict:
    """An xAPI statement as H5P's player sends it about the activity as a whole.

    raw=None leaves the score out; "auto" fills scaled from raw/max and success
    from full marks; None leaves either out.
    """
    result = {"duration": "PT3S"}
    if raw is not None:
        score = {"min": 0, "max": max, "raw": raw}
        if scaled == "auto":
            scaled = raw / max if isinstance(raw, int | float) and max else None
        if scaled is not None:
            score["scaled"] = scaled
        result["score"] = score
    if success == "auto":
        success = raw is not None and raw == max
    if success is not None:
        result["success"] = success
    if completion is not None:
        result["completion"] = completion
    context = {
        "contextActivities": {
            "category": [
                {"id": "http://h5p.org/libraries/Aula.Question-1.0", "objectType": "Activity"}
            ]
        }
    }
    if parent:
        context["contextActivities"]["parent"] = [{"id": parent, "objectType": "Activity"}]
    return {
        "actor": {"name": "Alguien", "mbox": f"mailto:{email}", "objectType": "Agent"},
        "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[-1]}},
        "object": {
            "id": object_id or activity_iri(activity_id),
            "objectType": "Activity",
            "definition": {
                "name": {"es": "¿Qué tipo de movilidad es?"},
                "interactionType": "choice",
                "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
            },
        },
        "context": context,
        "result": result,
    }


def h5p_block(activity_id: int, requirement: str = "none") -> dict:
    return {
        "type": "h5p",
        "value": {"activity": activity_id, "requirement": requirement},
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"aula-test:h5p:{activity_id}")),
    }


def place(lesson: LessonPage, *blocks) -> LessonPage:
    """Publish the lesson with a paragraph and the given H5P blocks as its body."""
    lesson.body = json.dumps(
        [
            {"type": "paragraph", "value": "<p>Contenido de la lección.</p>", "id": "p1"},
            *blocks,
        ]
    )
    lesson.save_revision().publish()
    return lesson


@pytest.fixture
def media_root(settings, tmp_path):
    """Package files on disk in a temporary folder, as production keeps them."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = str(root)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return root


@pytest.fixture
def make_activity(db, media_root):
    """Create an activity from a built package, as the demo seed does."""

    def make(title="¿Qué tipo de movilidad es?", *, max_score=1, **package_kwargs) -> H5PActivity:
        package_kwargs.setdefault("title", title)
        upload = ContentFile(package_bytes(**package_kwargs), name="actividad.h5p")
        key = activities.new_key()
        info = activities.unpack(upload, key)
        activity = H5PActivity(title=title, max_score=max_score)
        activities.apply_package(activity, info, key)
        activity.package.save(upload.name, upload, save=False)
        activity.save()
        return activity

    return make


@pytest.fixture
def activity(make_activity):
    return make_activity()


@pytest.fixture
def lesson(course):
    """The course's first lesson ("Conceptos")."""
    return LessonPage.objects.get(slug="conceptos")


@pytest.fixture
def participant(official):
    return Participant.objects.get(user=official)


@pytest.fixture
def enrolled(client, official, participant, course):
    """The official, logged in and enrolled in the course."""
    client.force_login(official)
    return enrol(participant=participant, course=course)


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)
