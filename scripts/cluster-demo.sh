#!/usr/bin/env bash
# Several Asterisks, several nodes, on one machine (docs/scale-out.md): PostgreSQL and
# nats-server on loopback, two sandbox Asterisks (systemnames pbx1 and pbx2, each with its
# own tree, AMI and SIP ports), node A (edge of pbx1, gateway) and node B (edge of pbx2,
# gateway, worker); it places calls on both Asterisks, shows `ctidesk nodes` and the calls
# node A's gateway sees on both, then stops everything it started, by pid. Needs root.
#
#   scripts/cluster-demo.sh              # calls for 20 s, then stops
#   CLUSTER_DEMO_SECONDS=300 scripts/cluster-demo.sh
#
# Trees: $CTIDESK_SANDBOX_DIR (pbx1) and $CTIDESK_SANDBOX_DIR_2 (pbx2; by default beside
# the first, its name ending -2); each is built on first use like `ctidesk sandbox up`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BIN="${CLUSTER_DEMO_BIN:-$ROOT/.venv/bin}"
SECONDS_OF_CALLS="${CLUSTER_DEMO_SECONDS:-20}"
RUN="$ROOT/var/cluster-demo"
TREE1="${CTIDESK_SANDBOX_DIR:-/var/cache/ctidesk/asterisk-sid}"
TREE2="${CTIDESK_SANDBOX_DIR_2:-${TREE1}-2}"
PG_PORT=55432 NATS_PORT=54222 NATS_MONITOR=58222
API_A=58080 API_B=58081 AMI_1=55038 AMI_2=55039 SIP_1=55060 SIP_2=55062

log() { printf '\n==== %s ====\n' "$*"; }
die() { printf 'cluster-demo: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (the sandbox Asterisks run in chroots)"
command -v nats-server >/dev/null || die "nats-server missing: run scripts/setup.sh --with-nats"
PG_BIN="$(compgen -G '/usr/lib/postgresql/*/bin' | sort -V | tail -n 1 || true)"
[ -x "$PG_BIN/initdb" ] || die "PostgreSQL missing: run scripts/setup.sh --with-postgres"

rm -rf "$RUN"
mkdir -p "$RUN"
chown postgres:postgres "$RUN"
pids=()

cleanup() {
    log "stopping what the demo started"
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    CTIDESK_SANDBOX_DIR="$TREE2" "$BIN/ctidesk" sandbox down || true
    CTIDESK_SANDBOX_DIR="$TREE1" "$BIN/ctidesk" sandbox down || true
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$RUN/pg" -m fast -w stop >/dev/null 2>&1 || true
}
trap cleanup EXIT

log "PostgreSQL on 127.0.0.1:$PG_PORT"
runuser -u postgres -- "$PG_BIN/initdb" -D "$RUN/pg" -U ctidesk --auth=trust >/dev/null
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$RUN/pg" -l "$RUN/pg.log" -w \
    -o "-p $PG_PORT -k $RUN -c listen_addresses=127.0.0.1" start >/dev/null
runuser -u postgres -- "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U ctidesk ctidesk
export CTIDESK_DATABASE_URL="postgresql+asyncpg://ctidesk@127.0.0.1:$PG_PORT/ctidesk"

log "nats-server on 127.0.0.1:$NATS_PORT (monitor :$NATS_MONITOR)"
nats-server -a 127.0.0.1 -p "$NATS_PORT" -m "$NATS_MONITOR" -l "$RUN/nats.log" &
pids+=("$!")
export CTIDESK_NATS_URL="nats://127.0.0.1:$NATS_PORT"

log "two Asterisks: pbx1 (AMI $AMI_1) and pbx2 (AMI $AMI_2)"
CTIDESK_SANDBOX_DIR="$TREE1" CTIDESK_AMI_PORT="$AMI_1" \
    "$BIN/ctidesk" sandbox up --sip-port "$SIP_1" --system-name pbx1
CTIDESK_SANDBOX_DIR="$TREE2" CTIDESK_AMI_PORT="$AMI_2" \
    "$BIN/ctidesk" sandbox up --sip-port "$SIP_2" --system-name pbx2

log "ctidesk db upgrade, db seed --demo, a supervisor for this run"
"$BIN/ctidesk" db upgrade
"$BIN/ctidesk" db seed --demo
SUPERVISOR_PASSWORD="$(head -c 12 /dev/urandom | base64 | tr -d '/+=')"
printf '%s\n' "$SUPERVISOR_PASSWORD" \
    | "$BIN/ctidesk" users add cluster.sup --role supervisor --name "Cluster demo" --password-stdin

# node <name> <roles> <tree> <ami port> <api port>: one `ctidesk serve` in the background.
node() {
    CTIDESK_NODE_NAME="$1" CTIDESK_SANDBOX_DIR="$3" CTIDESK_AMI_PORT="$4" CTIDESK_API_PORT="$5" \
    CTIDESK_AGI_PORT=0 CTIDESK_SECRETS_FILE="$3-state/secrets.toml" \
        "$BIN/ctidesk" serve --role "$2" >"$RUN/$1.log" 2>&1 &
    pids+=("$!")
}
log "node-a (edge of pbx1, gateway; API $API_A) and node-b (edge of pbx2, gateway, worker; API $API_B)"
node node-a edge,gateway "$TREE1" "$AMI_1" "$API_A"
node node-b edge,gateway,worker "$TREE2" "$AMI_2" "$API_B"
for port in "$API_A" "$API_B"; do
    for _ in $(seq 1 60); do
        curl -fs "http://127.0.0.1:$port/api/openapi.json" >/dev/null 2>&1 && break
        sleep 1
    done
done

log "calls on both Asterisks for ${SECONDS_OF_CALLS} s"
originate() {  # tree, caller number
    CTIDESK_SANDBOX_DIR="$1" "$BIN/ctidesk" sandbox cli \
        "channel originate Local/s@test-caller extension 4008001234@from-trunk" >/dev/null
}
end=$((SECONDS + SECONDS_OF_CALLS))
shown=0
while [ "$SECONDS" -lt "$end" ]; do
    originate "$TREE1"
    originate "$TREE2"
    if [ "$shown" -eq 0 ]; then
        sleep 2
        log "ctidesk nodes"
        "$BIN/ctidesk" nodes
        log "calls node-a's gateway sees (both Asterisks, merged)"
        token="$(curl -fs -H 'Content-Type: application/json' \
            -d '{"username":"cluster.sup","password":"'"$SUPERVISOR_PASSWORD"'"}' \
            "http://127.0.0.1:$API_A/api/login" | sed -n 's/.*"token": *"\([^"]*\)".*/\1/p')"
        curl -fs -H "Authorization: Bearer $token" "http://127.0.0.1:$API_A/api/calls"
        echo
        shown=1
    fi
    sleep 5
done
log "node logs: $RUN/node-a.log, $RUN/node-b.log"
