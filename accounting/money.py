"""Money: amounts in 元 with 2 places, parsed like quantities (accounting/quantities.py) and bounded.

- A unit price (元 per tonne, or per kilogram for heavy metals) is at most 10,000,000 元. Recorded prices of
  emission rights in China are thousands to tens of thousands of 元 per tonne; ten million is a price no real
  trade reaches, and it keeps an amount (quantity x price) far inside the 16 integer digits the columns keep.
- Any other amount (a fee, a deposit, a secured loan) is at most 1,000,000,000,000 元 (10^12).
"""
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .quantities import QuantityError, bounded

MONEY_PLACES = Decimal("0.01")
MAX_UNIT_PRICE = Decimal("10000000")
MAX_AMOUNT = Decimal("1000000000000")
YUAN = "元"

AMOUNT_LABEL = gettext_lazy("Amount")
PRICE_LABEL = gettext_lazy("Unit price")


def amount(value, *, field=None, maximum: Decimal = MAX_AMOUNT) -> Decimal:
    """A non-negative amount in 元 with at most 2 decimal places."""
    return bounded(value, field=field or AMOUNT_LABEL, maximum=maximum, places=2, unit=YUAN)


def unit_price(value, *, field=None) -> Decimal:
    """A price per unit of quota: more than zero, at most MAX_UNIT_PRICE 元."""
    label = field or PRICE_LABEL
    result = bounded(value, field=label, maximum=MAX_UNIT_PRICE, places=2, unit=YUAN)
    if result <= 0:
        raise QuantityError(_("%(field)s must be more than zero.") % {"field": label})
    return result


def line_amount(quantity: Decimal, price: Decimal) -> Decimal:
    """quantity x unit price, in 元 to the fen (rounded half-up, as invoices are)."""
    return (quantity * price).quantize(MONEY_PLACES)


def show(value, unit: str = "") -> str:
    """Money as every page shows it: two places, thousands separated ("12,500.00"), with its unit if given."""
    if value is None or value == "":
        return "—"
    text = f"{Decimal(value).quantize(MONEY_PLACES):,}"
    return f"{text} {unit}" if unit else text
