"""DOCX → PDF through LibreOffice, where it is installed.

Each conversion runs `soffice --headless --convert-to pdf` with its own throw-away user profile
(-env:UserInstallation), so that parallel conversions (two report jobs, two test workers) never share the profile
lock, and with FONTCONFIG_FILE pointing at data/fonts.conf, which maps 仿宋_GB2312, 方正小标宋简体, 黑体,
楷体_GB2312 and 宋体 to Noto CJK when those fonts are missing (a plain Debian machine with fonts-noto-cjk).
A conversion that hangs is killed with its whole process group after `timeout` seconds.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

FONTS_CONF = Path(__file__).resolve().parent / "data" / "fonts.conf"
DEFAULT_TIMEOUT = 120


class PdfError(RuntimeError):
    """LibreOffice ran but produced no PDF (or timed out)."""


def soffice() -> str | None:
    """The LibreOffice executable, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(docx: Path, outdir: Path | None = None, *, timeout: float = DEFAULT_TIMEOUT) -> Path | None:
    """Convert ``docx`` to a PDF beside it (or in ``outdir``); None when LibreOffice is not installed."""
    exe = soffice()
    if exe is None:
        return None
    docx = Path(docx).resolve()
    outdir = Path(outdir or docx.parent).resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    target = outdir / (docx.stem + ".pdf")
    if target.exists():
        target.unlink()
    with tempfile.TemporaryDirectory(prefix="kechuang-soffice-") as profile:
        env = dict(os.environ, FONTCONFIG_FILE=str(FONTS_CONF), HOME=profile, SAL_USE_VCLPLUGIN="svp")
        cmd = [exe, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
               "--nolockcheck", "--convert-to", "pdf", "--outdir", str(outdir), str(docx)]
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill(proc)
            raise PdfError(f"LibreOffice 转换超时（{timeout:g} 秒）") from None
    if proc.returncode != 0 or not target.exists():
        message = (err or out or b"").decode("utf-8", "replace").strip()[:500]
        raise PdfError(f"LibreOffice 未生成 PDF（退出码 {proc.returncode}）：{message}")
    return target


def _kill(proc: subprocess.Popen) -> None:
    """Kill the conversion's process group (soffice starts soffice.bin as a child)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.communicate()
