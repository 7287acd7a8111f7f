"""China's working-day calendar: the one service that answers "is D a working day" and "N working days
after D", statutory holidays and make-up working days (调休) included.

Sources, in order:
0. the city's own additions (reference.CityCalendarDay; issue 19): a local statutory holiday of an autonomous
   prefecture (彝族火把节 in Honghe, say) or a working day it moved, for a record of that city;
1. the table of the State Council's notices (reference.CalendarYear / CalendarDay), for years entered: listed days
   decide, other days follow Monday-Friday;
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
    local_days: dict = field(default_factory=dict)  # date -> working? (the city's own additions)

    @classmethod
    def load(cls, city=None) -> WorkdayCalendar:
        """The national calendar, with the own additions of `city` (a Region or its id, the city or one of its
        counties; a record's region) when given."""
        from quota_registry import jurisdiction
        from quota_registry.reference.models import CalendarDay, CalendarYear, CityCalendarDay

        city_id = jurisdiction.city_id_of(getattr(city, "pk", city)) if city is not None else None
        return cls(city_years=set(CalendarYear.objects.values_list("year", flat=True)),
                   city_days=dict(CalendarDay.objects.values_list("date", "working")),
                   local_days=dict(CityCalendarDay.objects.filter(city_id=city_id).values_list("date", "working"))
                   if city_id is not None else {})

    def is_working_day(self, day: datetime.date) -> tuple[bool, bool]:
        """(working day?, provisional?)."""
        if day in self.local_days:
            return self.local_days[day], False
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


class Calendars:
    """The calendar of each city, read once, for a job that deals with records of several cities."""

    def __init__(self):
        self._by_city: dict = {}

    def of(self, region) -> WorkdayCalendar:
        """The calendar of the city `region` (a Region or its id, a county or a city) belongs to."""
        from quota_registry import jurisdiction

        city_id = jurisdiction.city_id_of(getattr(region, "pk", region))
        if city_id not in self._by_city:
            self._by_city[city_id] = WorkdayCalendar.load(city=city_id)
        return self._by_city[city_id]


def is_working_day(day: datetime.date) -> tuple[bool, bool]:
    return WorkdayCalendar.load().is_working_day(day)


def add_working_days(start: datetime.date, n: int) -> Deadline:
    return WorkdayCalendar.load().add_working_days(start, n)


# What depends on the calendar registers here (the permit-change deadlines, trading/apps.py): told after the city
# enters or corrects a year's holidays and make-up days, in the same transaction.
CALENDAR_LISTENERS: list = []


def calendar_changed(*, actor=None, city_id: int | None = None, day: datetime.date | None = None) -> None:
    """Tell the listeners: a national year entered (no city), or one city's `day` added or changed."""
    for listener in CALENDAR_LISTENERS:
        listener(actor=actor, city_id=city_id, day=day)
