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

odoo() {
    "$ODOO_PYTHON" "$ODOO_BIN" -c "$ODOO_RC" --addons-path="$ODOO_ADDONS_PATH" -d "$DB" \
        --stop-after-init --xmlrpc-port="$(free_port)" --longpolling-port="$(free_port)" "$@"
}

echo "Odoo tests: database $DB, log $LOG"
start=$(date +%s)
# Odoo runs the tests of every module installed with --test-enable: install the dependencies
# first, so that the second step tests connector_openproject alone.
depends=$(python3 -c 'import ast, sys; print(",".join(ast.literal_eval(open(sys.argv[1]).read())["depends"]))' \
    "$REPO_ROOT/connector_openproject/__manifest__.py")
if ! odoo -i "$depends" --log-level=warn >"$LOG.deps" 2>&1; then
    tail -n 30 "$LOG.deps"
    echo "Installing the dependencies ($depends) failed; see $LOG.deps"
    exit 1
fi
set +e
odoo -i connector_openproject --test-enable --log-level=test \
    ${TEST_FILE:+--test-file="$TEST_FILE"} >"$LOG" 2>&1
rc=$?
set -e
python3 "$REPO_ROOT/scripts/odoo_test_summary.py" "$LOG" --exit-code "$rc" \
    --seconds "$(( $(date +%s) - start ))"
status=$?
[ -n "${KEEP_DB:-}" ] || dropdb --if-exists "$DB" >/dev/null 2>&1 || true
exit $status
