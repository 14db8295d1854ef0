#!/usr/bin/env bash
# README command 2: set everything up and run the whole test suite (SQLite and PostgreSQL, browser included).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
setup_python test
setup_pwa
ensure_test_tools
ensure_postgres
log "lint and types (ruff, mypy --strict)"
.venv/bin/ruff check backend sync media tests bench
.venv/bin/mypy
log "PWA unit tests (Vitest)"
(cd pwa && npm test --silent)
log "Python tests on SQLite and PostgreSQL (browser tests drive /usr/bin/chromium)"
export LIUHEN_TEST_BACKENDS="${LIUHEN_TEST_BACKENDS:-sqlite,postgres}"
exec .venv/bin/pytest -q -p no:cacheprovider "$@"
