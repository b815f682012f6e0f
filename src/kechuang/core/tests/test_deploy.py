"""The production profile is clean under `manage.py check --deploy`; the embedded default needs no Redis."""
import os
import subprocess
import sys


def test_check_deploy_clean_in_production_profile(tmp_path):
    env = {**os.environ, "KECHUANG_PROFILE": "production", "KECHUANG_HOME": str(tmp_path),
           "DJANGO_SECRET_KEY": "x" * 20 + "-production-secret-key-0123456789-abcdefghij",
           "DJANGO_SETTINGS_MODULE": "kechuang.settings"}
    env.pop("DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no issues" in out.stdout


def test_production_profile_requires_a_secret_key(tmp_path):
    env = {**os.environ, "KECHUANG_PROFILE": "production", "KECHUANG_HOME": str(tmp_path),
           "DJANGO_SETTINGS_MODULE": "kechuang.settings"}
    env.pop("DJANGO_SECRET_KEY", None)
    out = subprocess.run([sys.executable, "-m", "django", "check"], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode != 0 and "DJANGO_SECRET_KEY" in out.stderr
