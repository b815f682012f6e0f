"""The rule engines are plain Python: importing them (and the eval CLI) loads no Django module."""

import subprocess
import sys
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[1] / "engine"
SRC = Path(__file__).resolve().parents[3]


def test_engine_sources_never_mention_django_imports():
    for path in ENGINE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "import django" not in text and "from django" not in text, path


def test_importing_the_engine_loads_no_django():
    # Compare against what the parent packages already load, so the check is about the engine alone.
    code = (
        "import sys, kechuang.evaluation as _\n"
        "before = {m for m in sys.modules if m.split('.')[0] == 'django'}\n"
        "import kechuang.evaluation.engine, kechuang.evaluation.cli\n"
        "after = {m for m in sys.modules if m.split('.')[0] == 'django'}\n"
        "print(sorted(after - before))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(SRC), "PATH": ""})
    assert out.stdout.strip() == "[]"


def test_engine_uses_no_float():
    # Every amount is a Decimal; a float literal or float() call would reintroduce the band-edge trap.
    for path in ENGINE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "float(" not in text, path
