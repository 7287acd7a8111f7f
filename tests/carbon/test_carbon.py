"""Issue 20 on PostgreSQL: the key emitters' list at its threshold, the report verified by the assigned third party
and reviewed by the bureau, the 5 % CCER cap at the surrender, and the credit mark of a unit past its deadline."""
import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from carbon import services
from carbon.models import EmissionReport, KeyEmitter, ReportStatus
from quota_registry.access import scope
from quota_registry.orgs.models import Organisation, OrganisationKind, Restriction, Role, User
from quota_registry.orgs.services import check_may_trade
from quota_registry.review import engine

YEAR = datetime.date.today().year - 1


@pytest.fixture
def unit(demo):
    return services.unit_list(actor=demo["city_reviewer"], enterprise=demo["ent_huize"].organisation, year=YEAR - 1,
                              emissions="26000", reason="2024年核查报告")


def test_listing_at_the_threshold(demo):
    with pytest.raises(ValidationError) as below:
        services.unit_list(actor=demo["city_reviewer"], enterprise=demo["ent_qilin"].organisation, year=YEAR,
                           emissions="25999.9999", reason="核查报告")
    assert "25999.9999" in str(below.value) and "2.6万吨" in str(below.value) and not KeyEmitter.objects.exists()
    by_energy = services.unit_list(actor=demo["city_reviewer"], enterprise=demo["ent_qilin"].organisation, year=YEAR,
                                   emissions="25999.9999", energy_tce="10000", reason="能源消费量达到1万吨标准煤")
    assert by_energy.status == "listed"
    at = services.unit_list(actor=demo["city_reviewer"], enterprise=demo["ent_huize"].organisation, year=YEAR,
                            emissions="26000", reason="核查报告")
    assert at.basis_emissions == Decimal("26000")
    with pytest.raises(PermissionDenied):  # another city's staff do not list Qujing's units
        services.unit_list(actor=demo["honghe_reviewer"], enterprise=demo["ent_xuanwei"].organisation, year=YEAR,
                           emissions="90000", reason="核查报告")


def _verified(demo, unit, emitted="40000", verified="40000"):
    report = services.report_create(actor=demo["ent_huize"], unit=unit, year=YEAR, reported_emissions=emitted,
                                    energy_tce="15000", sources="燃煤锅炉 40000", basis="发电行业核算指南")
    engine.perform(actor=demo["ent_huize"], model=EmissionReport, pk=report.pk, action="submit")
    engine.perform(actor=demo["city_reviewer"], model=EmissionReport, pk=report.pk, action="assign",
                   data={"verifier": demo["verifier"].organisation_id})
    engine.perform(actor=demo["verifier"], model=EmissionReport, pk=report.pk, action="verify",
                   data={"verified_emissions": verified, "findings": "燃煤低位发热量取缺省值"})
    return report


def test_the_assigned_verifier_alone_verifies_and_the_bureau_may_send_it_back(demo, unit):
    other = Organisation.objects.create(kind=OrganisationKind.VERIFIER, name="另一核查机构")
    stranger = User.objects.create(username="verifier2", organisation=other, role=Role.VERIFIER)
    report = _verified(demo, unit, verified="41000")
    assert scope(demo["verifier"], EmissionReport).filter(pk=report.pk).exists()
    assert not scope(stranger, EmissionReport).exists() and not scope(demo["bank"], EmissionReport).exists()
    engine.perform(actor=demo["city_approver"], model=EmissionReport, pk=report.pk, action="send_back",
                   data={"opinion": "请按复查意见核实发热量"})
    with pytest.raises(Http404):  # outside its assignments, the report is not found
        engine.perform(actor=stranger, model=EmissionReport, pk=report.pk, action="verify",
                       data={"verified_emissions": "1"})
    engine.perform(actor=demo["verifier"], model=EmissionReport, pk=report.pk, action="verify",
                   data={"verified_emissions": "40000.5", "findings": "已按复查意见修改"})
    engine.perform(actor=demo["city_approver"], model=EmissionReport, pk=report.pk, action="accept")
    report.refresh_from_db()
    assert (report.status, report.verified_emissions) == (ReportStatus.ACCEPTED, Decimal("40000.5"))
    figures = [d.details.get("verified_emissions") for d in engine.decisions_of(report) if d.action == "verify"]
    assert figures == ["41000.0000", "40000.5000"]  # each verification kept


def test_five_percent_of_ccer_exactly_is_accepted_a_hair_above_refused(demo, unit):
    report = _verified(demo, unit)
    with pytest.raises(ValidationError):  # before the bureau's review the figure does not count
        services.surrender_record(actor=demo["ent_huize"], unit=unit, year=YEAR, allowances="1", ccer="0",
                                  registry_reference="R-1")
    engine.perform(actor=demo["city_approver"], model=EmissionReport, pk=report.pk, action="accept")
    services.surrender_record(actor=demo["ent_huize"], unit=unit, year=YEAR, allowances="30000", ccer="1999",
                              registry_reference="R-2")
    with pytest.raises(ValidationError) as above:  # 1999 + 1.0001 > 2000, the cap of 40000
        services.surrender_record(actor=demo["ent_huize"], unit=unit, year=YEAR, allowances="0", ccer="1.0001",
                                  registry_reference="R-3")
    assert "2000.0000" in str(above.value)
    services.surrender_record(actor=demo["ent_huize"], unit=unit, year=YEAR, allowances="8000", ccer="1",
                              registry_reference="R-4")
    state = services.position(unit, YEAR)
    assert (state["ccer"], state["compliance"].gap, state["compliance"].compliant) == (Decimal("2000"), 0, True)
    with pytest.raises(ValidationError):
        services.surrender_record(actor=demo["ent_huize"], unit=unit, year=YEAR, allowances="1", ccer="0",
                                  registry_reference="R-5")


def test_a_unit_past_its_deadline_gets_one_credit_mark_that_stops_trading(demo, unit, settings):
    report = _verified(demo, unit)
    engine.perform(actor=demo["city_approver"], model=EmissionReport, pk=report.pk, action="accept")
    services.surrender_record(actor=demo["ent_huize"], unit=unit, year=YEAR, allowances="39000", ccer="0",
                              registry_reference="R-1")
    due = services.deadline(YEAR)
    assert services.mark_overdue(due) == []  # on the day itself it is not late
    marks = services.mark_overdue(due + datetime.timedelta(days=1))
    assert len(marks) == 1 and "1000.0000" in marks[0].reason and str(YEAR) in marks[0].source
    assert services.mark_overdue(due + datetime.timedelta(days=2)) == []  # once
    with pytest.raises(ValidationError) as gate:
        check_may_trade(unit.enterprise, due + datetime.timedelta(days=3))
    assert "未按时足额清缴碳排放配额" in str(gate.value)
    assert Restriction.objects.filter(organisation=unit.enterprise, created_by__isnull=True).count() == 1
    settings.PORTAL_CARBON_DEADLINE = "06-30"
    assert services.deadline(YEAR) == datetime.date(YEAR + 1, 6, 30)


def test_the_unit_is_reminded_on_working_days_before_the_deadline(demo, unit):
    from quota_registry.notifications.models import Notification
    from quota_registry.workdays import WorkdayCalendar

    report = _verified(demo, unit)
    engine.perform(actor=demo["city_approver"], model=EmissionReport, pk=report.pk, action="accept")
    due, calendar = services.deadline(YEAR), WorkdayCalendar.load()
    day = due - datetime.timedelta(days=30)
    while not (calendar.is_working_day(day)[0] and calendar.working_days_between(day, due) == 10):
        day += datetime.timedelta(days=1)
    before = Notification.objects.filter(recipient=demo["ent_huize"]).count()
    assert services.remind(day) == 1
    assert Notification.objects.filter(recipient=demo["ent_huize"]).count() == before + 1
    for later in range(1, 4):  # the next days (9 working days left, or a weekend): no second reminder
        assert services.remind(day + datetime.timedelta(days=later)) == 0


def test_the_register_of_service_organisations_and_their_inspections(demo):
    from carbon.models import Inspection, ServiceProvider
    from quota_registry.notifications.models import Notification

    with pytest.raises(ValidationError) as bad:
        services.provider_register(actor=demo["city_reviewer"], name="某碳资产管理公司", credit_code="91530300MA6K00000X",
                                   services=["asset_management"], registered_on=datetime.date(2026, 3, 1))
    assert "credit_code" in bad.value.message_dict and not ServiceProvider.objects.exists()
    code = demo["verifier"].organisation.credit_code
    provider = services.provider_register(actor=demo["city_reviewer"], name="云南示范碳排放核查中心", credit_code=code,
                                          services=["verification", "testing"], registered_on=datetime.date(2026, 3, 1))
    assert provider.service_labels() == ["温室气体核查", "检验检测"] and provider.city.code == "530300"
    with pytest.raises(PermissionDenied):  # another city's bureau does not inspect Qujing's register
        services.inspection_record(actor=demo["honghe_reviewer"], provider=provider, inspected_on=datetime.date.today(),
                                   subject="核查报告抽查", findings="无", outcome="satisfactory")
    with pytest.raises(ValidationError):  # not in the future
        services.inspection_record(actor=demo["city_reviewer"], provider=provider,
                                   inspected_on=datetime.date.today() + datetime.timedelta(days=1),
                                   subject="核查报告抽查", findings="无", outcome="satisfactory")
    told = Notification.objects.filter(recipient=demo["province"]).count()
    services.inspection_record(actor=demo["city_reviewer"], provider=provider, inspected_on=datetime.date.today(),
                               subject="2025年度核查报告抽查", findings="未按复查意见修改核查报告", outcome="violation")
    assert Inspection.objects.filter(provider=provider).count() == 1
    assert Notification.objects.filter(recipient=demo["province"]).count() == told + 1  # reported to the province
    assert scope(demo["city_reviewer"], Inspection).count() == scope(demo["province"], Inspection).count() == 1
    assert not scope(demo["honghe_reviewer"], Inspection).exists()  # another city's inspections are not its own


def test_the_years_verified_reports_propose_delisting_below_both_thresholds(demo, unit, as_user):
    below = _verified(demo, unit, emitted="25999.9999", verified="25999.9999")  # energy 15,000 t: stays
    engine.perform(actor=demo["city_approver"], model=EmissionReport, pk=below.pk, action="accept")
    page = as_user("city_reviewer").get("/carbon/").content.decode()
    assert 'data-testid="delisting-proposals"' not in page
    EmissionReport.objects.filter(pk=below.pk).update(energy_tce=Decimal("9999.9999"))
    page = as_user("city_reviewer").get("/carbon/").content.decode()
    assert 'data-testid="delisting-proposals"' in page and "25,999.9999" in page and unit.enterprise.name in page
