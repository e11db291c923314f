#!/usr/bin/env bash
# `make demo`: the main job. Starts PostgreSQL if needed and the OpenProject simulator, creates a
# fresh database, installs connector_openproject, points a backend at the simulator, runs the
# scheduled action "OpenProject Sync", executes the queued jobs and prints a summary.
#   DATASET=demo|S|M|L|file.json  PROFILE=7.3|9|12|current  DB=openproject_demo
#   SERVE=1  leaves Odoo running on http://127.0.0.1:8069 (admin / admin) afterwards
#   OP_URL=... OP_API_KEY=...  sync a real OpenProject instead of the simulator
set -euo pipefail
. "$(dirname "$0")/odoo-runtime.sh"
cd "$REPO_ROOT"

DATASET=${DATASET:-demo}
PROFILE=${PROFILE:-current}
DB=${DB:-openproject_demo}
PYTHON3=${PYTHON3:-python3}
WORK=$REPO_ROOT/var/demo
mkdir -p "$WORK"

if [ "$ODOO_FOUND" != 1 ]; then
    echo "make demo needs an Odoo 10 runtime (missing:$ODOO_MISSING). Set ODOO_RC, ODOO_BIN and" \
         "ODOO_PYTHON (see README.rst)." >&2
    exit 2
fi
ensure_postgres
ensure_db_role

odoo() { "$ODOO_PYTHON" "$ODOO_BIN" "$@" -c "$ODOO_RC" --addons-path="$ODOO_ADDONS_PATH" -d "$DB"; }

SIM_PID=""
cleanup() { [ -z "$SIM_PID" ] || kill "$SIM_PID" 2>/dev/null || true; }
trap cleanup EXIT

if [ -z "${OP_URL:-}" ]; then
    start_simulator "$WORK/simulator.log" --dataset "$DATASET" --profile "$PROFILE"
    echo "OpenProject simulator: $OP_URL (dataset $DATASET, profile $PROFILE)"
fi
: "${OP_API_KEY:?set OP_API_KEY with OP_URL}"
export OP_URL OP_API_KEY OP_RESULT="$WORK/result.json"
rm -f "$OP_RESULT"

started=$(date +%s)
echo "Creating database $DB and installing connector_openproject..."
dropdb --if-exists "$DB" >/dev/null 2>&1 || true
odoo -i connector_openproject --without-demo=all --stop-after-init --log-level=warn \
    --xmlrpc-port="$(free_port)" --longpolling-port="$(free_port)" >"$WORK/install.log" 2>&1 \
    || { tail -n 30 "$WORK/install.log" >&2; exit 1; }

echo "Running \"OpenProject Sync\"..."
odoo shell --log-level=warn --xmlrpc-port="$(free_port)" --longpolling-port="$(free_port)" \
    <"$REPO_ROOT/scripts/demo_sync.py" 2>"$WORK/sync.log" | sed -e '/^$/d'
[ -s "$OP_RESULT" ] || { tail -n 40 "$WORK/sync.log" >&2; echo "the sync did not finish" >&2; exit 1; }
echo "Total (install + sync): $(( $(date +%s) - started )) s"

if ! "$PYTHON3" -c 'import json, sys; sys.exit(1 if json.load(open(sys.argv[1]))["jobs_failed"] else 0)' "$OP_RESULT"; then
    echo "Some jobs failed: see Connectors > Queue > Jobs, or $WORK/sync.log" >&2
    exit 1
fi

if [ -n "${SERVE:-}" ] && [ "${SERVE}" != 0 ]; then
    echo "Odoo is serving $DB on http://127.0.0.1:8069 (admin / admin); Ctrl-C stops it."
    odoo --xmlrpc-interface=127.0.0.1 --xmlrpc-port=8069 --db-filter="^$DB\$" --log-level=warn
fi
