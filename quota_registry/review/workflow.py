"""The table of allowed transitions: (status, action) -> what it does and who may do it."""
from __future__ import annotations

from dataclasses import dataclass

from quota_registry.orgs.models import Role

from .models import Action, Stage, Status

APPLICANT = "applicant"  # the enterprise's users, or the county reviewer for county-filed applications


@dataclass(frozen=True)
class Transition:
    action: str
    stage: str
    to_status: str
    roles: frozenset  # roles allowed, or {APPLICANT}
    opinion_required: bool = False


def _t(action, stage, to, roles, opinion=False):
    return Transition(action, stage, to, frozenset(roles), opinion)


# Keyed by (current status, API action name).
TRANSITIONS: dict[tuple[str, str], Transition] = {}
for _status in (Status.DRAFT, Status.RETURNED):
    TRANSITIONS[(_status, "submit")] = _t(Action.SUBMIT, Stage.APPLICANT, Status.SUBMITTED, {APPLICANT})
for _status in (Status.DRAFT, Status.SUBMITTED, Status.RETURNED, Status.COUNTY_APPROVED):
    TRANSITIONS[(_status, "withdraw")] = _t(Action.WITHDRAW, Stage.APPLICANT, Status.WITHDRAWN, {APPLICANT})
TRANSITIONS.update({
    (Status.SUBMITTED, "county_approve"): _t(Action.APPROVE, Stage.COUNTY, Status.COUNTY_APPROVED, {Role.COUNTY_REVIEWER}),
    (Status.SUBMITTED, "county_return"): _t(Action.RETURN, Stage.COUNTY, Status.RETURNED, {Role.COUNTY_REVIEWER}, True),
    (Status.SUBMITTED, "county_reject"): _t(Action.REJECT, Stage.COUNTY, Status.REJECTED, {Role.COUNTY_REVIEWER}, True),
    (Status.COUNTY_APPROVED, "city_prepare"): _t(
        Action.PREPARE, Stage.CITY_PREPARATION, Status.COUNTY_APPROVED, {Role.CITY_REVIEWER}, True),
    (Status.COUNTY_APPROVED, "city_approve"): _t(Action.APPROVE, Stage.CITY, Status.APPROVED, {Role.CITY_APPROVER}),
    (Status.COUNTY_APPROVED, "city_return"): _t(Action.RETURN, Stage.CITY, Status.RETURNED, {Role.CITY_APPROVER}, True),
    (Status.COUNTY_APPROVED, "city_reject"): _t(Action.REJECT, Stage.CITY, Status.REJECTED, {Role.CITY_APPROVER}, True),
    (Status.APPROVED, "revoke"): _t(Action.REVOKE, Stage.CITY, Status.REVOKED, {Role.CITY_APPROVER}, True),
})

# The API's decision bodies ({"decision": "approve|return|reject"}) per stage.
DECISIONS = {
    "county": {"approve": "county_approve", "return": "county_return", "reject": "county_reject"},
    "city": {"approve": "city_approve", "return": "city_return", "reject": "city_reject"},
}


def available_actions(status: str) -> list[str]:
    return [action for (state, action) in TRANSITIONS if state == status]
