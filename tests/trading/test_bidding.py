"""Timed e-bidding (issue 18; seed 001 Arts 10, 17): a registration deposit confirmed before a bidder may bid, at most
so many bids a bidder, each bidder's best bid standing, a bid in the last minutes extending the close, the live view
with one's own rank and no names, and at the close the winner's deposit counted toward the price, the others'
released; a winner that does not sign or pay forfeits it."""
import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounting import trading as rules
from quota_registry.review import engine
from trading import trades
from trading.models import Deposit, DepositStatus, Trade, TradeParty

T0 = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(("before_close", "minutes", "moved"), [
    (dt.timedelta(minutes=4, seconds=59), 5, True), (dt.timedelta(minutes=5), 5, False),
    (dt.timedelta(seconds=1), 3, True), (dt.timedelta(seconds=1), 0, False)])
def test_a_bid_in_the_last_minutes_extends_the_close(before_close, minutes, moved):
    closes = T0 + dt.timedelta(hours=1)
    bid_at = closes - before_close
    expected = bid_at + dt.timedelta(minutes=minutes) if moved else closes
    assert rules.extended_close(closes, bid_at, minutes) == expected


def test_each_bidders_best_bid_stands():
    bids = [rules.BidIn(1, Decimal("1000"), T0, Decimal("4")), rules.BidIn(2, Decimal("1050"), T0, Decimal("3")),
            rules.BidIn(3, Decimal("1100"), T0 + dt.timedelta(seconds=9), Decimal("4")),
            rules.BidIn(4, Decimal("1100"), T0 + dt.timedelta(seconds=5), Decimal("2"))]
    ranked = rules.best_bids(bids, {1: "a", 2: "b", 3: "a", 4: "b"})
    assert [b.id for b in ranked] == [4, 3]  # equal prices: the earlier first; "a"'s 1000 and "b"'s 1050 raised away


@pytest.fixture
def auction(make_lot, demo):
    lot = make_lot("10", pollutant="SO2")
    city = demo["city_reviewer"]
    trade = trades.trade_create(actor=city, pollutant=lot.pollutant, lots=[(lot, Decimal("10"))])
    engine.perform(actor=city, model=Trade, pk=trade.pk, action="announce")
    for buyer, county in (("ent_huize", "county_huize"), ("ent_xuanwei", "county_xuanwei")):
        engine.perform(actor=demo[buyer], model=Trade, pk=trade.pk, action="interest", data={"wanted_quantity": "8"})
        party = trade.parties.get(organisation=demo[buyer].organisation)
        engine.perform(actor=demo[county], model=TradeParty, pk=party.pk, action="qualify")
    now = timezone.now()
    engine.perform(actor=city, model=Trade, pk=trade.pk, action="method", data={
        "starting_price": "1000", "increment": "50", "bidding_opens": (now - dt.timedelta(minutes=1)).isoformat(),
        "bidding_closes": (now + dt.timedelta(hours=1)).isoformat(), "deposit_amount": "5000", "max_bids": "2",
        "extension_minutes": "5"})
    trade.refresh_from_db()
    return trade


def bid(demo, who, trade, price, quantity="8"):
    return engine.perform(actor=demo[who], model=Trade, pk=trade.pk, action="bid",
                          data={"quantity": quantity, "unit_price": price})


def test_timed_bidding_with_deposits(auction, demo):
    trade = auction
    deposits = {d.party.organisation.name: d for d in Deposit.objects.filter(trade=trade).select_related("party__organisation")}
    assert len(deposits) == 2 and all(d.status == DepositStatus.DUE and d.amount == 5000 for d in deposits.values())
    with pytest.raises(ValidationError, match="5,000.00"):
        bid(demo, "ent_huize", trade, "1050")  # the deposit is not yet received
    for d in deposits.values():
        engine.perform(actor=demo["city_reviewer"], model=Deposit, pk=d.pk, action="confirm",
                       data={"receipt": f"BZJ-{d.pk}"})
    bid(demo, "ent_huize", trade, "1050")
    bid(demo, "ent_xuanwei", trade, "1100", quantity="5")
    bid(demo, "ent_huize", trade, "1150")  # raises its own bid
    with pytest.raises(ValidationError, match="2"):
        bid(demo, "ent_huize", trade, "1200")  # at most 2 bids

    # the live view: the highest price and one's own rank, no other bidder named
    view = trades.live(trade, demo["ent_xuanwei"])
    assert (view["highest"], view["bids"], view["bidders"], view["mine"]["rank"]) == ("1150.00", 3, 2, 2)
    assert demo["ent_huize"].organisation.name not in str(view)

    # a bid in the last five minutes moves the close
    Trade.objects.filter(pk=trade.pk).update(bidding_closes=timezone.now() + dt.timedelta(minutes=2))
    placed = bid(demo, "ent_xuanwei", trade, "1200", quantity="5")
    trade.refresh_from_db()
    assert trade.bidding_closes == placed.created_at + dt.timedelta(minutes=5)

    Trade.objects.filter(pk=trade.pk).update(bidding_closes=timezone.now() - dt.timedelta(seconds=1))
    engine.perform(actor=demo["city_reviewer"], model=Trade, pk=trade.pk, action="close")
    deals = {d.buyer.name: (d.quantity, d.unit_price) for d in trade.deals.select_related("buyer")}
    assert deals == {demo["ent_xuanwei"].organisation.name: (Decimal("5"), Decimal("1200")),
                     demo["ent_huize"].organisation.name: (Decimal("5"), Decimal("1150"))}  # best bids, down the rank
    assert {d.status for d in Deposit.objects.filter(trade=trade)} == {DepositStatus.APPLIED}  # both won a part
    winner = Deposit.objects.get(trade=trade, party__organisation=demo["ent_huize"].organisation)
    engine.perform(actor=demo["city_approver"], model=Deposit, pk=winner.pk, action="forfeit",
                   data={"opinion": "竞得后5个工作日内未签订合同"})
    winner.refresh_from_db()
    assert winner.status == DepositStatus.FORFEITED


def test_a_loser_gets_its_deposit_back(auction, demo):
    trade = auction
    for d in Deposit.objects.filter(trade=trade):
        engine.perform(actor=demo["city_reviewer"], model=Deposit, pk=d.pk, action="confirm", data={"receipt": "x"})
    bid(demo, "ent_huize", trade, "1300", quantity="10")
    bid(demo, "ent_xuanwei", trade, "1000", quantity="10")
    Trade.objects.filter(pk=trade.pk).update(bidding_closes=timezone.now() - dt.timedelta(seconds=1))
    engine.perform(actor=demo["city_reviewer"], model=Trade, pk=trade.pk, action="close")
    status = {d.party.organisation.name: d.status for d in Deposit.objects.filter(trade=trade)
              .select_related("party__organisation")}
    assert status == {demo["ent_huize"].organisation.name: DepositStatus.APPLIED,
                      demo["ent_xuanwei"].organisation.name: DepositStatus.RELEASED}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_bids_placed_at_once_in_the_last_minutes_are_all_kept_and_the_close_follows_the_last(auction, demo):
    """The bid takes the trade's lock late (Step.lock_late): bidders write their decisions side by side and queue only
    for the window check, the bid and the close; none is lost, and the close ends the extension after the last."""
    import threading

    from django.db import connection

    from trading.models import Bid

    for d in Deposit.objects.filter(trade=auction):
        engine.perform(actor=demo["city_reviewer"], model=Deposit, pk=d.pk, action="confirm", data={"receipt": "BZJ"})
    Trade.objects.filter(pk=auction.pk).update(max_bids=None, bidding_closes=timezone.now() + dt.timedelta(minutes=2))
    outcomes, barrier = [], threading.Barrier(2)

    def place(who, start):
        barrier.wait()
        try:
            for i in range(6):
                bid(demo, who, auction, str(start + 100 * i), quantity="4")
                outcomes.append("ok")
        except Exception as exc:  # noqa: BLE001 - the test inspects what came back
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=place, args=(who, start)) for who, start in (("ent_huize", 1000),
                                                                                     ("ent_xuanwei", 1050))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes == ["ok"] * 12
    auction.refresh_from_db()
    stored = list(Bid.objects.filter(trade=auction))
    assert len(stored) == 12
    assert auction.bidding_closes == max(b.placed_at for b in stored) + dt.timedelta(minutes=5)
    ranked = rules.best_bids([rules.BidIn(b.pk, b.unit_price, b.placed_at, b.quantity) for b in stored],
                             {b.pk: b.party_id for b in stored})
    assert [b.id for b in ranked] == [b.pk for b in trades.standing(auction)]
    assert [b.price for b in ranked] == [Decimal("1550"), Decimal("1500")]


def test_a_late_lock_refuses_when_another_step_moved_the_record_meanwhile(auction, demo):
    """Step.lock_late: the record is read again under the lock; if its state moved since it was read (the close ran
    between), the bid is refused (409) and nothing of it stays."""
    from quota_registry.review.engine import TransitionNotAllowed, _lock_now, kind_for
    from quota_registry.review.models import Review

    read = Trade.objects.get(pk=auction.pk)  # what a bid read before its late lock
    Trade.objects.filter(pk=auction.pk).update(status="traded", bidding_closes=timezone.now())
    with pytest.raises(TransitionNotAllowed):
        _lock_now(kind_for(Trade), read, "trading", "bid")
    assert read.status == "traded"  # the fields were read again
    n = Review.objects.count()
    with pytest.raises(TransitionNotAllowed):
        bid(demo, "ent_huize", auction, "1050")
    assert Review.objects.count() == n


def test_an_entry_of_the_citys_list_stops_the_next_bid_at_once(auction, demo):
    """The bidder's party, deposit and the credit gate are read by a compiled query (quota_registry/compiled.py): what
    is compiled is the query, not its answer, so an entry listed between two bids stops the second."""
    from django.core.exceptions import ValidationError

    from quota_registry.orgs.services import restriction_create
    from trading.models import Deposit

    for deposit in Deposit.objects.filter(trade=auction):
        engine.perform(actor=demo["city_reviewer"], model=Deposit, pk=deposit.pk, action="confirm",
                       data={"receipt": "BZJ-1"})
    bid(demo, "ent_huize", auction, "1000")
    restriction_create(actor=demo["city_reviewer"], kind="court_defaulter", organisation=demo["ent_huize"].organisation,
                       reason="（2026）云0302执99号", source="中国执行信息公开网", valid_from=timezone.localdate())
    with pytest.raises(ValidationError, match="失信被执行人"):
        bid(demo, "ent_huize", auction, "1050")
    assert auction.bids.count() == 1
    bid(demo, "ent_xuanwei", auction, "1050")  # another bidder is not stopped
