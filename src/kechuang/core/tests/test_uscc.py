import pytest

from kechuang.core.uscc import check_char, is_valid_uscc, make_uscc, uscc_error

# Real published codes (GB 32100 examples seen on public licences) used as known-good values.
KNOWN_GOOD = ["91350100M000100Y43", "91110000600001760P"]


@pytest.mark.parametrize("code", KNOWN_GOOD)
def test_known_codes_validate(code):
    assert is_valid_uscc(code)


def test_generated_codes_validate_and_change_of_any_char_breaks_check():
    code = make_uscc("330212", 12345678)
    assert is_valid_uscc(code)
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    assert uscc_error(wrong) == "统一社会信用代码校验位错误"


def test_messages_name_the_problem():
    assert "18位" in uscc_error("9133021")
    assert "非法字符" in uscc_error("91330212MA2AXXXXXI")  # I is not in the charset
    assert uscc_error("") == "统一社会信用代码不能为空"


def test_check_char_formula_by_hand():
    # 17 zeros weigh 0 → (31 - 0 % 31) % 31 = 0 → '0'
    assert check_char("0" * 17) == "0"
    # '1' then zeros: 1*1 = 1 → 31 - 1 = 30 → CHARSET[30] = 'Y'
    assert check_char("1" + "0" * 16) == "Y"
