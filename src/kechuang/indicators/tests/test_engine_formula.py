"""The safe formula language of derived indicators: parsing, exact evaluation, errors."""

from decimal import Decimal as D
from decimal import localcontext

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from kechuang.indicators.engine import FormulaError, Period, parse_formula

P = Period(2025, 11)


def ev(text, **values):
    return parse_formula(text).evaluate_mapping({k: D(v) for k, v in values.items()})


class TestEvaluation:
    def test_catalog_ratio_formula(self):
        # 30 / 120 * 100 = 25
        assert ev("HT_IND_VA / IND_VA * 100", HT_IND_VA="30", IND_VA="120") == D(25)

    def test_rd_intensity_is_exact(self):
        # 2.9 / 100 * 100 = 2.9 exactly (a float would give 2.9000000000000004)
        assert ev("RD_EXP / GDP * 100", RD_EXP="2.9", GDP="100") == D("2.9")

    @pytest.mark.parametrize(
        "text,expected",
        [
            ("1 + 2 * 3", "7"),  # * binds tighter than +
            ("(1 + 2) * 3", "9"),
            ("10 - 4 - 3", "3"),  # left associative: (10 - 4) - 3
            ("48 / 4 / 2", "6"),  # (48 / 4) / 2
            ("-2 * 3", "-6"),
            ("2 * -3", "-6"),
            ("- (1 - 4)", "3"),
            ("+5", "5"),
            ("10 / 4", "2.5"),
            ("0.1 + 0.2", "0.3"),
            ("((7))", "7"),
        ],
    )
    def test_precedence_and_associativity(self, text, expected):
        assert ev(text) == D(expected)

    def test_division_by_zero_is_none_not_an_error(self):
        assert ev("A / B * 100", A="5", B="0") is None
        assert ev("A / (B - B)", A="5", B="3") is None
        assert ev("A / B", A="0", B="0") is None

    def test_missing_operand_is_none(self):
        assert ev("A / B * 100", A="5") is None
        assert ev("A + B", B="1") is None
        assert ev("-A") is None

    def test_previous_december_modifier(self):
        f = parse_formula("HTE_VALID - HTE_VALID(previous December)")
        data = {("HTE_VALID", Period(2025, 6)): D(930), ("HTE_VALID", Period(2024, 12)): D(900)}
        # 930 - 900 = 30
        assert f.evaluate(lambda c, p: data.get((c, p)), Period(2025, 6)) == D(30)
        assert f.codes == frozenset({"HTE_VALID"})
        assert [r.modifier for r in f.refs] == [None, "previous december"]

    def test_modifier_spelling_is_forgiving_about_case_and_spaces(self):
        f = parse_formula("X -X ( Previous   december )")
        data = {("X", Period(2025, 3)): D(5), ("X", Period(2024, 12)): D(2)}
        assert f.evaluate(lambda c, p: data.get((c, p)), Period(2025, 3)) == D(3)

    def test_previous_year_modifier(self):
        f = parse_formula("X / X(previous year) * 100 - 100")
        data = {("X", Period(2025, 3)): D(110), ("X", Period(2024, 3)): D(100)}
        # 110 / 100 * 100 - 100 = 10
        assert f.evaluate(lambda c, p: data.get((c, p)), Period(2025, 3)) == D(10)

    def test_modifier_needs_a_period(self):
        with pytest.raises(ValueError):
            parse_formula("X - X(previous December)").evaluate_mapping({"X": D(1)})


class TestErrors:
    @pytest.mark.parametrize(
        "text,position,fragment",
        [
            ("", 0, "empty"),
            ("   ", 3, "empty"),
            ("A +", 3, "end of formula"),
            ("A B", 2, "expected an operator"),
            ("(A + B", 6, "expected ')'"),
            ("A + B)", 5, "unmatched ')'"),
            ("A $ B", 2, "unexpected character"),
            ("A ** B", 3, "expected a number"),
            ("1..2", 0, "malformed number"),
            ("2A", 0, "malformed number"),
            ("A(previous March)", 2, "unknown period modifier"),
            ("A(previous December", 1, "unclosed"),
            ("__import__('os')", 11, "unknown period modifier"),
            ("A.b", 1, "unexpected character"),
            ("* A", 0, "expected a number"),
            ("()", 1, "expected a number"),
        ],
    )
    def test_parse_errors_name_the_position(self, text, position, fragment):
        with pytest.raises(FormulaError) as exc:
            parse_formula(text)
        assert exc.value.position == position
        assert fragment in exc.value.message
        assert repr(text) in str(exc.value)

    def test_deep_nesting_is_refused_not_a_recursion_error(self):
        with pytest.raises(FormulaError):
            parse_formula("(" * 500 + "1" + ")" * 500)
        with pytest.raises(FormulaError):
            parse_formula("-" * 500 + "1")

    def test_formula_must_be_text(self):
        with pytest.raises(TypeError):
            parse_formula(None)  # type: ignore[arg-type]


_values = st.decimals(min_value=D("-1e9"), max_value=D("1e9"), places=4, allow_nan=False, allow_infinity=False)


@given(a=_values, b=_values, c=_values)
@example(a=D("109950933.8320"), b=D("0.9995"), c=D("0.9995"))  # near cancellation
def test_evaluator_agrees_with_direct_decimal_arithmetic(a, b, c):
    got = ev("(A + B) * C - A / B", A=a, B=b, C=c)
    if b == 0:
        assert got is None
    else:
        # The reference in 60 digits (the default 28-digit context is less exact than the engine's 34), and the
        # tolerance relative to the largest intermediate term, since (a + b) * c and a / b may nearly cancel.
        with localcontext() as ctx:
            ctx.prec = 60
            left, right = (a + b) * c, a / b
            expected = left - right
        scale = max(abs(left), abs(right), D(1))
        assert abs(got - expected) <= scale * D("1e-30")


@given(st.text(alphabet="AB01.+-*/() $x_", max_size=30))
def test_parser_never_fails_with_anything_but_formula_error(text):
    try:
        f = parse_formula(text)
    except FormulaError:
        return
    f.evaluate(lambda c, p: D(2), P)  # a parsed formula always evaluates (maybe to None)
