"""The public market statistics (issue 18; Zhejiang publishes such an index): per quarter and factor, the published
deals (seed 001 Art 22: public once published), their quantity and amount, the volume-weighted average price and
the reference price in force at the quarter's end, with the deviation."""
from __future__ import annotations

import datetime

from django.db.models import Count, Sum
from django.utils import timezone

from accounting import trading as rules

from . import prices
from .models import Deal, TradeStatus

QUARTERS = 8


def _bounds(year: int, quarter: int) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.datetime(year, 3 * quarter - 2, 1, tzinfo=tz)
    end = datetime.datetime(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1, tzinfo=tz)
    return start, end




def quarterly(today: datetime.date | None = None, quarters: int = QUARTERS) -> list[dict]:
    """One row per quarter and factor that had published deals, newest quarter first."""
    today = today or timezone.localdate()
    rows = []
    for year, quarter in reversed(rules.quarters_back(today, quarters)):
        start, end = _bounds(year, quarter)
        grouped = (Deal.objects.filter(trade__status=TradeStatus.PUBLISHED, trade__confirmed_at__gte=start,
                                       trade__confirmed_at__lt=end)
                   .values("trade__pollutant_id", "trade__pollutant__name", "trade__pollutant__unit",
                           "trade__pollutant__sort_order")
                   .annotate(deals=Count("pk"), trades=Count("trade", distinct=True), quantity=Sum("quantity"),
                             amount=Sum("amount")).order_by("trade__pollutant__sort_order"))
        last_day = (end - datetime.timedelta(days=1)).date()
        for g in grouped:
            average = rules.average_price(g["amount"], g["quantity"])
            reference = prices.in_force(g["trade__pollutant_id"], min(last_day, today), None)  # the main city's
            rows.append({"quarter": f"{year}年第{quarter}季度", "key": f"{year}Q{quarter}",
                         "pollutant": g["trade__pollutant__name"], "unit": g["trade__pollutant__unit"],
                         "price_unit": "元/千克" if g["trade__pollutant__unit"] == "kg/a" else "元/吨",
                         "trades": g["trades"], "deals": g["deals"], "quantity": g["quantity"], "amount": g["amount"],
                         "average": average, "reference": reference,
                         "deviation": rules.deviation_percent(average, reference)})
    return rows


def chart(rows: list[dict]) -> dict:
    """{factor: {"quarters": [...], "average": [...], "reference": [...]}} oldest first, for the page's chart."""
    series: dict[str, dict] = {}
    for row in reversed(rows):
        name = f"{row['pollutant']}（{row['price_unit']}）"
        s = series.setdefault(name, {"quarters": [], "average": [], "reference": []})
        s["quarters"].append(row["key"])
        s["average"].append(str(row["average"]))
        s["reference"].append(str(row["reference"]) if row["reference"] is not None else None)
    return series
