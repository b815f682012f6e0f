#!/usr/bin/env bash
# One command: install Kechuang with its test extra (and, as root on Debian, Chromium and LibreOffice for the
# browser and PDF tests), then run the whole test suite. DATABASE_URL selects the database (SQLite by default).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/system-deps.sh || echo "warning: could not install system packages (chromium, libreoffice); browser/PDF tests need them" >&2
scripts/bootstrap.sh test
. .venv/bin/activate
export KECHUANG_HOME="${KECHUANG_HOME:-$(mktemp -d)}"
set +e
python -m pytest "$@"
code=$?
set -e
if [ "$code" -eq 5 ]; then
  echo "no tests were collected" >&2
fi
exit "$code"
