# shellcheck shell=bash
# Sourced by the other scripts: locates the Odoo 10 runtime the project runs against.
#
# Odoo itself is installed the standard way (see README.rst); these variables say where:
#   ODOO_RC      Odoo's own configuration file (its addons_path must list the OCA addons
#                connector, component, component_event and queue_job)
#   ODOO_BIN     the odoo-bin script of Odoo 10.0
#   ODOO_PYTHON  the Python 2.7 interpreter Odoo runs with
# Each defaults to the /opt/odoo10 layout when that exists.
# After sourcing: ODOO_FOUND=1 and ODOO_ADDONS_PATH (the configured path plus this repository),
# or ODOO_FOUND=0 and ODOO_MISSING saying what is missing.

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export REPO_ROOT

if [ -z "${ODOO_RC:-}" ] && [ -f /opt/odoo10/odoo.conf ]; then ODOO_RC=/opt/odoo10/odoo.conf; fi
if [ -z "${ODOO_BIN:-}" ] && [ -f /opt/odoo10/odoo/odoo-bin ]; then ODOO_BIN=/opt/odoo10/odoo/odoo-bin; fi
if [ -z "${ODOO_PYTHON:-}" ] && [ -x /opt/odoo10/venv/bin/python ]; then
    ODOO_PYTHON=/opt/odoo10/venv/bin/python
fi
# Odoo 10 compiles its web assets with lessc; the /opt/odoo10 layout keeps it there.
if [ -d /opt/odoo10/node/node_modules/.bin ]; then PATH=/opt/odoo10/node/node_modules/.bin:$PATH; fi
export ODOO_RC ODOO_BIN ODOO_PYTHON PATH

ODOO_FOUND=1
ODOO_MISSING=""
for var in ODOO_RC ODOO_BIN ODOO_PYTHON; do
    value=${!var:-}
    if [ -z "$value" ] || [ ! -e "$value" ]; then
        ODOO_FOUND=0
        ODOO_MISSING="$ODOO_MISSING $var"
    fi
done

if [ "$ODOO_FOUND" = 1 ]; then
    # The configured addons_path, with this repository appended so the addon is found.
    ODOO_ADDONS_PATH=$(sed -n 's/^[[:space:]]*addons_path[[:space:]]*=[[:space:]]*//p' "$ODOO_RC" | tail -n 1 | tr -d ' ')
    ODOO_ADDONS_PATH="${ODOO_ADDONS_PATH:+$ODOO_ADDONS_PATH,}$REPO_ROOT"
    export ODOO_ADDONS_PATH
fi

# Starts the local PostgreSQL cluster when none answers (Debian's pg_ctlcluster layout).
ensure_postgres() {
    if pg_isready -q 2>/dev/null; then return 0; fi
    if command -v pg_lsclusters >/dev/null 2>&1; then
        pg_lsclusters --no-header 2>/dev/null | while read -r version name _rest; do
            pg_ctlcluster "$version" "$name" start 2>/dev/null || true
        done
    fi
    for _ in $(seq 1 30); do
        pg_isready -q 2>/dev/null && return 0
        sleep 1
    done
    echo "PostgreSQL is not running and could not be started." >&2
    return 1
}

# The PostgreSQL role Odoo connects as must exist (db_user of ODOO_RC, else the current user).
ensure_db_role() {
    local role
    role=$(sed -n 's/^[[:space:]]*db_user[[:space:]]*=[[:space:]]*//p' "$ODOO_RC" | tail -n 1 | tr -d ' ')
    [ -n "$role" ] && [ "$role" != False ] || role=$(id -un)
    if ! psql -d postgres -Atc 'select 1' >/dev/null 2>&1; then
        if [ "$(id -u)" = 0 ] && command -v runuser >/dev/null 2>&1; then
            runuser -u postgres -- createuser --superuser "$role" 2>/dev/null || true
        fi
    fi
}

# A free TCP port on 127.0.0.1, so a one-off Odoo run never collides with a running server.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Starts the OpenProject simulator of tests/op_simulator in the background, from the repository
# root, with a fresh API key and control token: start_simulator LOG [simulator options...].
# Sets SIM_PID and exports OP_URL, OP_API_KEY and OP_CONTROL_TOKEN.
start_simulator() {
    local log=$1 python=${PYTHON3:-python3}
    shift
    OP_API_KEY=$("$python" -c 'import secrets; print(secrets.token_hex(20))')
    OP_CONTROL_TOKEN=$("$python" -c 'import secrets; print(secrets.token_hex(20))')
    (cd "$REPO_ROOT" && exec "$python" -m tests.op_simulator --host 127.0.0.1 --port 0 \
        --api-key "$OP_API_KEY" --control-token "$OP_CONTROL_TOKEN" "$@") >"$log" 2>&1 &
    SIM_PID=$!
    OP_URL=""
    for _ in $(seq 1 600); do
        OP_URL=$(sed -n 's/^listening on //p' "$log" | head -n 1)
        [ -n "$OP_URL" ] && break
        kill -0 "$SIM_PID" 2>/dev/null || break
        sleep 0.1
    done
    if [ -z "$OP_URL" ]; then
        cat "$log" >&2
        echo "the OpenProject simulator did not start" >&2
        return 1
    fi
    export OP_URL OP_API_KEY OP_CONTROL_TOKEN
}
