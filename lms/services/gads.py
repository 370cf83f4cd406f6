"""Ecuador's GAD directory, loaded from the official INEC division shipped in lms/data."""

import csv
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "ecuador"


def _rows(name: str):
    with open(DATA_DIR / name, encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def directory_rows():
    """(code, name, level, province_code, canton, is_pilot) for every GAD in Ecuador."""
    for row in _rows("ec_dpa_provincias.csv"):
        level = "provincial" if row["gad_provincial"].startswith("si") else "special"
        yield row["codigo"], row["nombre"], level, row["codigo"], "", False
    for row in _rows("ec_dpa_cantones.csv"):
        yield (
            row["codigo"],
            row["nombre"],
            "municipal",
            row["provincia_codigo"],
            "",
            row["piloto_oim"].strip() == "si",
        )
    for row in _rows("ec_dpa_parroquias.csv"):
        if row["tipo"] == "rural":
            yield (
                row["codigo"],
                row["nombre"],
                "parish",
                row["provincia_codigo"],
                row["canton"],
                False,
            )


def load_directory(province_model=None, gad_model=None) -> int:
    """Create or update every province and GAD by its INEC code; return how many GADs changed.

    Takes the model classes so a data migration can pass its historical models.
    Running it again changes nothing; GADs added by managers are left alone.
    """
    from lms.models.gads import normalise

    if province_model is None or gad_model is None:
        from lms.models import GAD, Province

        province_model, gad_model = Province, GAD
    provinces = {}
    for row in _rows("ec_dpa_provincias.csv"):
        province, _ = province_model.objects.update_or_create(
            code=row["codigo"], defaults={"name": row["nombre"], "region": row["region"]}
        )
        provinces[province.code] = province
    existing = {gad.code: gad for gad in gad_model.objects.all()}
    to_create, to_update = [], []
    for code, name, level, province_code, canton, is_pilot in directory_rows():
        province = provinces[province_code]
        values = {
            "name": name,
            "level": level,
            "province": province,
            "canton": canton,
            "is_pilot": is_pilot,
            "search_text": normalise(f"{name} {canton} {province.name}"),
        }
        gad = existing.get(code)
        if gad is None:
            to_create.append(gad_model(code=code, **values))
        elif any(getattr(gad, field) != value for field, value in values.items()):
            for field, value in values.items():
                setattr(gad, field, value)
            to_update.append(gad)
    gad_model.objects.bulk_create(to_create, batch_size=500)
    gad_model.objects.bulk_update(to_update, list(values), batch_size=500)
    return len(to_create) + len(to_update)
