# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).
"""Driven by tests/test_scenario_killed_sync.py inside `odoo-bin shell` (Python 2.7, `env` is
Odoo's): the steps named in OP_STEPS, comma separated, one transaction per job as in production.

  setup    create the backend (OP_URL, OP_API_KEY from the environment, never the command line)
  sync     the scheduled action "OpenProject Sync", then the jobs until none is pending; a second
           round when the first only discovered the projects (as scripts/demo_sync.py)
  requeue  what an administrator does after a crash (queue_job 10.0's runner leaves the jobs of a
           dead process 'started' or 'enqueued'; its README says to requeue them from the Jobs
           view): the Requeue action of the Jobs list on those jobs
  dump     write a canonical JSON dump of the imported data to OP_DUMP
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.environ['REPO_ROOT'], 'scripts'))
import run_jobs  # noqa: E402  (scripts/run_jobs.py, one transaction per job)

#: binding model -> the fields that say what was imported (names of related records, not ids:
#: the two databases number their records differently)
DUMP_FIELDS = {
    'openproject.res.users': ['login', 'name', 'email', 'active', 'op_deleted', 'op_updated_at'],
    'openproject.project.project': ['name', 'active', 'op_identifier', 'sync_enabled',
                                    'sync_time_entries', 'op_deleted', 'op_updated_at'],
    'openproject.project.task.type': ['name', 'sequence', 'fold', 'project_ids'],
    'openproject.project.task': ['name', 'project_id', 'stage_id', 'user_id', 'planned_hours',
                                 'date_start', 'date_deadline', 'active', 'description',
                                 'op_type_name', 'op_priority_name', 'op_assignee_name',
                                 'op_lock_version', 'op_deleted', 'op_updated_at'],
    'openproject.account.analytic.line': ['name', 'date', 'unit_amount', 'project_id', 'task_id',
                                          'user_id', 'account_id', 'op_deleted', 'op_updated_at'],
    'openproject.mail.message': ['body', 'date', 'model', 'record_name', 'author_id',
                                 'subtype_id', 'message_type', 'op_version', 'op_deleted'],
}
#: plain Odoo models counted as well: a duplicate without a binding shows there
COUNTED = ['res.users', 'res.partner', 'project.project', 'project.task', 'project.task.type',
           'account.analytic.line', 'account.analytic.account']


def say(text):
    sys.stdout.write(text + '\n')
    sys.stdout.flush()


def value_of(record, name):
    field = record._fields[name]
    value = record[name]
    if field.type == 'many2one':
        return value.display_name if value else None
    if field.type in ('one2many', 'many2many'):
        return sorted(value.mapped('display_name'))
    if field.type == 'float':
        return round(value or 0.0, 4)
    return value if value is not False else None


def dump(env):
    data = {'bindings': {}, 'counts': {}, 'cursors': [], 'jobs': {}}
    for model, names in sorted(DUMP_FIELDS.items()):
        Binding = env[model].with_context(active_test=False)
        names = [name for name in names if name in Binding._fields]
        rows = []
        for binding in Binding.search([]):
            row = {'external_id': binding.external_id}
            for name in names:
                row[name] = value_of(binding, name)
            rows.append(row)
        rows.sort(key=lambda row: (int(row['external_id']), json.dumps(row, sort_keys=True)))
        data['bindings'][model] = rows
    for model in COUNTED:
        data['counts'][model] = env[model].with_context(active_test=False).search_count([])
    data['counts']['mail.message on tasks'] = env['mail.message'].search_count(
        [('model', '=', 'project.task')])
    for cursor in env['openproject.sync.cursor'].search([]):
        data['cursors'].append([cursor.entity, cursor.project_binding_id.external_id or None,
                                cursor.synced_up_to or None])
    data['cursors'].sort(key=lambda row: json.dumps(row))
    env.cr.execute('SELECT state, count(*) FROM queue_job GROUP BY state')
    data['jobs'] = dict(env.cr.fetchall())
    with open(os.environ['OP_DUMP'], 'w') as handle:
        json.dump(data, handle, sort_keys=True, indent=1)
    say('dumped %s' % ', '.join('%s=%s' % (model.split('.', 1)[1], len(rows))
                                for model, rows in sorted(data['bindings'].items())))


def setup(env):
    env['openproject.backend'].create({
        'name': 'Killed sync scenario',
        'url': os.environ['OP_URL'],
        'api_key': os.environ['OP_API_KEY'],
    })
    env.cr.commit()
    say('backend created')


def sync(env):
    for round_no in (1, 2):
        cron = env['ir.cron'].with_context(active_test=False).search(
            [('name', '=', 'OpenProject Sync')], limit=1)
        cron.method_direct_trigger()
        env.cr.commit()
        stats = run_jobs.run_until_idle(
            env, max_wait=120, on_job=lambda uuid, state: say('job %s %s' % (state, uuid)))
        say('sync round %s: %s' % (round_no, json.dumps(stats, sort_keys=True)))
        if env['openproject.project.task'].search_count([]):
            break


def requeue(env):
    jobs = env['queue.job'].search([('state', 'in', ('started', 'enqueued'))])
    say('requeue %s job(s): %s' % (len(jobs), ', '.join(jobs.mapped('name'))))
    jobs.requeue()
    env.cr.commit()


STEPS = {'setup': setup, 'sync': sync, 'requeue': requeue, 'dump': dump}


def main(env):
    for step in os.environ['OP_STEPS'].split(','):
        say('step %s' % step)
        STEPS[step](env)
    say('steps done')


main(env)  # noqa: F821  (`env` is provided by odoo-bin shell)
