"""The review workflow's services: every status change of every application kind goes through
`transition`. Kind-specific effects (issuing lots, placing holds) are `WorkflowHooks` that the kind's
app registers; this module never knows about entries or withdrawals."""
from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from quota_registry.access import get_scoped_or_404
from quota_registry.audit.services import record
from quota_registry.files.services import attachments_add
from quota_registry.inputs import OPINION, check_text
from quota_registry.notifications.services import notify
from quota_registry.orgs.models import CITY_ROLES, Role, User

from .models import Action, NumberSequence, Review, ReviewableApplication, Stage, Status
from .workflow import APPLICANT, TRANSITIONS, Transition


class TransitionNotAllowed(Exception):
    """The application's current status does not allow this action (HTTP 409)."""

    def __init__(self, status: str, action: str, label: str | None = None):
        self.status, self.action = status, action
        super().__init__(_("This action is not possible while the record is “%(status)s”.") % {
            "status": label or Status(status).label})


class WorkflowHooks:
    """What one application kind adds to the common workflow. Subclass and `register`."""

    model: type[ReviewableApplication]
    number_prefix: str
    actions: frozenset = frozenset(a for _s, a in TRANSITIONS if a != "revoke")
    action_labels: dict = {}  # wording of this kind's buttons that differs from the common one
    documents: tuple = ()  # the official forms (document kinds) regenerated after every change and decision

    def before(self, application, action: str, actor) -> None:
        """Validate before the status changes (raise ValidationError)."""

    def after(self, application, action: str, actor, review: Review) -> None:
        """Effects after the status changed, in the same database transaction."""

    def link(self, application) -> str:
        raise NotImplementedError

    def title(self, application) -> str:
        return application.number


_HOOKS: dict[type, WorkflowHooks] = {}


def request_documents(application, actor) -> list:
    """A new version of each of the kind's forms, rendered after commit; earlier versions stay."""
    from quota_registry.documents.models import DocumentKind
    from quota_registry.documents.services import document_request

    hooks = hooks_for(type(application))
    return [document_request(actor=actor, kind=kind, title=f"{DocumentKind(kind).label} {application.number}",
                             subject=application, organisation=application.applicant, region=application.region)
            for kind in hooks.documents]


def register(hooks: WorkflowHooks) -> WorkflowHooks:
    _HOOKS[hooks.model] = hooks
    return hooks


def hooks_for(model) -> WorkflowHooks:
    return _HOOKS[model]


def next_number(prefix: str, *, today: datetime.date | None = None) -> str:
    """PREFIX + year + 6 digits, gap-free within a year (the counter row is locked)."""
    year = (today or timezone.localdate()).year
    NumberSequence.objects.bulk_create([NumberSequence(prefix=prefix, year=year)], ignore_conflicts=True)
    seq = NumberSequence.objects.select_for_update().get(prefix=prefix, year=year)
    seq.value += 1
    seq.save(update_fields=["value"])
    return f"{prefix}{year}{seq.value:06d}"


def lock_for_edit(actor, model, pk: int):
    """The application, locked, if `actor` is its applicant and it is a draft or returned; else 404/403/409."""
    application = get_scoped_or_404(actor, model.objects.select_for_update(of=("self",)), pk=pk)
    if not is_applicant(actor, application):
        raise PermissionDenied(_("Only the applicant may change this application."))
    if not application.is_editable:
        raise TransitionNotAllowed(application.status, "edit")
    return application


@transaction.atomic
def add_evidence(*, actor, model, pk: int, files, purpose: str = "") -> list:
    """Evidence files for a draft or returned application of any kind (the applicant only)."""
    application = lock_for_edit(actor, model, pk)
    purpose = check_text(purpose, field="purpose", label=_("Purpose"), limit=200)
    return attachments_add(actor=actor, owner=application, files=files, purpose=purpose,
                           organisation=application.applicant, region=application.region)


def is_applicant(actor, application) -> bool:
    if application.filed_by_county:
        return actor.role == Role.COUNTY_REVIEWER and actor.organisation.region_id == application.region_id
    return actor.role == Role.ENTERPRISE_USER and actor.organisation_id == application.applicant_id


def may_act(actor, application, transition: Transition) -> bool:
    if APPLICANT in transition.roles:
        return is_applicant(actor, application)
    if actor.role not in transition.roles:
        return False
    if actor.role == Role.COUNTY_REVIEWER:
        return actor.organisation.region_id == application.region_id
    return True


def four_eyes(actor, application, transition: Transition) -> str | None:
    """Four-eyes for the city's decision (PORTAL_FOUR_EYES): two people, one preparing and another deciding.
    Returns None when the decision may go ahead, "unprepared" when no preparatory review of the current
    submission exists yet (409: the record is not ready for the decision), "self" when `actor` recorded it
    (403: someone else decides). Revocation (Art 25) is a decision of its own and not concerned."""
    if not settings.PORTAL_FOUR_EYES or transition.stage != Stage.CITY or transition.action == Action.REVOKE:
        return None
    preparers = set(Review.objects.filter(
        content_type=_content_type(application), object_id=application.pk, stage=Stage.CITY_PREPARATION,
        created_at__gte=application.submitted_at or application.created_at,
    ).values_list("actor_id", flat=True))
    if not preparers:
        return "unprepared"
    if preparers == {actor.pk}:
        return "self"
    return None


def allowed_actions(actor, application) -> list[str]:
    """The actions `actor` may take now (for buttons and the API's detail)."""
    hooks = hooks_for(type(application))
    result = []
    for (status, action), t in TRANSITIONS.items():
        if status == application.status and action in hooks.actions and may_act(actor, application, t):
            if four_eyes(actor, application, t) is None:
                result.append(action)
    return result


def awaiting_preparation(actor, application) -> bool:
    """Whether `actor` would decide now but for four-eyes: the preparatory review by another person is missing."""
    hooks = hooks_for(type(application))
    return any(status == application.status and action in hooks.actions and may_act(actor, application, t)
               and four_eyes(actor, application, t) == "unprepared" for (status, action), t in TRANSITIONS.items())


def _content_type(application):
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(application)


def reviews_of(application) -> models.QuerySet:
    return Review.objects.filter(content_type=_content_type(application), object_id=application.pk).select_related("actor")


def _recipients(application, to_status: str, transition: Transition):
    users = User.objects.filter(is_active=True)
    county = users.filter(role=Role.COUNTY_REVIEWER, organisation__region=application.region_id)
    city = users.filter(role__in=CITY_ROLES - {Role.CITY_ADMIN})
    if application.filed_by_county:
        applicant = county
    else:
        applicant = users.filter(role=Role.ENTERPRISE_USER, organisation=application.applicant_id)
    if transition.action == Action.PREPARE:
        return users.filter(role=Role.CITY_APPROVER)
    if transition.action == Action.WITHDRAW:
        return list(county) + list(city)
    if to_status == Status.SUBMITTED:
        return county
    if to_status == Status.COUNTY_APPROVED:
        return city
    if transition.stage == Stage.CITY:
        return list(applicant) + list(county)
    return applicant


@transaction.atomic
def transition(*, actor, model, pk: int, action: str, opinion: str = "", attachments=()) -> Review:
    """Take `action` on application `pk` of `model` as `actor`: checks scope (404), state (409), role and
    jurisdiction (403), opinion (400) and four-eyes; saves the status, the review and the audit row,
    runs the kind's hooks, and notifies the next party after commit."""
    hooks = hooks_for(model)
    application = get_scoped_or_404(actor, model.objects.select_for_update(of=("self",)), pk=pk)
    t = TRANSITIONS.get((application.status, action))
    if t is None or action not in hooks.actions:
        raise TransitionNotAllowed(application.status, action)
    if not may_act(actor, application, t):
        raise PermissionDenied(_("Your role or jurisdiction does not allow this decision."))
    opinion = check_text(opinion, field="opinion", label=_("Opinion"), limit=OPINION, required=t.opinion_required,
                         required_message=_("Give your opinion: it tells the applicant what to correct or why."))
    eyes = four_eyes(actor, application, t)
    if eyes == "self":
        raise PermissionDenied(_("You recorded the city's preparatory review of this application; the decision "
                                 "must be taken by another person."))
    if eyes == "unprepared":
        raise TransitionNotAllowed(application.status, action, label=_(
            "awaiting the city reviewer's preparatory review (four-eyes: one person prepares, another decides)"))
    to_status = t.to_status
    if action == "submit" and application.filed_by_county:
        to_status = Status.COUNTY_APPROVED  # the county's own filing is its pre-review (Art 9)

    hooks.before(application, action, actor)
    from_status = application.status
    now = timezone.now()
    application.status = to_status
    fields = ["status", "updated_at"]
    if action == "submit":
        application.submitted_at = now
        fields.append("submitted_at")
    if to_status in (Status.APPROVED, Status.REJECTED, Status.REVOKED):
        application.decided_at = now
        fields.append("decided_at")
    application.save(update_fields=fields)
    review = Review.objects.create(
        content_type=_content_type(application), object_id=application.pk, application_number=application.number,
        applicant_id=application.applicant_id, region_id=application.region_id, actor=actor,
        actor_name=actor.display_name, organisation_name=actor.organisation.name, role=actor.role, stage=t.stage,
        action=t.action, from_status=from_status, to_status=to_status, opinion=opinion,
    )
    attachments_add(actor=actor, owner=review, files=attachments, purpose=str(review.get_action_display()),
                    organisation=application.applicant, region=application.region)
    record(actor=actor, action=f"{model._meta.model_name}.{action}", obj=application,
           before={"status": from_status}, after={"status": to_status}, opinion=opinion)
    request_documents(application, actor)
    subject = _("%(title)s: %(decision)s by %(who)s") % {
        "title": hooks.title(application), "decision": review.get_action_display(), "who": actor.organisation.name}
    body = _("Status: %(status)s.") % {"status": Status(to_status).label}
    if opinion:
        body += "\n" + _("Opinion: %(opinion)s") % {"opinion": opinion}
    notify(recipients=[u for u in _recipients(application, to_status, t) if u.pk != actor.pk], subject=subject,
           body=body, link=hooks.link(application))
    # The kind's effects come last: a hook that posts to the ledger (a hold, issuing lots) takes the ledger
    # lock, which every posting waits for until this transaction commits.
    hooks.after(application, action, actor, review)
    return review
