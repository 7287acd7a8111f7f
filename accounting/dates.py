"""Dates a person types, bounded by what can be real. Each bound is a plain date rule, here and nowhere else.

- Nothing in the registry happened before 1 January 1996: the control of the major pollutants' total
  quantity began with the Ninth Five-Year Plan (1996-2000). A reduction completed, a price set, a permit
  changed or a payment made before then is a typing error (0001-01-01, 1900-01-01).
- A date in the future that a plan may name (a planned measure's completion, a reduction plan's deadline)
  lies at most ten years ahead: two five-year plan periods, beyond which no plan is checkable
  (可落实、可检查、可考核) and every lot would have lapsed (quota is valid five years).
- What has happened (a completed measure, a payment, a recorded completion) is not in the future.
"""
import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

EARLIEST = datetime.date(1996, 1, 1)
HORIZON_YEARS = 10
DATE_LABEL = gettext_lazy("Date")


class DateError(ValueError):
    """A date outside what can be real; the message names the field and the limit."""


def horizon(today: datetime.date) -> datetime.date:
    """The latest date a plan may name: HORIZON_YEARS after today (28 February for 29 February)."""
    try:
        return today.replace(year=today.year + HORIZON_YEARS)
    except ValueError:
        return today.replace(year=today.year + HORIZON_YEARS, day=28)


def to_date(value, *, field=None) -> datetime.date:
    """A date from a date (a datetime counts by its date) or an ISO string (YYYY-MM-DD)."""
    label = field or DATE_LABEL
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value or "").strip()
    try:
        if len(text) != 10:
            raise ValueError(text)
        return datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise DateError(_("%(field)s: enter a date such as 2026-11-29.") % {"field": label}) from exc


def check(value, *, today: datetime.date, field=None, past: bool = False, future: bool = False,
          not_before: datetime.date | None = None) -> datetime.date:
    """A date between EARLIEST (or `not_before`) and the horizon; `past`: not after today; `future`: after today."""
    label = field or DATE_LABEL
    day = to_date(value, field=label)
    earliest = max(EARLIEST, not_before) if not_before else EARLIEST
    if day < earliest:
        raise DateError(_("%(field)s cannot be before %(date)s.") % {"field": label, "date": f"{earliest:%Y-%m-%d}"})
    if past and day > today:
        raise DateError(_("%(field)s cannot be later than today (%(date)s).") % {"field": label,
                                                                                 "date": f"{today:%Y-%m-%d}"})
    if future and day <= today:
        raise DateError(_("%(field)s must be after today (%(date)s).") % {"field": label, "date": f"{today:%Y-%m-%d}"})
    latest = horizon(today)
    if day > latest:
        raise DateError(_("%(field)s cannot be later than %(date)s (ten years ahead).") % {
            "field": label, "date": f"{latest:%Y-%m-%d}"})
    return day


def completion_date(value, *, completed: bool, today: datetime.date, field=None) -> datetime.date:
    """A measure's completion date: a completed one on or before today, a planned one after today (Art 7)."""
    label = field or gettext_lazy("Completion date")
    if completed:
        return check(value, today=today, field=label, past=True)
    return check(value, today=today, field=label, future=True)
