"""What a clerk reads (issue 15): decisions in their step's words, a history without ids, codes, logins or UTC,
notifications that say the record's status now, one workbench count for every kind of record waiting, and
quantities written with their unit and grouped digits."""
import re

import pytest
from django.urls import reverse

from quota_registry.notifications.models import Notification
from reserve.models import EntryApplication

from .test_withdrawals import act, body, create

RAW = ("applicant_id", "source_kind", "self_treatment", "accounting_method", "completion_evidence", "'pollutant'",
       "county_qilin", "city_approver", "city_reviewer", "ent_qilin", "UTC", "+00:00")


def section(html: str, testid: str) -> str:
    start = html.index(f'data-testid="{testid}"')
    return html[start:html.index("</section>", start) if testid == "audit-timeline" else html.index("</table>", start)]


def test_county_approval_is_recorded_and_shown_in_its_own_words(filed, as_user, demo):
    data = filed(upto="county_approved")
    html = as_user("ent_qilin").get(reverse("reserve:entry-detail", args=[data["id"]])).content.decode()
    decisions = section(html, "reviews")
    assert "初审同意（已上报市局）" in decisions and "待市级审核" in decisions
    assert "已批准" not in decisions  # the county forwards; only the city approves
    assert demo["county_qilin"].display_name in decisions


def test_history_is_in_words_without_raw_records(filed, as_user, demo):
    data = filed(upto="approved")
    html = as_user("ent_qilin").get(reverse("reserve:entry-detail", args=[data["id"]])).content.decode()
    history = section(html, "audit-timeline")
    for raw in RAW:
        assert raw not in history, raw
    assert not re.search(r"\b[0-9a-f]{64}\b", history)  # no hashes
    assert not re.search(r"\bstatus\b|\bdraft\b|\bid \d", history)
    assert "二氧化硫" in history and "t/a" in history  # factor names and units, not codes
    assert "批准入库" in history and demo["city_approver"].display_name in history
    assert "Technical details" not in history and "技术信息" not in history  # only city staff see those


def test_city_staff_may_open_the_technical_details(filed, as_user):
    data = filed(upto="approved")
    html = as_user("city_approver").get(reverse("reserve:entry-detail", args=[data["id"]])).content.decode()
    assert 'class="technical"' in section(html, "audit-timeline")


def test_old_notifications_show_the_status_now(filed, as_user, api_as):
    data = filed(upto="county_approved")
    note = Notification.objects.filter(recipient__username="city_reviewer").latest("id")
    assert "初审同意（已上报市局）" in note.subject and "当前状态" not in note.body  # the body holds no stale status
    home = as_user("city_reviewer").get(reverse("portal:home")).content.decode()
    assert "当前状态：待市级审核" in home
    api_as("city_reviewer").post(f"/api/v1/entry-applications/{data['id']}/city-prepare/", {"opinion": "核算无误"},
                                 format="json")
    response = api_as("city_approver").post(f"/api/v1/entry-applications/{data['id']}/city-review/",
                                            {"decision": "approve", "opinion": "同意"}, format="json")
    assert response.status_code == 200, response.json()
    home = as_user("city_reviewer").get(reverse("portal:notifications")).content.decode()
    assert "当前状态：已批准" in home and "当前状态：待市级审核" not in home


@pytest.fixture
def pb_lot(make_lot):
    return make_lot("50", pollutant="PB", enterprise="ent_huize")


def test_workbench_counts_every_kind_waiting(api_as, as_user, filed, pb_lot):
    entry = filed(user="ent_huize", upto="submitted")
    withdrawal = create(api_as, payload=body())
    assert act(api_as("ent_huize"), withdrawal["id"], "submit").status_code == 200
    response = as_user("county_huize").get(reverse("portal:home"))
    html = response.content.decode()
    assert re.search(r'data-testid="count-inbox">\s*2\s*<', html), "one entry and one withdrawal wait"
    titles = [title for title, count, _url in response.context["waiting"]]
    assert len(titles) == 2 and all(count == 1 for _t, count, _u in response.context["waiting"])
    assert EntryApplication.objects.get(pk=entry["id"]).status == "submitted"
    assert as_user("county_qilin").get(reverse("portal:home")).context["waiting_total"] == 0  # not its county


def test_quantities_are_grouped_with_their_unit(make_lot, as_user):
    make_lot("12345.6", pollutant="SO2")
    make_lot("9.6", pollutant="PB", enterprise="ent_huize")
    for url in (reverse("reserve:pool"), reverse("reserve:lots"), reverse("reserve:public-ledger")):
        html = as_user("city_approver").get(url).content.decode()
        assert "12,345.6000" in html, url
        long = re.search(r".{0,60}\d\.\d{5,}.{0,20}", html)
        assert not long, (url, long and long.group(0))  # no "40.4000000000000"
    lots = as_user("city_approver").get(reverse("reserve:lots")).content.decode()
    assert "铅" in lots and "kg/a" in lots and ">PB<" not in lots
