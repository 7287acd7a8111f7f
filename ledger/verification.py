"""Checking the ledger from scratch: holdings recomputed from the movements, conservation per lot, and
the hash chain. Used by `manage.py verify_ledger` and by the tests.

Transactions and their movements are streamed side by side in chain order (two server-side cursors),
so memory grows with the number of holdings, not with the number of movements."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum

from .models import Account, AccountKind, Holding, LedgerHead, LedgerTransaction, Lot, Movement
from .services import legs_hash


@dataclass
class Report:
    transactions: int = 0
    movements: int = 0
    lots: int = 0
    holdings: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _chain(report: Report, since: int, batch: int, on_leg) -> tuple[str, int]:
    """Walk the transactions after sequence `since` in chain order with their movements: the sequence, the previous
    hash and each transaction's hash checked; `on_leg(lot, from, to, quantity)` for every movement. Returns the last
    hash and the next expected sequence."""
    movements = (Movement.objects.filter(transaction__sequence__gt=since).order_by("transaction__sequence", "id")
                 .values_list("transaction_id", "lot_id", "from_account_id", "to_account_id", "quantity")
                 .iterator(chunk_size=batch))
    pending = next(movements, None)
    previous = (LedgerTransaction.objects.filter(sequence=since).values_list("hash", flat=True).first()
                if since else None) or "0" * 64
    expected_sequence = since + 1
    transactions = LedgerTransaction.objects.filter(sequence__gt=since).order_by("sequence").values_list(
        "pk", "sequence", "kind", "created_at", "actor_id", "reverses_id", "subject_type_id", "subject_id", "memo",
        "previous_hash", "hash").iterator(chunk_size=batch)
    for pk, sequence, kind, created_at, actor, reverses, subject_type, subject_id, memo, prev_hash, digest in transactions:
        report.transactions += 1
        if sequence != expected_sequence:
            report.problems.append(f"transaction sequence {sequence}: expected {expected_sequence}")
        expected_sequence = sequence + 1
        if prev_hash != previous:
            report.problems.append(f"transaction #{sequence}: previous hash does not match the chain")
        legs = []
        while pending is not None and pending[0] == pk:
            _txn, lot, src, dst, q = pending
            legs.append((lot, src, dst, q))
            report.movements += 1
            on_leg(lot, src, dst, q)
            pending = next(movements, None)
        if not legs:
            report.problems.append(f"transaction #{sequence} has no movements")
        subject = f"{subject_type}:{subject_id}" if subject_type else None
        if legs_hash(sequence=sequence, kind=kind, created_at=created_at, actor_id=actor, reverses_id=reverses,
                     subject=subject, memo=memo, legs=legs, previous_hash=prev_hash) != digest:
            report.problems.append(f"transaction #{sequence}: content does not match its hash")
        previous = digest
    if pending is not None:
        report.problems.append("movements exist that belong to no transaction in the chain")
    return previous, expected_sequence


def _holdings(report: Report, keys, stored: dict, computed: dict) -> dict:
    """Each (account, lot) of `keys`: the stored holding against what the movements give; returns the stored
    quantities per lot (for the lots' conservation)."""
    for key in keys:
        if stored.get(key, Decimal(0)) != computed.get(key, Decimal(0)):
            report.problems.append(f"holding account {key[0]} lot {key[1]}: stored {stored.get(key, 0)}, "
                                   f"movements give {computed.get(key, 0)}")
    per_lot = defaultdict(Decimal)
    for (_account, lot), q in stored.items():
        per_lot[lot] += q
    return per_lot


def _head(report: Report, previous: str, expected_sequence: int) -> None:
    head = LedgerHead.objects.filter(pk=1).first()
    if report.transactions and (head is None or head.hash != previous or head.sequence != expected_sequence - 1):
        report.problems.append("the chain head does not point at the last transaction")


def verify_since(since: int, batch: int = 5000, *, expected_hash: str = "") -> Report:
    """The part of the ledger after transaction `since` (verified before): the chain from there, and every holding and
    lot those transactions touched recomputed from all of its movements (indexed queries): the time it takes grows
    with the new part, not with the ledger (`manage.py verify_ledger`, incremental)."""
    report, touched_pairs, touched_lots = Report(), set(), set()
    stored = LedgerTransaction.objects.filter(sequence=since).values_list("hash", flat=True).first()
    if expected_hash and stored != expected_hash:  # the part checked before was rewritten since
        report.problems.append(f"transaction #{since} no longer has the hash the last check saw: the ledger before it "
                               f"was changed (run verify_ledger --full)")

    def touch(lot, src, dst, q):
        touched_pairs.update({(src, lot), (dst, lot)})
        touched_lots.add(lot)

    previous, expected = _chain(report, since, batch, touch)
    _head(report, previous, expected)
    source_ids = set(Account.objects.filter(kind=AccountKind.SOURCE).values_list("pk", flat=True))
    lots = sorted(touched_lots)
    for i in range(0, len(lots), batch):
        part = lots[i:i + batch]
        incoming = defaultdict(Decimal)
        for account, lot, q in (Movement.objects.filter(lot_id__in=part).values_list("to_account_id", "lot_id")
                                .annotate(q=Sum("quantity")).values_list("to_account_id", "lot_id", "q")):
            incoming[(account, lot)] += q
        for account, lot, q in (Movement.objects.filter(lot_id__in=part).values_list("from_account_id", "lot_id")
                                .annotate(q=Sum("quantity")).values_list("from_account_id", "lot_id", "q")):
            incoming[(account, lot)] -= q
        stored = {(a, lot): q for a, lot, q in Holding.objects.filter(lot_id__in=part)
                  .values_list("account_id", "lot_id", "quantity")}
        in_part = set(part)
        keys = [key for key in touched_pairs if key[1] in in_part and key[0] not in source_ids]
        report.holdings += len(keys)
        held = _holdings(report, keys, stored, incoming)
        for lot_id, number, quantity in Lot.objects.filter(pk__in=part).values_list("pk", "number", "quantity"):
            report.lots += 1
            issued = -sum((q for (a, lot), q in incoming.items() if lot == lot_id and a in source_ids), Decimal(0))
            if issued != quantity or held.get(lot_id, Decimal(0)) != quantity:
                report.problems.append(f"lot {number}: issued {quantity}, movements from outside give {issued}, "
                                       f"holdings add up to {held.get(lot_id, 0)}")
    return report


def verify(batch: int = 5000) -> Report:
    report = Report()
    source_ids = set(Account.objects.filter(kind=AccountKind.SOURCE).values_list("pk", flat=True))
    computed = defaultdict(Decimal)  # (account, lot) -> quantity
    from_source = defaultdict(Decimal)  # lot -> net quantity issued from the outside

    def count(lot, src, dst, q):
        if src in source_ids:
            from_source[lot] += q
        else:
            computed[(src, lot)] -= q
        if dst in source_ids:
            from_source[lot] -= q
        else:
            computed[(dst, lot)] += q

    previous, expected_sequence = _chain(report, 0, batch, count)
    _head(report, previous, expected_sequence)

    stored = {}
    for account_id, lot_id, quantity in Holding.objects.values_list("account_id", "lot_id", "quantity").iterator(
            chunk_size=batch):
        report.holdings += 1
        stored[(account_id, lot_id)] = quantity
        if quantity < 0:
            report.problems.append(f"holding account {account_id} lot {lot_id} is negative: {quantity}")
    per_lot = _holdings(report, set(stored) | set(computed), stored, computed)
    for lot_id, number, quantity in Lot.objects.values_list("pk", "number", "quantity").iterator(chunk_size=batch):
        report.lots += 1
        if from_source.get(lot_id, Decimal(0)) != quantity:
            report.problems.append(f"lot {number}: issued {quantity}, movements from outside give "
                                   f"{from_source.get(lot_id, 0)}")
        if per_lot.get(lot_id, Decimal(0)) != quantity:
            report.problems.append(f"lot {number}: issued {quantity}, holdings add up to {per_lot.get(lot_id, 0)}")
    return report
