"""Trainers and managers look after participants and the GAD directory in the admin."""

import pytest
from django.urls import reverse

from lms import roles
from lms.models import GAD, Participant
from lms.services.people import add_participant
from tests.factories import UserFactory


@pytest.fixture
def pedernales(db):
    return GAD.objects.get(code="1317")


@pytest.fixture
def trainer(db):
    return UserFactory(email="capacitador@example.org", groups=[roles.TRAINER])


@pytest.fixture
def manager(db):
    return UserFactory(email="gestora@example.org", groups=[roles.MANAGER])


@pytest.fixture
def maria(pedernales, manager):
    return add_participant(
        full_name="María Quiñónez",
        email="maria@pedernales.gob.ec",
        gad=pedernales,
        added_by=manager,
        sex="female",
    )


def test_trainer_adds_a_person_without_an_account(login_staff, trainer, pedernales):
    client = login_staff(trainer)
    response = client.post(
        reverse("participants:add"),
        {
            "full_name": "Luis Cedeño",
            "email": "Luis@Pedernales.gob.ec",
            "gad": pedernales.pk,
            "position": "Técnico de planificación",
            "sex": "male",
            "age_band": "",
            "phone": "",
        },
    )

    assert response.status_code == 302
    person = Participant.objects.get(full_name="Luis Cedeño")
    assert person.email == "luis@pedernales.gob.ec"
    assert person.user is None
    assert person.added_by == trainer


def test_the_same_email_cannot_be_added_twice(login_staff, trainer, maria, pedernales):
    client = login_staff(trainer)
    response = client.post(
        reverse("participants:add"),
        {
            "full_name": "Otra María",
            "email": "MARIA@pedernales.gob.ec",
            "gad": pedernales.pk,
            "sex": "female",
        },
    )
    assert response.status_code == 200
    assert Participant.objects.with_email("maria@pedernales.gob.ec").count() == 1


def test_trainer_lists_and_searches_participants(login_staff, trainer, maria):
    client = login_staff(trainer)
    response = client.get(reverse("participants:index"), {"q": "quiñónez"})
    assert response.status_code == 200
    assert "María Quiñónez" in response.content.decode()


def test_staff_views_of_personal_data_are_never_cached(login_staff, trainer, maria):
    response = login_staff(trainer).get(reverse("participants:index"))
    assert "no-store" in response["Cache-Control"]


def test_only_managers_export_personal_data(login_staff, trainer, manager, maria, client):
    refused = login_staff(trainer).get(reverse("participants:index"), {"export": "csv"})
    assert refused.status_code in (302, 403)  # Wagtail turns PermissionDenied into a redirect
    assert b"maria@pedernales.gob.ec" not in refused.content
    client.logout()
    response = login_staff(manager).get(reverse("participants:index"), {"export": "csv"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert "maria@pedernales.gob.ec" in content.decode()


def test_gad_directory_is_searchable_by_part_of_a_name(login_staff, trainer):
    response = login_staff(trainer).get(reverse("gads:index"), {"q": "pederna"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Pedernales" in html


def test_managers_add_a_missing_parish_gad_and_trainers_cannot(
    login_staff, manager, trainer, client
):
    manabi = GAD.objects.get(code="13").province
    data = {
        "code": "131799",
        "name": "Nueva Parroquia",
        "level": "parish",
        "province": manabi.pk,
        "canton": "Pedernales",
        "is_pilot": "",
    }
    assert login_staff(trainer).post(reverse("gads:add"), data).status_code in (302, 403)
    assert not GAD.objects.filter(code="131799").exists()
    client.logout()
    response = login_staff(manager).post(reverse("gads:add"), data)
    assert response.status_code == 302
    assert GAD.objects.get(code="131799").search_text == "nueva parroquia pedernales manabi"
