"""Exact quantities, and the one parser of every number a person types (quantities, the figures of the
accounting formulas, money in accounting/money.py builds on it).

Every quota is a Decimal with 4 places in its factor's own unit (t/a, or kg/a for heavy metals). A typed
number is refused, with a message that names the field and the limit, when it
- is not written with ASCII digits, at most one decimal point and perhaps an exponent (1e3; no Arabic-Indic or
  full-width digits, which Python's Decimal would silently accept, no NaN or Infinity),
- is negative, has more decimal places than the field keeps, or is larger than the field's bound.

The bounds are far above any real case, so that they only ever stop nonsense and arithmetic overflow:
- a quantity (one factor of one application, lot, trade or plan row) is at most 1,000,000 t/a (or kg/a).
  China's national SO2 emissions were about 2.4 million t in 2022 and a whole prefecture's are a few tens of
  thousands of tonnes; no single reduction, project or lot of one city comes near a million. Sums of such
  quantities stay far below the 16 integer digits the ledger's columns keep.
- a flow is at most 10^12 m³/a: the largest waste-water plants treat about 10^9 m³ a year and the flue gas of
  the largest power stations is about 3 x 10^10 m³ a year;
- a concentration is at most 1,000,000 mg/L or mg/m³ (a pure substance is 10^6 mg/L).
"""
import re
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

PLACES = Decimal("0.0001")
T_A = "t/a"
KG_A = "kg/a"

MAX_QUANTITY = Decimal("1000000")
MAX_FLOW = Decimal("1000000000000")
MAX_CONCENTRATION = Decimal("1000000")
MEASUREMENT_PLACES = 6  # the figures of the accounting formulas (flows, concentrations)
MAX_CHARS = 40  # longer than any number within the bounds above, however it is written

QUANTITY_LABEL = gettext_lazy("Quantity")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


class QuantityError(ValueError):
    """An input that cannot be a quantity (not a number, negative, too many places, too large). The message
    is the sentence a person reads, naming the field and the limit."""


def grouped(value: Decimal) -> str:
    """A figure with thousands separators and no trailing zeros (500,000,000; 0.35)."""
    return f"{value.normalize():,f}"


def to_decimal(value, *, field=None) -> Decimal:
    """A finite Decimal from a str, int or Decimal. Floats are refused (pass the text the person typed)."""
    label = field or QUANTITY_LABEL
    if isinstance(value, float):
        raise QuantityError("floats are not accepted for quantities; pass a string or Decimal")
    if isinstance(value, bool) or value is None:
        raise QuantityError(_("%(field)s: enter a number.") % {"field": label})
    if isinstance(value, int):
        value = Decimal(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise QuantityError(_("%(field)s: enter a number.") % {"field": label})
        return value
    text = str(value).strip()
    if not text:
        raise QuantityError(_("%(field)s: enter a number.") % {"field": label})
    if len(text) > MAX_CHARS or not _NUMBER.fullmatch(text):
        raise QuantityError(_("%(field)s: enter a number written with the digits 0-9 and at most one decimal point, "
                              "such as 12.5.") % {"field": label})
    try:
        return Decimal(text)
    except InvalidOperation as exc:  # the pattern admits only what Decimal reads; kept for safety
        raise QuantityError(_("%(field)s: enter a number.") % {"field": label}) from exc


def bounded(value, *, field=None, maximum: Decimal, places: int, unit: str = "", fixed: bool = True) -> Decimal:
    """A non-negative number of at most `places` decimal places and at most `maximum`; `fixed`: written with
    exactly `places` places (quantities, money), else as typed (the figures of a formula)."""
    label = field or QUANTITY_LABEL
    result = to_decimal(value, field=label)
    if result < 0:
        raise QuantityError(_("%(field)s cannot be negative.") % {"field": label})
    if result > maximum:  # compared before any rounding: 1E+999999 must not reach quantize()
        raise QuantityError(_("%(field)s may be at most %(limit)s %(unit)s.") % {
            "field": label, "limit": grouped(maximum), "unit": unit or ""})
    step = Decimal(1).scaleb(-places)
    if result != result.quantize(step, rounding=ROUND_DOWN):
        raise QuantityError(_("%(field)s has at most %(places)s decimal places.") % {"field": label, "places": places})
    return result.quantize(step) if fixed else result


def quantity(value, *, field=None, unit: str = "", maximum: Decimal = MAX_QUANTITY) -> Decimal:
    """A non-negative quantity with at most 4 decimal places (refuses more rather than rounding), at most
    MAX_QUANTITY in its factor's unit."""
    return bounded(value, field=field, maximum=maximum, places=4, unit=unit or _("t/a or kg/a"))


def flow(value, *, field) -> Decimal:
    """A flow in m³/a, as the accounting formulas take it."""
    return bounded(value, field=field, maximum=MAX_FLOW, places=MEASUREMENT_PLACES, unit="m³/a", fixed=False)


def concentration(value, *, field) -> Decimal:
    """A concentration in mg/L (water) or mg/m³ (air)."""
    return bounded(value, field=field, maximum=MAX_CONCENTRATION, places=MEASUREMENT_PLACES, unit="mg/L, mg/m³",
                   fixed=False)


def floor4(value: Decimal) -> Decimal:
    """Round a computed figure down to 4 places: accounting never credits more than was computed."""
    return value.quantize(PLACES, rounding=ROUND_DOWN)


def show(value, unit: str = "") -> str:
    """A quantity as every page, form and export shows it: four places, thousands separated, its unit beside it
    ("1,234.5000 t/a"); "—" when there is none."""
    if value is None or value == "":
        return "—"
    text = f"{Decimal(value).quantize(PLACES):,}"
    return f"{text} {unit}" if unit else text
