"""The posting service: the only code that writes ledger rows (transactions, movements, holdings).

`post` runs in one database transaction:
1. lock the chain head (one row): postings are serialised, so the transactions form one hash chain;
2. lock the holdings it will touch in primary-key order (SELECT ... FOR UPDATE), creating (and then locking)
   those that do not exist yet (the lock order: ledger/locks.py);
3. apply the legs; a holding that would go below zero refuses the whole posting (and the database's
   CHECK would refuse it too);
4. insert the transaction, with hash = sha256(content + previous hash), and its movements.

The SOURCE account (the outside world) has no holding: lots are issued from it. On PostgreSQL the database checks
at every commit that the holdings equal their movements and that each lot was issued in full (ledger/migrations/0003).
"""
from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounting.quantities import quantity as exact_quantity

from .locks import lock, lock_holdings
from .models import OWNED_ACCOUNTS, Account, AccountKind, Holding, LedgerTransaction, Lot, Movement, TransactionKind


class InsufficientQuantity(ValidationError):
    """A leg would take more of a lot from an account than it holds."""


@dataclass(frozen=True)
class Leg:
    lot: Lot
    from_account: Account
    to_account: Account
    quantity: Decimal


def account(kind: str, organisation=None, *, reference: str = "", label: str = "", city=None) -> Account:
    """The singleton account of `kind`, a city's pool (`city`: the city, or any of its counties), or an
    enterprise's account, general or for one purpose named by `reference` (a withdrawal's number) and shown with
    `label` (its project), created on first use."""
    if kind in OWNED_ACCOUNTS:
        acc, _ = Account.objects.get_or_create(kind=kind, organisation=organisation, reference=reference,
                                               defaults={"label": label[:200]})
        return acc
    if kind == AccountKind.POOL or (kind == AccountKind.HOLD and city is not None):
        from quota_registry.jurisdiction import city_id_of

        city_id = city_id_of(getattr(city, "pk", city))
        if city_id is None:
            raise ValueError("a reserve pool (and its hold) is a city's: name the city or one of its counties")
        acc, _ = Account.objects.get_or_create(kind=kind, city_id=city_id)
        return acc
    # a singleton; HOLD without a city: the one shared hold of before each city kept its own (its holds end as
    # they are released or withdrawn)
    acc, _ = Account.objects.get_or_create(kind=kind, organisation=None, city=None)
    return acc


def pool(region) -> Account:
    """The reserve pool of the city `region` belongs to: a Region, its id or its division code (the city or one of
    its counties)."""
    return account(AccountKind.POOL, city=_region(region))


def held(region) -> Account:
    """Where the city `region` belongs to holds what its pending withdrawals and the reserve's sales took from its
    pool (a Region, its id or its division code)."""
    return account(AccountKind.HOLD, city=_region(region))


def _region(region):
    if isinstance(region, str):
        from quota_registry.reference.models import Region

        return Region.objects.get(code=region)
    return region


def legs_hash(*, sequence, kind, created_at, actor_id, reverses_id, subject, memo, legs, previous_hash) -> str:
    """SHA-256 over a transaction's content and the previous hash (the published verification recipe)."""
    content = {
        "sequence": sequence, "kind": kind, "created_at": created_at.isoformat(), "actor": actor_id,
        "reverses": reverses_id, "subject": subject, "memo": memo, "previous": previous_hash,
        "movements": [[lot, src, dst, str(q)] for lot, src, dst, q in legs],
    }
    data = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return hashlib.sha256(data).hexdigest()


@transaction.atomic
def post(*, actor, kind: str, legs: list[Leg], memo: str = "", subject=None,
         reverses: LedgerTransaction | None = None) -> LedgerTransaction:
    if kind not in TransactionKind.values:
        raise ValueError(f"unknown transaction kind {kind!r}")
    if not legs:
        raise ValueError("a transaction moves at least one quantity")
    clean = []
    for leg in legs:
        q = exact_quantity(leg.quantity)
        if q <= 0:
            raise ValidationError(_("Every movement must be of a positive quantity."))
        if leg.from_account.pk == leg.to_account.pk:
            raise ValueError("a movement needs two different accounts")
        clean.append((leg.lot.pk, leg.from_account, leg.to_account, q))

    head = lock()

    pairs = {(acc.pk, lot) for lot, src, dst, _q in clean for acc in (src, dst) if acc.kind != AccountKind.SOURCE}
    holdings = lock_holdings(pairs)
    if len(holdings) < len(pairs):  # first movement of a lot into an account: create its holding, lock again
        Holding.objects.bulk_create([Holding(account_id=a, lot_id=lot) for a, lot in pairs - set(holdings)],
                                    ignore_conflicts=True)
        holdings = lock_holdings(pairs)

    delta = defaultdict(Decimal)
    for lot, src, dst, q in clean:
        if src.kind != AccountKind.SOURCE:
            delta[(src.pk, lot)] -= q
        if dst.kind != AccountKind.SOURCE:
            delta[(dst.pk, lot)] += q
    changed = []
    for key, d in delta.items():
        h = holdings[key]
        if h.quantity + d < 0:
            lot = Lot.objects.get(pk=key[1])
            raise InsufficientQuantity(_("Lot %(lot)s has only %(have)s %(unit)s in %(account)s; %(need)s was asked.") % {
                "lot": lot.number, "have": h.quantity, "unit": lot.pollutant.unit,
                "account": Account.objects.get(pk=key[0]), "need": -d})
        h.quantity += d
        changed.append(h)
    Holding.objects.bulk_update(changed, ["quantity"])

    subject_type = ContentType.objects.get_for_model(subject) if subject is not None else None
    created_at = timezone.now()
    sequence = head.sequence + 1
    is_person = actor is not None and getattr(actor, "is_authenticated", False)
    txn = LedgerTransaction(
        sequence=sequence, kind=kind, created_at=created_at, actor=actor if is_person else None,
        actor_name=actor.display_name if is_person else "system", memo=memo[:300], reverses=reverses,
        subject_type=subject_type, subject_id=subject.pk if subject is not None else None,
        subject_label=str(subject)[:60] if subject is not None else "", previous_hash=head.hash,
    )
    txn.hash = legs_hash(sequence=sequence, kind=kind, created_at=created_at, actor_id=txn.actor_id,
                     reverses_id=reverses.pk if reverses else None,
                     subject=f"{subject_type.pk}:{subject.pk}" if subject is not None else None, memo=txn.memo,
                     legs=[(lot, src.pk, dst.pk, q) for lot, src, dst, q in clean], previous_hash=head.hash)
    txn.save()
    Movement.objects.bulk_create([Movement(transaction=txn, lot_id=lot, from_account=src, to_account=dst, quantity=q)
                                  for lot, src, dst, q in clean])
    head.sequence, head.hash = sequence, txn.hash
    head.save(update_fields=["sequence", "hash"])
    return txn


@transaction.atomic
def reverse(*, actor, original: LedgerTransaction, memo: str = "",
            kind: str = TransactionKind.REVERSAL) -> LedgerTransaction:
    """Undo `original` with a transaction that moves every quantity back and points at it.
    Issues are not reversed (a lot leaves the pool by revocation into CANCELLED, so that what was
    issued stays on record); a transaction is reversed at most once."""
    original = LedgerTransaction.objects.select_for_update().get(pk=original.pk)
    if original.kind in (TransactionKind.ISSUE, TransactionKind.REVERSAL, TransactionKind.RELEASE):
        raise ValidationError(_("This kind of ledger transaction cannot be reversed."))
    if LedgerTransaction.objects.filter(reverses=original).exists():
        raise ValidationError(_("This ledger transaction has already been reversed."))
    movements = original.movements.select_related("lot", "from_account", "to_account").order_by("id")
    legs = [Leg(m.lot, m.to_account, m.from_account, m.quantity) for m in movements]
    subject = None
    if original.subject_type_id:
        subject = original.subject_type.get_object_for_this_type(pk=original.subject_id)
    return post(actor=actor, kind=kind, legs=legs, memo=memo or f"reversal of #{original.sequence}",
                subject=subject, reverses=original)


@transaction.atomic
def issue(*, actor, lots: list[Lot], subject, memo: str = "") -> LedgerTransaction | None:
    """New lots into the pool: each saved and issued in full from SOURCE in one transaction (the database checks at
    the commit that every lot was issued exactly its quantity)."""
    if not lots:
        return None
    for lot in lots:
        lot.save()
    source = account(AccountKind.SOURCE)
    return post(actor=actor, kind=TransactionKind.ISSUE, legs=[Leg(lot, source, pool(lot.region_id), lot.quantity)
                                                               for lot in lots], subject=subject, memo=memo)


def hold(*, actor, allocations: list[tuple[Lot, Decimal]], subject, memo: str = "", pool: Account | None = None,
         held: Account | None = None) -> LedgerTransaction:
    """Reserve quantities of lots in a city's pool for a pending withdrawal: POOL -> the city's HOLD. `pool` is the
    city's pool (default: that of the first lot's origin city); `pool` and `held` are those accounts when the caller
    has them already (the allocator reads them before it takes the ledger lock)."""
    pool = pool or account(AccountKind.POOL, city=allocations[0][0].region_id)
    held = held or account(AccountKind.HOLD, city=pool.city_id)
    return post(actor=actor, kind=TransactionKind.HOLD, legs=[Leg(lot, pool, held, q) for lot, q in allocations],
                subject=subject, memo=memo)


def release(*, actor, hold_transaction: LedgerTransaction, memo: str = "") -> LedgerTransaction:
    """Give held quantities back to the pool: the reversal of the hold."""
    if hold_transaction.kind != TransactionKind.HOLD:
        raise ValueError("only a hold can be released")
    return reverse(actor=actor, original=hold_transaction, kind=TransactionKind.RELEASE,
                   memo=memo or f"release of hold #{hold_transaction.sequence}")


def balance(account_: Account, lot: Lot) -> Decimal:
    h = Holding.objects.filter(account=account_, lot=lot).first()
    return h.quantity if h else Decimal("0.0000")
