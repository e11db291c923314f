#!/usr/bin/env bash
# Tier (c) of `make test`: installs connector_openproject into a freshly created database WITH
# demo data (Odoo 10 runs at_install tests only there) and runs its tests with Odoo's own runner.
# Fails when a test fails or errors, or when no test ran although a runtime was found.
set -euo pipefail
. "$(dirname "$0")/odoo-runtime.sh"

if [ "$ODOO_FOUND" != 1 ]; then
    echo "SKIPPED: Odoo tests: no Odoo 10 runtime found (missing:$ODOO_MISSING)." \
         "Set ODOO_RC, ODOO_BIN and ODOO_PYTHON (see README.rst)."
    exit 0
fi

ensure_postgres
ensure_db_role
DB=${TEST_DB:-connector_openproject_test}
LOG=${TEST_LOG:-$REPO_ROOT/var/odoo-tests.log}
mkdir -p "$(dirname "$LOG")"
dropdb --if-exists "$DB" >/dev/null 2>&1 || true

echo "Odoo tests: database $DB, log $LOG"
start=$(date +%s)
set +e
"$ODOO_PYTHON" "$ODOO_BIN" -c "$ODOO_RC" --addons-path="$ODOO_ADDONS_PATH" -d "$DB" \
    -i connector_openproject --test-enable --stop-after-init --log-level=test \
    --xmlrpc-port="$(free_port)" --longpolling-port="$(free_port)" \
    ${TEST_FILE:+--test-file="$TEST_FILE"} >"$LOG" 2>&1
rc=$?
set -e
python3 "$REPO_ROOT/scripts/odoo_test_summary.py" "$LOG" --exit-code "$rc" \
    --seconds "$(( $(date +%s) - start ))"
status=$?
[ -n "${KEEP_DB:-}" ] || dropdb --if-exists "$DB" >/dev/null 2>&1 || true
exit $status
