"""Invariant 4: nobody reads a record outside their scope, through pages or the API; outside is 404."""
import pytest
from django.db.models import Q
from django.urls import reverse

from quota_registry.access import scope
from quota_registry.notifications.models import Notification
from quota_registry.orgs.models import Organisation, OrganisationKind


@pytest.fixture
def orgs(demo):
    return {name: demo[name].organisation for name in ["ent_qilin", "ent_huize", "ent_xuanwei", "county_qilin"]}


def test_enterprise_cannot_see_another_enterprise_page(as_user, orgs):
    client = as_user("ent_qilin")
    own = client.get(reverse("portal:organisation-detail", args=[orgs["ent_qilin"].pk]))
    other = client.get(reverse("portal:organisation-detail", args=[orgs["ent_huize"].pk]))
    assert own.status_code == 200 and orgs["ent_qilin"].name in own.content.decode()
    assert other.status_code == 404


def test_enterprise_cannot_see_another_enterprise_api(api_as, orgs):
    client = api_as("ent_qilin")
    assert client.get(f"/api/v1/organisations/{orgs['ent_qilin'].pk}/").status_code == 200
    assert client.get(f"/api/v1/organisations/{orgs['ent_huize'].pk}/").status_code == 404
    listed = client.get("/api/v1/organisations/").json()
    assert [o["id"] for o in listed["results"]] == [orgs["ent_qilin"].pk]


def test_county_reviewer_cannot_see_another_countys_enterprise(as_user, api_as, orgs):
    page = as_user("county_qilin")
    assert page.get(reverse("portal:organisation-detail", args=[orgs["ent_qilin"].pk])).status_code == 200
    assert page.get(reverse("portal:organisation-detail", args=[orgs["ent_huize"].pk])).status_code == 404
    api = api_as("county_qilin")
    assert api.get(f"/api/v1/organisations/{orgs['ent_huize'].pk}/").status_code == 404
    regions = {o["region"] for o in api.get("/api/v1/organisations/?page_size=100").json()["results"]}
    assert regions == {"530302"}


def test_county_list_page_shows_only_own_county(as_user, orgs):
    html = as_user("county_qilin").get(reverse("portal:organisations")).content.decode()
    assert orgs["ent_qilin"].name in html
    assert orgs["ent_huize"].name not in html and orgs["ent_xuanwei"].name not in html


def test_city_staff_see_every_organisation_of_their_city_and_none_of_another(api_as, orgs):
    """Issue 19: the city's staff see their city (its counties and itself), the other city's are not found."""
    response = api_as("city_reviewer").get("/api/v1/organisations/")
    qujing = Organisation.objects.filter(Q(region__code="530300") | Q(region__parent__code="530300")).count()
    assert response.json()["count"] == qujing < Organisation.objects.count()
    assert api_as("city_reviewer").get(f"/api/v1/organisations/{orgs['ent_huize'].pk}/").status_code == 200
    gejiu = Organisation.objects.get(region__code="532501", kind="enterprise")
    assert api_as("city_reviewer").get(f"/api/v1/organisations/{gejiu.pk}/").status_code == 404
    assert api_as("honghe_reviewer").get(f"/api/v1/organisations/{orgs['ent_huize'].pk}/").status_code == 404
    assert api_as("honghe_reviewer").get(f"/api/v1/organisations/{gejiu.pk}/").status_code == 200


def test_updating_outside_scope_is_404_and_changes_nothing(api_as, orgs):
    target = orgs["ent_huize"]
    response = api_as("county_qilin").patch(f"/api/v1/organisations/{target.pk}/", {"name": "改名"}, format="json")
    assert response.status_code == 404
    target.refresh_from_db()
    assert target.name != "改名"


def test_technical_reviewer_sees_no_organisations(api_as):
    assert api_as("tech_reviewer").get("/api/v1/organisations/").json()["count"] == 0


def test_anonymous_sees_no_organisation(client, orgs):
    assert client.get(f"/api/v1/organisations/{orgs['ent_qilin'].pk}/").status_code == 401
    response = client.get(reverse("portal:organisation-detail", args=[orgs["ent_qilin"].pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not scope(None, Organisation).exists()


def test_inbox_is_personal_even_for_city_staff(demo, api_as):
    theirs = Notification.objects.filter(recipient=demo["ent_qilin"]).first()
    assert theirs is not None
    assert api_as("city_admin").get(f"/api/v1/notifications/{theirs.pk}/").status_code == 404
    assert api_as("ent_qilin").get(f"/api/v1/notifications/{theirs.pk}/").status_code == 200
    assert set(scope(demo["city_admin"], Notification).values_list("recipient", flat=True)) == {demo["city_admin"].pk}


def test_model_without_rule_is_refused():
    from django.contrib.auth.models import Group

    with pytest.raises(TypeError):
        scope(None, Group)


def test_every_user_facing_model_declares_a_scope_rule():
    """Fail closed: a model shown by a page or the API must say how it is scoped."""
    from django.apps import apps

    from quota_registry.access import ScopeRule

    ours = [m for m in apps.get_models() if m.__module__.startswith(("quota_registry", "reserve", "trading"))]
    assert ours
    missing = [m.__name__ for m in ours if not isinstance(getattr(m, "SCOPE", None), ScopeRule)]
    assert missing == []


def test_deactivated_user_sees_nothing(demo):
    user = demo["city_reviewer"]
    user.is_active = False
    assert not scope(user, Organisation.objects.filter(kind=OrganisationKind.ENTERPRISE)).exists()
