"""The reserve's records on the workflow engine (quota_registry/review/engine.py): entry applications (入库, Arts
7-9, 25), withdrawal applications (出库, Arts 13-16) and lots (a planned lot's completion; expiry by the daily job).
Each kind is its states, its table of steps and its effects; the engine does the rest."""
from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ledger import services as ledger
from ledger.models import Lot, LotStatus
from quota_registry import inputs
from quota_registry.documents.models import DocumentKind
from quota_registry.jurisdiction import COUNTY, city_id_of
from quota_registry.orgs.models import CITY_ROLES, Restriction, RestrictionStatus, Role, User
from quota_registry.orgs.selectors import city_staff
from quota_registry.review import engine
from quota_registry.review.engine import (
    CITY_APPROVER,
    CITY_REVIEWER,
    CITY_STAFF,
    SYSTEM,
    Field,
    Kind,
    Milestone,
    Refusal,
    Step,
    Who,
)
from quota_registry.review.models import Decision, Stage, Status
from quota_registry.review.services import is_applicant

from . import entries, expiry, facts, transfers, withdrawals
from .models import CityTransfer, EntryApplication, TransferOrigin, TransferStatus, WithdrawalApplication

APPLICANT = Who(is_applicant, gettext_lazy("the applicant (the enterprise; the county for what it filed)"),
                frozenset({Role.ENTERPRISE_USER, Role.COUNTY_REVIEWER}))
COUNTY_OF_RECORD = engine.county_of(lambda record: record.region_id)


def _submitted(record, values) -> str:
    """A submission goes to the first tier the record was filed with (its county; the city for a county's filing)."""
    return Status.SUBMITTED if COUNTY in record.review_tiers.split(",") else Status.COUNTY_APPROVED


def application_steps(*, check_submission, on_submit=None, on_release=None, on_approve=None,
                      approve_label, check_approval=None) -> list[Step]:
    """The table every application kind shares: filed by the applicant, pre-reviewed by the county, prepared and
    decided by the city (four-eyes), withdrawn by the applicant while undecided."""
    open_states = (Status.DRAFT, Status.SUBMITTED, Status.RETURNED, Status.COUNTY_APPROVED)
    return [
        Step("submit", (Status.DRAFT, Status.RETURNED), _submitted, APPLICANT, Decision.SUBMIT, Stage.APPLICANT,
             gettext_lazy("Submit"), opinion="none", check=check_submission, effect=on_submit, style="primary",
             targets=(Status.SUBMITTED, Status.COUNTY_APPROVED),
             notes=gettext_lazy("to the county's pre-review; a county's own filing goes to the city (Art 9)"),
             confirm=gettext_lazy("Submit the application for review? It cannot be changed while it is reviewed.")),
        Step("withdraw", open_states, Status.WITHDRAWN, APPLICANT, Decision.WITHDRAW, Stage.APPLICANT,
             gettext_lazy("Withdraw the application"), effect=on_release, style="danger", awaited=False,
             confirm=gettext_lazy("Withdraw the application? It ends here; a new one can be filed.")),
        Step("county_approve", (Status.SUBMITTED,), Status.COUNTY_APPROVED, COUNTY_OF_RECORD, Decision.APPROVE,
             Stage.COUNTY, gettext_lazy("Approve and forward"), attachments=True, group=("county-review", "approve"),
             check=check_approval,
             done=gettext_lazy("Pre-review passed, forwarded to the city bureau"),
             style="primary", confirm=gettext_lazy("Forward the application to the city bureau?")),
        Step("county_return", (Status.SUBMITTED,), Status.RETURNED, COUNTY_OF_RECORD, Decision.RETURN, Stage.COUNTY,
             gettext_lazy("Return for correction"), opinion="required", attachments=True, effect=on_release,
             group=("county-review", "return"),
             confirm=gettext_lazy("Return the application? The applicant can correct it and submit it again.")),
        Step("county_reject", (Status.SUBMITTED,), Status.REJECTED, COUNTY_OF_RECORD, Decision.REJECT, Stage.COUNTY,
             gettext_lazy("Reject"), opinion="required", attachments=True, effect=on_release,
             group=("county-review", "reject"), style="danger",
             confirm=gettext_lazy("Reject the application? This cannot be undone.")),
        Step("city_prepare", (Status.COUNTY_APPROVED,), None, CITY_REVIEWER, Decision.PREPARE, Stage.CITY_PREPARATION,
             gettext_lazy("Record the preparatory review"), opinion="required", attachments=True, documents=False,
             notes=gettext_lazy("four-eyes: the city's decision needs it, by another person")),
        Step("city_approve", (Status.COUNTY_APPROVED,), Status.APPROVED, CITY_APPROVER, Decision.APPROVE, Stage.CITY,
             approve_label, attachments=True, guard=engine.four_eyes, effect=on_approve, done=approve_label,
             check=check_approval,
             group=("city-review", "approve"), style="primary",
             confirm=gettext_lazy("Approve the application? This cannot be undone.")),
        Step("city_return", (Status.COUNTY_APPROVED,), Status.RETURNED, CITY_APPROVER, Decision.RETURN, Stage.CITY,
             gettext_lazy("Return for correction"), opinion="required", attachments=True, guard=engine.four_eyes,
             effect=on_release, group=("city-review", "return"),
             confirm=gettext_lazy("Return the application? The applicant can correct it and submit it again.")),
        Step("city_reject", (Status.COUNTY_APPROVED,), Status.REJECTED, CITY_APPROVER, Decision.REJECT, Stage.CITY,
             gettext_lazy("Reject"), opinion="required", attachments=True, guard=engine.four_eyes, effect=on_release,
             group=("city-review", "reject"), style="danger",
             confirm=gettext_lazy("Reject the application? This cannot be undone.")),
    ]


def application_recipients(ctx) -> list:
    """Who is told of a decision on an application: the next party to act, or the applicant and its county."""
    app = ctx.record
    users = User.objects.filter(is_active=True)
    county = users.filter(role=Role.COUNTY_REVIEWER, organisation__region=app.region_id)
    city = city_staff(app.region_id, CITY_ROLES - {Role.CITY_ADMIN})  # of the application's city only
    applicant = county if app.filed_by_county else users.filter(role=Role.ENTERPRISE_USER,
                                                                organisation=app.applicant_id)
    decision = ctx.step.decision
    if decision == Decision.PREPARE:
        return list(city_staff(app.region_id, {Role.CITY_APPROVER}))
    if decision == Decision.VERIFY:
        return list(applicant)
    if decision == Decision.WITHDRAW:
        return list(county) + list(city)
    if ctx.to_status == Status.SUBMITTED:
        return list(county)
    if ctx.to_status == Status.COUNTY_APPROVED:
        return list(city)
    if ctx.step.stage == Stage.CITY:
        return list(applicant) + list(county)
    return list(applicant)


def application_timestamps(record, ctx, now) -> list[str]:
    fields = []
    if ctx.step.action == "submit":
        record.submitted_at = now
        fields.append("submitted_at")
    if ctx.to_status in (Status.APPROVED, Status.REJECTED, Status.REVOKED):
        record.decided_at = now
        fields.append("decided_at")
    return fields


def _application_kind(name, model, steps, documents, title, link_name, description, plural, list_name) -> Kind:
    return engine.register(Kind(
        name=name, model=model, states=Status, steps=steps, initial=Status.DRAFT, documents=documents,
        title_plural=plural, list_url=lambda user: reverse(list_name),
        number=lambda r: r.number, title=lambda r: title % {"number": r.number},
        link=lambda r: reverse(link_name, args=[r.pk]), organisation=lambda r: r.applicant,
        region=lambda r: r.region, recipients=application_recipients, on_status=application_timestamps,
        description=description, progress=APPLICATION_PROGRESS,
        time_limit=lambda r: facts.rule_set(r.rule_set).review_time_limit))


# Art 8 and Art 16: the applicant files, its county bureau pre-reviews and forwards, the city bureau reviews and
# decides (four-eyes: a reviewer prepares, an approver decides).
APPLICATION_PROGRESS = (
    Milestone((Status.DRAFT, Status.RETURNED), gettext_lazy("Filing"), gettext_lazy("the applicant")),
    Milestone((Status.SUBMITTED,), gettext_lazy("County pre-review"), gettext_lazy("the county bureau")),
    Milestone((Status.COUNTY_APPROVED,), gettext_lazy("City review"), gettext_lazy("the city bureau")),
    Milestone((Status.APPROVED,), gettext_lazy("Concluded"), ""),
)


ENTRY = _application_kind(
    "entry", EntryApplication, application_steps(
        check_submission=entries.check_submission, on_approve=entries.issue, check_approval=entries.check_approval,
        approve_label=gettext_lazy("Approve: enter into the pool")) + [
        Step("verify", (Status.COUNTY_APPROVED,), None, CITY_STAFF, Decision.VERIFY, Stage.CITY_PREPARATION,
             gettext_lazy("Record the verified figure"), opinion="none", api="verify-item",
             fields=(Field("item", gettext_lazy("Factor"), "choice", choices=entries.item_choices),
                     Field("quantity", gettext_lazy("Verified quantity"), "quantity"),
                     Field("reason", gettext_lazy("Reason"), "text", limit=inputs.REASON)),
             effect=entries.set_verified_quantity, awaited=False,
             notes=gettext_lazy("replaces the claimed figure of one factor, before the decision")),
        Step("revoke", (Status.APPROVED,), Status.REVOKED, CITY_APPROVER, Decision.REVOKE, Stage.CITY,
             gettext_lazy("Revoke (Art 25)"), opinion="required", attachments=True, effect=entries.revoke, awaited=False,
             style="danger", confirm=gettext_lazy("Revoke the entry? What is still in the pool is cancelled.")),
    ],
    (DocumentKind.ANNEX3,), gettext_lazy("Entry application %(number)s"), "reserve:entry-detail",
    gettext_lazy("Entry application (入库, Arts 7-9, 25)"), gettext_lazy("Entry applications"), "reserve:entries")

WITHDRAWAL = _application_kind(
    "withdrawal", WithdrawalApplication, application_steps(
        check_submission=withdrawals.check_submission, on_submit=withdrawals.hold, on_release=withdrawals.release,
        on_approve=withdrawals.complete, approve_label=gettext_lazy("Approve: the quota leaves the pool"),
        check_approval=withdrawals.check_approval),
    (DocumentKind.ANNEX4, DocumentKind.ANNEX5), gettext_lazy("Withdrawal application %(number)s"),
    "reserve:withdrawal-detail", gettext_lazy("Withdrawal application (出库, Arts 13-16)"),
    gettext_lazy("Withdrawal applications"), "reserve:withdrawals")


# A lot is decided by its own city's staff: a city whose pool received some of it from another sees it, not more
# (issue 19). Not per record for the workbench: the planned lots waiting are counted where they lie, in their county.
LOTS_CITY = Who(lambda actor, lot: actor.city_id == city_id_of(lot.region_id), gettext_lazy("the lot's city's staff"),
                frozenset(CITY_ROLES))


def _lot_recipients(ctx) -> list:
    return [*User.objects.filter(is_active=True, role=Role.ENTERPRISE_USER, organisation=ctx.record.enterprise_id),
            *expiry.lot_staff(ctx.record)]


LOT = engine.register(Kind(
    name="lot", model=Lot, states=LotStatus, initial=LotStatus.ACTIVE,
    number=lambda lot: lot.number, title=lambda lot: _("Lot %(number)s") % {"number": lot.number},
    link=lambda lot: reverse("reserve:lot-detail", args=[lot.pk]), organisation=lambda lot: lot.enterprise,
    region=lambda lot: lot.region, recipients=_lot_recipients,
    # A lot is a row of the ledger: its steps take the ledger's lock before the lot's (ledger/locks.py).
    before_lock=ledger.lock, title_plural=gettext_lazy("Lots"), list_url=lambda user: reverse("reserve:lots"),
    description=gettext_lazy("Lot (issued by an approved entry; planned until its measure is complete)"),
    steps=[
        Step("complete", (LotStatus.PLANNED,), LotStatus.ACTIVE, LOTS_CITY, Decision.COMPLETE, Stage.CITY,
             gettext_lazy("Record the completion"), opinion="none", effect=entries.record_completion, style="primary",
             fields=(Field("completed_on", gettext_lazy("Completed on"), "date", past=True),
                     Field("evidence", gettext_lazy("Evidence of completion"), "text",
                           limit=Lot._meta.get_field("completion_evidence").max_length),
                     Field("files", gettext_lazy("Evidence files"), "files", required=False)),
             confirm=gettext_lazy("Record the completion? The lot becomes available in the pool.")),
        Step("expire", (LotStatus.ACTIVE, LotStatus.PLANNED), LotStatus.EXPIRED, SYSTEM, Decision.EXPIRE, Stage.SYSTEM,
             gettext_lazy("Expire"), opinion="none", effect=expiry.expire_effect,
             notes=gettext_lazy("the daily job, after the lot's validity (seed 001 Art 15)")),
    ]))


# --- the city's list (seed 001 guide Art 4, seed 003 Art 4; issue 18's credit gates) ------------------------------

def _lift(ctx) -> None:
    """The entry stops blocking from today; the reason is kept with it."""
    from django.utils import timezone

    entry = ctx.record
    entry.lifted_on, entry.lifted_reason = timezone.localdate(), ctx.decision.opinion[:500]
    entry.save(update_fields=["lifted_on", "lifted_reason"])


def _listed_recipients(ctx) -> list:
    entry = ctx.record
    if entry.organisation_id:
        return list(User.objects.filter(is_active=True, role=Role.ENTERPRISE_USER, organisation_id=entry.organisation_id))
    return list(User.objects.filter(is_active=True, role=Role.COUNTY_REVIEWER, organisation__region=entry.region_id))


RESTRICTION = engine.register(Kind(
    name="restriction", model=Restriction, states=RestrictionStatus, initial=RestrictionStatus.IN_FORCE,
    number=lambda r: f"#{r.pk}", title=lambda r: str(r), link=lambda r: reverse("reserve:restriction-detail", args=[r.pk]),
    organisation=lambda r: r.organisation, region=lambda r: r.region, recipients=_listed_recipients,
    description=gettext_lazy("Entry of the city's list (no new quota; no trading or bidding)"),
    title_plural=gettext_lazy("The city's list"), list_url=lambda user: reverse("reserve:restrictions"),
    steps=[
        Step("lift", (RestrictionStatus.IN_FORCE,), RestrictionStatus.LIFTED, CITY_STAFF, Decision.LIFT, Stage.CITY,
             gettext_lazy("Lift the entry"), opinion="required", attachments=True, effect=_lift, awaited=False,
             style="primary", confirm=gettext_lazy("Lift the entry? It stops blocking from today; the reason is kept."),
             notes=gettext_lazy("once rectified (or the court, the market regulator or the credit rating has lifted "
                                "it): the reason and the evidence")),
    ]))


# --- transfers between cities (issue 19; seed 003 Arts 20-21) -----------------------------------------------------

GIVING_CITY = Who(lambda actor, t: actor.city_id == t.from_city_id, gettext_lazy("the giving city's staff"),
                  frozenset(CITY_ROLES))
PROVINCE = engine.role(Role.PROVINCE_REVIEWER, text=gettext_lazy("the province"))


def _not_the_arranger(actor, transfer) -> Refusal | None:
    """Four-eyes at the province (PORTAL_FOUR_EYES): a transfer the province arranged is approved or refused by another
    of its people than the one who arranged it (a city's request has had the giving city's eyes besides the
    province's)."""
    from django.conf import settings

    if settings.PORTAL_FOUR_EYES and transfer.origin == TransferOrigin.PROVINCE and transfer.requested_by_id == actor.pk:
        return Refusal(403, _("You arranged this transfer; another person of the province decides it (four-eyes: one "
                              "person prepares, another decides)."))
    return None


def _transfer_recipients(ctx) -> list:
    transfer = ctx.record
    return [*city_staff(transfer.from_city_id), *city_staff(transfer.to_city_id),
            *User.objects.filter(is_active=True, role=Role.PROVINCE_REVIEWER)]


REQUESTED_WAY = (
    Milestone((TransferStatus.REQUESTED,), gettext_lazy("Requested"), gettext_lazy("the giving city")),
    Milestone((TransferStatus.AGREED,), gettext_lazy("Agreed by the giving city"), gettext_lazy("the province")),
    Milestone((TransferStatus.TRANSFERRED,), gettext_lazy("Moved between the pools"), ""))
ARRANGED_WAY = (  # seed 002: the province takes quota from a city with a surplus; no agreement is asked for
    Milestone((TransferStatus.ARRANGED,), gettext_lazy("Arranged by the province"), gettext_lazy("the province")),
    Milestone((TransferStatus.TRANSFERRED,), gettext_lazy("Moved between the pools"), ""))


CITY_TRANSFER = engine.register(Kind(
    name="citytransfer", model=CityTransfer, states=TransferStatus,
    initial=(TransferStatus.REQUESTED, TransferStatus.ARRANGED),  # asked by a city, or arranged by the province
    number=lambda t: t.number, title=lambda t: _("Transfer %(number)s") % {"number": t.number},
    link=lambda t: reverse("reserve:transfer-detail", args=[t.pk]), region=lambda t: t.region,
    recipients=_transfer_recipients,
    description=gettext_lazy("Transfer of quota between two cities' pools (seed 003 Arts 20-21)"),
    title_plural=gettext_lazy("Transfers between cities"), list_url=lambda user: reverse("reserve:transfers"),
    progress=lambda t: ARRANGED_WAY if t.origin == TransferOrigin.PROVINCE else REQUESTED_WAY,
    steps=[
        Step("agree", (TransferStatus.REQUESTED,), TransferStatus.AGREED, GIVING_CITY, Decision.APPROVE, Stage.CITY,
             gettext_lazy("Agree to give"), opinion="optional", check=transfers.check_approval, style="primary",
             done=gettext_lazy("Agreed by the giving city"),
             notes=gettext_lazy("the giving city's bureau agrees that its reserve is used (seed 003 Art 20(2))")),
        Step("decline", (TransferStatus.REQUESTED,), TransferStatus.REFUSED, GIVING_CITY, Decision.REJECT, Stage.CITY,
             gettext_lazy("Decline"), opinion="required", style="danger", done=gettext_lazy("Declined by the giving city"),
             confirm=gettext_lazy("Decline the transfer? The reason is sent to the requesting city.")),
        Step("approve", (TransferStatus.AGREED, TransferStatus.ARRANGED), TransferStatus.TRANSFERRED, PROVINCE,
             Decision.APPROVE, Stage.PROVINCE, gettext_lazy("Approve the transfer"), opinion="optional",
             check=transfers.check_approval, effect=transfers.move, style="primary", guard=_not_the_arranger,
             done=gettext_lazy("Approved by the province: transferred"),
             confirm=gettext_lazy("Approve? The quota moves from the giving city's pool to the receiving city's now."),
             notes=gettext_lazy("the province checks the limits of seed 003 Art 21 again; the quota moves between "
                                "the two pools in one ledger transaction")),
        Step("refuse", (TransferStatus.AGREED, TransferStatus.ARRANGED), TransferStatus.REFUSED, PROVINCE,
             Decision.REJECT, Stage.PROVINCE, gettext_lazy("Refuse"), opinion="required", style="danger",
             guard=_not_the_arranger, done=gettext_lazy("Refused by the province"),
             confirm=gettext_lazy("Refuse the transfer? The reason is sent to both cities.")),
    ]))
