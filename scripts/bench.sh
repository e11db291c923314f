#!/usr/bin/env bash
# `make bench`: how fast and how cheaply a sync runs, next to the practical limit.
# For each dataset size (S and M; SIZE=L adds L) and RUNS times (default 3): fresh database,
# full import, the same records by plain ORM create(), a no-change re-sync, and an incremental
# sync after 1 % of work packages and time entries changed upstream. Prints a table of medians
# and one JSON line. Ratios come from one run each; times are medians of the runs.
set -euo pipefail
. "$(dirname "$0")/odoo-runtime.sh"
cd "$REPO_ROOT"
PYTHON3=${PYTHON3:-python3}
RUNS=${RUNS:-3}
SIZES="S M"
[ "${SIZE:-}" != L ] || SIZES="S M L"
[ -z "${SIZES_ONLY:-}" ] || SIZES=$SIZES_ONLY
DB=${DB:-openproject_bench}
WORK=$REPO_ROOT/var/bench
mkdir -p "$WORK"

if [ "$ODOO_FOUND" != 1 ]; then
    echo "make bench needs an Odoo 10 runtime (missing:$ODOO_MISSING); see README.rst." >&2
    exit 2
fi
ensure_postgres
ensure_db_role
odoo() { "$ODOO_PYTHON" "$ODOO_BIN" "$@" -c "$ODOO_RC" --addons-path="$ODOO_ADDONS_PATH" -d "$DB" \
    --xmlrpc-port="$(free_port)" --longpolling-port="$(free_port)"; }

SIM_PID=""
cleanup() { [ -z "$SIM_PID" ] || kill "$SIM_PID" 2>/dev/null || true; }
trap cleanup EXIT

results=()
for size in $SIZES; do
    for run in $(seq 1 "$RUNS"); do
        start_simulator "$WORK/simulator.log" --dataset "$size" --seed 1
        export BENCH_OUT="$WORK/$size-$run.json"
        rm -f "$BENCH_OUT"
        dropdb --if-exists "$DB" >/dev/null 2>&1 || true
        odoo -i connector_openproject --without-demo=all --stop-after-init --log-level=warn \
            >"$WORK/install.log" 2>&1 || { tail -n 30 "$WORK/install.log" >&2; exit 1; }
        echo "bench: dataset $size, run $run/$RUNS..." >&2
        odoo shell --log-level=warn <scripts/bench_sync.py >"$WORK/$size-$run.log" 2>&1 \
            || { tail -n 30 "$WORK/$size-$run.log" >&2; exit 1; }
        [ -s "$BENCH_OUT" ] || { tail -n 30 "$WORK/$size-$run.log" >&2; exit 1; }
        results+=("$size:$BENCH_OUT")
        kill "$SIM_PID" 2>/dev/null || true
        wait "$SIM_PID" 2>/dev/null || true
        SIM_PID=""
    done
done
dropdb --if-exists "$DB" >/dev/null 2>&1 || true
"$PYTHON3" scripts/bench_report.py "${results[@]}"
