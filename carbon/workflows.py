"""The carbon records on the workflow engine (quota_registry/review/engine.py): the key emitters' list entries
(delisted and listed again with a reason, seed 004 item 1) and the annual emission reports (filed by the unit,
verified by the third party the bureau assigns, reviewed by the bureau which may send the verification back, seed
004 items 1-2 and 7)."""
from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quota_registry.orgs.models import Role, User
from quota_registry.orgs.selectors import city_staff
from quota_registry.review import engine
from quota_registry.review.engine import CITY_STAFF, Field, Kind, Milestone, Step, Who
from quota_registry.review.models import Decision, Stage

from . import services
from .models import EmissionReport, KeyEmitter, ReportStatus, UnitStatus

UNIT = engine.enterprise_of(lambda report: report.unit.enterprise_id)
ASSIGNED_VERIFIER = Who(lambda actor, report: actor.organisation_id == report.verifier_id,
                        gettext_lazy("the verifier assigned"), frozenset({Role.VERIFIER}), per_record=True)


def _unit_people(ctx) -> list:
    return list(User.objects.filter(is_active=True, role=Role.ENTERPRISE_USER, organisation_id=ctx.record.enterprise_id))


def _report_people(ctx) -> list:
    report = ctx.record
    people = User.objects.filter(is_active=True).select_related("organisation")
    unit = [u for u in people.filter(role=Role.ENTERPRISE_USER, organisation_id=report.unit.enterprise_id)]
    verifier = [u for u in people.filter(role=Role.VERIFIER, organisation_id=report.verifier_id)] \
        if report.verifier_id else []
    staff = list(city_staff(report.region_id))
    if ctx.to_status == ReportStatus.SUBMITTED or ctx.to_status == ReportStatus.VERIFIED:
        return staff + unit
    return unit + verifier


KEY_EMITTER = engine.register(Kind(
    name="keyemitter", model=KeyEmitter, states=UnitStatus, initial=UnitStatus.LISTED,
    number=lambda u: u.enterprise.name, title=lambda u: _("Key emitter %(name)s") % {"name": u.enterprise.name},
    link=lambda u: reverse("carbon:unit", args=[u.pk]), organisation=lambda u: u.enterprise,
    region=lambda u: u.region, recipients=_unit_people,
    description=gettext_lazy("Entry of the key emitters' list (seed 004 item 1)"),
    title_plural=gettext_lazy("Key emitters"), list_url=lambda user: reverse("carbon:units"),
    steps=[
        Step("delist", (UnitStatus.LISTED,), UnitStatus.DELISTED, CITY_STAFF, Decision.DELIST, Stage.CITY,
             gettext_lazy("Delist"), opinion="required", awaited=False, style="danger",
             confirm=gettext_lazy("Delist the unit? It files no further report; the reason is shown to it."),
             notes=gettext_lazy("the yearly adjustment from the verified reports (seed 004 item 1)")),
        Step("relist", (UnitStatus.DELISTED,), UnitStatus.LISTED, CITY_STAFF, Decision.LIST, Stage.CITY,
             gettext_lazy("List again"), opinion="required", awaited=False,
             notes=gettext_lazy("its verified emissions reach the threshold again")),
    ]))


REPORT = engine.register(Kind(
    name="emissionreport", model=EmissionReport, states=ReportStatus, initial=ReportStatus.DRAFT,
    number=lambda r: f"{r.unit.enterprise.name} {r.year}",
    title=lambda r: _("Emission report %(year)s of %(name)s") % {"year": r.year, "name": r.unit.enterprise.name},
    link=lambda r: reverse("carbon:report", args=[r.pk]), organisation=lambda r: r.unit.enterprise,
    region=lambda r: r.region, recipients=_report_people,
    description=gettext_lazy("Annual greenhouse-gas emission report (seed 004 items 1-2)"),
    title_plural=gettext_lazy("Emission reports"), list_url=lambda user: reverse("carbon:units"),
    progress=(Milestone((ReportStatus.DRAFT,), gettext_lazy("Filed"), gettext_lazy("the unit")),
              Milestone((ReportStatus.SUBMITTED,), gettext_lazy("Submitted"), gettext_lazy("the bureau")),
              Milestone((ReportStatus.VERIFYING,), gettext_lazy("Verification"), gettext_lazy("the verifier")),
              Milestone((ReportStatus.VERIFIED,), gettext_lazy("Review of the verification"),
                        gettext_lazy("the bureau")),
              Milestone((ReportStatus.ACCEPTED,), gettext_lazy("The verified figure counts"), "")),
    steps=[
        Step("submit", (ReportStatus.DRAFT,), ReportStatus.SUBMITTED, UNIT, Decision.SUBMIT, Stage.APPLICANT,
             gettext_lazy("Submit the report"), opinion="none", style="primary",
             notes=gettext_lazy("the unit answers for the report's truth, completeness and accuracy")),
        Step("assign", (ReportStatus.SUBMITTED,), ReportStatus.VERIFYING, CITY_STAFF, Decision.ASSIGN, Stage.CITY,
             gettext_lazy("Assign the verifier"), opinion="optional", effect=services.assign, style="primary",
             fields=(Field("verifier", gettext_lazy("Verifier"), "choice", choices=services.verifier_choices),)),
        Step("verify", (ReportStatus.VERIFYING,), ReportStatus.VERIFIED, ASSIGNED_VERIFIER, Decision.VERIFY,
             Stage.THIRD_PARTY, gettext_lazy("Record the verification"), opinion="none", attachments=True,
             check=services.check_verified, effect=services.verified, style="primary",
             done=gettext_lazy("Recorded the verified emissions"),
             fields=(Field("verified_emissions", gettext_lazy("Verified emissions (t CO2e)"), "quantity"),
                     Field("findings", gettext_lazy("Data-quality findings"), "text", limit=2000, required=False)),
             notes=gettext_lazy("the verification report and its findings; revised after a review sends it back "
                                "(seed 004 item 7)")),
        Step("accept", (ReportStatus.VERIFIED,), ReportStatus.ACCEPTED, CITY_STAFF, Decision.APPROVE, Stage.CITY,
             gettext_lazy("Accept the verified figure"), opinion="optional", style="primary",
             group=("review", "approve"), done=gettext_lazy("Reviewed: the verified figure counts"),
             notes=gettext_lazy("the bureau's review (复查); the verified figure is the unit's obligation")),
        Step("send_back", (ReportStatus.VERIFIED,), ReportStatus.VERIFYING, CITY_STAFF, Decision.RETURN, Stage.CITY,
             gettext_lazy("Send back to the verifier"), opinion="required", group=("review", "return"),
             done=gettext_lazy("Sent back to the verifier")),
    ]))
