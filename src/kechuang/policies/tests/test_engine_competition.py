"""Competition scoring in the pure engine: exact aggregates, ranking with ties, advancement rules per division."""
from decimal import Decimal as D
from fractions import Fraction

import pytest

from kechuang.policies.engine.competition import (
    EntryScores,
    NotEnoughScores,
    Rule,
    aggregate,
    parse_rule,
    rank_round,
)
from kechuang.policies.engine.errors import DefinitionError
from kechuang.policies.engine.events import premium_rate, share, task_state


def s(*xs):
    return tuple(D(str(x)) for x in xs)


def test_aggregations_are_exact():
    scores = s(60, 60, 60, 100, 100)
    assert aggregate(scores, "mean") == Fraction(380, 5)
    assert aggregate(scores, "trimmed_mean") == Fraction(220, 3)  # drop one 60 and one 100: (60+60+100)/3
    assert aggregate(scores, "median") == 60
    assert aggregate(scores, "sum") == 380
    with pytest.raises(NotEnoughScores):
        aggregate(s(90, 80), "trimmed_mean")


def test_ties_share_a_rank_and_all_tied_at_the_cut_off_advance():
    entries = [EntryScores("a", "R", s(90, 90, 90)), EntryScores("b", "R", s(85, 85, 85)),
               EntryScores("c", "R", s(85, 85, 85)), EntryScores("d", "R", s(80, 80, 80))]
    out = rank_round(entries, "mean", {"R": Rule("top_n", n=2)}, min_scores=3)
    got = {r.entry: (r.rank, r.advanced) for r in out.results}
    assert got == {"a": (1, True), "b": (2, True), "c": (2, True), "d": (4, False)}


def test_threshold_is_inclusive_and_rules_apply_per_division():
    entries = [EntryScores("x", "O", s(80, 80, 80)), EntryScores("y", "O", s("79.99", "79.99", "79.99")),
               EntryScores("z", "R", s(10, 10, 10))]
    out = rank_round(entries, "mean", {"O": Rule("threshold", threshold=D(80)), "R": Rule("top_n", n=1)})
    assert {r.entry: r.advanced for r in out.results} == {"x": True, "y": False, "z": True}


def test_entries_short_of_scores_are_listed_not_ranked():
    out = rank_round([EntryScores("a", "R", s(90, 90)), EntryScores("b", "R", s(80, 80, 80))], "trimmed_mean",
                     {"R": Rule("all")}, min_scores=3)
    assert out.incomplete == [("a", 2, 3)] and not out.complete


def test_rule_validation():
    with pytest.raises(DefinitionError):
        parse_rule("top_n", 0)
    with pytest.raises(DefinitionError):
        parse_rule("threshold", threshold="abc")
    assert parse_rule("threshold", threshold="80").threshold == D(80)


def test_premium_share_and_task_state():
    import datetime as dt

    assert premium_rate(D(300000), D(400000)) == Fraction(1, 3)
    assert premium_rate(D(300000), None) is None
    assert share(3, 0) is None and share(1, 4) == Fraction(1, 4)
    day = dt.date(2025, 6, 30)
    assert task_state(day, 50, dt.date(2025, 7, 1)) == "overdue"
    assert task_state(day, 50, day) == "due_soon"
    assert task_state(day, 100, dt.date(2025, 8, 1), completed_on=dt.date(2025, 7, 2)) == "done_late"
    assert task_state(day, 10, dt.date(2025, 1, 1)) == "on_track"
