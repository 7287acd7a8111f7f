import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ledger import services as ledger
from ledger.models import Lot, LotStatus
from quota_registry.orgs.models import Organisation
from quota_registry.reference.models import Pollutant

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name="evidence.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def make_lot(demo):
    """Issue a lot straight through the posting service (for ledger tests that need no application)."""
    counter = {"n": 0}

    def make(quantity="10", pollutant="SO2", enterprise="ent_qilin", status=LotStatus.ACTIVE, **extra):
        counter["n"] += 1
        org = demo[enterprise].organisation if isinstance(enterprise, str) else enterprise
        today = timezone.localdate()
        lot = Lot(
            number=f"T{timezone.now():%H%M%S%f}{counter['n']}", pollutant=Pollutant.objects.get(code=pollutant),
            quantity=Decimal(quantity), enterprise=org, region=org.region, industry=org.industry,
            source_kind="reduction", status=status, verified_on=today, valid_until=today + datetime.timedelta(days=365),
            **extra)
        ledger.issue(actor=None, lots=[lot], subject=None)  # saved and issued in one transaction
        return lot

    return make


@pytest.fixture
def entry_body():
    def body(**overrides):
        data = {"source_kind": "reduction", "measure": "treatment", "measure_description": "脱硫设施提标改造",
                "items": [{"pollutant": "SO2", "accounting_method": "self_treatment",
                           "accounting_inputs": {"eq": "120", "max_flow": "1000000000", "concentration": "20"},
                           "completion_date": (timezone.localdate() - datetime.timedelta(days=30)).isoformat(),
                           "accounting_basis": "2025年排污许可执行报告；验收监测报告"}]}
        data.update(overrides)
        return data

    return body


@pytest.fixture
def filed(api_as, entry_body):
    """Create (and optionally move along) an entry application through the API; returns its JSON."""
    def make(user="ent_qilin", upto="draft", body=None, **overrides):
        client = api_as(user)
        response = client.post("/api/v1/entry-applications/", body or entry_body(**overrides), format="json")
        assert response.status_code == 201, response.json()
        data = response.json()
        pk = data["id"]
        steps = ["evidence", "submit", "county", "prepare", "city"]
        wanted = {"draft": 0, "evidence": 1, "submitted": 2, "county_approved": 3, "prepared": 4, "approved": 5}[upto]
        for step in steps[:wanted]:
            if step == "evidence":
                r = client.post(f"/api/v1/entry-applications/{pk}/evidence/", {"files": [pdf()]}, format="multipart")
            elif step == "submit":
                r = client.post(f"/api/v1/entry-applications/{pk}/submit/")
            elif step == "county":
                county = "county_" + Organisation.objects.get(pk=data["enterprise"]).region.code
                r = api_as(COUNTY_USER[county]).post(f"/api/v1/entry-applications/{pk}/county-review/",
                                                     {"decision": "approve", "opinion": "同意上报"}, format="json")
            elif step == "prepare":  # four-eyes: the city reviewer prepares, the approver decides
                r = api_as("city_reviewer").post(f"/api/v1/entry-applications/{pk}/city-prepare/",
                                                 {"opinion": "核算无误，建议同意"}, format="json")
            else:
                r = api_as("city_approver").post(f"/api/v1/entry-applications/{pk}/city-review/",
                                                 {"decision": "approve", "opinion": "同意入库"}, format="json")
            assert r.status_code in (200, 201), (step, r.json())
            data = r.json()
        return data

    return make


COUNTY_USER = {f"county_{code}": f"county_{slug}" for code, slug in [
    ("530302", "qilin"), ("530303", "zhanyi"), ("530304", "malong"), ("530322", "luliang"), ("530323", "shizong"),
    ("530324", "luoping"), ("530325", "fuyuan"), ("530326", "huize"), ("530381", "xuanwei"), ("QJ-ETDZ", "etdz")]}
