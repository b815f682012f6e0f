"""Period value type and decimal display helpers of the indicator engine."""

import datetime as dt
import pickle
from decimal import Decimal as D

import pytest

from kechuang.indicators.engine import Period, PeriodError, display, to_decimal


class TestPeriod:
    def test_parse_and_format_round_trip(self):
        p = Period.parse("2025-11")
        assert (p.year, p.month) == (2025, 11)
        assert str(p) == "2025-11"
        assert repr(p) == "Period(2025, 11)"
        assert str(Period(987, 1)) == "0987-01"

    @pytest.mark.parametrize("text", ["2025-13", "2025-00", "2025-1", "2025/11", "25-11", "2025-11-01", "", "abcd-ef", "0000-05"])
    def test_parse_rejects_malformed_text_with_a_clear_error(self, text):
        with pytest.raises(PeriodError) as exc:
            Period.parse(text)
        assert "YYYY-MM" in str(exc.value) or "year" in str(exc.value)

    def test_parse_rejects_non_strings(self):
        with pytest.raises(PeriodError):
            Period.parse(202511)  # type: ignore[arg-type]

    @pytest.mark.parametrize("year,month", [(2025, 0), (2025, 13), (0, 1), (2025.0, 1), (True, 1)])
    def test_constructor_validates(self, year, month):
        with pytest.raises(PeriodError):
            Period(year, month)

    def test_previous_year_and_previous_december(self):
        p = Period(2025, 11)
        assert p.previous_year() == Period(2024, 11)
        assert p.previous_december() == Period(2024, 12)
        assert Period(2025, 12).previous_december() == Period(2024, 12)
        assert p.year_start() == Period(2025, 1)

    def test_next_and_previous_cross_the_year(self):
        assert Period(2025, 1).previous() == Period(2024, 12)
        assert Period(2024, 12).next() == Period(2025, 1)
        assert Period(2025, 3) + 10 == Period(2026, 1)
        assert Period(2025, 3) - 3 == Period(2024, 12)
        assert Period(2026, 1) - Period(2025, 3) == 10

    def test_last_day_handles_leap_years(self):
        assert Period(2024, 2).last_day() == dt.date(2024, 2, 29)
        assert Period(2025, 2).last_day() == dt.date(2025, 2, 28)
        assert Period(2025, 11).last_day() == dt.date(2025, 11, 30)
        assert Period(2025, 12).last_day() == dt.date(2025, 12, 31)
        assert Period(2025, 12).first_day() == dt.date(2025, 12, 1)
        assert Period.from_date(dt.date(2025, 7, 31)) == Period(2025, 7)

    def test_range_is_inclusive_and_ordered(self):
        got = list(Period.range(Period(2024, 11), Period(2025, 2)))
        assert [str(p) for p in got] == ["2024-11", "2024-12", "2025-01", "2025-02"]
        assert list(Period.range(Period(2025, 2), Period(2025, 1))) == []

    def test_ordering_equality_hashing(self):
        a, b, c = Period(2024, 12), Period(2025, 1), Period(2025, 1)
        assert a < b and b > a and b <= c and b >= c and b == c
        assert sorted([Period(2025, 3), a, b]) == [a, b, Period(2025, 3)]
        assert len({b, c}) == 1
        assert {(1, b): "x"}[(1, c)] == "x"
        assert Period(2025, 1) == (2025, 1)  # a tuple underneath, for C-speed keyed look-ups
        assert Period(2025, 1) != Period(2025, 2)

    def test_immutable_and_picklable(self):
        p = Period(2025, 6)
        with pytest.raises(AttributeError):
            p.month = 7  # type: ignore[misc]
        q = pickle.loads(pickle.dumps(p))
        assert q == p and type(q) is Period and q.month == 6
        with pytest.raises(TypeError):
            p * 2
        with pytest.raises(TypeError):
            p + (1,)
        with pytest.raises(TypeError):
            p + 1.5

    def test_quarter(self):
        assert [Period(2025, m).quarter for m in (1, 3, 4, 9, 12)] == [1, 1, 2, 3, 4]
        assert [m for m in range(1, 13) if Period(2025, m).is_quarter_end] == [3, 6, 9, 12]


class TestDisplay:
    @pytest.mark.parametrize(
        "value,places,expected",
        [
            (D("2.345"), 2, "2.35"),  # half-up, not banker's (banker's gives 2.34)
            (D("2.344"), 2, "2.34"),
            (D("-2.345"), 2, "-2.35"),  # halves away from zero, as 四舍五入
            (D("0.5"), 0, "1"),
            (D("2.5"), 0, "3"),
            (D("91.66666666666666666666666666666667"), 2, "91.67"),
            (D("1E+3"), 2, "1000.00"),  # never exponent notation
            (D("-0.001"), 2, "0.00"),  # no negative zero
            (D("12"), 1, "12.0"),
            ("7.125", 2, "7.13"),
            (3, 2, "3.00"),
        ],
    )
    def test_half_up(self, value, places, expected):
        assert display(value, places) == expected

    def test_none_and_thousands(self):
        assert display(None) == "—"
        assert display(None, none="") == ""
        assert display(D("1234567.891"), 2, thousands=True) == "1,234,567.89"


class TestToDecimal:
    def test_accepts_exact_inputs(self):
        assert to_decimal(3) == D(3)
        assert to_decimal(" 1,234.50 ") == D("1234.50")
        assert to_decimal(D("0.1")) == D("0.1")

    @pytest.mark.parametrize("bad", [0.1, True, None, [1]])
    def test_refuses_floats_and_non_numbers(self, bad):
        with pytest.raises(TypeError):
            to_decimal(bad)

    @pytest.mark.parametrize("bad", ["abc", "NaN", "Infinity", ""])
    def test_refuses_non_finite_or_garbage_strings(self, bad):
        with pytest.raises(ValueError):
            to_decimal(bad)
