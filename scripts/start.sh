#!/usr/bin/env bash
# README command 1: set everything up, load demo data on the embedded default (SQLite + local media) and serve.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
setup_python
setup_pwa
export LIUHEN_DATA_DIR="${LIUHEN_DATA_DIR:-$ROOT/.liuhen-data}"
HOST="${LIUHEN_HOST:-127.0.0.1}"
PORT="${LIUHEN_PORT:-8000}"
if [ "$HOST" = "127.0.0.1" ] || [ "$HOST" = "localhost" ]; then
  # Browsers treat localhost as a secure context; elsewhere put Liuhen behind HTTPS.
  export LIUHEN_COOKIE_SECURE="${LIUHEN_COOKIE_SECURE:-false}"
fi
.venv/bin/liuhen demo
echo
echo "留痕 Liuhen: open http://$HOST:$PORT/ (data in $LIUHEN_DATA_DIR). Ctrl-C stops it."
exec .venv/bin/liuhen serve --host "$HOST" --port "$PORT"
