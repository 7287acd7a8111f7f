"""Project-wide API pieces: the error format, the scoped base viewset, the 409 Conflict error, and the
serializer fields of typed values (quantities, money, dates), which parse with the same functions as the
pages' forms (quota_registry/inputs.py)."""
import datetime

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, permissions, serializers
from rest_framework.views import exception_handler as drf_exception_handler

from accounting import dates, money, quantities
from accounting.quantities import QuantityError
from quota_registry.access import scope
from quota_registry.review.errors import TransitionNotAllowed


class Conflict(exceptions.APIException):
    """A transition the current state does not allow (e.g. approving a draft)."""

    status_code = 409
    default_detail = _("This action is not possible in the record's current state.")
    default_code = "conflict"


def _django_validation_detail(exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        return {
            (field if field != "__all__" else "non_field_errors"): [str(m) for e in errs for m in e.messages]
            for field, errs in exc.error_dict.items()
        }
    return {"non_field_errors": [str(m) for m in exc.messages]}


class DatabaseUnavailable(exceptions.APIException):
    status_code = 503
    default_detail = _("The database is briefly unavailable. Nothing was saved by this request; please try again in "
                       "a moment.")
    default_code = "database_unavailable"


def exception_handler(exc, context):
    """DRF's handler, plus: Django ValidationError -> 400 with field errors, PermissionDenied -> 403,
    Http404 -> 404 with the scoping message, the database unreachable -> 503 (the request's transaction is
    rolled back: nothing was saved)."""
    from django.db import InterfaceError, OperationalError

    if isinstance(exc, (OperationalError, InterfaceError)):
        exc = DatabaseUnavailable()
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_django_validation_detail(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, TransitionNotAllowed):
        exc = Conflict(str(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError) and isinstance(response.data, dict):
        response.data = flat_errors(response.data)
    return response


def flat_errors(detail, prefix: str = "") -> dict:
    """Field errors keyed as the services key them, whoever found them: `items[0].new_emission`, not DRF's
    nesting ({"items": [{"new_emission": [...]}]}), so a client reads one error format."""
    if isinstance(detail, dict):
        result = {}
        for key, value in detail.items():
            name = prefix if (key == "non_field_errors" and prefix) else (f"{prefix}.{key}" if prefix else str(key))
            result.update(flat_errors(value, name))
        return result
    if isinstance(detail, list) and detail and not all(isinstance(item, str) for item in detail):
        result = {}
        for index, item in enumerate(detail):
            if item:
                result.update(flat_errors(item, f"{prefix}[{index}]"))
        return result
    return {prefix or "non_field_errors": detail if isinstance(detail, list) else [detail]}


class ScopedQuerysetMixin:
    """Every API read starts from quota_registry.access.scope."""

    def get_queryset(self):
        return scope(self.request.user, super().get_queryset())


class ReadAnyoneWriteCityStaff(permissions.BasePermission):
    """Reads for anyone (also without login); writes for city staff."""

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        from quota_registry.permissions import can_maintain_reference_data

        return can_maintain_reference_data(request.user)


def service_call(fn, *args, **kwargs):
    """Run a service from a serializer/view, turning Django's ValidationError into DRF's."""
    try:
        return fn(*args, **kwargs)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(_django_validation_detail(exc)) from exc


# --- typed values --------------------------------------------------------------------------------------------

def _typed_text(data):
    """What the person wrote: JSON numbers become their shortest text (10.5 stays "10.5"), never a float."""
    if isinstance(data, bool):
        raise serializers.ValidationError(_("Enter a number."))
    if isinstance(data, float):
        return repr(data)
    if isinstance(data, (list, dict)):
        raise serializers.ValidationError(_("Enter a number."))
    return data


class _ParsedDecimalField(serializers.Field):
    """A decimal read by one of accounting's parsers and written as a string with a fixed number of places.
    Writing never overflows: sums of many quantities are formatted, not fitted into a digit count."""

    places = 4
    parse = None

    def __init__(self, *, positive: bool = False, **kwargs):
        self.positive = positive
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        label = self.label or None  # None: the parser's own name (数量, 金额, 单价)
        try:
            value = type(self).parse(_typed_text(data), field=label)
        except QuantityError as exc:
            raise serializers.ValidationError(str(exc)) from exc
        if self.positive and value <= 0:
            raise serializers.ValidationError(_("%(field)s must be more than zero.") % {
                "field": label or quantities.QUANTITY_LABEL})
        return value

    def to_representation(self, value):
        return format(value, f".{self.places}f")


@extend_schema_field({"type": "string", "format": "decimal", "pattern": r"^\d{1,7}(\.\d{1,4})?$",
                      "example": "12.5000"})
class QuantityField(_ParsedDecimalField):
    """A quantity in its factor's unit (t/a, kg/a): accounting.quantities.quantity, 4 places."""

    parse = staticmethod(quantities.quantity)


@extend_schema_field({"type": "string", "format": "decimal", "pattern": r"^\d{1,13}(\.\d{1,2})?$",
                      "example": "1200.00"})
class AmountField(_ParsedDecimalField):
    """An amount in 元: accounting.money.amount, 2 places."""

    places = 2
    parse = staticmethod(money.amount)


@extend_schema_field({"type": "string", "format": "decimal", "pattern": r"^\d{1,8}(\.\d{1,2})?$",
                      "example": "5000.00"})
class PriceField(_ParsedDecimalField):
    """A unit price in 元 per tonne or kilogram: accounting.money.unit_price, 2 places, more than zero."""

    places = 2
    parse = staticmethod(money.unit_price)


class BoundedDateField(serializers.DateField):
    """A date within accounting.dates' bounds; `past`: not after today."""

    def __init__(self, *, past: bool = False, **kwargs):
        self.past = past
        super().__init__(**kwargs)

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        try:
            return dates.check(day, today=timezone.localdate(), field=self.label or None, past=self.past)
        except dates.DateError as exc:
            raise serializers.ValidationError(str(exc)) from exc


class BoundedDateTimeField(serializers.DateTimeField):
    """A moment whose date lies within accounting.dates' bounds (year 1 would overflow the time-zone
    conversion); `past`: not later than now."""

    def __init__(self, *, past: bool = False, **kwargs):
        self.past = past
        super().__init__(**kwargs)

    def to_internal_value(self, value):
        try:
            moment = super().to_internal_value(value)
        except (OverflowError, ValueError) as exc:
            raise serializers.ValidationError(_("Enter a date and time such as 2026-11-29T10:30:00+08:00.")) from exc
        try:
            dates.check(timezone.localtime(moment).date(), today=timezone.localdate(),
                        field=self.label or None, past=self.past)
        except (dates.DateError, OverflowError) as exc:
            raise serializers.ValidationError(str(exc)) from exc
        if self.past and moment > timezone.now() + datetime.timedelta(minutes=5):
            raise serializers.ValidationError(_("%(field)s cannot be in the future.") % {
                "field": self.label or dates.DATE_LABEL})
        return moment
