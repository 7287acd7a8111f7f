"""The lot expiry job: through the posting service, notices 90 and 30 days ahead, safe to rerun."""
import datetime as dt
from decimal import Decimal

from django.core.management import call_command

from ledger import services as ledger
from ledger.models import AccountKind, Lot, LotStatus, TransactionKind
from ledger.verification import verify
from quota_registry.notifications.models import Notification
from reserve.expiry import expire_lots, notify_expiring
from reserve.models import LotExpiryNotice


def test_expired_lot_leaves_the_pool_once(make_lot, demo):
    lot = make_lot("20", pollutant="NOX")
    Lot.objects.filter(pk=lot.pk).update(valid_until=dt.date(2026, 11, 20))
    ledger.hold(actor=None, allocations=[(lot, Decimal("5"))], subject=lot)
    assert expire_lots(today=dt.date(2026, 11, 20)) == 0  # still valid on its last day
    assert expire_lots(today=dt.date(2026, 11, 21)) == 1
    lot.refresh_from_db()
    assert lot.status == LotStatus.EXPIRED
    assert ledger.balance(ledger.pool("530300"), lot) == 0
    assert ledger.balance(ledger.account(AccountKind.EXPIRED), lot) == Decimal("15")
    assert ledger.balance(ledger.held("530300"), lot) == Decimal("5")  # a pending withdrawal keeps its hold
    assert expire_lots(today=dt.date(2026, 11, 22)) == 0
    assert lot.movements.filter(transaction__kind=TransactionKind.EXPIRE).count() == 1
    assert verify().ok


def test_notices_90_and_30_days_ahead_once(make_lot, demo):
    lot = make_lot("20", pollutant="NOX")
    Lot.objects.filter(pk=lot.pk).update(valid_until=dt.date(2027, 2, 1))
    assert notify_expiring(today=dt.date(2026, 10, 1)) == 0
    assert notify_expiring(today=dt.date(2026, 11, 5)) == 1  # within 90 days
    assert notify_expiring(today=dt.date(2026, 11, 6)) == 0
    assert notify_expiring(today=dt.date(2027, 1, 5)) == 1  # within 30 days
    assert sorted(LotExpiryNotice.objects.filter(lot=lot).values_list("days_ahead", flat=True)) == [30, 90]
    subjects = Notification.objects.filter(recipient=demo["ent_qilin"], subject__contains=lot.number)
    assert subjects.count() == 2
    assert Notification.objects.filter(recipient=demo["city_approver"], subject__contains=lot.number).count() == 2


def test_expire_command(make_lot, demo, capsys):
    lot = make_lot("3", pollutant="VOCS")
    Lot.objects.filter(pk=lot.pk).update(valid_until=dt.date(2020, 12, 31))
    call_command("expire_lots")
    assert "lots expired: 1" in capsys.readouterr().out
    assert verify().ok
