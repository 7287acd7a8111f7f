"""The database's own guard of the ledger (ledger/migrations/0003): whoever writes to the tables, a commit whose
holdings do not equal their movements, whose lots were not issued in full, or with a transaction that moves nothing,
is refused. And the lock order
(ledger/locks.py): a revocation and the expiry of the same lots at the same time finish without a deadlock and
leave a ledger that adds up."""
import datetime
import threading
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from ledger import services as ledger
from ledger.models import AccountKind, Holding, Lot, LotStatus
from ledger.verification import verify

pytestmark = pytest.mark.postgres


def _commit_check(sql: str, params=()):
    """Run `sql` and the deferred checks at once (what the commit would run), in a savepoint that is undone."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def test_a_holding_changed_by_hand_is_refused(make_lot):
    lot = make_lot("10", pollutant="SO2")
    pool = ledger.pool("530300")
    with pytest.raises(DatabaseError, match="movements add up to 10"):
        _commit_check("UPDATE reserve_holding SET quantity = quantity - 1 WHERE account_id = %s AND lot_id = %s",
                      [pool.pk, lot.pk])
    with pytest.raises(DatabaseError, match="movements add up to 10"):
        _commit_check("DELETE FROM reserve_holding WHERE account_id = %s AND lot_id = %s", [pool.pk, lot.pk])
    assert Holding.objects.get(account=pool, lot=lot).quantity == Decimal("10")


def test_a_movement_without_its_holdings_is_refused(make_lot):
    lot = make_lot("10", pollutant="SO2")
    pool, hold = ledger.pool("530300"), ledger.held("530300")
    txn = lot.movements.get().transaction
    with pytest.raises(DatabaseError, match="holding of account"):
        _commit_check("INSERT INTO reserve_movement (transaction_id, lot_id, from_account_id, to_account_id, quantity)"
                      " VALUES (%s, %s, %s, %s, 3)", [txn.pk, lot.pk, pool.pk, hold.pk])


def test_a_lot_not_issued_in_full_is_refused(make_lot, demo):
    lot = make_lot("10", pollutant="SO2")
    with pytest.raises(DatabaseError, match="was issued"):
        _commit_check("UPDATE reserve_lot SET quantity = 12 WHERE id = %s", [lot.pk])
    org = demo["ent_qilin"].organisation
    with pytest.raises(DatabaseError, match="but 0 was issued"):
        with transaction.atomic():
            Lot.objects.create(number="NOT-ISSUED", pollutant=lot.pollutant, quantity=Decimal("5"), enterprise=org,
                               region=org.region, industry=org.industry, source_kind="reduction", status="active",
                               verified_on=timezone.localdate(), valid_until=timezone.localdate())
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    assert not Lot.objects.filter(number="NOT-ISSUED").exists()


def test_a_transaction_that_moves_nothing_is_refused(make_lot):
    make_lot("1", pollutant="SO2")
    with pytest.raises(DatabaseError, match="moves nothing"):
        _commit_check("INSERT INTO reserve_ledgertransaction (sequence, kind, created_at, actor_name, memo, "
                      "subject_label, previous_hash, hash) VALUES (999999, 'transfer', now(), 'x', '', '', '', 'h')")


def test_what_the_posting_service_writes_passes_the_checks(make_lot, demo):
    lot = make_lot("10", pollutant="SO2")
    with transaction.atomic():
        ledger.post(actor=None, kind="transfer", legs=[ledger.Leg(lot, ledger.pool("530300"),
                    ledger.account(AccountKind.ENTERPRISE, demo["ent_huize"].organisation), Decimal("4"))])
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the commit's checks, now: nothing to refuse
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@pytest.mark.django_db(transaction=True)
def test_revocation_and_expiry_of_the_same_lots_at_once(filed, demo):
    """Both take the ledger's head before any lot (ledger/locks.py): whichever comes second waits, then finds the
    lots as the first left them. Repeated, so that each gets to be first."""
    from quota_registry.review import engine
    from reserve.expiry import expire_lots
    from reserve.models import EntryApplication

    outcomes = []
    for _round in range(3):
        item = {"pollutant": "NOX", "quantity": "6", "completion_date": (timezone.localdate()
                                                                          - datetime.timedelta(days=9)).isoformat()}
        data = filed(upto="approved", items=[item, {**item, "pollutant": "SO2"}])
        lots = Lot.objects.filter(entry_item__application_id=data["id"])
        lots.update(valid_until=timezone.localdate() - datetime.timedelta(days=1))
        barrier, errors = threading.Barrier(2), []

        def revoke(pk=data["id"], barrier=barrier, errors=errors):
            barrier.wait()
            try:
                engine.perform(actor=demo["city_approver"], model=EntryApplication, pk=pk, action="revoke",
                               data={"opinion": "核查发现减排量不实（第二十五条）"})
            except Exception as exc:  # noqa: BLE001 - the test reports what went wrong
                errors.append(exc)
            finally:
                connection.close()

        def expire(barrier=barrier, errors=errors):
            barrier.wait()
            try:
                expire_lots(today=timezone.localdate())
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=revoke), threading.Thread(target=expire)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []  # no deadlock, no lock timeout, no refused commit
        assert EntryApplication.objects.get(pk=data["id"]).status == "revoked"
        statuses = set(lots.values_list("status", flat=True))
        assert statuses <= {LotStatus.REVOKED, LotStatus.EXPIRED}
        pool = ledger.pool("530300")
        assert not Holding.objects.filter(account=pool, lot__in=lots, quantity__gt=0).exists()  # nothing left behind
        outcomes.append(frozenset(statuses))
    assert verify().ok
