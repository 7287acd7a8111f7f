"""Checking the ledger from scratch: holdings recomputed from the movements, conservation per lot, and
the hash chain. Used by `manage.py verify_ledger` and by the tests."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from .ledger import transaction_hash
from .models import AccountKind, Holding, LedgerHead, LedgerTransaction, Lot, Movement


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


def verify(batch: int = 5000) -> Report:
    report = Report()
    source_ids = set()
    from .models import Account

    source_ids = set(Account.objects.filter(kind=AccountKind.SOURCE).values_list("pk", flat=True))
    computed = defaultdict(Decimal)  # (account, lot) -> quantity
    from_source = defaultdict(Decimal)  # lot -> net quantity issued from the outside
    previous = "0" * 64
    expected_sequence = 1
    movements_by_txn = defaultdict(list)
    last_id = 0
    while True:  # stream the movements in batches so memory stays flat
        chunk = list(Movement.objects.filter(pk__gt=last_id).order_by("pk")[:batch])
        if not chunk:
            break
        for m in chunk:
            report.movements += 1
            movements_by_txn[m.transaction_id].append(m)
            if m.from_account_id in source_ids:
                from_source[m.lot_id] += m.quantity
            else:
                computed[(m.from_account_id, m.lot_id)] -= m.quantity
            if m.to_account_id in source_ids:
                from_source[m.lot_id] -= m.quantity
            else:
                computed[(m.to_account_id, m.lot_id)] += m.quantity
        last_id = chunk[-1].pk
    for txn in LedgerTransaction.objects.order_by("sequence").iterator(chunk_size=batch):
        report.transactions += 1
        if txn.sequence != expected_sequence:
            report.problems.append(f"transaction sequence {txn.sequence}: expected {expected_sequence}")
        expected_sequence = txn.sequence + 1
        if txn.previous_hash != previous:
            report.problems.append(f"transaction #{txn.sequence}: previous hash does not match the chain")
        movements = sorted(movements_by_txn.pop(txn.pk, []), key=lambda m: m.pk)
        if not movements:
            report.problems.append(f"transaction #{txn.sequence} has no movements")
        if transaction_hash(txn, movements) != txn.hash:
            report.problems.append(f"transaction #{txn.sequence}: content does not match its hash")
        previous = txn.hash
    if movements_by_txn:
        report.problems.append(f"{len(movements_by_txn)} transaction id(s) referenced by movements do not exist")
    head = LedgerHead.objects.filter(pk=1).first()
    if report.transactions and (head is None or head.hash != previous or head.sequence != expected_sequence - 1):
        report.problems.append("the chain head does not point at the last transaction")

    stored = {}
    for h in Holding.objects.all().iterator(chunk_size=batch):
        report.holdings += 1
        stored[(h.account_id, h.lot_id)] = h.quantity
        if h.quantity < 0:
            report.problems.append(f"holding account {h.account_id} lot {h.lot_id} is negative: {h.quantity}")
    for key in set(stored) | set(computed):
        if stored.get(key, Decimal(0)) != computed.get(key, Decimal(0)):
            report.problems.append(f"holding account {key[0]} lot {key[1]}: stored {stored.get(key, 0)}, "
                                   f"movements give {computed.get(key, 0)}")
    per_lot = defaultdict(Decimal)
    for (_account, lot), q in stored.items():
        per_lot[lot] += q
    for lot in Lot.objects.only("pk", "number", "quantity").iterator(chunk_size=batch):
        report.lots += 1
        if from_source.get(lot.pk, Decimal(0)) != lot.quantity:
            report.problems.append(f"lot {lot.number}: issued {lot.quantity}, movements from outside give "
                                   f"{from_source.get(lot.pk, 0)}")
        if per_lot.get(lot.pk, Decimal(0)) != lot.quantity:
            report.problems.append(f"lot {lot.number}: issued {lot.quantity}, holdings add up to {per_lot.get(lot.pk, 0)}")
    return report
