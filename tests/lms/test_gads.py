"""Ecuador's GAD directory: complete, official, loaded idempotently, easy to find."""

from collections import Counter

import pytest
from django.urls import reverse

from lms.models import GAD, Province
from lms.services.gads import load_directory

PILOTS = {
    "0707": "Huaquillas",
    "1103": "Catamayo",
    "1304": "El Carmen",
    "1317": "Pedernales",
    "1901": "Zamora",
}


def test_directory_holds_every_gad_of_ecuador(db):
    levels = Counter(GAD.objects.values_list("level", flat=True))
    assert levels == {"municipal": 221, "provincial": 23, "special": 1, "parish": 800}
    assert Province.objects.count() == 24
    assert GAD.objects.get(code="20").level == GAD.Level.SPECIAL_REGIME  # Galápagos
    assert GAD.objects.get(code="2302").name == "La Concordia"


def test_the_five_pilot_gads_are_flagged(db):
    assert dict(GAD.objects.pilots().values_list("code", "name")) == PILOTS


def test_loading_again_changes_nothing_and_keeps_gads_added_by_managers(db):
    manabi = Province.objects.get(code="13")
    GAD.objects.create(
        code="131790", name="Parroquia nueva", level="parish", province=manabi, canton="Pedernales"
    )
    before = list(GAD.objects.order_by("code").values_list("code", "name", "level", "is_pilot"))

    assert load_directory() == 0

    assert (
        list(GAD.objects.order_by("code").values_list("code", "name", "level", "is_pilot"))
        == before
    )


def test_loading_repairs_a_changed_official_name(db):
    GAD.objects.filter(code="1317").update(name="Pedernalez")
    assert load_directory() == 1
    assert GAD.objects.get(code="1317").name == "Pedernales"


def test_labels_name_the_level_and_the_place(db):
    with_language = {
        gad.code: gad.label for gad in GAD.objects.filter(code__in=["13", "1317", "1701", "131751"])
    }
    assert with_language["13"] == "GAD Provincial de Manabí"
    assert with_language["1317"] == "GAD Municipal de Pedernales (Manabí)"
    assert with_language["1701"] == "GAD del Distrito Metropolitano de Quito (Pichincha)"
    assert with_language["131751"].startswith("GAD Parroquial de ")


@pytest.mark.parametrize("query", ["pederna", "PEDERNALES", "pedernales manabi"])
def test_search_finds_a_gad_from_part_of_its_name(client, db, query):
    results = client.get(reverse("lms:gad_search"), {"q": query}).json()["results"]
    assert results[0]["label"] == "GAD Municipal de Pedernales (Manabí)"


def test_search_ignores_accents(client, db):
    labels = [
        r["label"]
        for r in client.get(reverse("lms:gad_search"), {"q": "galapagos"}).json()["results"]
    ]
    assert "Consejo de Gobierno del Régimen Especial de Galápagos" in labels


def test_search_needs_two_letters_and_caps_results(client, db):
    assert client.get(reverse("lms:gad_search"), {"q": "p"}).json() == {"results": []}
    assert len(client.get(reverse("lms:gad_search"), {"q": "san"}).json()["results"]) == 10
