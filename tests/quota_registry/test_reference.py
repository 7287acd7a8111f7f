from quota_registry.audit.models import AuditEntry
from quota_registry.reference.models import Industry, Pollutant, QualityStatus, Region

FACTORS = {"COD": "t/a", "NH3N": "t/a", "TP": "t/a", "TN": "t/a", "SO2": "t/a", "NOX": "t/a", "VOCS": "t/a",
           "PM": "t/a", "PB": "kg/a", "HG": "kg/a", "CD": "kg/a", "CR": "kg/a", "AS": "kg/a"}


def test_thirteen_factors_with_units(api, db):
    data = api.get("/api/v1/pollutants/").json()
    assert {p["code"]: p["unit"] for p in data} == FACTORS
    assert {p["category"] for p in data if p["unit"] == "kg/a"} == {"heavy_metal"}


def test_qujing_divisions(api, db):
    data = {r["code"]: r for r in api.get("/api/v1/regions/?level=county").json() if r["parent"] == "530300"}
    assert {r["name"] for r in data.values()} == {
        "麒麟区", "沾益区", "马龙区", "陆良县", "师宗县", "罗平县", "富源县", "会泽县", "宣威市", "曲靖经济技术开发区"}
    assert data["530326"]["name"] == "会泽县" and data["530326"]["heavy_metal_key_area"] is True
    assert [c for c, r in data.items() if r["heavy_metal_key_area"]] == ["530326"]
    etdz = next(r for r in data.values() if r["name"] == "曲靖经济技术开发区")
    assert etdz["national_code"] is False and not etdz["code"].isdigit()
    assert "niulan" in data["530326"]["watersheds"]
    assert len(data["530303"]["watersheds"]) > 1  # a county may lie in several watersheds


def test_watershed_filter(api, db):
    names = {r["name"] for r in api.get("/api/v1/regions/?watershed=niulan&level=county").json()}
    assert "会泽县" in names and "陆良县" not in names


def test_key_heavy_metal_industries(api, db):
    key = api.get("/api/v1/industries/?key_heavy_metal=true").json()
    assert {i["code"] for i in key} >= {"0912", "3212", "3843", "3360", "1910"}
    assert all(i["is_key_heavy_metal"] for i in key)
    assert Industry.objects.get(code="4411").is_key_heavy_metal is False


def test_reference_loader_is_idempotent(db):
    from quota_registry.reference.loader import load

    counts = (Pollutant.objects.count(), Region.objects.count(), Industry.objects.count())
    load()
    assert (Pollutant.objects.count(), Region.objects.count(), Industry.objects.count()) == counts


def test_quality_status_read_by_anyone(api, demo):
    response = api.get("/api/v1/quality-status/?region=530381&indicator=pm25")
    assert response.status_code == 200
    assert response.json()["results"][0]["attains"] is False


def test_quality_status_written_by_city_staff_only(api_as, demo):
    payload = {"region": "530302", "year": 2026, "indicator": "o3", "attains": False, "basis": "2026年环境质量公报"}
    assert api_as("ent_qilin").post("/api/v1/quality-status/", payload, format="json").status_code == 403
    assert api_as("county_qilin").post("/api/v1/quality-status/", payload, format="json").status_code == 403
    response = api_as("city_reviewer").post("/api/v1/quality-status/", payload, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["updated_by"] == "city_reviewer"
    # posting again corrects the value; the change is in the audit trail
    payload["attains"] = True
    assert api_as("city_approver").post("/api/v1/quality-status/", payload, format="json").status_code == 201
    status = QualityStatus.objects.get(region__code="530302", year=2026, indicator="o3")
    assert status.attains is True
    actions = list(AuditEntry.objects.filter(object_id=str(status.pk), content_type__model="qualitystatus")
                   .order_by("id").values_list("action", "before", "after"))
    assert actions[0][0] == "quality_status.create"
    assert actions[1] == ("quality_status.update", {"attains": False, "updated_by_id": demo["city_reviewer"].pk},
                          {"attains": True, "updated_by_id": demo["city_approver"].pk})


def test_quality_status_bad_input(api_as, demo):
    client = api_as("city_admin")
    before = QualityStatus.objects.count()
    for payload, field in [
        ({"region": "530300", "year": 2026, "indicator": "o3", "attains": True}, "region"),  # the city, not a county
        ({"region": "530302", "year": 1800, "indicator": "o3", "attains": True}, "year"),
        ({"region": "530302", "year": 2026, "indicator": "co", "attains": True}, "indicator"),
        ({"region": "530302", "year": 2026, "indicator": "o3"}, "attains"),
    ]:
        response = client.post("/api/v1/quality-status/", payload, format="json")
        assert response.status_code == 400, payload
        assert field in response.json(), response.json()
    assert QualityStatus.objects.count() == before


def test_quality_page_edit_by_city_staff(as_user, demo):
    region = Region.objects.get(code="530324")
    client = as_user("city_admin")
    response = client.post("/quality/?year=2024", {"region": region.pk, "year": 2024, "indicator": "water",
                                                   "attains": "0", "basis": "公报"})
    assert response.status_code == 302
    assert QualityStatus.objects.get(region=region, year=2024, indicator="water").attains is False
    html = client.get("/quality/?year=2024").content.decode()
    assert "不达标" in html
    assert as_user("ent_qilin").post("/quality/", {"region": region.pk}).status_code == 403
