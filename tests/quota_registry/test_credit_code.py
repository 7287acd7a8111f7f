import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from quota_registry.orgs.credit_code import (
    ALPHABET,
    check_character,
    is_valid,
    make_code,
    problem,
    validate_credit_code,
)

# Published codes of real organisations (from their business licences).
REAL_CODES = [
    "91350100M000100Y43",  # the example printed in GB 32100-2015
    "91110000600037341L",  # a Beijing enterprise
    "11100000000013127D",  # a central government department
]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_valid(code):
    assert problem(code) is None


def test_lower_case_and_spaces_are_normalised():
    assert is_valid(" 91350100m000100y43 ")


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("91350100M000100Y4", "18"),  # too short
        ("91350100M000100Y44", "check character"),  # wrong check character
        ("91350100M000100I43", "I"),  # forbidden letter
        ("913501A0M000100Y43", "digits"),  # division code with a letter
        ("", "18"),
    ],
)
def test_invalid_codes_say_what_is_wrong(code, fragment):
    from django.utils import translation

    with translation.override("en"):
        message = problem(code)
    assert message is not None and fragment in message


def test_validator_raises_with_chinese_message():
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        validate_credit_code("91350100M000100Y44")
    assert "校验码" in exc.value.messages[0]


def test_check_character_weights():
    # The weights of GB 32100-2015, Table 2.
    from quota_registry.orgs.credit_code import WEIGHTS

    assert WEIGHTS == [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


body = st.text(alphabet=ALPHABET, min_size=2, max_size=2).flatmap(
    lambda head: st.builds(
        lambda division, rest: head + division + rest,
        st.from_regex(r"[0-9]{6}", fullmatch=True),
        st.text(alphabet=ALPHABET, min_size=9, max_size=9),
    )
)


@given(body)
def test_any_body_with_its_check_character_is_valid(first17):
    assert is_valid(first17 + check_character(first17))


@given(body, st.integers(min_value=0, max_value=16), st.sampled_from(ALPHABET))
def test_any_single_substitution_is_detected(first17, position, replacement):
    code = first17 + check_character(first17)
    mutated = code[:position] + replacement + code[position + 1:]
    if mutated != code:
        assert not is_valid(mutated)


def test_make_code_builds_valid_codes():
    assert is_valid(make_code("91", "530302", 12345678))
