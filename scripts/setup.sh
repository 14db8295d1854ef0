#!/usr/bin/env bash
# Shared setup for the README's two commands: Python venv + dependencies, npm dependencies, PWA build.
# Idempotent: re-running only does what is missing or out of date.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

pick_python() {
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      echo "$candidate"; return 0
    fi
  done
  echo "Liuhen needs Python 3.11 or newer" >&2; return 1
}

setup_python() {
  local extras="${1:-}"
  if [ ! -x .venv/bin/python ]; then
    log "creating .venv"
    "$(pick_python)" -m venv .venv
  fi
  local stamp=".venv/.liuhen-installed${extras:+-$extras}"
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    log "installing Python dependencies${extras:+ (with $extras)}"
    .venv/bin/pip install -q --upgrade pip >/dev/null
    .venv/bin/pip install -q -e ".${extras:+[$extras]}"
    touch "$stamp"
  fi
}

setup_pwa() {
  command -v npm >/dev/null 2>&1 || { log "installing Node.js and npm"; apt_install nodejs npm; }
  if [ ! -d pwa/node_modules ] || [ pwa/package-lock.json -nt pwa/node_modules/.package-lock.json ]; then
    log "installing npm dependencies"
    (cd pwa && npm ci --no-audit --no-fund --loglevel=error)
  fi
  log "building the PWA"
  (cd pwa && npm run build --silent)
}

apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_test_tools() {
  command -v /usr/bin/chromium >/dev/null 2>&1 || { log "installing Debian's Chromium"; apt_install chromium; }
  command -v exiftool >/dev/null 2>&1 || { log "installing exiftool"; apt_install libimage-exiftool-perl; }
  # A CJK font, so the phone-sized screenshots the browser tests save are readable.
  [ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || { log "installing a Chinese font"; apt_install fonts-wqy-microhei; }
}

ensure_postgres() {
  if ! .venv/bin/python - <<'PY' 2>/dev/null
import asyncio, asyncpg
async def main():
    conn = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/test", timeout=3)
    await conn.close()
asyncio.run(main())
PY
  then
    log "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
    for _ in $(seq 1 30); do
      pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1 && return 0
      sleep 1
    done
    echo "PostgreSQL did not come up on 127.0.0.1:5432" >&2; return 1
  fi
}
