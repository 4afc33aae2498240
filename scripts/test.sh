#!/usr/bin/env bash
# Installs what it needs (Chromium too, where it can), checks the import layers, then runs every test (unit, property, integration).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/browser.sh
echo "==> checking import layers and lint"
.venv/bin/lint-imports
.venv/bin/ruff check --select F,I schemas ledger projections streams tests
echo "==> running the test suite"
exec .venv/bin/pytest "$@"
