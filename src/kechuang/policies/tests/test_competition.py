"""Must show: a maker competition with regional and overseas divisions and 3 rounds, where advancement follows
the configured rule (top-N per division with ties at the cut-off, a per-division score line), tested end to end."""
from decimal import Decimal as D

import pytest

from kechuang.core.errors import ValidationFailed
from kechuang.policies import selectors, services
from kechuang.policies.models import Entry, RoundResult

pytestmark = pytest.mark.django_db

JUDGES = ["张评委", "王评委", "李评委", "赵评委", "陈评委"]

# Round 1: five judges; the aggregate is the mean after dropping one highest and one lowest score.
ROUND1 = {
    "R1": (90, 88, 86, 70, 99),      # drop 70, 99 → (86+88+90)/3 = 88
    "R2": (85, 85, 85, 85, 85),      # 85
    "R3": (100, 60, 84, 84, 84),     # drop 60, 100 → 84 (the plain mean would be 82.4)
    "R4": (95, 40, 83, 83, 86),      # drop 40, 95 → (83+83+86)/3 = 84: tied with R3 for 3rd
    "R5": (50, 83, 83, 83, 99),      # 83 (plain mean 79.6)
    "R6": (82, 82, 82, 82, 82),      # 82
    "O1": (81, 79, 80, 80, 80),      # drop 79, 81 → 80: exactly on the overseas line of 80 → advances
    "O2": (79.99,) * 5,              # 79.99: below the line
    "O3": (90, 90, 90, 90, 90),      # 90
    "O4": (100, 100, 60, 60, 60),    # drop 60, 100 → (60+60+100)/3 = 73.3333… (plain mean 76)
}
# Round 2: three judges (trimmed mean of three = the middle score); top 2 regional, top 1 overseas.
ROUND2 = {"R1": (80, 80, 80), "R2": (70, 90, 95), "R3": (85, 86, 99), "R4": (60, 60, 60),
          "O1": (88, 88, 88), "O3": (70, 75, 80)}
# Final: top 1 of each division.
ROUND3 = {"R2": (91, 92, 93), "R3": (95, 96, 97), "O1": (85, 86, 87)}


@pytest.fixture
def contest(bureau, ent_a):
    comp = services.competition_save(user=bureau, data={
        "title": "创客大赛", "year": 2025, "aggregation": "trimmed_mean", "min_judges": 3, "status": "published"})
    services.division_save(user=bureau, competition=comp, data={"code": "regional", "name": "区域赛"})
    overseas = services.division_save(user=bureau, competition=comp, data={"code": "overseas", "name": "海外赛"})
    r1 = services.round_save(user=bureau, competition=comp, data={"number": 1, "name": "初赛", "rule": "top_n", "top_n": 3})
    services.division_rule_save(user=bureau, round=r1, division=overseas, data={"rule": "threshold", "threshold": "80"})
    r2 = services.round_save(user=bureau, competition=comp, data={"number": 2, "name": "复赛", "rule": "top_n", "top_n": 2})
    services.division_rule_save(user=bureau, round=r2, division=overseas, data={"rule": "top_n", "top_n": 1})
    r3 = services.round_save(user=bureau, competition=comp, data={"number": 3, "name": "决赛", "rule": "top_n", "top_n": 1})
    entries = {}
    for code in ROUND1:
        data = {"division": "regional" if code.startswith("R") else "overseas", "team": f"团队{code}",
                "project": f"项目{code}", "origin": "" if code.startswith("R") else "新加坡"}
        if code == "R1":
            data = {"division": "regional", "enterprise": ent_a.uscc, "project": "项目R1"}
        entries[code] = services.entry_save(user=bureau, competition=comp, data=data)
    return comp, (r1, r2, r3), entries


def _score(bureau, rnd, entries, table):
    for code, scores in table.items():
        for judge, value in zip(JUDGES, scores):
            services.score_save(user=bureau, round=rnd, entry=entries[code], judge=judge, score=str(value))


def _advanced(rnd, entries):
    names = {e.pk: code for code, e in entries.items()}
    return {names[r.entry_id] for r in RoundResult.objects.filter(round=rnd, advanced=True)}


def test_three_rounds_follow_the_configured_rules(bureau, contest):
    _comp, (r1, r2, r3), entries = contest
    assert entries["R1"].team == "宁波甲科技有限公司"  # an enterprise entry is named after the enterprise
    _score(bureau, r1, entries, ROUND1)
    services.round_close(user=bureau, round=r1)
    # regional top 3 with R3 and R4 tied for 3rd → 4 advance; overseas: score ≥ 80 (inclusive)
    assert _advanced(r1, entries) == {"R1", "R2", "R3", "R4", "O1", "O3"}
    res = {r.entry_id: r for r in RoundResult.objects.filter(round=r1)}
    assert (res[entries["R3"].pk].rank, res[entries["R4"].pk].rank, res[entries["R5"].pk].rank) == (3, 3, 5)
    assert res[entries["O4"].pk].aggregate == D("73.3333")
    assert res[entries["O1"].pk].aggregate == D("80.0000") and res[entries["O1"].pk].advanced

    assert {e.pk for e in selectors.round_participants(r2)} == {entries[c].pk for c in ROUND2}
    with pytest.raises(ValidationFailed) as exc:  # R5 did not advance
        services.score_save(user=bureau, round=r2, entry=entries["R5"], judge="张评委", score="99")
    assert exc.value.errors[0]["code"] == "not_in_round"
    _score(bureau, r2, entries, ROUND2)
    services.round_close(user=bureau, round=r2)
    # regional: R2 90, R3 86, R1 80, R4 60 → top 2; overseas override top 1: O1 88 beats O3 75
    assert _advanced(r2, entries) == {"R2", "R3", "O1"}

    _score(bureau, r3, entries, ROUND3)
    services.round_close(user=bureau, round=r3)
    final = {r.entry_id: (r.rank, r.advanced) for r in RoundResult.objects.filter(round=r3)}
    assert final == {entries["R3"].pk: (1, True), entries["R2"].pk: (2, False), entries["O1"].pk: (1, True)}


def test_rounds_close_in_order_and_only_with_every_score(bureau, contest):
    _comp, (r1, r2, _r3), entries = contest
    with pytest.raises(ValidationFailed) as exc:
        services.round_close(user=bureau, round=r2)
    assert "上一轮" in exc.value.errors[0]["message"]
    _score(bureau, r1, entries, {k: v[:2] for k, v in ROUND1.items()})  # only two judges so far
    with pytest.raises(ValidationFailed) as exc:
        services.round_close(user=bureau, round=r1)
    assert len(exc.value.errors) == 10 and "至少需要3个" in exc.value.errors[0]["message"]
    assert selectors.round_participants(r2).count() == 0  # nothing advances before round 1 is closed


def test_scores_are_validated(bureau, contest):
    _comp, (r1, _, _), entries = contest
    for bad in ("101", "-1", "80.123", "abc"):
        with pytest.raises(ValidationFailed):
            services.score_save(user=bureau, round=r1, entry=entries["R1"], judge="张评委", score=bad)
    services.score_save(user=bureau, round=r1, entry=entries["R1"], judge="张评委", score="88.5")
    services.score_save(user=bureau, round=r1, entry=entries["R1"], judge="张评委", score="89")  # a correction
    assert entries["R1"].scores.get().score == D("89.00")


def test_scoring_method_is_frozen_after_a_round_closes_and_reopen_clears_results(bureau, contest):
    comp, (r1, _r2, _), entries = contest
    _score(bureau, r1, entries, ROUND1)
    services.round_close(user=bureau, round=r1)
    with pytest.raises(ValidationFailed):
        services.competition_save(user=bureau, competition=comp, data={"aggregation": "mean"})
    with pytest.raises(ValidationFailed):
        services.entry_save(user=bureau, competition=comp, data={"division": "regional", "team": "迟到", "project": "晚报名"})
    services.round_reopen(user=bureau, round=r1)
    assert not RoundResult.objects.filter(round=r1).exists()


def test_competition_pages_by_role(client_as, bureau, assistant_a, clerk_a, contest):
    comp, (r1, _, _), entries = contest
    _score(bureau, r1, entries, ROUND1)
    c = client_as(bureau)
    page = c.get(f"/policies/competitions/{comp.pk}/").content.decode()
    assert "张评委" in page and "团队O4" in page
    assert c.get(f"/policies/rounds/{r1.pk}/scores/").status_code == 200
    r = c.post(f"/policies/rounds/{r1.pk}/close/")
    assert r.status_code == 302 and RoundResult.objects.filter(round=r1).count() == 10
    api = c.get(f"/api/policies/competitions/{comp.pk}").json()
    assert [d["code"] for d in api["divisions"]] == ["regional", "overseas"]
    assert sum(1 for x in api["rounds"][0]["results"] if x["advanced"]) == 6

    town = client_as(assistant_a)
    page = town.get(f"/policies/competitions/{comp.pk}/").content.decode()
    assert "团队O4" in page and "张评委" not in page  # published results yes, the judges' sheets no
    assert town.get(f"/policies/rounds/{r1.pk}/scores/").status_code == 404
    assert town.post(f"/policies/rounds/{r1.pk}/reopen/").status_code == 404
    assert town.post(f"/api/policies/rounds/{r1.pk}/scores", {"entry_id": entries["R1"].pk, "judge": "x", "score": 1},
                     content_type="application/json").status_code == 404


def test_draft_competition_is_invisible_outside_the_bureau(client_as, bureau, assistant_a, clerk_a):
    comp = services.competition_save(user=bureau, data={"title": "筹备中的大赛", "year": 2025})
    for user in (assistant_a, clerk_a):
        assert client_as(user).get(f"/policies/competitions/{comp.pk}/").status_code == 404
        assert client_as(user).get(f"/api/policies/competitions/{comp.pk}").status_code == 404
    assert client_as(bureau).get(f"/policies/competitions/{comp.pk}/").status_code == 200


def test_entries_are_added_through_the_page_with_errors_shown(client_as, bureau, contest):
    comp, _, _ = contest
    c = client_as(bureau)
    r = c.post(f"/policies/competitions/{comp.pk}/entry/", {"entry-division": "nowhere", "entry-project": ""})
    body = r.content.decode()
    assert r.status_code == 200 and "本赛事没有赛区" in body and "此项为必填项" in body
    r = c.post(f"/policies/competitions/{comp.pk}/entry/", {"entry-division": "overseas", "entry-team": "伦敦团队",
                                                            "entry-project": "柔性电池"})
    assert r.status_code == 302 and Entry.objects.filter(team="伦敦团队").exists()


def test_score_sheet_is_all_or_nothing(client_as, bureau, contest):
    _comp, (r1, r2, _), entries = contest
    with pytest.raises(ValidationFailed) as exc:
        services.round_scores_save(user=bureau, round=r1, scores=[
            (entries["R1"], "张评委", "90"), (entries["R2"], "张评委", "120"), (entries["R3"], "", "80")])
    assert [e["message"] for e in exc.value.errors] == ["团队R2 / 张评委：评分应在0–100之间（实为120）",
                                                        "团队R3 / （未填评委）：请填写评委姓名"]
    assert not r1.scores.exists()
    with pytest.raises(ValidationFailed):
        services.round_scores_save(user=bureau, round=r2, scores=[(entries["R1"], "张评委", "90")])  # not yet in round 2
    assert services.round_scores_save(user=bureau, round=r1, scores=[(entries["R1"], "张评委", "90"),
                                                                     (entries["R2"], "张评委", "80")]) == 2
    assert services.round_scores_save(user=bureau, round=r1, scores=[(entries["R1"], "张评委", "91"),
                                                                     (entries["R2"], "张评委", "80")]) == 1
    c = client_as(bureau)
    r = c.post(f"/policies/rounds/{r1.pk}/scores/", {"judge-0": "张评委", f"s-{entries['R3'].pk}-0": "abc",
                                                     f"s-{entries['R4'].pk}-0": "77"})
    body = r.content.decode()
    assert r.status_code == 200 and "应为数值" in body and 'value="77"' in body
    r = c.post(f"/policies/rounds/{r1.pk}/scores/", {"judge-0": "张评委", "judge-1": "新评委",
                                                     f"s-{entries['R4'].pk}-1": "77"})
    assert r.status_code == 302 and r1.scores.filter(judge="新评委").get().score == D("77.00")
