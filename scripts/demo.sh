#!/usr/bin/env bash
# Set up, create the database, load the demo data, then run the call centre: sandbox
# Asterisk, the service, demo calls and the console (`ctidesk demo`).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BIN="$ROOT/.venv/bin"

bash "$ROOT/scripts/setup.sh" --with-asterisk

# The demo has a database of its own, rebuilt on every run, so the demo can be run again
# and never touches the database of a real installation (var/ctidesk.db by default).
DEMO_DB="$ROOT/var/demo/ctidesk.db"
export CTIDESK_DATABASE_URL="${CTIDESK_DATABASE_URL:-sqlite+aiosqlite:///$DEMO_DB}"
if [ "$CTIDESK_DATABASE_URL" = "sqlite+aiosqlite:///$DEMO_DB" ]; then
    rm -f "$DEMO_DB" "$DEMO_DB-wal" "$DEMO_DB-shm"
fi

printf '\n==== ctidesk db upgrade ====\n'
"$BIN/ctidesk" db upgrade
printf '\n==== ctidesk db seed --demo ====\n'
"$BIN/ctidesk" db seed --demo
printf '\n==== ctidesk db summary ====\n'
"$BIN/ctidesk" db summary

# The call centre itself: sandbox Asterisk, the service, demo calls and the console
# (headless check when there is no terminal to show the console in).
if [ -t 0 ] && [ -t 1 ]; then
    printf '\n==== ctidesk demo ====\n'
    exec "$BIN/ctidesk" demo
else
    printf '\n==== ctidesk demo --check ====\n'
    exec "$BIN/ctidesk" demo --check
fi
