"""Issue 18's credit and list gates: a city-kept list (source, reason, validity) of enterprises that may not trade or
bid; the offer, the application to buy, the qualification and the bid each refuse while an entry is in force,
quoting it. Entries are recorded on the list's page and lifted through the workflow engine, never deleted."""
import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from ledger import services as ledger
from ledger.models import AccountKind
from quota_registry.orgs.models import Restriction, RestrictionStatus
from quota_registry.orgs.services import restriction_create
from quota_registry.review import engine
from trading.models import Trade

URL = "/api/v1/trades/"


def listed(demo, who, kind, *, since=None, until=None):
    today = timezone.localdate()
    return restriction_create(actor=demo["city_reviewer"], kind=kind, organisation=demo[who].organisation,
                              reason="（2026）云0302执1234号", source="中国执行信息公开网",
                              valid_from=since or today - dt.timedelta(days=3), valid_until=until)


@pytest.mark.parametrize("kind", ["court_defaulter", "abnormal_operation", "credit_red", "credit_black",
                                  "unpaid_fees"])
def test_a_listed_seller_cannot_offer(kind, make_lot, api_as, demo):
    lot = make_lot("5", pollutant="NOX", enterprise="ent_xuanwei")
    ledger.post(actor=None, kind="transfer", legs=[ledger.Leg(lot, ledger.pool("530300"),
                                                             ledger.account(AccountKind.ENTERPRISE,
                                                                            demo["ent_qilin"].organisation),
                                                             Decimal("5"))])
    entry = listed(demo, "ent_qilin", kind)
    refused = api_as("ent_qilin").post(URL, {"pollutant": "NOX", "lots": [{"lot": lot.pk, "quantity": "5"}]},
                                       format="json")
    assert refused.status_code == 400
    assert entry.get_kind_display() in str(refused.json()) and "中国执行信息公开网" in str(refused.json())
    assert not Trade.objects.exists()


def test_a_listed_buyer_cannot_apply_qualify_or_bid_until_lifted(make_lot, api_as, demo):
    lot = make_lot("10", pollutant="SO2")
    city = api_as("city_reviewer")
    pk = city.post(URL, {"pollutant": "SO2", "lots": [{"lot": lot.pk, "quantity": "10"}]}, format="json").json()["id"]
    city.post(f"{URL}{pk}/announce/", {}, format="json")
    # an entry that ended yesterday, or that begins tomorrow, does not block
    listed(demo, "ent_huize", "credit_black", since=timezone.localdate() - dt.timedelta(days=30),
           until=timezone.localdate() - dt.timedelta(days=1))
    listed(demo, "ent_huize", "credit_red", since=timezone.localdate() + dt.timedelta(days=1))
    assert api_as("ent_huize").post(f"{URL}{pk}/interest/", {"wanted_quantity": "4"}, format="json").status_code == 200
    entry = listed(demo, "ent_huize", "court_defaulter")  # listed after applying: the qualification stops it
    party = Trade.objects.get(pk=pk).parties.get()
    refused = api_as("county_huize").post(f"{URL}{pk}/qualify/", {"party": party.pk, "qualified": True},
                                          format="json")
    assert refused.status_code == 400 and "失信被执行人" in str(refused.json())
    party.refresh_from_db()
    assert party.status == "pending"
    other = api_as("ent_xuanwei")
    listed(demo, "ent_xuanwei", "abnormal_operation")
    assert "经营异常" in str(other.post(f"{URL}{pk}/interest/", {"wanted_quantity": "2"}, format="json").json())

    # lifted with a reason through the engine: the qualification goes through
    with pytest.raises(PermissionDenied):  # the enterprise sees its entry but does not lift it
        engine.perform(actor=demo["ent_huize"], model=Restriction, pk=entry.pk, action="lift",
                       data={"opinion": "已履行"})
    engine.perform(actor=demo["city_reviewer"], model=Restriction, pk=entry.pk, action="lift",
                   data={"opinion": "已履行完毕，法院已屏蔽失信信息"})
    entry.refresh_from_db()
    assert (entry.status, entry.lifted_on, entry.lifted_reason) == (
        RestrictionStatus.LIFTED, timezone.localdate(), "已履行完毕，法院已屏蔽失信信息")
    assert api_as("county_huize").post(f"{URL}{pk}/qualify/", {"party": party.pk, "qualified": True},
                                       format="json").status_code == 200
    assert Restriction.objects.count() == 4  # nothing deleted


def test_the_list_page_records_an_entry_with_every_field_checked(client, demo):
    client.force_login(demo["city_reviewer"])
    from quota_registry.orgs.twofactor import mark_session_verified

    mark_session_verified(client.session, demo["city_reviewer"])
    bad = client.post("/restrictions/new/", {"kind": "credit_black", "reason": "", "source": "",
                                             "valid_from": "2026-11-02", "valid_until": "2026-10-01"})
    assert bad.status_code == 200 and not Restriction.objects.exists()
    page = bad.content.decode()
    assert "请" in page and "valid_until" in page
    made = client.post("/restrictions/new/", {"kind": "credit_black", "organisation": demo["ent_qilin"].organisation.pk,
                                              "reason": "2025年度环境信用评价为黑牌", "source": "曲环信用〔2026〕2号",
                                              "valid_from": "2026-11-02"})
    assert made.status_code == 302
    entry = Restriction.objects.get()
    assert entry.created_by == demo["city_reviewer"] and entry.region == demo["ent_qilin"].organisation.region
    client.force_login(demo["ent_qilin"])
    assert "黑牌" in client.get("/restrictions/").content.decode()  # an enterprise sees its own entries
    client.force_login(demo["ent_huize"])
    assert client.get(f"/restrictions/{entry.pk}/").status_code == 404
