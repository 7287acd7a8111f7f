"""Excel exports of the pool: lots, ledger movements, entry and withdrawal applications, with the same
filters as their list pages, scoped to whoever asked."""
import itertools

from django.db.models import Q
from django.utils import timezone

from ledger import selectors as ledger_reads
from ledger.models import Account, AccountKind, LedgerTransaction, Lot, Movement, TransactionKind
from quota_registry.access import scope
from quota_registry.documents.excel import QUANTITY_FORMAT, Column, Dataset, dataset

from .models import EntryApplication, WithdrawalApplication

Q4 = QUANTITY_FORMAT


def local(moment):
    """A stored time as Beijing time without a zone: spreadsheets hold no time zones."""
    return timezone.make_naive(moment) if moment else None


def _lots(user, filters):
    qs = ledger_reads.lots(user)
    for key in ("pollutant", "region"):
        if filters.get(key):
            qs = qs.filter(**{f"{key}__code": filters[key]})
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    for lot in qs.order_by("valid_until", "id").iterator(chunk_size=2000):
        yield (lot.number, lot.pollutant.name, lot.pollutant.unit, lot.region.name,
               lot.watershed.name if lot.watershed_id else "", lot.enterprise.name, lot.industry.name,
               lot.get_source_kind_display(), lot.quantity, lot.available, lot.held, lot.get_status_display(),
               "是" if lot.earmarked else "否", "是" if lot.paid else "否", lot.verified_on, lot.valid_until)


dataset(Dataset("lots", "指标批次", [
    Column("批次编号", 18), Column("污染因子", 12), Column("计量单位", 8), Column("来源县（市、区）", 14),
    Column("流域", 10), Column("来源企业", 30), Column("行业", 20), Column("来源类型", 20),
    Column("入库量", 14, Q4), Column("可用量", 14, Q4), Column("冻结量", 14, Q4), Column("状态", 12),
    Column("仅限重大项目", 10), Column("有偿取得", 10), Column("核定日期", 12, "yyyy-mm-dd"),
    Column("有效期至", 12, "yyyy-mm-dd")], _lots))


def _movements(user, filters):
    """One row a movement in chain order. The movements and their transactions are streamed side by side
    (each transaction is read once, not once for each of its movements), lots and accounts are looked
    up in two small dictionaries, and labels are translated once."""
    qs = scope(user, Movement.objects.all()) if user.is_city_staff else Movement.objects.none()
    transactions = LedgerTransaction.objects.all()
    if filters.get("kind"):
        qs = qs.filter(transaction__kind=filters["kind"])
        transactions = transactions.filter(kind=filters["kind"])
    if filters.get("pollutant"):
        qs = qs.filter(lot__pollutant__code=filters["pollutant"])
    movements = qs.order_by("transaction__sequence", "id").values_list(
        "transaction_id", "lot_id", "from_account_id", "to_account_id", "quantity").iterator(chunk_size=5000)
    first = next(movements, None)  # runs the query: what is read after it knows every row it will give
    kinds = {k: str(label) for k, label in TransactionKind.choices}
    account_kinds = {k: str(label) for k, label in AccountKind.choices}
    lots = {pk: rest for pk, *rest in Lot.objects.values_list(
        "pk", "number", "pollutant__name", "pollutant__unit", "region__name").iterator(chunk_size=5000)}
    accounts = {pk: name or account_kinds[kind] for pk, kind, name in Account.objects.values_list(
        "pk", "kind", "organisation__name").iterator(chunk_size=5000)}
    transactions = transactions.order_by("sequence").values_list(
        "pk", "sequence", "created_at", "kind", "actor_name", "memo", "hash").iterator(chunk_size=5000)
    pk = None
    for txn, lot, src, dst, q in itertools.chain([first] if first else [], movements):
        while pk != txn:
            pk, seq, at, kind, actor, memo, digest = next(transactions)
            at, kind = local(at), kinds[kind]
        yield (seq, at, kind, *lots[lot], accounts[src], accounts[dst], q, actor, memo, digest)


dataset(Dataset("movements", "台账变动明细", [
    Column("序号", 9), Column("时间", 20, "yyyy-mm-dd hh:mm:ss"), Column("类型", 12), Column("批次编号", 18),
    Column("污染因子", 12), Column("计量单位", 8), Column("来源县（市、区）", 14), Column("转出", 26),
    Column("转入", 26), Column("数量", 14, Q4), Column("办理人", 14), Column("摘要", 30), Column("哈希值", 66)],
    _movements))


def _applications(model, user, filters):
    qs = scope(user, model.objects.select_related("applicant", "region")).prefetch_related("items__pollutant")
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("q"):
        qs = qs.filter(Q(number__icontains=filters["q"]) | Q(applicant__name__icontains=filters["q"]))
    return qs.order_by("created_at", "id")


def _entries(user, filters):
    for a in _applications(EntryApplication, user, filters).iterator(chunk_size=500):
        for i in a.items.all():
            yield (a.number, a.applicant.name, a.region.name, a.get_source_kind_display(), a.get_status_display(),
                   i.pollutant.name, i.pollutant.unit, i.quantity, i.verified_quantity, i.accounting_formula,
                   local(a.submitted_at), local(a.decided_at))


dataset(Dataset("entries", "入库申请", [
    Column("申请编号", 16), Column("企业", 30), Column("县（市、区）", 12), Column("来源类型", 20), Column("状态", 14),
    Column("污染因子", 12), Column("计量单位", 8), Column("申报量", 14, Q4), Column("核定量", 14, Q4),
    Column("核算", 50), Column("提交时间", 20, "yyyy-mm-dd hh:mm"), Column("决定时间", 20, "yyyy-mm-dd hh:mm")],
    _entries))


def _withdrawals(user, filters):
    for a in _applications(WithdrawalApplication, user, filters).iterator(chunk_size=500):
        for i in a.items.all():
            yield (a.number, a.project_name, a.applicant.name, a.region.name, a.get_status_display(), i.pollutant.name,
                   i.pollutant.unit, i.new_emission, i.ratio, i.required, i.reason,
                   local(a.submitted_at), local(a.decided_at))


dataset(Dataset("withdrawals", "出库申请", [
    Column("申请编号", 16), Column("建设项目", 30), Column("企业", 30), Column("县（市、区）", 12), Column("状态", 14),
    Column("污染因子", 12), Column("计量单位", 8), Column("新增排放量", 14, Q4), Column("替代比例", 10, "0.00"),
    Column("需替代量", 14, Q4), Column("依据", 50), Column("提交时间", 20, "yyyy-mm-dd hh:mm"),
    Column("决定时间", 20, "yyyy-mm-dd hh:mm")], _withdrawals))
