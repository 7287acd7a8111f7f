"""The one-ledger's arithmetic (accounting/onebook.py; seed 002 Art 7, issue 19), with its own flows."""
from decimal import Decimal

from accounting.onebook import Flow, book, months_between

D = Decimal
QJ, HH = 1, 2


def rows_by(rows):
    return {(r.city, r.factor, r.month): r for r in rows}


def test_flows_are_classified_by_the_other_side_of_the_pool():
    flows = [Flow("2026-01", "SO2", "source", None, "pool", QJ, D("100")),  # an entry approved: added
             Flow("2026-01", "SO2", "enterprise", None, "pool", QJ, D("5.5")),  # returned: added
             Flow("2026-01", "SO2", "pool", QJ, "hold", None, D("30")),  # held for a withdrawal: used
             Flow("2026-01", "SO2", "hold", None, "pool", QJ, D("10")),  # the hold given back: a use undone
             Flow("2026-01", "SO2", "pool", QJ, "expired", None, D("1.25"))]
    r = rows_by(book(flows, cities=[QJ], factors=["SO2"], months=["2026-01"]))[(QJ, "SO2", "2026-01")]
    assert (r.opening, r.added, r.used, r.transferred_in, r.transferred_out) == (0, D("105.5"), D("21.25"), 0, 0)
    assert r.closing == D("84.25")


def test_a_transfer_leaves_one_city_and_enters_the_other_and_the_province_is_their_sum():
    flows = [Flow("2026-03", "COD", "source", None, "pool", HH, D("40")),
             Flow("2026-04", "COD", "pool", HH, "pool", QJ, D("15.0001"))]
    rows = rows_by(book(flows, cities=[QJ, HH], factors=["COD"], months=["2026-04"]))
    hh, qj, province = rows[(HH, "COD", "2026-04")], rows[(QJ, "COD", "2026-04")], rows[(None, "COD", "2026-04")]
    assert (hh.opening, hh.transferred_out, hh.closing) == (D("40"), D("15.0001"), D("24.9999"))
    assert (qj.opening, qj.transferred_in, qj.closing) == (0, D("15.0001"), D("15.0001"))
    assert province.transferred_in == province.transferred_out == D("15.0001")
    assert province.closing == hh.closing + qj.closing == D("40")


def test_the_opening_is_carried_from_months_not_shown_and_every_month_adds_up():
    flows = [Flow("2025-11", "NOX", "source", None, "pool", QJ, D("7")),
             Flow("2026-02", "NOX", "pool", QJ, "used", None, D("2"))]
    months = months_between("2026-01", "2026-03")
    rows = rows_by(book(flows, cities=[QJ], factors=["NOX"], months=months))
    assert [rows[(QJ, "NOX", m)].opening for m in months] == [D("7"), D("7"), D("5")]
    for r in rows.values():
        assert r.closing == r.opening + r.added - r.used + r.transferred_in - r.transferred_out


def test_a_move_within_one_city_s_pool_is_not_a_transfer():
    flows = [Flow("2026-05", "SO2", "pool", QJ, "pool", QJ, D("3"))]
    r = rows_by(book(flows, cities=[QJ], factors=["SO2"], months=["2026-05"]))[(QJ, "SO2", "2026-05")]
    assert r.transferred_in == r.transferred_out == r.closing == 0


def test_months_between_crosses_the_year():
    assert months_between("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]


def test_a_buy_back_adds_and_a_reversed_issue_takes_the_addition_back():
    """Seed 001 Art 5: quota bought back from an enterprise's offer (ESCROW) or a pledge's sale (PLEDGED) is added to
    the reserve; an entry's issue reversed (back to SOURCE) is not a use, it undoes the addition."""
    flows = [Flow("2026-06", "COD", "source", None, "pool", QJ, D("20")),
             Flow("2026-06", "COD", "escrow", None, "pool", QJ, D("3")),
             Flow("2026-06", "COD", "pledged", None, "pool", QJ, D("1.5")),
             Flow("2026-06", "COD", "pool", QJ, "source", None, D("20"))]
    r = rows_by(book(flows, cities=[QJ], factors=["COD"], months=["2026-06"]))[(QJ, "COD", "2026-06")]
    assert (r.added, r.used, r.closing) == (D("4.5"), 0, D("4.5"))
