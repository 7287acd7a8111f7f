"""Every value a person types enters through here: the bounds of free text (here), quantities
(accounting/quantities.py), money (accounting/money.py) and dates (accounting/dates.py), as form fields for
the pages, `check_*` functions for the services, and the query-string guard. The API's serializer fields
(quota_registry/api.py) call the same parsers, so a value refused in a form is refused in the API, in an
import and in a service, with the same message naming the field and the limit.

Free text is limited to what fits the printed forms (Annexes 3-5: an opinion box holds about ten lines
of forty characters) and what a person writes by hand; a longer text is refused, never cut.
"""
from __future__ import annotations

import copy
import datetime
import unicodedata
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounting import dates, money, quantities
from accounting.quantities import QuantityError

# Free-text limits in characters (Chinese characters count one each).
OPINION = 500  # a decision's opinion (意见), a qualification's opinion
REASON = 500  # the reason for a verified figure, a revocation, a cancellation, a choice of method
DESCRIPTION = 1000  # a measure's description, the accounting basis
NOTE = 500  # a note on a filing
QUERY_VALUE = 1000  # a filter, a search term or a return address in the query string

# Rows of one application: one per factor (13), a withdrawal's own choice of lots, its reduction plan.
FACTOR_ROWS = 13
ALLOCATIONS = 50
PLAN_ROWS = 30
# Files: at most this many in one request (each at most PORTAL_MAX_UPLOAD_BYTES; the request as a whole at most
# PORTAL_MAX_REQUEST_BYTES, refused before it is read) and on one record (settings PORTAL_MAX_FILES_PER_RECORD,
# PORTAL_MAX_BYTES_PER_RECORD).
FILES_PER_REQUEST = 10


def _problem_chars(text: str) -> bool:
    """Control characters other than line breaks and tabs (NUL among them: PostgreSQL refuses it)."""
    return any(unicodedata.category(c) == "Cc" and c not in "\r\n\t" for c in text)


def record_id(value, *, digits: int = 18) -> int | None:
    """A record's id or a sequence number posted by a form or given in the query string: ASCII digits only, at most
    `digits` of them; None for anything else (the caller answers 404 or 400, never 500)."""
    text = "" if value is None else str(value)
    return int(text) if text.isascii() and text.isdecimal() and len(text) <= digits else None


def check_text(value, *, field: str, label, limit: int, required: bool = False, required_message=None) -> str:
    """Free text, stripped; refused (ValidationError on `field`) when longer than `limit` or holding control
    characters."""
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise ValidationError({field: required_message or _("%(field)s: this field is required.") % {"field": label}})
    if len(text) > limit:
        raise ValidationError({field: _("%(field)s may be at most %(limit)s characters; %(n)s were given.") % {
            "field": label, "limit": limit, "n": len(text)}})
    if _problem_chars(text):
        raise ValidationError({field: _("%(field)s contains characters that cannot be stored.") % {"field": label}})
    return text


def text_problems(*rows) -> dict:
    """Several free texts at once, (field, value, label, limit, required) each: {field: why} for those refused, so
    that a service reports every field's problem in one answer."""
    errors = {}
    for field, value, label, limit, required in rows:
        try:
            check_text(value, field=field, label=label, limit=limit, required=required)
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    return errors


def check_quantity(value, *, field: str, label=None, unit: str = "", positive: bool = True,
                   maximum: Decimal = quantities.MAX_QUANTITY) -> Decimal:
    """A typed quantity for a service: bounded by accounting/quantities.py (`maximum`: another bound, such as a
    carbon emitter's t CO2e); `positive`: more than zero."""
    label = label or quantities.QUANTITY_LABEL
    try:
        result = quantities.quantity(value, field=label, unit=unit, maximum=maximum)
    except QuantityError as exc:
        raise ValidationError({field: str(exc)}) from exc
    if positive and result <= 0:
        raise ValidationError({field: _("%(field)s must be more than zero.") % {"field": label}})
    return result


def check_amount(value, *, field: str, label=None) -> Decimal:
    try:
        return money.amount(value, field=label)
    except QuantityError as exc:
        raise ValidationError({field: str(exc)}) from exc


def check_price(value, *, field: str, label=None) -> Decimal:
    try:
        return money.unit_price(value, field=label)
    except QuantityError as exc:
        raise ValidationError({field: str(exc)}) from exc


def check_date(value, *, field: str, label=None, today: datetime.date, **bounds) -> datetime.date:
    """A typed date for a service, bounded by accounting/dates.py (`past`, `future`, `not_before`)."""
    try:
        return dates.check(value, today=today, field=label, **bounds)
    except dates.DateError as exc:
        raise ValidationError({field: str(exc)}) from exc


# --- form fields: the same parsers, with the limits shown beside the input -------------------------------

class _ParsedField(forms.Field):
    """A text input whose value is parsed by one of accounting's parsers (not by Django's DecimalField, which
    takes exponents and non-ASCII digits). The parser refuses text longer than any valid number."""

    widget = forms.TextInput
    parse = None
    limit_text = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "maxlength": str(quantities.MAX_CHARS)})
        if self.limit_text and not self.help_text:
            self.help_text = self.limit_text

    def to_python(self, value):
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        try:
            return self.read(value)
        except QuantityError as exc:
            raise ValidationError(str(exc), code="invalid") from exc

    def read(self, value):
        return type(self).parse(value, field=self.label)


class QuantityFormField(_ParsedField):
    parse = staticmethod(quantities.quantity)
    limit_text = gettext_lazy("At most 4 decimal places, at most 1,000,000 (t/a, or kg/a for heavy metals).")


class AmountFormField(_ParsedField):
    parse = staticmethod(money.amount)
    limit_text = gettext_lazy("元, at most 2 decimal places.")


class PriceFormField(_ParsedField):
    parse = staticmethod(money.unit_price)
    limit_text = gettext_lazy("元, at most 2 decimal places, at most 10,000,000.")


class MeasurementFormField(_ParsedField):
    """A figure of an accounting formula (accounting.reduction.INPUTS_READ names its parser)."""

    def __init__(self, *args, name: str, **kwargs):
        from accounting import reduction

        self.input_name = name
        kwargs.setdefault("label", reduction.INPUTS_READ[name][0])
        super().__init__(*args, **kwargs)
        self.widget.attrs["data-input"] = name

    def read(self, value):
        from accounting import reduction

        return reduction.read_input(self.input_name, value)


class BoundedDateField(forms.DateField):
    """A date input bounded by accounting/dates.py (the earliest date and the ten-year horizon)."""

    def __init__(self, *args, past: bool = False, **kwargs):
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
        self.past = past
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("min", dates.EARLIEST.isoformat())

    def to_python(self, value):
        day = super().to_python(value)
        if day is None:
            return None
        from django.utils import timezone

        try:
            return dates.check(day, today=timezone.localdate(), field=self.label, past=self.past)
        except dates.DateError as exc:
            raise ValidationError(str(exc), code="invalid") from exc


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (evidence); the limits per request and record are checked by
    quota_registry.files.services.attachments_add."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.doc,.docx,.xls,.xlsx"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


def text_field(limit: int, **kwargs) -> forms.CharField:
    """A free-text form field that shows its limit and refuses longer text."""
    rows = kwargs.pop("rows", 3 if limit > 200 else None)
    if rows:
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": rows}))
    field = forms.CharField(max_length=limit, **kwargs)
    field.widget.attrs["maxlength"] = str(limit)
    if not field.help_text:
        field.help_text = _("At most %(n)s characters.") % {"n": limit}
    return field


# --- the messages of every form: the field's name, the limit and the unit, in full-width punctuation -------------

# Django's stock messages ("该字段是必填项。", "确认小数不超过 4 位.") name neither the field nor its unit. Every form of
# the portal takes these instead (`LabelledErrors`); "{label}" is the field's label, "{unit}" the unit a field
# declares in `widget.attrs["data-unit"]`; the %(...)s parameters are filled in by Django's field.
FIELD_MESSAGES = {
    "required": gettext_lazy("Please fill in “{label}”."),
    "invalid_choice": gettext_lazy("“{label}”: choose one of the options in the list."),
    "invalid_pk_value": gettext_lazy("“{label}”: choose one of the options in the list."),
    "min_value": gettext_lazy("“{label}” must be at least %(limit_value)s{unit}."),
    "max_value": gettext_lazy("“{label}” must be at most %(limit_value)s{unit}."),
    "max_decimal_places": gettext_lazy("“{label}” takes at most %(max)s decimal places."),
    "max_digits": gettext_lazy("“{label}” takes at most %(max)s digits."),
    "max_whole_digits": gettext_lazy("“{label}” takes at most %(max)s digits before the decimal point."),
    "max_length": gettext_lazy("“{label}” takes at most %(limit_value)d characters (it has %(show_value)d)."),
    "empty": gettext_lazy("“{label}”: the file is empty."),
}
_INVALID = {
    forms.DateField: gettext_lazy("“{label}”: give a date such as 2026-11-29."),
    forms.DecimalField: gettext_lazy("“{label}”: give a number{unit}."),
    forms.IntegerField: gettext_lazy("“{label}”: give a whole number{unit}."),
}


class LabelledErrors:
    """A form whose error messages name the field, the limit and the unit; labels end in a full-width colon. Mixed
    into every form of the portal (before forms.Form / forms.ModelForm)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "：")  # Django's own default is the half-width ":"
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            label = str(field.label or "")
            unit = field.widget.attrs.get("data-unit", "")
            unit = f" {unit}" if unit else ""

            def word(template, label=label, unit=unit):
                return str(template).replace("{label}", label).replace("{unit}", unit)

            messages = {code: word(text) for code, text in FIELD_MESSAGES.items()}
            if isinstance(field, forms.FileField):
                messages.pop("max_length")  # a file name's limit has other parameters (max, length)
            for kind, text in _INVALID.items():
                if isinstance(field, kind):
                    messages["invalid"] = word(text)
                    break
            field.error_messages.update({k: v for k, v in messages.items() if k in field.error_messages})
            # min/max/length/decimal validators carry their own messages; they are shared with the form class, so
            # each form instance words its own copies
            validators = []
            for validator in field.validators:
                own = copy.copy(validator)
                if getattr(own, "code", None) in messages:
                    own.message = messages[own.code]
                if isinstance(getattr(own, "messages", None), dict):
                    own.messages = {**own.messages, **{k: v for k, v in messages.items() if k in own.messages}}
                validators.append(own)
            field.validators = validators

    def add_service_errors(self, exc: ValidationError) -> None:
        """A service's refusal shown on the form: a field's message under the field, the rest above the form."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
            return
        for key, errors in exc.error_dict.items():
            for error in errors:
                self.add_error(key if key in self.fields else None, error)


# --- the query string and the body --------------------------------------------------------------------------

def query_problem(params, *, limit: int | None = QUERY_VALUE, in_address: bool = True) -> str | None:
    """What is wrong with a request's parameters (the query string, or a form's fields): control characters
    (PostgreSQL refuses a NUL byte with an error) or, in the query string, over-long values. None when nothing."""
    for key, values in params.lists():
        for value in (key, *values):
            if not isinstance(value, str):
                continue
            if _problem_chars(value):
                if not in_address:
                    return _("The field “%(field)s” contains characters that cannot be stored.") % {
                        "field": _printable(key) or "-"}
                return _("The address contains characters that are not allowed (parameter “%(key)s”).") % {
                    "key": _printable(key)}
            if limit is not None and len(value) > limit:
                return _("The parameter “%(key)s” may be at most %(limit)s characters.") % {
                    "key": _printable(key), "limit": limit}
    return None


def _printable(text: str) -> str:
    return "".join(c for c in str(text)[:40] if unicodedata.category(c) != "Cc")


def json_problem(data, path: str = "") -> str | None:
    """The first string of a JSON body (key or value) holding control characters, as a message naming its field."""
    if isinstance(data, str):
        if _problem_chars(data):
            return _("The field “%(field)s” contains characters that cannot be stored.") % {
                "field": _printable(path) or "-"}
        return None
    if isinstance(data, dict):
        for key, value in data.items():
            name = f"{path}.{key}" if path else str(key)
            problem = json_problem(key, name) or json_problem(value, name)
            if problem:
                return problem
    if isinstance(data, list):
        for index, value in enumerate(data):
            problem = json_problem(value, f"{path}[{index}]")
            if problem:
                return problem
    return None


def body_problem(request) -> str | None:
    """What is wrong with a request body before any view reads it: control characters in a JSON body or in a
    form's fields and file names. A body that is not valid JSON is left to the API's parser (its own 400)."""
    if request.method not in ("POST", "PUT", "PATCH"):
        return None
    content_type = request.content_type or ""
    if content_type == "application/json":
        import json

        try:
            data = json.loads(request.body or b"null")
        except RecursionError:
            return _("The request is nested too deeply.")
        except ValueError:
            return None
        try:
            return json_problem(data)
        except RecursionError:
            return _("The request is nested too deeply.")
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        problem = query_problem(request.POST, limit=None, in_address=False)
        if problem is None:
            for key, files in request.FILES.lists():
                for f in files:
                    if _problem_chars(f.name or ""):
                        return _("The file name of “%(key)s” contains characters that are not allowed.") % {
                            "key": _printable(key)}
        return problem
    return None
