"""`kechuang eval hte|tsme FILE.json` through main(): JSON on stdout and 0, or `error: field: message` and 2."""

import json

import pytest

from kechuang.evaluation.cli import main

from . import builders as b


def write(tmp_path, data, name="profile.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_hte_prints_the_result(tmp_path, capsys):
    assert main(["hte", write(tmp_path, b.hte())]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["verdict"] == "qualified" and out["score_min"] == 75 and out["gaps"] == []


def test_output_is_readable_chinese(tmp_path, capsys):
    main(["hte", write(tmp_path, b.hte(staff_tech=40))])
    text = capsys.readouterr().out
    assert "科技人员" in text and "\\u" not in text  # ensure_ascii=False
    assert text.startswith("{\n  ")                  # indent 2


def test_tsme_prints_the_result(tmp_path, capsys):
    assert main(["eval", "tsme", write(tmp_path, b.tsme())]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["qualified"] is True and out["route"] == "score" and out["total"] == 96


def test_json_floats_are_read_exactly(tmp_path, capsys):
    # The float trap through the CLI: 1322.5 written as a JSON number still gives exactly 15% (band C).
    text = json.dumps(b.hte_no_expert()).replace('"1322.5"', "1322.5")
    assert main(["hte", write(tmp_path, text)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["scores"]["growth"]["net_assets"]["band"] == "C"
    assert out["scores"]["growth"]["net_assets"]["rate"] == "0.15"


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["fiscal_years"][1].pop("sales"), "error: fiscal_years[1].sales: is required"),
    (lambda d: d["fiscal_years"][0].update(sales=-5), "error: fiscal_years[0].sales: must not be negative"),
    (lambda d: d.update(staff_tech="many"), "error: staff_tech: must be a number"),
    (lambda d: d["expert"].update(core_support=9), "error: expert.core_support: must be within 0–8"),
])
def test_bad_input_exits_2_naming_the_field(tmp_path, capsys, mutate, message):
    data = b.hte()
    mutate(data)
    assert main(["hte", write(tmp_path, data)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(message)


def test_bad_tsme_input(tmp_path, capsys):
    data = b.tsme()
    del data["resident"]
    assert main(["tsme", write(tmp_path, data)]) == 2
    assert capsys.readouterr().err.strip() == "error: resident: is required"


def test_unreadable_file(tmp_path, capsys):
    assert main(["hte", str(tmp_path / "missing.json")]) == 2
    assert capsys.readouterr().err.startswith("error: ")


def test_invalid_json(tmp_path, capsys):
    assert main(["hte", write(tmp_path, "{not json")]) == 2
    assert "invalid JSON" in capsys.readouterr().err


def test_json_that_is_not_an_object(tmp_path, capsys):
    assert main(["tsme", write(tmp_path, "[1, 2]")]) == 2
    assert capsys.readouterr().err.startswith("error: profile: must be an object")


@pytest.mark.parametrize("argv", [[], ["hte"], ["xyz", "f.json"], ["hte", "a.json", "b.json"]])
def test_usage_errors(argv, capsys):
    assert main(argv) == 2
    assert "usage" in capsys.readouterr().err
