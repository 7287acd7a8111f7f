"""The input of a workflow step, made from its `Field`s in two forms: the DRF serializer that reads and bounds it
(the engine validates every step with it, from the API and the pages alike, and the OpenAPI schema shows it as the
action's request body) and the Django form that a page shows for it. Both use the one parser of each kind of value
(quota_registry/inputs.py, quota_registry/api.py)."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from quota_registry import inputs as typed
from quota_registry.api import AmountField, BoundedDateField, BoundedDateTimeField, PriceField, QuantityField

OPINION_LABEL = gettext_lazy("Opinion")


class RecordChoiceField(serializers.IntegerField):
    """One of the rows a step offers for this record (a deal of the trade, an item of the application): the
    field's `choices(record, actor)` lists them; anything else is refused."""

    def __init__(self, *, spec, **kwargs):
        self.spec = spec
        super().__init__(min_value=1, **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        allowed = {int(v) for v, _label in self.spec.choices(self.context.get("record"), self.context.get("actor"))}
        if value not in allowed:
            raise serializers.ValidationError(_("Choose one of the rows offered."))
        return value


def _serializer_field(spec):
    common = {"required": spec.required, "label": spec.label, "help_text": str(spec.help) or None}
    if spec.kind == "text":
        return serializers.CharField(max_length=spec.limit or typed.REASON, allow_blank=not spec.required, **common)
    if spec.kind == "quantity":
        return QuantityField(**common)
    if spec.kind == "price":
        return PriceField(**common)
    if spec.kind == "amount":
        return AmountField(**common)
    if spec.kind == "date":
        return BoundedDateField(past=spec.past, **common)
    if spec.kind == "datetime":
        return BoundedDateTimeField(past=spec.past, **common)
    if spec.kind == "boolean":
        return serializers.BooleanField(**{**common, "required": False})
    if spec.kind == "integer":
        return serializers.IntegerField(min_value=0, max_value=10**9, **common)
    if spec.kind == "choice" and callable(spec.choices):
        return RecordChoiceField(spec=spec, **common)
    if spec.kind == "choice":
        return serializers.ChoiceField(choices=list(spec.choices), allow_blank=not spec.required, **common)
    if spec.kind == "files":
        return serializers.ListField(child=serializers.FileField(), allow_empty=not spec.required,
                                     max_length=typed.FILES_PER_REQUEST, **common)
    raise ValueError(f"unknown field kind {spec.kind!r}")


_SERIALIZERS: dict[int, type] = {}


def serializer_for(step, kind_name: str = "") -> type[serializers.Serializer]:
    """The request body of a step (one class per step: the OpenAPI schema names it after the kind and the action)."""
    if id(step) not in _SERIALIZERS:
        _SERIALIZERS[id(step)] = _make_serializer(step, kind_name)
    return _SERIALIZERS[id(step)]


def _make_serializer(step, kind_name: str) -> type[serializers.Serializer]:
    attrs = {spec.name: _serializer_field(spec) for spec in step.fields}
    if step.opinion != "none":
        attrs["opinion"] = serializers.CharField(max_length=typed.OPINION, required=False, allow_blank=True, default="",
                                                 label=OPINION_LABEL)
    if step.attachments:
        attrs["attachments"] = serializers.ListField(child=serializers.FileField(), required=False,
                                                     max_length=typed.FILES_PER_REQUEST, label=_("Attachments"))

    def validate(self, values):
        if "opinion" in values:
            values["opinion"] = (values["opinion"] or "").strip()
        if step.opinion == "required" and not values.get("opinion"):
            raise serializers.ValidationError({"opinion": _("Give your opinion: it tells the applicant what to correct "
                                                            "or why.")})
        return values

    attrs["validate"] = validate
    name = "".join(part.capitalize() for part in f"{kind_name}_{step.action}".split("_")) + "Input"
    return type(name, (serializers.Serializer,), attrs)


def _form_field(spec, record, actor):
    common = {"required": spec.required, "label": spec.label, "help_text": spec.help}
    if spec.kind == "text":
        return typed.text_field(spec.limit or typed.REASON, **common)
    if spec.kind == "quantity":
        return typed.QuantityFormField(**common)
    if spec.kind == "price":
        return typed.PriceFormField(**common)
    if spec.kind == "amount":
        return typed.AmountFormField(**common)
    if spec.kind == "date":
        return typed.BoundedDateField(past=spec.past, **common)
    if spec.kind == "datetime":
        return forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), **common)
    if spec.kind == "boolean":
        return forms.BooleanField(**{**common, "required": False})
    if spec.kind == "integer":
        return forms.IntegerField(min_value=0, **common)
    if spec.kind == "choice":
        choices = spec.choices(record, actor) if callable(spec.choices) else list(spec.choices)
        if not spec.required:
            choices = [("", "—"), *choices]
        return forms.ChoiceField(choices=choices, **common)
    if spec.kind == "files":
        return typed.MultipleFileField(**common)
    raise ValueError(f"unknown field kind {spec.kind!r}")


def form_for(step, record, actor, data=None, files=None) -> forms.Form:
    """The page's form of a step for one record (its choices are the record's); the engine reads what it posts."""
    asked = [spec for spec in step.fields if spec.shown is None or spec.shown(record)]
    fields = {spec.name: _form_field(spec, record, actor) for spec in asked}
    for spec in asked:
        if spec.initial is not None:
            fields[spec.name].initial = spec.initial(record) if callable(spec.initial) else spec.initial
    if step.opinion != "none":
        fields["opinion"] = typed.text_field(typed.OPINION, label=OPINION_LABEL, required=step.opinion == "required")
    if step.attachments:
        fields["attachments"] = typed.MultipleFileField(label=_("Attachments"), required=False)
    form_class = type(f"{step.action}Form", (typed.LabelledErrors, forms.Form), fields)
    return form_class(data, files, prefix=None)
