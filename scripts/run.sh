#!/usr/bin/env bash
# Start the web server (gunicorn, static files by WhiteNoise) and the background worker together;
# Ctrl-C stops both.
set -euo pipefail
PORT="${PORT:-8000}"
BIN="${BIN:-.venv/bin}"
# WebAuthn does not accept an IP address as its relying-party id: send 127.0.0.1 to localhost.
export CANONICAL_HOST="${CANONICAL_HOST:-localhost:${PORT}}"
export BASE_URL="${BASE_URL:-http://localhost:${PORT}}"

"$BIN/gunicorn" tsunagu.config.wsgi:application \
  --bind "127.0.0.1:${PORT}" --workers "${WEB_WORKERS:-2}" --threads 4 \
  --access-logfile - --log-level warning &
web=$!
"$BIN/tsunagu" worker &
worker=$!

stop() { kill -TERM "$web" "$worker" 2>/dev/null || true; wait "$web" "$worker" 2>/dev/null || true; }
trap 'stop; exit 0' INT TERM

cat <<TXT

  Tsunagu is running: http://127.0.0.1:${PORT}   (press Ctrl-C to stop)

  Demo logins (password for all: Tsunagu-demo-2026)
    武蔵野市 DX/IT staff ........ musashino-staff
    武蔵野市 CIO ................ musashino-cio
    立川市 CIO / staff .......... tachikawa-cio / tachikawa-staff
    小金井市 DX leader .......... koganei-leader
    都 security-cloud operator .. tokyo-secops      (must register a security key or app)
    都 platform admin ........... tokyo-admin       (must register a security key or app)
    都 DX-support coordinator ... tokyo-coordinator (must register a security key or app)
    Auditor ..................... tokyo-auditor     (must register a security key or app)
    External experts ............ expert-kobayashi (BPR), expert-yamada (security)
    Every municipality: <slug>-cio and <slug>-staff (e.g. hachioji-staff, ogasawara-cio)

TXT
wait -n "$web" "$worker" || true
stop
