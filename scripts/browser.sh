#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests where it can (root with apt-get); never fails:
# without a browser the browser tests are skipped. LEDGER_CHROMIUM names another binary.
set -uo pipefail
CHROMIUM="${LEDGER_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if [ -n "${LEDGER_CHROMIUM:-}" ] || [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "==> no Chromium at $CHROMIUM (install Debian's chromium or set LEDGER_CHROMIUM): the browser tests will be skipped"
  exit 0
fi
echo "==> installing Chromium for the browser tests"
if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >/dev/null 2>&1 \
    || [ ! -x "$CHROMIUM" ]; then
  echo "==> Chromium could not be installed (apt-get failed): the browser tests will be skipped"
fi
exit 0
