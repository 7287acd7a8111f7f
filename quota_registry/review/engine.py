"""The one workflow engine: every record that changes state (entry and withdrawal applications, lots, trades and
their parties, permit-change obligations) registers a `Kind` with its states and its table of `Step`s, and every
change of state goes through `perform`.

A step says, for an action: from which states it starts and to which it leads, who may take it (role and
jurisdiction), whether an opinion is required, the input it takes (`Field`s, from which the API's request body
and the page's form are both made), what it checks first and what it does (its effect), whether the record's
documents are regenerated and who is told.

`perform` does, in this order and nothing else in between: lock the record, scoped to the actor (outside the
scope: 404); find the step for the record's state (an action the state does not allow: 409); check who may act
(403) and the step's guard (four-eyes: 409 or 403); read the input (400); change the state; write the decision
record (who, role, stage, decision, opinion, input, time; with attachments) and the audit record; request the
documents and notify (sent after commit by the outbox); run the effect last (it may post to the ledger, taking the
ledger's lock after the record's: see ledger/locks.py). Any error rolls all of it back. A step that many take at
once and that leaves the record in its state (a bid in the last minute of an auction) may lock the record late,
just before its effect (`Step.lock_late`): its state is checked again then, and the effect re-checks under the lock
what it decides, so the lock is held for the effect and the commit only.

The API's action endpoints and their OpenAPI bodies (quota_registry/review/api.py), the pages' offered actions and
their forms (quota_registry/review/pages.py) and the documentation's state diagrams (`manage.py workflow_docs`)
all come from the tables: nothing else decides which actions a record offers.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import EmptyResultSet, PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import Http404, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quota_registry.access import scope
from quota_registry.audit.services import _jsonable
from quota_registry.audit.services import record as audit
from quota_registry.compiled import Compiled
from quota_registry.files.services import attachments_add
from quota_registry.notifications.services import notify
from quota_registry.orgs.models import CITY_ROLES, Role

from .errors import TransitionNotAllowed
from .models import Decision, Review, Stage

__all__ = ["TransitionNotAllowed", "perform", "allowed_actions", "register", "kind_for"]


@dataclass(frozen=True)
class Refusal:
    """What a guard says: 409 (not in a state to be decided yet) or 403 (not by this person), with why."""

    status: int
    message: str


# --- who may act ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Who:
    """A test of (actor, record), the roles it may admit at all (for inboxes: which states wait for a role), and
    the words that say it (for the documentation and the diagrams)."""

    test: Callable
    text: object
    roles: frozenset = frozenset()
    per_record: bool = False  # whether the test says more than the role and the actor's scope (a qualified buyer)

    def __call__(self, actor, record) -> bool:
        return bool(actor is not None and actor.role in self.roles and self.test(actor, record))

    def __or__(self, other: Who) -> Who:
        return Who(lambda a, r: self(a, r) or other(a, r), f"{self.text} / {other.text}", self.roles | other.roles,
                   self.per_record or other.per_record)


def role(*roles, text) -> Who:
    return Who(lambda actor, record: True, text, frozenset(roles))


CITY_STAFF = role(*CITY_ROLES, text=gettext_lazy("city staff"))
CITY_REVIEWER = role(Role.CITY_REVIEWER, text=gettext_lazy("city reviewer"))
CITY_APPROVER = role(Role.CITY_APPROVER, text=gettext_lazy("city approver"))


@dataclass(frozen=True)
class _System(Who):
    def __call__(self, actor, record) -> bool:
        return actor is None


SYSTEM = _System(lambda actor, record: True, gettext_lazy("the system (a daily job)"))


def county_of(region: Callable) -> Who:
    """A county reviewer of the county `region(record)` returns."""
    return Who(lambda actor, record: actor.organisation.region_id == region(record),
               gettext_lazy("the county's reviewer"), frozenset({Role.COUNTY_REVIEWER}))


def enterprise_of(organisation: Callable) -> Who:
    """A user of the enterprise `organisation(record)` returns (its id)."""
    return Who(lambda actor, record: actor.organisation_id == organisation(record),
               gettext_lazy("the enterprise itself"), frozenset({Role.ENTERPRISE_USER}))


# --- input ---------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Field:
    """One input of a step. `kind`: text (with `limit` characters), quantity, price, amount (accounting's parsers),
    date, datetime, choice (`choices`: pairs, or a function of (record, actor) giving them), boolean, integer,
    files. The API's serializer and the page's form are made from it (quota_registry/review/api.py, pages.py)."""

    name: str
    label: object
    kind: str = "text"
    required: bool = True
    limit: int = 0
    choices: object = None
    past: bool = False
    help: object = ""
    initial: object = None  # the page's form shows it: a value, or a function of the record
    shown: Callable | None = None  # record -> whether the page's form asks for it (the API always accepts it)


@dataclass(frozen=True)
class Step:
    action: str
    sources: tuple[str, ...]
    target: str | Callable | None  # a state, a function of (record, values) giving one of `targets`, or None: stays
    who: Who
    decision: str  # what the decision record says was decided (quota_registry.review.models.Decision)
    stage: str | Callable  # where in the record's procedure (Stage), or a function of the actor giving it
    label: object  # the button
    opinion: str = "optional"  # "required", "optional" or "none"
    fields: tuple[Field, ...] = ()
    attachments: bool = False
    check: Callable | None = None  # (actor, record, values) -> raises ValidationError (400)
    guard: Callable | None = None  # (actor, record) -> Refusal | None
    effect: Callable | None = None  # (Context) -> None
    style: str = ""  # "primary", "danger" or ""
    confirm: object = ""  # the confirmation a page asks for (it restates the consequence)
    api: str = ""  # the endpoint's path segment (default: the action with hyphens)
    group: tuple[str, str] | None = None  # (endpoint, decision): several steps behind one endpoint
    documents: bool = True  # regenerate the record's documents
    notify: Callable | None = None  # (Context) -> users, instead of the kind's recipients
    notes: object = ""  # what the documentation says of the step besides
    awaited: bool | tuple = True  # the record waits for this step (in its source states, or in these): a to-do
    awaited_by: frozenset | None = None  # the roles it is a to-do for (default: every role that may take it)
    done: object = ""  # the words for it once taken (records, timeline, notifications, forms); default: the decision's
    targets: tuple[str, ...] = ()  # the states a computed target may give (for the diagrams and the checks)
    # Take the record's lock last, just before the effect, instead of first: for a step many people take at once on
    # one record that it leaves in its state (a bid). The record's fields are read again under the lock and its state
    # checked again (409 if another step moved it meanwhile); the effect re-checks what it decides from them.
    lock_late: bool = False

    def leads_to(self) -> tuple[str, ...]:
        if callable(self.target):
            return self.targets
        return (self.target,) if self.target else self.sources

    @property
    def path(self) -> str:
        return self.api or self.action.replace("_", "-")


@dataclass
class Context:
    """What an effect, a notification or a target function gets."""

    actor: object
    record: models.Model
    step: Step
    values: dict
    decision: Review | None
    from_status: str
    to_status: str


@dataclass
class Kind:
    name: str
    model: type
    states: type  # a TextChoices of the record's states
    steps: list[Step]
    number: Callable  # record -> the number people know it by
    title: Callable  # record -> how a notification names it
    link: Callable  # record -> its page
    organisation: Callable = lambda record: None  # the organisation whose record it is (the decision's scope)
    region: Callable = lambda record: None  # the county it is located in
    recipients: Callable = lambda ctx: ()  # (Context) -> users told of a decision
    documents: tuple | Callable = ()  # document kinds regenerated after a decision (or record -> those kinds)
    queryset: Callable | None = None  # actor -> the records the actor may reach (default: scope)
    on_status: Callable | None = None  # (record, Context, now) -> extra fields saved with the status
    before_lock: Callable | None = None  # a lock taken before the record's (ledger/locks.py: the order)
    decisions_shown: Callable | None = None  # (user, queryset) -> the decisions the user may read (default: all)
    initial: str | tuple = ""  # the state a record starts in (or the states, when the way it is filed decides)
    description: object = ""
    title_plural: object = ""  # what a list of them is called (the workbench)
    list_url: Callable | None = None  # user -> the list page that shows what waits for the user
    status_field: str = "status"
    progress: tuple | Callable = ()  # Milestones: the record's way from filing to the end (or record -> them)
    time_limit: Callable | None = None  # record -> (working days, article) the bureau has to decide, or None
    related: tuple = ()  # what `perform` reads with the record in its query (what the decision record names)

    @property
    def initials(self) -> tuple:
        return self.initial if isinstance(self.initial, tuple) else (self.initial,)

    def state_label(self, state: str) -> str:
        try:
            return str(self.states(state).label)
        except ValueError:
            return state

    def steps_named(self, action: str) -> list[Step]:
        return [s for s in self.steps if s.action == action]

    def endpoints(self) -> dict[str, list[Step]]:
        """URL path segment -> the steps behind it (one, or a group chosen by the body's `decision`)."""
        result: dict[str, list[Step]] = {}
        for s in self.steps:
            if isinstance(s.who, _System):
                continue
            path = s.group[0] if s.group else s.path
            if s not in result.setdefault(path, []):
                result[path].append(s)
        return result

    def reachable(self, actor):
        return self.queryset(actor) if self.queryset else scope(actor, self.model)


KINDS: dict[type, Kind] = {}


def register(kind: Kind) -> Kind:
    names = [s.action for s in kind.steps]
    for action in set(names):
        if len({s.sources for s in kind.steps if s.action == action}) != names.count(action):
            raise ValueError(f"{kind.name}: action {action} listed twice for the same states")
        for s in kind.steps:
            if callable(s.target) and not s.targets:
                raise ValueError(f"{kind.name}: {s.action} computes its target: name the states it may give")
            if s.lock_late and s.target is not None:
                raise ValueError(f"{kind.name}: {s.action} locks late, so it may not change the record's state")
            if s.lock_late and getattr(getattr(kind.model, "SCOPE", None), "city_also", None):
                raise ValueError(f"{kind.name}: {s.action} locks late, so its record is read by a compiled query "
                                 "(_reach): its scope may not depend on data besides the actor (city_also)")
    KINDS[kind.model] = kind
    from quota_registry.audit.labels import add_labels

    add_labels({f"{kind.model._meta.model_name}.{s.action}": s.done or Decision(s.decision).label for s in kind.steps})
    return kind


@dataclass(frozen=True)
class Milestone:
    """A step of a record's way as the applicant sees it (填报, 县级初审, 市级审核, 办结): the states in which the record
    is there, and who holds it then."""

    states: tuple
    label: object
    holder: object


def progress(record) -> dict | None:
    """The record's progress steps: each milestone done, current or to come; who holds it now, since when and for
    how many working days (China's calendar); None for a kind without milestones."""
    from quota_registry.workdays import WorkdayCalendar

    kind = kind_for(record)
    milestones = kind.progress(record) if callable(kind.progress) else kind.progress
    if not milestones:
        return None
    status = getattr(record, kind.status_field)
    current = next((i for i, m in enumerate(milestones) if status in m.states), None)
    last = decisions_of(record).filter(to_status=status).order_by("-created_at", "-id").first()
    since = last.created_at if last is not None else getattr(record, "created_at", None)
    final = current == len(milestones) - 1
    held = due = None
    limit = kind.time_limit(record) if kind.time_limit else None
    if since is not None and current is not None and not final:
        calendar = WorkdayCalendar.load(city=getattr(record, "region_id", None))
        held = calendar.working_days_between(timezone.localdate(since), timezone.localdate())
        submitted = getattr(record, "submitted_at", None)
        if limit and submitted and current > 0:  # the bureau's time limit runs from the submission
            due = calendar.add_working_days(timezone.localdate(submitted), limit[0]).date
    if current is None:  # ended off the way (rejected, withdrawn, refused): the steps it went through, then the end
        visited = {s for pair in decisions_of(record).values_list("from_status", "to_status") for s in pair}
        steps = [{"label": m.label, "holder": m.holder, "state": "done"} for m in milestones
                 if set(m.states) & visited or (not visited and set(m.states) & set(kind.initials))]
        steps.append({"label": kind.state_label(status), "holder": "", "state": "ended"})
    else:
        steps = [{"label": m.label, "holder": m.holder,
                  "state": "done" if i < current or (final and i == current) else
                  "current" if i == current else "todo"} for i, m in enumerate(milestones)]
    return {"steps": steps, "status": kind.state_label(status), "since": since, "working_days": held,
            "holder": milestones[current].holder if current is not None and not final else "",
            "finished": final or current is None, "limit": limit if due else None, "due": due,
            "overdue": due is not None and due < timezone.localdate()}


def kind_for(model_or_record) -> Kind:
    model = model_or_record if isinstance(model_or_record, type) else type(model_or_record)
    return KINDS[model]


# --- acting ------------------------------------------------------------------------------------------------------

def _lock(kind: Kind, actor, pk, *, lock: bool = True):
    """The record, locked (unless `lock` is False: a late lock, see Step.lock_late), if the actor may reach it (the
    system reaches every record); else 404."""
    if not lock and actor is not None:  # a late lock (a bid: many a second on one record): the compiled read
        return _reach(kind, actor, pk)
    qs = kind.model._default_manager.all() if actor is None else kind.reachable(actor)
    if lock:
        qs = qs.select_for_update(of=("self",))
    if kind.related:
        qs = qs.select_related(*kind.related)
    try:
        record = qs.filter(pk=pk).first()
    except (ValueError, TypeError):
        record = None
    if record is None:
        raise Http404(_("No such record, or it is not within your area of responsibility."))
    return record


_COMPILED = Compiled()


def _reach(kind: Kind, actor, pk):
    """The record if the actor may reach it, else 404: the query of `_lock` compiled once per kind and actor
    (quota_registry/compiled.py) for the steps whose record is locked late (Step.lock_late: a bid). What the
    reach depends on is in the key: the actor, their role, organisation and its county (a scope depending on data
    besides, as a lot's does on the city's received lots, would be kept stale: such a kind takes no late step)."""
    organisation = getattr(actor, "organisation", None)
    key = ("reach", kind.name, actor.pk, actor.role, actor.is_active, getattr(organisation, "pk", None),
           getattr(organisation, "region_id", None))
    try:
        pk = int(pk)
    except (ValueError, TypeError):
        pk = None
    record = None
    if pk is not None and 0 < pk < 2**63:
        try:
            record = _COMPILED.first(key, lambda pk: kind.reachable(actor).filter(pk=pk), pk=pk)
        except EmptyResultSet:  # the actor reaches none of these records
            record = None
    if record is None:
        raise Http404(_("No such record, or it is not within your area of responsibility."))
    return record


def _step_for(kind: Kind, record, action: str) -> Step:
    steps = kind.steps_named(action)
    if not steps:
        raise Http404(_("No such action."))
    status = getattr(record, kind.status_field)
    step = next((s for s in steps if status in s.sources), None)
    if step is None:
        raise TransitionNotAllowed(status, action, label=kind.state_label(status))
    return step


def _refused(refusal: Refusal, status: str, action: str):
    if refusal.status == 409:
        return TransitionNotAllowed(status, action, label=refusal.message)
    return PermissionDenied(refusal.message)


def read_input(kind: Kind, step: Step, record, actor, data, files=None) -> dict:
    """The step's input, parsed and bounded by the same serializer the API shows (400 with the field and why)."""
    from quota_registry.api import flat_errors

    from .inputs import serializer_for

    data = _normalised(step, data, files)
    body = serializer_for(step, kind.name)(data=data or {}, context={"record": record, "actor": actor, "files": files})
    if not body.is_valid():
        raise ValidationError(flat_errors(body.errors))
    return dict(body.validated_data)


def _normalised(step: Step, data, files):
    """The input as the step's serializer reads it: an optional value left empty is absent (a page's form posts every
    input, filled or not), and the file inputs come from the uploaded files only (a form's empty file input arrives
    among the values as an empty string)."""
    data = data or {}
    file_names = {f.name for f in step.fields if f.kind == "files"} | ({"attachments"} if step.attachments else set())
    blank_means_absent = {f.name for f in step.fields if not f.required and f.kind not in ("text", "files")}
    form = hasattr(data, "getlist")
    merged = QueryDict(mutable=True) if form else {}
    for key in data:
        if key in file_names and files is not None:
            continue
        value = data.getlist(key) if form else data[key]
        if key in blank_means_absent and value in ("", [""], None):
            continue
        if form:
            merged.setlist(key, value)
        else:
            merged[key] = value
    if files is not None:
        for key in file_names:
            found = files.getlist(key) if hasattr(files, "getlist") else list(files.get(key, ()))
            if form:
                merged.setlist(key, found)
            else:
                merged[key] = found
    return merged


def _target(step: Step, record, values, status: str) -> str:
    if callable(step.target):
        target = step.target(record, values)
        if target not in step.targets:
            raise ValueError(f"{step.action} computed {target!r}, not one of {step.targets}")
        return target
    return step.target or status


@transaction.atomic
def perform(*, actor, model, pk, action: str, data=None, files=None) -> Review:
    """Take `action` on the record `pk` of `model` as `actor` (None: the system). See the module's docstring."""
    kind = kind_for(model)
    if kind.before_lock:
        kind.before_lock()
    late = bool(kind.steps_named(action)) and all(s.lock_late for s in kind.steps_named(action))
    record = _lock(kind, actor, pk, lock=not late)
    step = _step_for(kind, record, action)
    status = getattr(record, kind.status_field)
    if not step.who(actor, record):
        raise PermissionDenied(_("Your role or jurisdiction does not allow this action."))
    refusal = step.guard(actor, record) if step.guard else None
    if refusal is not None:
        raise _refused(refusal, status, action)
    values = read_input(kind, step, record, actor, data, files)
    if step.check:
        step.check(actor, record, values)
    to_status = _target(step, record, values, status)
    now = timezone.now()
    ctx = Context(actor, record, step, values, None, status, to_status)
    setattr(record, kind.status_field, to_status)
    fields = [kind.status_field, *(kind.on_status(record, ctx, now) if kind.on_status else [])]
    if any(f.name == "updated_at" for f in record._meta.concrete_fields):
        fields.append("updated_at")
    if not step.lock_late and (fields != [kind.status_field] or to_status != status):  # nothing changed: not saved
        record.save(update_fields=fields)
    opinion = values.get("opinion", "")
    files_of = {f.name for f in step.fields if f.kind == "files"}
    details = {k: [getattr(f, "name", str(f)) for f in v] if k in files_of else v  # a file: its name (kept apart)
               for k, v in values.items() if k not in ("opinion", "attachments")}
    organisation = getattr(actor, "organisation", None) if actor is not None else None
    stage = step.stage(actor) if callable(step.stage) else step.stage
    ctx.decision = Review.objects.create(
        content_type=ContentType.objects.get_for_model(record), object_id=record.pk,
        subject_label=str(kind.number(record))[:30], organisation=kind.organisation(record), region=kind.region(record),
        actor=actor, actor_name=actor.display_name if actor is not None else _("System"),
        organisation_name=organisation.name if organisation else "", role=getattr(actor, "role", "") or "",
        stage=stage, action=step.decision, from_status=status, to_status=to_status, opinion=opinion,
        details=_jsonable(details))
    attachments_add(actor=actor, owner=ctx.decision, files=values.get("attachments", ()),
                    purpose=words(ctx.decision), organisation=kind.organisation(record),
                    region=kind.region(record))
    audit(actor=actor, action=f"{kind.model._meta.model_name}.{step.action}", obj=record,
          before={"status": status}, after={"status": to_status, **details}, opinion=opinion)
    if step.documents and kind.documents:
        request_documents(record, actor)
    _notify(kind, ctx)
    if step.lock_late:
        _lock_now(kind, record, status, action)
    if step.effect:
        step.effect(ctx)  # last: an effect that posts takes the ledger's lock, held until the commit
    return ctx.decision


def _lock_now(kind: Kind, record, status: str, action: str) -> None:
    """A late lock (Step.lock_late): the record locked now, its fields read again into the same instance (what was
    looked up for it stays), and its state checked again."""
    locked = _COMPILED.first(("lock", kind.name), lambda pk: kind.model._default_manager.select_for_update(
        of=("self",)).filter(pk=pk), pk=record.pk)
    if locked is None:  # nothing is deleted; should a record ever go, it is not found
        raise Http404(_("No such record, or it is not within your area of responsibility."))
    for f in record._meta.concrete_fields:
        setattr(record, f.attname, getattr(locked, f.attname))
    now = getattr(record, kind.status_field)
    if now != status:
        raise TransitionNotAllowed(now, action, label=kind.state_label(now))


def _notify(kind: Kind, ctx: Context) -> None:
    users = ctx.step.notify(ctx) if ctx.step.notify else kind.recipients(ctx)
    users = [u for u in users if ctx.actor is None or u.pk != ctx.actor.pk]
    if not users:
        return
    who = getattr(getattr(ctx.actor, "organisation", None), "name", "") or _("the system")
    subject = _("%(title)s: %(decision)s by %(who)s") % {
        "title": kind.title(ctx.record), "decision": words(ctx.decision), "who": who}
    body = _("Opinion: %(opinion)s") % {"opinion": ctx.decision.opinion} if ctx.decision.opinion else ""
    notify(recipients=users, subject=subject, body=body, link=kind.link(ctx.record), about=ctx.record)


def words(review) -> str:
    """What a decision record says was done, in the words of its step (初审同意（已上报市局）, 批准入库...): the same
    in the record's page, its timeline, the notifications and the printed forms."""
    model = ContentType.objects.get_for_id(review.content_type_id).model_class()  # cached: no query per decision
    kind = KINDS.get(model)
    if kind is not None:
        for s in kind.steps:
            stages = (Stage.COUNTY, Stage.CITY) if callable(s.stage) else (s.stage,)
            if s.decision == review.action and review.stage in stages:
                return str(s.done or Decision(s.decision).label)
    return str(review.get_action_display())


def current_status(records_by_type: dict) -> dict:
    """{(content type id, id): the record's status label now} for the records named (a notification's `about`)."""
    from django.contrib.contenttypes.models import ContentType

    found = {}
    for type_id, ids in records_by_type.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        kind = KINDS.get(model)
        if kind is None:
            continue
        for pk, status in model._default_manager.filter(pk__in=ids).values_list("pk", kind.status_field):
            found[(type_id, pk)] = kind.state_label(status)
    return found


def allowed_actions(actor, record) -> list[str]:
    """The actions `actor` may take on `record` now (for the API's `allowed_actions` and the pages' buttons)."""
    kind = kind_for(record)
    status = getattr(record, kind.status_field)
    return [s.action for s in kind.steps
            if status in s.sources and actor is not None and s.who(actor, record)
            and not (s.guard and s.guard(actor, record))]


def inbox_states(model, role: str) -> set[str]:
    """The states in which a record of this kind waits for a decision by someone of `role` (not the applicant's own
    steps): a reviewer's inbox lists those records."""
    return {state for s in kind_for(model).steps if s.awaited and s.stage not in (Stage.APPLICANT, Stage.SYSTEM,
                                                                                   Stage.PARTY)
            and role in _awaiting_roles(s) for state in _awaited_in(s)}


def _awaiting_roles(step) -> frozenset:
    return step.awaited_by if step.awaited_by is not None else step.who.roles


def _awaited_in(step) -> tuple:
    return step.awaited if isinstance(step.awaited, tuple) else step.sources if step.awaited else ()


def waiting_for(user, *, counts: dict | None = None) -> list[tuple[Kind, int]]:
    """What waits for `user` to act, per kind: the records within the user's scope in a state in which a step the
    user's role may take is awaited (a reviewer's inbox, an applicant's drafts and returns, an enterprise's permit
    change to file, a bid to place). Counted by state, from the tallies the database keeps where the kind's records
    are counted by state (quota_registry/tallies; `counts`: those the caller has read already); a step whose taker
    depends on more than role and scope (a qualified buyer) is checked record by record."""
    from quota_registry.tallies.selectors import COUNTED, tallies

    wanted = [(kind, [s for s in kind.steps if user.role in _awaiting_roles(s) and _awaited_in(s)])
              for kind in KINDS.values()]
    wanted = [(kind, steps) for kind, steps in wanted if steps]
    by_state = [kind.model for kind, _steps in wanted if kind.queryset is None
                and COUNTED.get(kind.model._meta.db_table) == (kind.status_field,)]
    counts = dict(counts or {})
    counts.update(tallies(user, [m for m in by_state if m not in counts]))
    found = []
    for kind, steps in wanted:
        plain = {state for s in steps if not s.who.per_record for state in _awaited_in(s)}
        if kind.model in by_state:
            count = sum(counts[kind.model].get(state, 0) for state in plain)
        else:
            count = kind.reachable(user).filter(**{f"{kind.status_field}__in": plain}).count() if plain else 0
        for s in (s for s in steps if s.who.per_record):
            count += sum(1 for record in kind.reachable(user).filter(**{f"{kind.status_field}__in": _awaited_in(s)})[:200]
                         if s.who(user, record) and not (s.guard and s.guard(user, record)))
        if count:
            found.append((kind, count))
    return found


def waiting_for_others(actor, record) -> list[Refusal]:
    """Why the actor may not decide yet, where only a guard stands in the way (four-eyes: another's preparation)."""
    kind = kind_for(record)
    status = getattr(record, kind.status_field)
    found = []
    for s in kind.steps:
        if status in s.sources and s.guard and actor is not None and s.who(actor, record):
            refusal = s.guard(actor, record)
            if refusal is not None and refusal not in found:
                found.append(refusal)
    return found


def decisions_of(record, user=None) -> models.QuerySet:
    """The record's decision records, oldest first; given a `user`, those the user may read (a trade's bids are not
    shown to the other bidders: the kind's `decisions_shown`)."""
    found = Review.objects.filter(content_type=ContentType.objects.get_for_model(record),
                                  object_id=record.pk).select_related("actor")
    kind = KINDS.get(type(record))
    if user is not None and kind is not None and kind.decisions_shown is not None:
        found = kind.decisions_shown(user, found)
    return found


def request_documents(record, actor) -> list:
    """A new version of each of the kind's documents, rendered after commit; earlier versions stay."""
    from quota_registry.documents.models import DocumentKind
    from quota_registry.documents.services import document_request

    kind = kind_for(record)
    wanted = kind.documents(record) if callable(kind.documents) else kind.documents
    return [document_request(actor=actor, kind=doc, title=f"{DocumentKind(doc).label} {kind.number(record)}",
                             subject=record, organisation=kind.organisation(record), region=kind.region(record))
            for doc in wanted]



def four_eyes(actor, record) -> Refusal | None:
    """The guard of a city decision when the city has four-eyes on (PORTAL_FOUR_EYES): one person prepares, another
    decides. Refused with 409 while no preparatory review of the current submission exists, with 403 for whoever
    recorded it."""
    from django.conf import settings

    if not settings.PORTAL_FOUR_EYES:
        return None
    since = getattr(record, "submitted_at", None) or getattr(record, "created_at", None)
    preparers = set(decisions_of(record).filter(stage=Stage.CITY_PREPARATION, created_at__gte=since)
                    .values_list("actor_id", flat=True))
    if not preparers:
        return Refusal(409, _("awaiting the city reviewer's preparatory review (four-eyes: one person prepares, "
                              "another decides)"))
    if preparers == {actor.pk}:
        return Refusal(403, _("You recorded the city's preparatory review of this application; the decision must be "
                              "taken by another person."))
    return None
