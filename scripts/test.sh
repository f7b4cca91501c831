#!/usr/bin/env bash
# The full check: setup (with PostgreSQL, mmdebstrap for the Asterisk sandbox, nats-server, pcscd for the card readers, chromium for the web console), ruff, ruff format, mypy, import-linter, pytest.
# Fails fast. Arguments are passed to pytest, e.g. scripts/test.sh tests/cti/model -x
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BIN="$ROOT/.venv/bin"

section() { printf '\n==== %s ====\n' "$*"; }

section "setup"
bash "$ROOT/scripts/setup.sh" --with-postgres --with-asterisk --with-nats --with-cards --with-browser

section "ruff check"
"$BIN/ruff" check .

section "ruff format --check"
"$BIN/ruff" format --check .

section "mypy"
"$BIN/mypy"

section "lint-imports"
"$BIN/lint-imports"

section "pytest $*"
# `python -m pytest` puts the repo root on sys.path, so tests can import tests.support.*
status=0
# Two workers (CTIDESK_TEST_WORKERS, 0 for none): the tests of the Asterisk sandbox keep one
# worker busy waiting on Asterisk while the other runs the rest (tests/conftest.py groups them).
"$BIN/python" -m pytest -n "${CTIDESK_TEST_WORKERS:-2}" --dist loadgroup "$@" || status=$?
if [ "$status" -eq 5 ]; then
    printf '\nFAIL: pytest collected no tests (exit code 5); a test run must run tests.\n' >&2
    exit 1
elif [ "$status" -ne 0 ]; then
    printf '\nFAIL: pytest exited with %s\n' "$status" >&2
    exit "$status"
fi
printf '\n==== all checks passed ====\n'
