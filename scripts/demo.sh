#!/usr/bin/env bash
# Set up, then create the database, load the demo data and print a summary.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BIN="$ROOT/.venv/bin"

bash "$ROOT/scripts/setup.sh"

printf '\n==== ctidesk db upgrade ====\n'
"$BIN/ctidesk" db upgrade
printf '\n==== ctidesk db seed --demo ====\n'
"$BIN/ctidesk" db seed --demo
printf '\n==== ctidesk db summary ====\n'
"$BIN/ctidesk" db summary
