"""China's working-day calendar: the one service that answers "is D a working day" and "N working days
after D", statutory holidays and make-up working days (调休) included.

Sources, in order: the `chinesecalendar` library for the years it knows (2004 to its last year);
beyond them Monday-Friday, and such an answer is marked *provisional* so that it can be recomputed once
the year's official calendar is known.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass

import chinese_calendar


@dataclass(frozen=True)
class Deadline:
    date: datetime.date
    provisional: bool  # some day counted lies in a year whose official calendar is not known


def _known_by_library(day: datetime.date) -> bool:
    try:
        chinese_calendar.is_workday(day)
        return True
    except NotImplementedError:
        return False


def is_working_day(day: datetime.date) -> tuple[bool, bool]:
    """(working day?, provisional?)."""
    if _known_by_library(day):
        return chinese_calendar.is_workday(day), False
    return day.weekday() < 5, True


def add_working_days(start: datetime.date, n: int) -> Deadline:
    """The n-th working day after `start` (start itself not counted)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    day, counted, provisional = start, 0, False
    while counted < n:
        day += datetime.timedelta(days=1)
        working, unknown = is_working_day(day)
        provisional = provisional or unknown
        if working:
            counted += 1
    return Deadline(day, provisional)
