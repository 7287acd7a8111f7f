"""Every decision and change leaves one append-only audit row with who, what, before/after, when, request id."""
import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.urls import reverse

from quota_registry.audit.models import AuditEntry
from quota_registry.audit.services import timeline
from quota_registry.orgs import services
from quota_registry.orgs.credit_code import make_code
from quota_registry.orgs.models import Organisation
from quota_registry.reference.models import Industry, Region


def test_service_change_writes_audit_row_with_before_and_after(demo):
    org = demo["ent_qilin"].organisation
    services.organisation_update(actor=demo["county_qilin"], organisation_id=org.pk, permit_number="NEW-001")
    entry = timeline(org).last()
    assert entry.action == "organisation.update"
    assert entry.actor == demo["county_qilin"] and entry.role == "county_reviewer"
    assert entry.organisation == demo["county_qilin"].organisation
    assert entry.after == {"permit_number": "NEW-001"} and entry.before["permit_number"] != "NEW-001"


def test_api_create_records_request_id(api_as, demo):
    code = make_code("91", "530302", 77777701)
    response = api_as("city_admin").post(
        "/api/v1/organisations/",
        {"kind": "enterprise", "name": "审计测试企业", "credit_code": code, "region": "530302", "industry": "3011"},
        format="json", HTTP_X_REQUEST_ID="req-audit-1",
    )
    assert response.status_code == 201, response.content
    assert response["X-Request-ID"] == "req-audit-1"
    entry = AuditEntry.objects.get(object_id=str(response.json()["id"]), action="organisation.create")
    assert entry.request_id == "req-audit-1" and entry.actor_name == demo["city_admin"].display_name
    assert entry.after["credit_code"] == code


def test_deactivation_requires_reason_and_is_recorded(demo):
    org = demo["ent_qilin"].organisation
    with pytest.raises(ValidationError):
        services.organisation_set_active(actor=demo["city_admin"], organisation_id=org.pk, active=False, reason=" ")
    services.organisation_set_active(actor=demo["city_admin"], organisation_id=org.pk, active=False,
                                     reason="企业已注销")
    entry = timeline(org).last()
    assert entry.action == "organisation.deactivate" and entry.opinion == "企业已注销"
    assert Organisation.objects.filter(pk=org.pk).exists()  # never deleted


def test_timeline_is_shown_on_the_page(as_user, demo):
    org = demo["ent_qilin"].organisation
    services.organisation_update(actor=demo["city_admin"], organisation_id=org.pk, contact_phone="0874-1234567")
    html = as_user("ent_qilin").get(reverse("portal:organisation-detail", args=[org.pk])).content.decode()
    assert 'data-testid="audit-timeline"' in html
    assert "修改了单位信息" in html and demo["city_admin"].display_name in html and "0874-1234567" in html
    assert "city_admin" not in html.split('data-testid="audit-timeline"')[1]  # names, not logins


def test_admin_change_is_audited(as_user, demo):
    region = Region.objects.get(code="530302")
    client = as_user("city_admin")
    response = client.post(reverse("admin:reference_region_change", args=[region.pk]), {
        "code": region.code, "national_code": "on", "name": region.name, "level": region.level,
        "parent": region.parent_id, "watersheds": [w.pk for w in region.watersheds.all()],
        "heavy_metal_key_area": "on", "sort_order": region.sort_order,
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditEntry.objects.filter(object_id=str(region.pk), action="region.update.admin").get()
    assert entry.after == {"heavy_metal_key_area": True}


def test_admin_cannot_delete_records(as_user, demo):
    org = demo["ent_qilin"].organisation
    response = as_user("city_admin").post(reverse("admin:orgs_organisation_delete", args=[org.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert Organisation.objects.filter(pk=org.pk).exists()


def test_failed_change_leaves_no_audit_row(demo):
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationError, match="校验码"):
        services.organisation_create(actor=demo["city_admin"], kind="enterprise", name="无效企业",
                                     credit_code="91350100M000100Y44", region=Region.objects.get(code="530302"),
                                     industry=Industry.objects.get(code="3011"))
    assert AuditEntry.objects.count() == before


@pytest.mark.postgres
def test_audit_rows_cannot_be_updated_or_deleted_in_postgres(demo):
    entry = AuditEntry.objects.first()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(opinion="rewritten")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    entry.refresh_from_db()
    assert entry.opinion != "rewritten"
