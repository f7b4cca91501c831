#!/usr/bin/env bash
# The fast check for contributors, without root or servers: ruff, ruff format, mypy,
# import-linter and the tests that need no Asterisk, PostgreSQL, nats-server, tmux or browser.
# No apt-get and no servers: setup.sh without flags only creates or updates .venv (it
# installs Debian's python3-venv only where no Python 3.11+ with venv exists, as root).
# Arguments are passed to pytest, e.g. scripts/check.sh tests/cti/model -x
# The full check, with the servers, is scripts/test.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BIN="$ROOT/.venv/bin"

section() { printf '\n==== %s ====\n' "$*"; }

section "setup (.venv only)"
bash "$ROOT/scripts/setup.sh"

section "ruff check"
"$BIN/ruff" check .

section "ruff format --check"
"$BIN/ruff" format --check .

section "mypy"
"$BIN/mypy"

section "lint-imports"
"$BIN/lint-imports"

section "pytest (no servers) $*"
# `python -m pytest` puts the repo root on sys.path, so tests can import tests.support.*
status=0
"$BIN/python" -m pytest -m "not asterisk and not postgres and not tmux and not nats and not pcsc and not browser" "$@" || status=$?
if [ "$status" -eq 5 ]; then
    printf '\nFAIL: pytest collected no tests (exit code 5); a test run must run tests.\n' >&2
    exit 1
elif [ "$status" -ne 0 ]; then
    printf '\nFAIL: pytest exited with %s\n' "$status" >&2
    exit "$status"
fi
printf '\n==== all fast checks passed ====\n'
