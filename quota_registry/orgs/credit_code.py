"""The unified social credit code (统一社会信用代码) of GB 32100-2015.

18 characters from a 31-character alphabet (digits and capitals without I, O, S, V, Z):
1 registration authority, 2 organisation type, 3-8 administrative division (GB/T 2260, digits),
9-17 organisation code (GB 11714), 18 check character.

Check character: with weights w_i = 3^(i-1) mod 31 over the first 17 characters,
C18 = 31 - (sum(value_i * w_i) mod 31), where 31 maps to 0.
"""
from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
WEIGHTS = [pow(3, i, 31) for i in range(17)]  # 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28
_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")

GB11714_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]


def check_character(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters."""
    total = sum(VALUE[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def gb11714_check(first8: str) -> str:
    """The check character of an 8-character organisation code body (GB 11714); used to make demo data."""
    total = sum(VALUE[ch] * w for ch, w in zip(first8, GB11714_WEIGHTS, strict=True))
    c = 11 - total % 11
    return {10: "X", 11: "0"}.get(c, str(c))


def normalise(code: str) -> str:
    return (code or "").strip().upper()


def problem(code: str) -> str | None:
    """None if `code` is a valid credit code, else what is wrong with it (for the person to fix)."""
    code = normalise(code)
    if len(code) != 18:
        return _("A unified social credit code has 18 characters; this one has %(n)d.") % {"n": len(code)}
    bad = sorted({ch for ch in code if ch not in VALUE})
    if bad:
        return _("Characters %(chars)s cannot appear in a unified social credit code (I, O, S, V and Z are never used).") % {
            "chars": "".join(bad)
        }
    if not _SHAPE.match(code):
        return _("Characters 3 to 8 of a unified social credit code are the division code and must be digits.")
    expected = check_character(code[:17])
    if code[17] != expected:
        return _("The check character (the last one) does not match: please check the code for typing errors.")
    return None


def is_valid(code: str) -> bool:
    return problem(code) is None


def validate_credit_code(value: str) -> None:
    """Django validator."""
    message = problem(value)
    if message:
        raise ValidationError(message, code="invalid_credit_code")


def make_code(prefix: str, region_code: str, serial: int) -> str:
    """A well-formed code for demo and test data: `prefix` (2 chars), the division, an 8-digit serial
    with its GB 11714 check character, and the GB 32100 check character."""
    body = f"{serial:08d}"
    first17 = f"{prefix}{region_code}{body}{gb11714_check(body)}"
    return first17 + check_character(first17)
