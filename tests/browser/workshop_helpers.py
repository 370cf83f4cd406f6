"""Server-side steps of the workshop journey, run in the demo server's environment.

`manage.py shell -c "from tests.browser.workshop_helpers import register_others; ..."`: each
function prints one line, MARKER followed by JSON, for the test to read.
"""

import json
import sys
from pathlib import Path
from types import SimpleNamespace

MARKER = "WORKSHOP-HELPER "
TRAINER_EMAIL = "capacitador@aula.example.org"
# Demo participants the trainer registers beside the demo participant, who registers herself.
OTHERS = (
    "Jorge Luis Cedeño Vera",
    "María Fernanda Jaramillo Ochoa",
    "Carlos Andrés Torres Cueva",
    "Lucía Vanessa Moreira Loor",
)
# How Carlos joins the calls from his phone: no email, and a name no participant has.
PHONE_NAME = "Celular de Carlos"
ZOOM_FILE = "zoom-sesion-1.csv"
TEAMS_FILE = "teams-sesion-1.csv"


def _say(data) -> None:
    sys.stdout.write(MARKER + json.dumps(data, ensure_ascii=False) + "\n")


def _first_session(slug: str):
    from lms.models import Session

    return (
        Session.objects.select_related("workshop").filter(workshop__slug=slug).order_by("starts_at")
    ).first()


def register_others(slug: str) -> None:
    """The trainer registers OTHERS for the workshop; prints {name: participant id}."""
    from django.contrib.auth import get_user_model

    from lms.models import Participant, Workshop
    from lms.services.workshops import register

    trainer = get_user_model().objects.get(email=TRAINER_EMAIL)
    workshop = Workshop.objects.get(slug=slug)
    ids = {}
    for name in OTHERS:
        person = Participant.objects.get(full_name=name)
        register(workshop=workshop, participant=person, added_by=trainer)
        ids[name] = person.pk
    _say(ids)


def write_reports(slug: str, directory: str) -> None:
    """A Zoom and a Teams report of the workshop's first session, written to `directory`.

    Zoom: the demo participant, Jorge and María, and Carlos as PHONE_NAME (besides the
    host and a guest the generator adds). Teams: Lucía, María and PHONE_NAME again.
    Prints the two paths.
    """
    from lms.demo import DEMO_PARTICIPANT_EMAIL
    from lms.demo_workshops import teams_report, zoom_report
    from lms.models import Participant

    session = _first_session(slug)
    people = {
        person.full_name: person
        for person in Participant.objects.select_related("user").filter(full_name__in=OTHERS)
    }
    me = Participant.objects.select_related("user").get(user__email=DEMO_PARTICIPANT_EMAIL)
    phone = SimpleNamespace(full_name=PHONE_NAME, email="", user=None)
    jorge, maria, _carlos, lucia = (people[name] for name in OTHERS)
    folder = Path(directory)
    zoom = folder / ZOOM_FILE
    zoom.write_bytes(zoom_report(session, [me, jorge, maria, phone]))
    teams = folder / TEAMS_FILE
    teams.write_bytes(teams_report(session, [lucia, maria, phone]))
    _say({"zoom": str(zoom), "teams": str(teams)})
