"""A record's history (its audit entries) in words a clerk reads: who (name and organisation), what (the step's
words), when (Beijing time), and what changed with field labels, values with their units, Chinese factor names and
choice labels. Identifiers, codes and hashes are left out; city staff can open them in a technical section."""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from quota_registry.audit.services import timeline
from quota_registry.reference.models import Pollutant
from quota_registry.review import engine

# Never shown to a clerk: the row's own identity, hashes, internal codes and computation inputs.
HIDDEN = {"id", "hash", "previous_hash", "sha256", "request_id", "rule_set", "review_tiers", "accounting_inputs",
          "created_by", "created_at", "updated_at", "email_enqueued_at", "enqueued_at", "started_at", "origin_type",
          "origin_id", "password", "last_login"}


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class Event:
    at: datetime.datetime
    who: str
    organisation: str
    what: str
    opinion: str
    changes: list[Change] = field(default_factory=list)
    technical: dict = field(default_factory=dict)
    action: str = ""  # the audit action ("trade.bid"): what a page may filter on, never shown
    organisation_id: int | None = None  # the actor's organisation


def _moment(value) -> str:
    moment = parse_datetime(value) if isinstance(value, str) else None
    if moment is None:
        day = parse_date(value) if isinstance(value, str) else None
        return f"{day:%Y-%m-%d}" if day else str(value)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


class Words:
    """Turns stored values of one model into text, caching the names it looks up."""

    def __init__(self, model):
        self.model = model
        self.fields = {f.attname: f for f in model._meta.concrete_fields} if model else {}
        self.fields.update({f.name: f for f in model._meta.concrete_fields} if model else {})
        self.names: dict = {}
        self.pollutants = {p.code: p for p in Pollutant.all_objects.all()}

    def _related(self, model_field, pk) -> str:
        if not str(pk).isdigit():
            return str(pk)  # some entries already store the name (an organisation given by name)
        key = (model_field.related_model, pk)
        if key not in self.names:
            found = model_field.related_model._default_manager.filter(pk=pk).first()
            name = getattr(found, "display_name", None) or (str(found) if found is not None else "—")
            self.names[key] = name
        return self.names[key]

    def _quantity(self, code, quantity) -> str:
        pollutant = self.pollutants.get(code)
        return f"{pollutant.name if pollutant else code} {quantity} {pollutant.unit if pollutant else ''}".strip()

    def value(self, key: str, value, labels: dict) -> str:
        if value is None or value == "":
            return "—"
        model_field = self.fields.get(key)
        if isinstance(value, list):
            return "；".join(self.item(v) for v in value)
        if isinstance(value, dict):
            return "；".join(f"{k}：{v}" for k, v in value.items())
        if model_field is not None:
            if model_field.choices:
                return str(dict(model_field.flatchoices).get(value, value))
            if isinstance(model_field, models.BooleanField):
                return _("Yes") if value else _("No")
            if isinstance(model_field, models.ForeignKey):
                return self._related(model_field, value)
            if isinstance(model_field, models.DateTimeField | models.DateField):
                return _moment(value)
        if key in ("pollutant",) and value in self.pollutants:
            return self.pollutants[value].name
        if isinstance(value, str) and len(value) >= 10 and value[4:5] == "-" and value[7:8] == "-":
            return _moment(value)
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        return str(value)

    def item(self, value) -> str:
        """One row of a list (an application's factors, a transfer's quantities)."""
        if isinstance(value, dict) and "pollutant" in value:
            text = self._quantity(value["pollutant"], value.get("quantity", ""))
            if value.get("completion_date"):
                text += f"（{_('completed')} {value['completion_date']}）"
            return text
        if isinstance(value, dict):
            return "，".join(str(v) for v in value.values())
        return str(value)

    def label(self, key: str, labels: dict) -> str:
        if key in labels:
            return str(labels[key])
        model_field = self.fields.get(key)
        if model_field is not None:
            return str(model_field.verbose_name)
        return {"items": _("Pollutant factors"), "opinion": _("Opinion"), "status": _("Status")}.get(key, "")


def _step_labels(entry) -> dict:
    """The labels of the inputs of the step an audit entry records ("<model>.<action>")."""
    model_name, _sep, action = entry.action.partition(".")
    for kind in engine.KINDS.values():
        if kind.model._meta.model_name == model_name:
            return {f.name: f.label for s in kind.steps_named(action) for f in s.fields}
    return {}


def history(record, *, technical: bool = False) -> list[Event]:
    """The record's history in words, oldest first; `technical` keeps the raw values for city staff."""
    entries = list(timeline(record))
    words = Words(type(record))
    events = []
    for e in entries:
        labels = _step_labels(e)
        before, after = e.before or {}, e.after or {}
        changes = []
        for key, new in after.items():
            model_field = words.fields.get(key)
            if key in HIDDEN or key.endswith("_hash") or (model_field is not None and model_field.name in HIDDEN):
                continue
            if key not in before and new in (None, "", [], {}):
                continue  # a field left empty when the record was created says nothing
            label = words.label(key, labels)
            if not label:
                continue
            old = before.get(key)
            changes.append(Change(label, words.value(key, old, labels) if key in before else "",
                                  words.value(key, new, labels)))
        who = e.actor.display_name if e.actor_id and e.actor else (
            _("System") if e.actor_name in ("system", "") else e.actor_name)
        events.append(Event(e.created_at, who, e.organisation_name, e.action_label, e.opinion, changes,
                            {"before": before, "after": after, "action": e.action, "request": e.request_id}
                            if technical else {}, e.action, e.organisation_id))
    return events
