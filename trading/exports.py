"""Excel export of the permit-change obligations, with the dashboard's filters."""
from django.utils import timezone

from quota_registry.documents.excel import Column, Dataset, dataset

from . import selectors


def _obligations(user, filters):
    today = timezone.localdate()
    qs = selectors.obligations(user, state=filters.get("state", ""), region=filters.get("region", ""))
    for o in qs.order_by("due_date", "id").iterator(chunk_size=1000):
        yield (o.enterprise.name, o.region.name, "；".join(f"{t['pollutant']} {t['quantity']} {t['unit']}"
                                                          for t in o.transferred),
               o.destination, o.base_date, o.working_days, o.due_date, "是" if o.provisional else "否",
               "已逾期" if o.is_overdue(today) else str(o.get_status_display()), o.permit_number)


dataset(Dataset("obligations", "排污许可证变更事项", [
    Column("企业", 30), Column("县（市、区）", 12), Column("出让量", 30), Column("出让去向", 40),
    Column("起算日期", 12, "yyyy-mm-dd"), Column("期限（工作日）", 10), Column("到期日", 12, "yyyy-mm-dd"),
    Column("期限暂定", 8), Column("状态", 10), Column("变更后许可证编号", 24)], _obligations))
