"""Loads the reference data in fixtures/reference/ (pollutants, watersheds, Qujing's divisions,
industries). Idempotent: rows are matched by code and updated. Used by a data migration (so every
database, including the test database, has them) and by `manage.py load_reference`."""
import json
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent.parent / "fixtures" / "reference"


def _read(name):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


CARBON_UNIT = {"code": "CO2E", "name": "二氧化碳当量", "name_en": "Carbon dioxide equivalent", "category": "greenhouse",
               "unit": "t CO2e", "sort_order": 99}


def carbon_unit(apps) -> None:
    """The carbon side's unit (issue 20): a row beside the 13 factors, for the ledger's carbon lots; once the model
    knows the category (reference 0008)."""
    Pollutant = apps.get_model("reference", "Pollutant")
    if "greenhouse" in dict(Pollutant._meta.get_field("category").choices):
        Pollutant._base_manager.update_or_create(code=CARBON_UNIT["code"], defaults=CARBON_UNIT)


def load(apps=None) -> dict:
    if apps is None:
        from django.apps import apps as django_apps

        apps = django_apps
    Pollutant = apps.get_model("reference", "Pollutant")
    Watershed = apps.get_model("reference", "Watershed")
    Region = apps.get_model("reference", "Region")
    Industry = apps.get_model("reference", "Industry")

    for order, row in enumerate(_read("pollutants.json")):
        Pollutant._base_manager.update_or_create(code=row["code"], defaults={**row, "sort_order": order})
    carbon_unit(apps)
    sheds = {}
    for row in _read("watersheds.json"):
        sheds[row["code"]], _ = Watershed.objects.update_or_create(code=row["code"], defaults=row)
    regions = {}
    for order, row in enumerate(_read("regions.json")):
        row = dict(row)
        parent = row.pop("parent")
        watersheds = row.pop("watersheds")
        row["parent"] = regions.get(parent)
        row.setdefault("national_code", True)
        region, _ = Region.objects.update_or_create(code=row["code"], defaults={**row, "sort_order": order})
        region.watersheds.set([sheds[c] for c in watersheds])
        regions[region.code] = region
    industries = _read("industries.json")
    for row in industries:
        Industry.objects.update_or_create(
            code=row["code"], defaults={"name": row["name"], "key_heavy_metal_industry": row["key"]}
        )
    try:
        IndicatorLink = apps.get_model("reference", "IndicatorLink")
    except LookupError:  # an early migration's state, before the model existed
        return {"pollutants": Pollutant.objects.count(), "regions": len(regions)}
    links = _read("indicator_links.json")
    year = links["valid_from_year"]
    if not IndicatorLink.objects.filter(valid_from_year=year).exists():  # the city may have edited them since
        for indicator, codes in links["links"].items():
            for code in codes:
                IndicatorLink.objects.create(valid_from_year=year, indicator=indicator,
                                             pollutant=Pollutant.objects.get(code=code))
    return {"pollutants": Pollutant.objects.count(), "watersheds": len(sheds), "regions": len(regions),
            "industries": len(industries), "indicator_links": IndicatorLink.objects.count()}
