"""`kechuang report annual|quarterly`: writes the DOCX (PDF beside it when asked and installed); bad arguments
are named and exit 2."""
from __future__ import annotations

import pytest
from docx import Document

from kechuang.reports.cli import main

from .conftest import HOME, TOWN_A, YEAR


def test_annual_writes_the_docx(report_data, tmp_path, capsys):
    out = tmp_path / "鄞州区.docx"
    assert main(["annual", "--region", HOME, "--year", str(YEAR), "--out", str(out), "--no-pdf"]) == 0
    assert out.is_file() and not (tmp_path / "鄞州区.pdf").exists()
    printed = capsys.readouterr().out
    assert f"鄞州区科技局{YEAR}年工作总结和{YEAR + 1}年工作思路" in printed and f"{YEAR}-12" in printed
    assert Document(str(out)).paragraphs[0].text.startswith("鄞州区科技局")


def test_quarterly_writes_the_docx(report_data, tmp_path):
    out = tmp_path / "q.docx"
    assert main(["quarterly", "--region", TOWN_A, "--year", str(YEAR), "--quarter", "3", "--out", str(out),
                 "--no-pdf"]) == 0
    assert "科技服务业运行分析" in Document(str(out)).paragraphs[0].text


@pytest.mark.parametrize("argv, named", [
    (["annual", "--region", HOME, "--year", "20x5"], "--year"),
    (["annual", "--region", "999999", "--year", str(YEAR)], "--region"),
    (["annual", "--region", "330212001", "--year", str(YEAR)], "--region"),
    (["annual", "--region", HOME, "--year", "1990"], "--year"),
    (["annual", "--region", HOME, "--year", str(YEAR + 2)], "--year"),
    (["annual", "--region", HOME], "--year"),
    (["quarterly", "--region", HOME, "--year", str(YEAR), "--quarter", "0"], "--quarter"),
    (["quarterly", "--region", HOME, "--year", str(YEAR + 1), "--quarter", "4"], "--quarter"),
])
def test_bad_arguments_are_named_and_exit_2(db, tmp_path, capsys, argv, named):
    out = ["--out", str(tmp_path / "x.docx")]
    assert main([*argv, *out]) == 2
    assert named in capsys.readouterr().err
    assert not (tmp_path / "x.docx").exists()


def test_bad_output_path_is_named(db, tmp_path, capsys):
    assert main(["annual", "--region", HOME, "--year", str(YEAR), "--out", str(tmp_path / "x.pdf")]) == 2
    assert "--out" in capsys.readouterr().err
    assert main(["annual", "--region", HOME, "--year", str(YEAR), "--out", str(tmp_path / "no" / "x.docx")]) == 2
    assert "--out" in capsys.readouterr().err
    assert main([]) == 2
    assert main(["weekly"]) == 2
