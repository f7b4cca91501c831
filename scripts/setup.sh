#!/usr/bin/env bash
# Prepare a development/CI machine for ctidesk. Idempotent; works from any cwd.
#
#   scripts/setup.sh                   python3 >= 3.11 with venv, .venv, pip install -e '.[dev]'
#   scripts/setup.sh --with-postgres   ... and the PostgreSQL server binaries (Debian package)
#   scripts/setup.sh --with-asterisk   ... and mmdebstrap, which builds the Asterisk sandbox tree
#   scripts/setup.sh --with-nats       ... and nats-server, the bus between service nodes (Debian package)
#   scripts/setup.sh --with-cards      ... and pcscd, the vpcd virtual reader, and what pyscard builds with
#   scripts/setup.sh --with-browser    ... and chromium (Debian package), the web console's test browser
#
# Installing system packages (apt-get) needs root; without root the script says what to install.
# The tests start their own throwaway PostgreSQL server (tests/support/postgres.py); the default
# cluster the Debian package may start on port 5432 is left alone and never relied on.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
STAMP="$VENV/.ctidesk-installed"
MIN_PY="3.11"

log() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

usage() {
    sed -n '2,12s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

with_postgres=0
with_asterisk=0
with_nats=0
with_cards=0
with_browser=0
for arg in "$@"; do
    case "$arg" in
        --with-postgres) with_postgres=1 ;;
        --with-asterisk) with_asterisk=1 ;;
        --with-nats) with_nats=1 ;;
        --with-cards) with_cards=1 ;;
        --with-browser) with_browser=1 ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument: $arg" ;;
    esac
done

is_root() { [ "$(id -u)" -eq 0 ]; }

# apt-get install, running apt-get update only when the plain install fails (fresh machines
# have empty package lists; warm ones need no network round trip).
apt_install() {
    is_root || die "need root to install Debian packages: $*  (run: sudo apt-get install -y $*)"
    command -v apt-get >/dev/null || die "apt-get not found; install these yourself: $*"
    log "apt-get install -y $*"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" </dev/null; then
        log "install failed; running apt-get update and retrying"
        DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" </dev/null
    fi
}

# A python with version >= MIN_PY whose venv can bootstrap pip (Debian's python3 without
# python3-venv lacks ensurepip).
py_ok() {
    "$1" - "$MIN_PY" >/dev/null 2>&1 <<'PY'
import sys
import ensurepip  # noqa: F401  (absent on Debian until python3-venv is installed)
import venv  # noqa: F401
want = tuple(int(x) for x in sys.argv[1].split("."))
sys.exit(0 if sys.version_info[:2] >= want else 1)
PY
}

find_python() {
    local cand path
    for cand in "${PYTHON:-}" python3 python3.13 python3.12 python3.11; do
        [ -n "$cand" ] || continue
        path="$(command -v "$cand" 2>/dev/null)" || continue
        if py_ok "$path"; then
            printf '%s\n' "$path"
            return 0
        fi
    done
    return 1
}

venv_ok() {
    [ -x "$VENV/bin/python" ] && py_ok "$VENV/bin/python" \
        && "$VENV/bin/python" -m pip --version >/dev/null 2>&1
}

# ---------------------------------------------------------------------------- python + venv
cd "$ROOT"
if venv_ok; then
    log "using existing $VENV ($("$VENV/bin/python" -V 2>&1))"
else
    if ! PY="$(find_python)"; then
        if is_root; then
            log "no python3 >= $MIN_PY with venv support found; installing it"
            apt_install python3 python3-venv python3-dev
            PY="$(find_python)" || die "python3 >= $MIN_PY with venv still not available after apt-get install (Debian bookworm or newer is required)"
        else
            die "need python3 >= $MIN_PY with the venv module (Debian: apt-get install python3 python3-venv python3-dev, as root), or set PYTHON=/path/to/python3.11+"
        fi
    fi
    if [ -e "$VENV" ]; then
        log "$VENV is unusable; recreating it with $PY ($("$PY" -V 2>&1))"
        "$PY" -m venv --clear "$VENV"
    else
        log "creating $VENV with $PY ($("$PY" -V 2>&1))"
        "$PY" -m venv "$VENV"
    fi
    rm -f "$STAMP"
fi

# ---------------------------------------------------------------------------- PostgreSQL
if [ "$with_postgres" -eq 1 ]; then
    if compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
        log "PostgreSQL server binaries present: $(compgen -G '/usr/lib/postgresql/*/bin' | sort -V | tail -n 1)"
    else
        if ! is_root; then
            die "PostgreSQL server binaries missing (/usr/lib/postgresql/*/bin/initdb); as root run: apt-get install -y postgresql"
        fi
        log "PostgreSQL server binaries missing; installing the Debian package"
        apt_install postgresql
        compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null \
            || die "apt-get install postgresql did not provide /usr/lib/postgresql/*/bin/initdb"
    fi
    if is_root && ! id -u postgres >/dev/null 2>&1; then
        die "running as root but there is no 'postgres' OS user for the test server (reinstall the postgresql-common package)"
    fi
    # The package may have created and started a default cluster (port 5432). We leave it
    # alone: the test session starts its own throwaway server on a free port.
    log "tests start their own throwaway PostgreSQL server (any default cluster is ignored)"
fi

# ---------------------------------------------------------------------------- Asterisk sandbox
if [ "$with_asterisk" -eq 1 ]; then
    if command -v mmdebstrap >/dev/null; then
        log "mmdebstrap present: $(command -v mmdebstrap)"
    else
        if ! is_root; then
            die "mmdebstrap missing; as root run: apt-get install -y mmdebstrap (the sandbox itself needs root too)"
        fi
        log "mmdebstrap missing; installing the Debian package"
        apt_install mmdebstrap
    fi
    # The tree itself (Debian sid + Asterisk, ~340 MB) is built on first `ctidesk sandbox up`
    # or test session, into ${CTIDESK_SANDBOX_DIR:-/var/cache/ctidesk/asterisk-sid}.
    log "the Asterisk tree is built on first use into ${CTIDESK_SANDBOX_DIR:-/var/cache/ctidesk/asterisk-sid}"
fi

# ---------------------------------------------------------------------------- tmux (console test)
# The console is tested in a real 80x24 terminal (tests/agent_tui/test_console_tmux.py).
if [ "$with_postgres" -eq 1 ] || [ "$with_asterisk" -eq 1 ]; then
    if command -v tmux >/dev/null; then
        log "tmux present: $(command -v tmux)"
    elif is_root; then
        log "tmux missing; installing the Debian package"
        apt_install tmux
    else
        die "tmux missing (the console's terminal test needs it); as root run: apt-get install -y tmux"
    fi
fi

# ---------------------------------------------------------------------------- NATS
# Several service nodes talk over NATS (docs/scale-out.md). The tests start their own
# nats-server on a free loopback port (tests/support/nats.py); the system unit the package
# may install is left alone and never relied on.
if [ "$with_nats" -eq 1 ]; then
    if command -v nats-server >/dev/null; then
        log "nats-server present: $(command -v nats-server)"
    elif is_root; then
        log "nats-server missing; installing the Debian package"
        apt_install nats-server
        command -v nats-server >/dev/null || die "apt-get install nats-server did not provide nats-server"
    else
        die "nats-server missing; as root run: apt-get install -y nats-server"
    fi
fi

# ---------------------------------------------------------------------------- card readers
# The member-card watcher reads readers through pcscd (PC/SC) with pyscard; the tests drive it
# with the vsmartcard virtual reader (vpcd), a pcscd driver a card program connects to by TCP.
# pyscard is built from source, which needs the PC/SC headers and swig.
if [ "$with_cards" -eq 1 ]; then
    if command -v pcscd >/dev/null && [ -e /usr/lib/pcsc/drivers/serial/libifdvpcd.so ] \
        && [ -e /usr/include/PCSC/winscard.h ] && command -v swig >/dev/null; then
        log "pcscd, vpcd, the PC/SC headers and swig present"
    else
        apt_install pcscd vsmartcard-vpcd libpcsclite-dev swig
    fi
fi

# ---------------------------------------------------------------------------- browser
# `ctidesk console --web` is tested in a real browser: Debian's chromium, headless
# (tests/support/chromium.py runs it with --headless=new --no-sandbox, as the tests run as
# root), driven over its DevTools port. No browser is downloaded when the tests run.
if [ "$with_browser" -eq 1 ]; then
    if command -v chromium >/dev/null; then
        log "chromium present: $(command -v chromium)"
    else
        apt_install chromium
        command -v chromium >/dev/null || die "apt-get install chromium did not provide chromium"
    fi
fi

# The project is installed last: the dev extra's pyscard builds against the card section's headers.
# ---------------------------------------------------------------------------- project + dev tools
if [ -f "$STAMP" ] && [ "$STAMP" -nt "$ROOT/pyproject.toml" ]; then
    log "ctidesk already installed in .venv (pyproject.toml unchanged since)"
else
    # the dev extra holds pyscard (the card-reader tests), built from source against PC/SC
    if [ ! -e /usr/include/PCSC/winscard.h ] || ! command -v swig >/dev/null; then
        die "pyscard (in the dev extra) builds against the PC/SC headers with swig: run scripts/setup.sh --with-cards (as root), or apt-get install -y libpcsclite-dev swig"
    fi
    log "pip install -e '.[dev]' into .venv"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e "$ROOT[dev]" </dev/null
    touch "$STAMP"
fi

log "done"
