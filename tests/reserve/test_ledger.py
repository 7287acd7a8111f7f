"""Invariants 1, 2 and 5 of DESIGN.md: holdings never negative, conservation per lot, a verifying hash
chain, append-only rows, every movement naming who and when."""
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import services as ledger
from ledger.models import AccountKind, Holding, LedgerTransaction, Movement, TransactionKind
from ledger.verification import verify


def pool():
    return ledger.pool("530300")


def test_issue_puts_quantity_in_the_pool_and_chains(make_lot, demo):
    before = LedgerTransaction.objects.count()
    lot = make_lot("12.5000")
    assert ledger.balance(pool(), lot) == Decimal("12.5000")
    txn = LedgerTransaction.objects.order_by("-sequence").first()
    assert LedgerTransaction.objects.count() == before + 1
    assert txn.previous_hash == (LedgerTransaction.objects.filter(sequence=txn.sequence - 1).first().hash
                                 if txn.sequence > 1 else "0" * 64)
    assert txn.actor_name == "system" and txn.created_at is not None
    assert verify().ok


def test_overdraw_is_refused_and_changes_nothing(make_lot, demo):
    lot = make_lot("5")
    count = Movement.objects.count()
    with pytest.raises(ledger.InsufficientQuantity):
        ledger.hold(actor=demo["city_approver"], allocations=[(lot, Decimal("5.0001"))], subject=lot)
    assert ledger.balance(pool(), lot) == Decimal("5.0000") and Movement.objects.count() == count
    assert verify().ok


def test_hold_release_and_reversal(make_lot, demo):
    lot = make_lot("10")
    held = ledger.hold(actor=demo["city_approver"], allocations=[(lot, Decimal("4"))], subject=lot)
    assert ledger.balance(pool(), lot) == Decimal("6") and ledger.balance(ledger.held("530300"), lot) == 4
    release = ledger.release(actor=demo["city_approver"], hold_transaction=held)
    assert release.reverses == held and release.kind == TransactionKind.RELEASE
    assert ledger.balance(pool(), lot) == Decimal("10")
    with pytest.raises(ValidationError):
        ledger.release(actor=demo["city_approver"], hold_transaction=held)  # at most once
    with pytest.raises(ValidationError):
        ledger.reverse(actor=demo["city_approver"], original=LedgerTransaction.objects.get(
            kind=TransactionKind.ISSUE, movements__lot=lot))  # issues are never reversed
    assert verify().ok


def test_movement_quantities_are_exact_decimals(make_lot, demo):
    lot = make_lot("0.0003")
    with pytest.raises(ValueError):
        ledger.hold(actor=None, allocations=[(lot, Decimal("0.00001"))], subject=lot)
    with pytest.raises(ValueError):
        ledger.hold(actor=None, allocations=[(lot, 0.0001)], subject=lot)


class Undone(Exception):
    """Raised to undo a test's tampering with the ledger before the test ends."""


def test_verify_ledger_detects_a_tampered_holding(make_lot, demo, capsys):
    lot = make_lot("7")
    call_command("verify_ledger")
    assert "ledger verified" in capsys.readouterr().out
    with pytest.raises(Undone), transaction.atomic():  # undone: the database refuses it at commit (ledger 0003)
        Holding.objects.filter(lot=lot, account__kind=AccountKind.POOL).update(quantity=Decimal("8"))
        report = verify()
        assert not report.ok and any("stored 8" in p for p in report.problems)
        with pytest.raises(Exception, match="difference"):
            call_command("verify_ledger", "--full")
        raise Undone


def test_verify_detects_a_broken_chain(make_lot, demo):
    make_lot("1")
    make_lot("2")
    with pytest.raises(Undone), transaction.atomic():  # undone before the test's end: the triggers would refuse it
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # simulate tampering by someone who disabled the trigger
                cursor.execute("SET LOCAL session_replication_role = replica")  # triggers off, as a superuser could
                cursor.execute("UPDATE reserve_movement SET quantity = quantity + 1 "
                               "WHERE id = (SELECT max(id) FROM reserve_movement)")
                cursor.execute("SET LOCAL session_replication_role = origin")
        else:
            Movement.objects.filter(pk=Movement.objects.order_by("-pk").first().pk).update(quantity=Decimal("3"))
        problems = verify().problems
        assert any("does not match its hash" in p for p in problems)
        raise Undone


@pytest.mark.postgres
def test_append_only_trigger_refuses_update_and_delete(make_lot, demo):
    make_lot("3")
    txn = LedgerTransaction.objects.order_by("-sequence").first()
    for statement in (lambda: LedgerTransaction.objects.filter(pk=txn.pk).update(memo="changed"),
                      lambda: Movement.objects.filter(transaction=txn).update(quantity=Decimal("1")),
                      lambda: Movement.objects.filter(transaction=txn).delete()):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            statement()
    assert verify().ok


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_holds_never_overdraw():
    """Invariant 1 under concurrency: 8 threads each try to hold 3 of a 10-unit lot; exactly 3 succeed."""
    from tests.conftest import _ensure_demo

    _ensure_demo()
    from quota_registry.orgs.models import User
    from tests.reserve.conftest import Lot

    approver = User.objects.get(username="city_approver")
    org = User.objects.get(username="ent_qilin").organisation
    import datetime

    from django.utils import timezone

    from quota_registry.reference.models import Pollutant

    lot = Lot(number="CONC-1", pollutant=Pollutant.objects.get(code="NOX"), quantity=Decimal("10"),
                             enterprise=org, region=org.region, industry=org.industry, source_kind="reduction",
                             status="active", verified_on=timezone.localdate(),
                             valid_until=timezone.localdate() + datetime.timedelta(days=30))
    ledger.issue(actor=None, lots=[lot], subject=None)  # saved and issued in one transaction
    results, barrier = [], threading.Barrier(8)

    def worker():
        from django.db import connection as conn

        barrier.wait()
        try:
            ledger.hold(actor=approver, allocations=[(lot, Decimal("3"))], subject=lot)
            results.append("ok")
        except ledger.InsufficientQuantity:
            results.append("refused")
        finally:
            conn.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 3 and results.count("refused") == 5
    assert ledger.balance(ledger.pool("530300"), lot) == Decimal("1")
    assert verify().ok


OPS = st.lists(st.one_of(
    st.tuples(st.just("issue"), st.integers(min_value=1, max_value=50)),
    st.tuples(st.just("hold"), st.integers(min_value=0, max_value=9), st.integers(min_value=1, max_value=30)),
    st.tuples(st.just("transfer"), st.integers(min_value=0, max_value=9), st.integers(min_value=1, max_value=30)),
    st.tuples(st.just("release"), st.integers(min_value=0, max_value=9)),
    st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=9)),
), min_size=1, max_size=25)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(ops=OPS)
def test_random_sequences_keep_the_ledger_sound(make_lot, demo, ops):
    """Hypothesis-generated sequences of issues, holds, transfers, releases and reversals: every refused
    step changes nothing, holdings stay >= 0 and verify_ledger stays clean."""
    actor = demo["city_approver"]
    enterprise = ledger.account(AccountKind.ENTERPRISE, demo["ent_huize"].organisation)
    lots, txns = [], []
    expected_pool = {}
    for op in ops:
        if op[0] == "issue":
            lot = make_lot(str(op[1]))
            lots.append(lot)
            expected_pool[lot.pk] = Decimal(op[1])
            continue
        if not lots:
            continue
        if op[0] in ("hold", "transfer"):
            lot, q = lots[op[1] % len(lots)], Decimal(op[2])
            try:
                if op[0] == "hold":
                    txns.append(ledger.hold(actor=actor, allocations=[(lot, q)], subject=lot))
                else:
                    txns.append(ledger.post(actor=actor, kind=TransactionKind.TRANSFER,
                                            legs=[ledger.Leg(lot, pool(), enterprise, q)]))
                expected_pool[lot.pk] -= q
            except ledger.InsufficientQuantity:
                assert q > expected_pool[lot.pk]
        elif txns:
            txn = txns[op[1] % len(txns)]
            try:
                if op[0] == "release" and txn.kind == TransactionKind.HOLD:
                    ledger.release(actor=actor, hold_transaction=txn)
                else:
                    ledger.reverse(actor=actor, original=txn)
                for m in txn.movements.all():
                    expected_pool[m.lot_id] += m.quantity
            except ValidationError:
                assert LedgerTransaction.objects.filter(reverses=txn).exists()
            except ValueError:
                assert txn.kind != TransactionKind.HOLD
        assert not Holding.objects.filter(quantity__lt=0).exists()
    for lot in lots:
        assert ledger.balance(pool(), lot) == expected_pool[lot.pk]
    report = verify()
    assert report.ok, report.problems


def test_ledger_pages_count_the_whole_ledger_from_the_chain_head(make_lot, demo):
    from ledger.selectors import LedgerPaginator, ledger_transactions

    lot = make_lot("5")
    ledger.hold(actor=demo["city_approver"], allocations=[(lot, Decimal("1"))], subject=lot)
    make_lot("3")
    whole, holds = ledger_transactions(), ledger_transactions().filter(kind=TransactionKind.HOLD)
    assert LedgerPaginator(whole, 20).count == whole.count() == 3
    assert LedgerPaginator(holds, 20).count == holds.count() == 1


def test_the_ledger_api_gives_each_transactions_movements_in_a_fixed_number_of_queries(make_lot, demo, api_as):
    """The city's ledger over REST: each transaction with its movements (lot, factor, both accounts by name,
    quantity), as the ledger's page names them; a page reads its movements in one query, however many it holds."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api_as("city_reviewer")
    lot = make_lot("7.5", "NOX")
    txn = ledger.hold(actor=demo["city_approver"], allocations=[(lot, Decimal("2.25"))], subject=lot)
    expected = [{"lot": lot.number, "pollutant": "NOX", "from_account": str(ledger.pool("530300")),
                 "to_account": str(ledger.held("530300")), "quantity": "2.2500"}]
    listed = {t["sequence"]: t for t in client.get("/api/v1/ledger/").json()["results"]}
    assert listed[txn.sequence]["movements"] == expected
    assert client.get(f"/api/v1/ledger/{txn.pk}/").json()["movements"] == expected

    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/ledger/")
    for n in range(4):
        make_lot(str(n + 1), "SO2")
    with CaptureQueriesContext(connection) as more:
        assert len(client.get("/api/v1/ledger/").json()["results"]) >= 6
    assert len(more) == len(few)
