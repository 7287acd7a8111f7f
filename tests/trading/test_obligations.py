"""Permit-change obligations: due dates on the working-day calendar, reminders exactly once, recompute
when a year is entered, filing and confirmation, scope, and the dashboard counts."""
import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from quota_registry.audit.models import AuditEntry
from quota_registry.notifications.models import Notification
from quota_registry.reference.services import calendar_import
from trading import selectors
from trading.models import ObligationReminder, PermitChangeObligation
from trading.services import obligation_create, send_reminders


@pytest.fixture
def make_obligation(demo):
    def make(enterprise="ent_qilin", completed=dt.date(2026, 9, 20), approved=dt.date(2026, 9, 24), days=30):
        org = demo[enterprise].organisation
        return obligation_create(enterprise=org, region=org.region, origin=None,
                                 transferred=[{"pollutant": "SO2", "unit": "t/a", "lot": "ZB1", "quantity": "12.0000"}],
                                 destination="会泽铅锌冶炼技改项目", measure_completed_on=completed, approved_on=approved,
                                 working_days=days)
    return make


def reminders_to(user):
    return list(Notification.objects.filter(recipient=user, subject__contains="提醒").values_list("subject", flat=True))


def test_due_date_counts_from_the_later_date(make_obligation):
    o = make_obligation(completed=dt.date(2026, 9, 20), approved=dt.date(2026, 9, 24))
    assert (o.base_date, o.due_date, o.provisional) == (dt.date(2026, 9, 24), dt.date(2026, 11, 12), False)
    o2 = make_obligation(enterprise="ent_huize", completed=dt.date(2026, 9, 24), approved=dt.date(2026, 9, 1))
    assert o2.base_date == dt.date(2026, 9, 24) and o2.due_date == dt.date(2026, 11, 12)


def test_rule_set_parameter_sets_the_period(make_obligation):
    assert make_obligation(days=15).due_date == dt.date(2026, 10, 22)  # Shaanxi's 15 working days


def test_reminders_at_10_5_1_and_overdue_each_once(make_obligation, demo, django_capture_on_commit_callbacks):
    o = make_obligation()
    user = demo["ent_qilin"]
    plan = [(dt.date(2026, 10, 28), None), (dt.date(2026, 10, 29), "d10"), (dt.date(2026, 10, 29), None),
            (dt.date(2026, 10, 30), None), (dt.date(2026, 11, 5), "d5"), (dt.date(2026, 11, 11), "d1"),
            (dt.date(2026, 11, 12), None), (dt.date(2026, 11, 13), "overdue"), (dt.date(2026, 11, 13), None),
            (dt.date(2026, 11, 16), None)]
    for day, expected in plan:
        sent = send_reminders(today=day)
        got = [k for k, n in sent.items() if n]
        assert got == ([expected] if expected else []), (day, sent)
    assert sorted(ObligationReminder.objects.filter(obligation=o).values_list("kind", flat=True)) == [
        "d1", "d10", "d5", "overdue"]
    assert len(reminders_to(user)) == 3
    assert Notification.objects.filter(recipient=user, subject__startswith="已逾期").count() == 1
    assert Notification.objects.filter(recipient=demo["county_qilin"], subject__startswith="已逾期").count() == 1


def test_late_obligation_gets_the_most_urgent_reminder_only(make_obligation, demo):
    o = make_obligation()
    assert send_reminders(today=dt.date(2026, 11, 9))["d5"] == 1  # 4 working days left: d10 is skipped
    rows = dict(ObligationReminder.objects.filter(obligation=o).values_list("kind", "skipped"))
    assert rows == {"d10": True, "d5": False}
    assert len(reminders_to(demo["ent_qilin"])) == 1


def test_confirmed_obligations_get_no_reminders(make_obligation, as_user, demo):
    o = make_obligation()
    PermitChangeObligation.objects.filter(pk=o.pk).update(status="confirmed")
    assert sum(send_reminders(today=dt.date(2026, 11, 13)).values()) == 0


def test_provisional_deadline_moves_when_2027_is_entered(make_obligation, demo):
    o = make_obligation(completed=dt.date(2026, 12, 10), approved=dt.date(2026, 12, 15))
    assert (o.due_date, o.provisional) == (dt.date(2027, 1, 26), True)
    calendar_import(actor=demo["city_admin"], year=2027, notice="国务院办公厅通知",
                    rows=[{"row": 1, "date": dt.date(2027, 1, 1), "kind": "休", "name": "元旦"}])
    o.refresh_from_db()
    assert (o.due_date, o.provisional) == (dt.date(2027, 1, 27), False)
    entry = AuditEntry.objects.get(action="obligation.recompute", object_id=str(o.pk))
    assert entry.before == {"due_date": "2027-01-26", "provisional": True}
    assert Notification.objects.filter(recipient=demo["ent_qilin"], subject__contains="2027-01-27").exists()


def test_file_then_confirm(make_obligation, api_as, demo):
    o = make_obligation()
    url = f"/api/v1/permit-changes/{o.pk}/"
    doc = SimpleUploadedFile("变更申请.pdf", b"%PDF-1.4\n%%EOF\n")
    assert api_as("ent_huize").post(url + "file/", {"files": [doc]}, format="multipart").status_code == 404
    doc.seek(0)
    filed = api_as("ent_qilin").post(url + "file/", {"files": [doc], "note": "已在全国排污许可证管理信息平台提交"},
                                     format="multipart")
    assert filed.status_code == 200 and filed.json()["status"] == "filed"
    body = {"permit_number": "91530302MA0000000X001P", "permit_version": "2026-11-20 变更",
            "recorded_measure": "脱硫设施提标改造", "recorded_reduction": "SO2 100 t/a",
            "recorded_transfer": "SO2 12 t/a → 会泽铅锌冶炼技改项目"}
    assert api_as("ent_qilin").post(url + "confirm/", body, format="json").status_code == 403
    assert api_as("county_huize").post(url + "confirm/", body, format="json").status_code == 404
    incomplete = api_as("county_qilin").post(url + "confirm/", {**body, "permit_number": ""}, format="json")
    assert incomplete.status_code == 400
    confirmed = api_as("county_qilin").post(url + "confirm/", body, format="json")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    assert confirmed.json()["overdue"] is False
    reviews = confirmed.json()["reviews"]  # each step is a decision record: who, in which stage, what was entered
    assert [(r["action"], r["stage"], r["to_status"]) for r in reviews] == [
        ("file", "applicant", "filed"), ("confirm_permit", "county", "confirmed")]
    assert reviews[0]["details"] == {"files": ["变更申请.pdf"], "note": "已在全国排污许可证管理信息平台提交"}
    assert reviews[1]["details"]["permit_number"] == body["permit_number"]
    assert api_as("city_reviewer").post(url + "confirm/", body, format="json").status_code == 409


def test_scope_and_dashboard_counts(make_obligation, api_as, demo):
    make_obligation()  # 麒麟区, due 2026-11-12: overdue "today" (2026-11-21 in real time or later)
    make_obligation(enterprise="ent_huize")
    assert api_as("ent_qilin").get("/api/v1/permit-changes/").json()["count"] == 1
    assert api_as("county_huize").get("/api/v1/permit-changes/").json()["count"] == 1
    assert api_as("city_reviewer").get("/api/v1/permit-changes/?region=530326").json()["count"] == 1
    counts = selectors.counts(demo["city_reviewer"], today=dt.date(2026, 11, 13))
    assert counts == {"open": 2, "due_soon": 0, "overdue": 2}
    counts = selectors.counts(demo["city_reviewer"], today=dt.date(2026, 11, 2))
    assert counts == {"open": 2, "due_soon": 2, "overdue": 0}
    result = api_as("city_reviewer").get("/api/v1/permit-changes/?state=overdue").json()["results"]
    assert {r["overdue"] for r in result} == {True}


def test_reminder_job_command_is_idempotent(make_obligation):
    from django.core.management import call_command

    make_obligation()
    call_command("send_reminders", today=dt.date(2026, 10, 29))
    call_command("send_reminders", today=dt.date(2026, 10, 29))
    assert ObligationReminder.objects.count() == 1


def test_withdrawal_approval_creates_obligations(api_as, make_lot, demo):
    lot = make_lot("50", pollutant="PB", enterprise="ent_huize")
    created = api_as("ent_huize").post("/api/v1/withdrawal-applications/", {
        "project": {"name": "技改", "industry": "3212", "eia_authority": "曲靖市生态环境局"},
        "items": [{"pollutant": "PB", "new_emission": "10"}]}, format="json").json()
    pk = created["id"]
    api_as("ent_huize").post(f"/api/v1/withdrawal-applications/{pk}/submit/")
    api_as("county_huize").post(f"/api/v1/withdrawal-applications/{pk}/county-review/", {"decision": "approve"},
                                format="json")
    api_as("city_reviewer").post(f"/api/v1/withdrawal-applications/{pk}/city-prepare/", {"opinion": "无误"},
                                 format="json")
    api_as("city_approver").post(f"/api/v1/withdrawal-applications/{pk}/city-review/", {"decision": "approve"},
                                 format="json")
    from reserve.models import WithdrawalApplication
    from trading.services import obligations_of

    obligation = obligations_of(WithdrawalApplication.objects.get(pk=pk)).get()
    assert obligation.origin_label == created["number"]
    assert obligation.enterprise == lot.enterprise and obligation.working_days == 30


def test_a_citys_own_holiday_counts_for_its_records_only_and_moves_their_due_dates(make_obligation, demo, as_user):
    from django.core.exceptions import PermissionDenied, ValidationError

    from quota_registry.reference.models import CityCalendarDay
    from quota_registry.reference.services import city_calendar_day_set
    from quota_registry.workdays import WorkdayCalendar

    # 2026-10-13 (a Tuesday) lies within both obligations' 30 working days from 2026-09-24
    honghe = make_obligation("ent_gejiu")
    qujing = make_obligation("ent_qilin")
    assert honghe.due_date == qujing.due_date
    with pytest.raises(ValidationError) as bad:
        city_calendar_day_set(actor=demo["honghe_admin"], day=dt.date(2026, 10, 13), working=False, name="",
                              basis="自治条例")
    assert "name" in bad.value.message_dict and not CityCalendarDay.objects.exists()
    with pytest.raises(PermissionDenied):
        city_calendar_day_set(actor=demo["county_gejiu"], day=dt.date(2026, 10, 13), working=False, name="火把节",
                              basis="自治条例")
    response = as_user("honghe_admin").post("/calendar/", {"form": "city-day", "date": "2026-10-13", "working": "0",
                                                          "name": "示范民族节日", "basis": "《红河州自治条例》（示范）"})
    assert response.status_code == 302
    day = CityCalendarDay.objects.get()
    assert (day.city.code, day.working) == ("532500", False)
    assert not WorkdayCalendar.load(city=honghe.region_id).is_working_day(dt.date(2026, 10, 13))[0]
    assert WorkdayCalendar.load(city=qujing.region_id).is_working_day(dt.date(2026, 10, 13))[0]
    assert WorkdayCalendar.load().is_working_day(dt.date(2026, 10, 13))[0]  # the national calendar is unchanged
    honghe.refresh_from_db()
    qujing_due = qujing.due_date
    qujing.refresh_from_db()
    assert honghe.due_date == WorkdayCalendar.load(city=honghe.region_id).add_working_days(
        honghe.base_date, 30).date > qujing.due_date == qujing_due
    assert AuditEntry.objects.filter(action="obligation.recompute", object_id=str(honghe.pk)).exists()
    assert AuditEntry.objects.filter(action="citycalendarday.create", actor=demo["honghe_admin"]).exists()
    page = as_user("ent_qilin").get("/calendar/").content.decode()
    assert "示范民族节日" in page and "红河哈尼族彝族自治州" in page
