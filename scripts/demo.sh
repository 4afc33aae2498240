#!/usr/bin/env bash
# Installs what it needs, then runs `ledger demo` on the embedded PostgreSQL and broker.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/ledger demo "$@"
