"""Registering organisations: bad input gets a clear message and changes nothing."""
import pytest
from django.db.models import Q
from django.urls import reverse

from quota_registry.audit.models import AuditEntry
from quota_registry.orgs.credit_code import make_code
from quota_registry.orgs.models import Organisation

URL = "/api/v1/organisations/"


def body(**overrides):
    data = {"kind": "enterprise", "name": "曲靖新建示范企业有限公司", "credit_code": make_code("91", "530302", 55550001),
            "region": "530302", "industry": "3011", "management_category": "key"}
    data.update(overrides)
    return data


@pytest.fixture
def unchanged(db):
    """Asserts that a block changed no organisation and wrote no audit row."""
    def audit():  # logging in to the API (a token issued) is audited too, and is not a change of organisations
        return AuditEntry.objects.exclude(action="api_token.issue").count()

    counts = (Organisation.objects.count(), audit())
    yield
    assert (Organisation.objects.count(), audit()) == counts


def test_city_admin_registers_an_enterprise(api_as):
    response = api_as("city_admin").post(URL, body(), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["region_name"] == "麒麟区"


@pytest.mark.parametrize(
    ("overrides", "field", "text"),
    [
        ({"credit_code": "91350100M000100Y44"}, "credit_code", "校验码"),
        ({"credit_code": "91350100M0001"}, "credit_code", "18位"),
        ({"region": "999999"}, "region", "999999"),
        ({"industry": "0000"}, "industry", "0000"),
        ({"kind": "insurer"}, "kind", "insurer"),
        ({"region": None}, "region", "县（市、区）"),
        ({"name": ""}, "name", ""),
    ],
)
def test_bad_input_is_a_field_error_and_changes_nothing(api_as, demo, unchanged, overrides, field, text):
    response = api_as("city_admin").post(URL, body(**overrides), format="json")
    assert response.status_code == 400
    errors = response.json()
    assert field in errors, errors
    assert text in " ".join(errors[field])


def test_duplicate_credit_code_is_refused(api_as, demo, unchanged):
    existing = demo["ent_huize"].organisation
    response = api_as("city_admin").post(URL, body(credit_code=existing.credit_code), format="json")
    assert response.status_code == 400
    assert "已有单位使用该统一社会信用代码登记" in response.json()["credit_code"][0]


def test_duplicate_name_is_refused(api_as, demo, unchanged):
    response = api_as("city_admin").post(URL, body(name=demo["ent_huize"].organisation.name), format="json")
    assert response.status_code == 400
    assert "已存在同类型、同名称的单位" in str(response.json())


def test_malformed_json_is_400(api_as, demo, unchanged):
    response = api_as("city_admin").generic("POST", URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


def test_second_county_bureau_for_a_county_is_refused(api_as, demo, unchanged):
    response = api_as("city_admin").post(
        URL, {"kind": "county_bureau", "name": "另一个麒麟分局", "region": "530302"}, format="json")
    assert response.status_code == 400
    assert "该县（市、区）已有县级生态环境部门" in str(response.json())


def test_county_reviewer_registers_only_in_own_county(api_as, demo):
    client = api_as("county_qilin")
    assert client.post(URL, body(), format="json").status_code == 201
    other = client.post(URL, body(region="530326", credit_code=make_code("91", "530326", 55550002),
                                  name="会泽另一家企业"), format="json")
    assert other.status_code == 400
    assert "您只能登记本县（市、区）的企业" in str(other.json())


def test_enterprise_user_may_not_register_organisations(api_as, demo, unchanged):
    assert api_as("ent_qilin").post(URL, body(), format="json").status_code == 403


def test_organisations_cannot_be_deleted_through_the_api(api_as, demo):
    org = demo["ent_qilin"].organisation
    assert api_as("city_admin").delete(f"{URL}{org.pk}/").status_code == 405
    assert Organisation.objects.filter(pk=org.pk).exists()


def test_page_form_shows_chinese_message_and_saves_nothing(as_user, demo, unchanged):
    response = as_user("city_admin").post(reverse("portal:organisation-new"), body(
        region=demo["ent_qilin"].organisation.region_id, industry=demo["ent_qilin"].organisation.industry_id,
        credit_code="91350100M000100Y44"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "请更正下列标出的内容" in html and "校验码（最后一位）不正确" in html


def test_page_form_registers_and_redirects(as_user, demo):
    ent = demo["ent_qilin"].organisation
    response = as_user("county_qilin").post(reverse("portal:organisation-new"), body(
        industry=ent.industry_id, kind="county_bureau", region=demo["ent_huize"].organisation.region_id))
    # kind and region are fixed for a county reviewer: the posted values are ignored
    assert response.status_code == 302, response.content.decode()[:3000]
    org = Organisation.objects.get(name=body()["name"])
    assert org.kind == "enterprise" and org.region == ent.region


def test_deactivate_via_page_needs_reason(as_user, demo):
    org = demo["ent_qilin"].organisation
    client = as_user("county_qilin")
    client.post(reverse("portal:organisation-set-active", args=[org.pk]), {"active": "0", "reason": ""})
    org.refresh_from_db()
    assert org.is_active
    client.post(reverse("portal:organisation-set-active", args=[org.pk]), {"active": "0", "reason": "已关停"})
    org.refresh_from_db()
    assert not org.is_active


def test_list_filters_and_paginates(as_user, demo):
    client = as_user("city_reviewer")
    html = client.get(reverse("portal:organisations"), {"kind": "county_bureau"}).content.decode()
    assert "曲靖市生态环境局麒麟分局" in html and demo["ent_qilin"].organisation.name not in html
    html = client.get(reverse("portal:organisations"), {"q": "会泽"}).content.decode()
    assert demo["ent_huize"].organisation.name in html and demo["ent_qilin"].organisation.name not in html
    first = client.get(reverse("portal:organisations"))
    qujing = Organisation.objects.filter(Q(region__code="530300") | Q(region__parent__code="530300")).count()
    assert first.context["page"].paginator.count == qujing < Organisation.objects.count()  # not Honghe's (issue 19)
    assert len(first.context["page"].object_list) == 20
    assert "第1页，共2页" in first.content.decode()
