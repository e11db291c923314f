# -*- coding: utf-8 -*-
"""The main job, run inside `odoo-bin shell` by scripts/demo.sh (`env` is Odoo's).

Creates a backend pointing at the simulator, runs the scheduled action "OpenProject Sync",
runs the queued jobs until none is pending (and a second round when the first one only
discovered projects), then prints per Odoo model how many records were created and updated,
the jobs done and failed and the elapsed time, and one final line of JSON.
The API key comes from the environment, never from the command line.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.environ['REPO_ROOT'], 'scripts'))
import run_jobs  # noqa: E402  (found through the path set just above)
from imported_models import BINDINGS  # noqa: E402



def binding_counts(env, since):
    counts = {}
    for odoo_model, binding_model in BINDINGS:
        Binding = env[binding_model].with_context(active_test=False)
        created = Binding.search_count([('create_date', '>=', since)])
        updated = Binding.search_count([('create_date', '<', since), ('write_date', '>=', since)])
        counts[odoo_model] = {'created': created, 'updated': updated}
    return counts


def run_sync_action(env):
    cron = env['ir.cron'].with_context(active_test=False).search(
        [('name', '=', 'OpenProject Sync')], limit=1)
    if not cron:
        raise SystemExit('the scheduled action "OpenProject Sync" is missing')
    cron.method_direct_trigger()
    env.cr.commit()


def main(env):
    started = time.time()
    env.cr.execute("SELECT now() AT TIME ZONE 'UTC'")
    since = env.cr.fetchone()[0]
    backend = env['openproject.backend'].search([('url', '=', os.environ['OP_URL'])], limit=1)
    if not backend:
        backend = env['openproject.backend'].create({
            'name': os.environ.get('OP_BACKEND_NAME', 'OpenProject'),
            'url': os.environ['OP_URL'],
            'api_key': os.environ['OP_API_KEY'],
        })
    env.cr.commit()

    stats = {'done': 0, 'failed': 0, 'runs': 0}
    rounds = 0
    for rounds in (1, 2):
        run_sync_action(env)
        round_stats = run_jobs.run_until_idle(env)
        for key in stats:
            stats[key] += round_stats[key]
        # The first run of a new backend may only discover projects: one more round imports them.
        if env['openproject.project.task'].search_count([]) or rounds == 2:
            break

    counts = binding_counts(env, since)
    elapsed = time.time() - started
    failed_jobs = env['queue.job'].search([('state', '=', 'failed')])
    print('')
    print('OpenProject sync of %s: %d round(s), %.1f s' % (backend.url, rounds, elapsed))
    print('%-24s %8s %8s' % ('Odoo model', 'created', 'updated'))
    for odoo_model, _binding in BINDINGS:
        print('%-24s %8d %8d' % (odoo_model, counts[odoo_model]['created'],
                                 counts[odoo_model]['updated']))
    print('jobs: %d done, %d failed' % (stats['done'], len(failed_jobs)))
    for job in failed_jobs[:10]:
        print('  failed: %s: %s' % (job.name, (job.exc_info or '').strip().splitlines()[-1:]))
    summary = {
        'records': counts,
        'jobs_done': stats['done'],
        'jobs_failed': len(failed_jobs),
        'rounds': rounds,
        'seconds': round(elapsed, 2),
    }
    line = json.dumps(summary, sort_keys=True)
    print(line)
    with open(os.environ['OP_RESULT'], 'w') as handle:
        handle.write(line + '\n')


main(env)  # noqa: F821  (`env` is provided by odoo-bin shell)
