"""Exact quantities: every quota is a Decimal with 4 places in its factor's own unit (t/a or kg/a)."""
from decimal import ROUND_DOWN, Decimal, InvalidOperation

PLACES = Decimal("0.0001")
T_A = "t/a"
KG_A = "kg/a"


class QuantityError(ValueError):
    """An input that cannot be a quantity (not a number, negative, too many places)."""


def to_decimal(value) -> Decimal:
    if isinstance(value, float):
        raise QuantityError("floats are not accepted for quantities; pass a string or Decimal")
    try:
        result = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise QuantityError(f"not a number: {value!r}") from exc
    if not result.is_finite():
        raise QuantityError(f"not a finite number: {value!r}")
    return result


def quantity(value) -> Decimal:
    """A non-negative quantity with at most 4 decimal places (rejects more rather than rounding)."""
    result = to_decimal(value)
    if result < 0:
        raise QuantityError("a quantity cannot be negative")
    if result != result.quantize(PLACES, rounding=ROUND_DOWN):
        raise QuantityError("a quantity has at most 4 decimal places")
    return result.quantize(PLACES)


def floor4(value: Decimal) -> Decimal:
    """Round a computed figure down to 4 places: accounting never credits more than was computed."""
    return value.quantize(PLACES, rounding=ROUND_DOWN)
