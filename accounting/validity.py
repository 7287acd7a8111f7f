"""How long an entered quota stays valid (seed 001 Art 15: 5 years from 1 January of the year after the
reduction is verified)."""
import datetime


def valid_until(verified: datetime.date, years: int) -> datetime.date:
    """The last day of validity: counting `years` years from 1 January of the following year."""
    if years < 1:
        raise ValueError("validity must be at least one year")
    return datetime.date(verified.year + years, 12, 31)
