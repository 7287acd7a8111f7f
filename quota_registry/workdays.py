"""China's working-day calendar: the one service that answers "is D a working day" and "N working days
after D", statutory holidays and make-up working days (调休) included.

Sources, in order:
1. the city's table (reference.CalendarYear / CalendarDay), for years it entered from the State
   Council's notice: listed days decide, other days follow Monday-Friday;
2. the `chinesecalendar` library for the years it knows (2004 to its last year);
3. Monday-Friday, and then the answer is *provisional*: it is recomputed once the year is entered.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import NamedTuple

import chinese_calendar


class Deadline(NamedTuple):
    date: datetime.date
    provisional: bool  # some day counted lies in a year whose official calendar is not known


def _library_knows(day: datetime.date) -> bool:
    try:
        chinese_calendar.is_workday(day)
        return True
    except NotImplementedError:
        return False


@dataclass
class WorkdayCalendar:
    """One read of the city's table; reuse an instance for many questions (a job, a recompute)."""

    city_years: set = field(default_factory=set)
    city_days: dict = field(default_factory=dict)  # date -> working?

    @classmethod
    def load(cls) -> WorkdayCalendar:
        from quota_registry.reference.models import CalendarDay, CalendarYear

        return cls(city_years=set(CalendarYear.objects.values_list("year", flat=True)),
                   city_days=dict(CalendarDay.objects.values_list("date", "working")))

    def is_working_day(self, day: datetime.date) -> tuple[bool, bool]:
        """(working day?, provisional?)."""
        if day.year in self.city_years:
            return self.city_days.get(day, day.weekday() < 5), False
        if _library_knows(day):
            return chinese_calendar.is_workday(day), False
        return day.weekday() < 5, True

    def add_working_days(self, start: datetime.date, n: int) -> Deadline:
        """The n-th working day after `start` (start itself not counted)."""
        if n < 1:
            raise ValueError("n must be at least 1")
        day, counted, provisional = start, 0, False
        while counted < n:
            day += datetime.timedelta(days=1)
            working, unknown = self.is_working_day(day)
            provisional = provisional or unknown
            if working:
                counted += 1
        return Deadline(day, provisional)

    def working_days_between(self, start: datetime.date, end: datetime.date) -> int:
        """How many working days d with start < d <= end (0 when end <= start)."""
        count, day = 0, start
        while day < end:
            day += datetime.timedelta(days=1)
            if self.is_working_day(day)[0]:
                count += 1
        return count


def is_working_day(day: datetime.date) -> tuple[bool, bool]:
    return WorkdayCalendar.load().is_working_day(day)


def add_working_days(start: datetime.date, n: int) -> Deadline:
    return WorkdayCalendar.load().add_working_days(start, n)


# What depends on the calendar registers here (the permit-change deadlines, trading/apps.py): told after the city
# enters or corrects a year's holidays and make-up days, in the same transaction.
CALENDAR_LISTENERS: list = []


def calendar_changed(*, actor=None) -> None:
    for listener in CALENDAR_LISTENERS:
        listener(actor=actor)
