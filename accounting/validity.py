"""How long an entered quota stays valid (seed 001 Art 15): five years from 1 January of the year after the reduction
is verified (核定确认); for works completed before 1 January 2017, five years from 1 January 2017."""
import datetime

# Seed 001 Art 15: 完成时间在2017年1月1日前的减排工程形成的可交易排污权有效期自2017年1月1日算起5年
LEGACY_START = datetime.date(2017, 1, 1)


def valid_until(verified: datetime.date, years: int, *, completed: datetime.date | None = None) -> datetime.date:
    """The last day of validity: `years` years counted from 1 January of the year after `verified`, or from
    1 January 2017 when the works were `completed` before that day."""
    if years < 1:
        raise ValueError("validity must be at least one year")
    first_year = LEGACY_START.year if completed is not None and completed < LEGACY_START else verified.year + 1
    return datetime.date(first_year + years - 1, 12, 31)
