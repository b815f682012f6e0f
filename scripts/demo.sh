#!/usr/bin/env bash
# One command: install Kechuang into .venv and serve the synthetic demo city on http://127.0.0.1:8000/
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
. .venv/bin/activate
exec kechuang demo "$@"
