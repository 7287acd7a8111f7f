"""China's working-day calendar with fixed dates (expected dates counted by hand from the State Council's
2026 notice: National Day and Mid-Autumn 10-01..10-07 with 10-10 worked; Spring Festival 02-15..02-23
with 02-14 and 02-28 worked)."""
import datetime as dt
import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError

from quota_registry.reference.models import CalendarDay, CalendarYear
from quota_registry.reference.services import calendar_import, parse_calendar_sheet
from quota_registry.workdays import WorkdayCalendar, add_working_days, is_working_day


def test_make_up_saturday_and_holiday_weekday(db):
    assert is_working_day(dt.date(2026, 10, 10)) == (True, False)  # Saturday worked (调休)
    assert is_working_day(dt.date(2026, 10, 5)) == (False, False)  # Monday of the holiday
    assert is_working_day(dt.date(2026, 2, 28)) == (True, False)


def test_thirty_working_days_across_national_day(db):
    assert add_working_days(dt.date(2026, 9, 24), 30) == (dt.date(2026, 11, 12), False)


def test_thirty_working_days_across_spring_festival(db):
    assert add_working_days(dt.date(2026, 2, 10), 30) == (dt.date(2026, 3, 30), False)


def test_from_december_2026_into_2027_is_provisional(db):
    deadline = add_working_days(dt.date(2026, 12, 15), 30)
    assert deadline.date == dt.date(2027, 1, 26) and deadline.provisional  # 2027-01-01 counted Mon-Fri


def rows_2027():
    return [{"row": 2, "date": dt.date(2027, 1, 1), "kind": "休", "name": "元旦"},
            {"row": 3, "date": "2027-02-06", "kind": "休", "name": "春节"},
            {"row": 4, "date": "2027-02-20", "kind": "班", "name": "春节调休"}]


def test_entering_2027_makes_it_final_and_moves_the_date(demo):
    calendar_import(actor=demo["city_admin"], year=2027, notice="国务院办公厅关于2027年部分节假日安排的通知",
                    rows=rows_2027())
    assert add_working_days(dt.date(2026, 12, 15), 30) == (dt.date(2027, 1, 27), False)
    assert WorkdayCalendar.load().is_working_day(dt.date(2027, 2, 20)) == (True, False)


def test_city_table_overrides_the_library(demo):
    calendar_import(actor=demo["city_admin"], year=2026, notice="更正", rows=[
        {"row": 1, "date": dt.date(2026, 11, 11), "kind": "休", "name": "示例"}])
    # every other day of 2026 now follows Monday-Friday: 10-10 is no longer a make-up day
    assert is_working_day(dt.date(2026, 10, 10)) == (False, False)
    assert is_working_day(dt.date(2026, 11, 11)) == (False, False)


@pytest.mark.parametrize(("rows", "text"), [
    ([{"row": 2, "date": "2027-13-01", "kind": "休"}], "Row 2"),
    ([{"row": 5, "date": dt.date(2026, 1, 1), "kind": "休"}], "Row 5"),
    ([{"row": 3, "date": dt.date(2027, 1, 1), "kind": "holidayish"}], "Row 3"),
    ([{"row": 3, "date": dt.date(2027, 1, 1), "kind": "休"}, {"row": 4, "date": dt.date(2027, 1, 1), "kind": "班"}],
     "Row 4"),
    ([], "no days"),
])
def test_bad_rows_change_nothing(demo, rows, text):
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError) as exc:
        calendar_import(actor=demo["city_admin"], year=2027, notice="通知", rows=rows)
    assert text in str(exc.value)
    assert not CalendarYear.objects.filter(year=2027).exists() and not CalendarDay.objects.exists()


def test_only_city_staff_enter_the_calendar(demo):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        calendar_import(actor=demo["county_qilin"], year=2027, notice="x", rows=rows_2027())


def test_excel_sheet_is_read(demo, as_user):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["日期", "类型", "名称"])
    for r in rows_2027():
        sheet.append([r["date"] if isinstance(r["date"], dt.date) else dt.date.fromisoformat(r["date"]), r["kind"],
                      r["name"]])
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    assert [r["kind"] for r in parse_calendar_sheet(io.BytesIO(data.getvalue()))] == ["休", "休", "班"]
    data.name = "2027.xlsx"
    response = as_user("city_admin").post("/calendar/", {"year": 2027, "notice": "国办发明电〔2026〕X号", "file": data})
    assert response.status_code == 302
    assert CalendarYear.objects.get(year=2027).days.count() == 3
    bad = io.BytesIO(b"not a workbook")
    bad.name = "x.xlsx"
    response = as_user("city_admin").post("/calendar/", {"year": 2028, "notice": "x", "file": bad})
    assert response.status_code == 200  # the form again, with the error beside the file field
    assert response.context["form"].errors["file"] == ["该文件不是Excel（.xlsx）文件。"]
    assert not CalendarYear.objects.filter(year=2028).exists()
