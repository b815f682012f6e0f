#!/usr/bin/env bash
# Create .venv and install Kechuang (with EXTRAS, e.g. "test") and its front-end assets. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS="${1:-}"
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
. .venv/bin/activate
python -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
if [ -n "$EXTRAS" ]; then
  python -m pip install --quiet -e ".[${EXTRAS}]"
else
  python -m pip install --quiet -e .
fi
# ECharts comes from the npm registry (package.json); without npm the pages fall back to tables.
if command -v npm >/dev/null 2>&1; then
  if [ ! -f node_modules/echarts/dist/echarts.min.js ]; then
    npm ci --no-audit --no-fund --silent || npm install --no-audit --no-fund --silent
  fi
else
  echo "npm not found: charts will show as tables (install Node.js and rerun to get ECharts)" >&2
fi
