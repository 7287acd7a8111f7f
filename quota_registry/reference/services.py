"""Writes to reference data kept by city staff."""
from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from quota_registry.audit.services import record, snapshot
from quota_registry.inputs import text_problems
from quota_registry.permissions import can_maintain_reference_data, require
from quota_registry.workdays import calendar_changed

from .models import CalendarDay, CalendarYear, CityCalendarDay, QualityStatus, Region, RegionLevel


@transaction.atomic
def quality_status_set(*, actor, region: Region, year: int, indicator: str, attains: bool,
                       basis: str = "") -> QualityStatus:
    """Record (or correct) whether `region` attained the standard for `indicator` in `year`.
    The previous value is kept in the audit trail."""
    require(can_maintain_reference_data(actor))
    if region.level != RegionLevel.COUNTY:
        raise ValidationError({"region": _("Quality status is kept per county-level division.")})
    if getattr(actor, "city_id", None) and region.parent_id != actor.city_id:
        raise ValidationError({"region": _("A city keeps the quality status of its own counties only.")})
    existing = (
        QualityStatus.objects.select_for_update().filter(region=region, year=year, indicator=indicator).first()
    )
    if existing and existing.attains == attains and existing.basis == basis:
        return existing  # nothing changed: no new audit row
    before = snapshot(existing) if existing else None
    status = existing or QualityStatus(region=region, year=year, indicator=indicator)
    status.attains = attains
    status.basis = basis
    status.updated_by = actor
    # the row of (region, year, indicator) was looked up and locked above: its uniqueness is known (and the database
    # keeps it); the fields' own checks (the year's range) still run
    status.full_clean(validate_unique=False, validate_constraints=False)
    status.save()
    record(
        actor=actor, action="quality_status.update" if existing else "quality_status.create", obj=status,
        before=before, after=snapshot(status),
    )
    return status


@transaction.atomic
def city_calendar_day_set(*, actor, day, working: bool, name: str, basis: str) -> CityCalendarDay:
    """A city's own holiday or working day (issue 19), entered by its staff; the same date again corrects it. The
    deadlines of the city's records that the day falls within are counted again (calendar_changed)."""
    require(can_maintain_reference_data(actor))
    city_id = getattr(actor, "city_id", None)
    if city_id is None:
        raise PermissionDenied(_("A city's own calendar days are entered by the city's staff."))
    errors = text_problems(("name", name, _("Holiday"), 40, True), ("basis", basis, _("Basis"), 200, True))
    if not isinstance(day, datetime.date):
        errors["date"] = _("Give the date (as 2027-08-02).")
    if errors:
        raise ValidationError(errors)
    existing = CityCalendarDay.objects.select_for_update().filter(city_id=city_id, date=day).first()
    before = snapshot(existing) if existing else None
    entry = existing or CityCalendarDay(city_id=city_id, date=day)
    entry.working, entry.name, entry.basis, entry.entered_by = bool(working), name.strip(), basis.strip(), actor
    entry.save()
    record(actor=actor, action="citycalendarday.update" if existing else "citycalendarday.create", obj=entry,
           before=before, after=snapshot(entry))
    calendar_changed(actor=actor, city_id=city_id, day=day)
    return entry


HOLIDAY_WORDS = {"休", "休息", "假", "放假", "holiday", "off"}
WORKING_WORDS = {"班", "上班", "调休上班", "补班", "working", "work"}


def parse_calendar_sheet(workbook_file) -> list[dict]:
    """Rows of an Excel sheet with columns 日期 | 类型 (休/班) | 名称. Header row optional."""
    import openpyxl

    try:
        sheet = openpyxl.load_workbook(workbook_file, read_only=True, data_only=True).worksheets[0]
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ValidationError({"file": _("This is not an Excel (.xlsx) workbook.")}) from exc
    rows = []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if not values or all(v in (None, "") for v in values):
            continue
        rows.append({"row": number, "date": values[0], "kind": values[1] if len(values) > 1 else None,
                     "name": values[2] if len(values) > 2 else ""})
    if rows and not isinstance(rows[0]["date"], datetime.date) and str(rows[0]["date"]).strip() in ("日期", "date"):
        rows = rows[1:]
    return rows


@transaction.atomic
def calendar_import(*, actor, year: int, notice: str, rows: list[dict]) -> CalendarYear:
    """Enter (or replace) a year's official calendar: every row is checked first, and nothing is written
    unless all are right. Then the provisional permit-change deadlines are recomputed."""
    require(can_maintain_reference_data(actor))
    errors, days = [], {}
    if not (notice or "").strip():
        raise ValidationError({"notice": _("Name the State Council notice the dates come from.")})
    for row in rows:
        where = _("Row %(n)s") % {"n": row.get("row", "?")}
        value = row.get("date")
        if isinstance(value, datetime.datetime):
            value = value.date()
        if isinstance(value, str):
            try:
                value = datetime.date.fromisoformat(value.strip())
            except ValueError:
                value = None
        if not isinstance(value, datetime.date):
            errors.append(_("%(where)s: the date is not a date (write it as 2027-01-01).") % {"where": where})
            continue
        if value.year != year:
            errors.append(_("%(where)s: %(date)s is not in %(year)s.") % {"where": where, "date": value, "year": year})
            continue
        kind = str(row.get("kind") or "").strip().lower()
        if kind not in HOLIDAY_WORDS | WORKING_WORDS:
            errors.append(_("%(where)s: the type must be 休 (holiday) or 班 (make-up working day).") % {"where": where})
            continue
        if value in days:
            errors.append(_("%(where)s: %(date)s is listed twice.") % {"where": where, "date": value})
            continue
        days[value] = (kind in WORKING_WORDS, str(row.get("name") or "")[:40])
    if errors:
        raise ValidationError({"rows": errors})
    if not days:
        raise ValidationError({"rows": [_("The sheet lists no days.")]})
    existing = CalendarYear.objects.filter(year=year).first()
    before = {"days": len(existing.days.all())} if existing else None
    calendar_year, _created = CalendarYear.objects.update_or_create(year=year, defaults={
        "notice": notice.strip()[:200], "entered_by": actor})
    calendar_year.days.all().delete()  # replaced by the new list; the audit row keeps the count before
    CalendarDay.objects.bulk_create([CalendarDay(calendar_year=calendar_year, date=d, working=w, name=n)
                                     for d, (w, n) in sorted(days.items())])
    record(actor=actor, action="calendar.import", obj=calendar_year, before=before,
           after={"days": len(days), "notice": calendar_year.notice,
                  "holidays": sorted(d.isoformat() for d, (w, _n) in days.items() if not w),
                  "working": sorted(d.isoformat() for d, (w, _n) in days.items() if w)})
    calendar_changed(actor=actor)
    return calendar_year
