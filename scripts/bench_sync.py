# -*- coding: utf-8 -*-
"""One benchmark run, inside `odoo-bin shell` (`env` is Odoo's); driven by scripts/bench.sh.

Phases, each measured in this one process:
1. full import of the simulator's dataset ("OpenProject Sync" + queued jobs);
2. the practical limit: the same records created again by plain ORM create() calls in the
   same database (rolled back afterwards), with the values the import wrote and the same
   no-tracking context;
3. a no-change re-sync;
4. an incremental sync after the simulator changed 1 % of work packages and time entries.
Writes one JSON object to $BENCH_OUT. Python 2.7 (it runs inside Odoo 10).
"""
import json
import os
import resource
import sys
import time
import urllib2

sys.path.insert(0, os.path.join(os.environ['REPO_ROOT'], 'scripts'))
import run_jobs  # noqa: E402  (found through the path set just above)
from imported_models import BINDINGS  # noqa: E402

QUIET = dict(tracking_disable=True, mail_create_nolog=True, mail_create_nosubscribe=True,
             mail_notrack=True, no_reset_password=True)


def control(method, path, payload=None):
    """The simulator's control interface (tests/op_simulator/README.md)."""
    data = json.dumps(payload) if payload is not None else None
    request = urllib2.Request(os.environ['OP_URL'] + path, data=data)
    request.get_method = lambda: method
    request.add_header('X-Control-Token', os.environ['OP_CONTROL_TOKEN'])
    request.add_header('Content-Type', 'application/json')
    body = urllib2.urlopen(request, timeout=60).read()
    return json.loads(body) if body else None


#: tables written with the bound records (not bookkeeping of the sync itself: cursors, jobs)
SIDE_TABLES = ['res_partner', 'account_analytic_account', 'mail_followers',
               'mail_message_res_partner_needaction_rel', 'mail_tracking_value',
               'project_task_type_rel', 'res_groups_users_rel']


def write_mark(env):
    """Transaction id from which rows count as written (see count_written)."""
    env.cr.execute('SELECT txid_current()')
    mark = env.cr.fetchone()[0] % 2 ** 32
    env.cr.commit()
    return mark


def count_records(env):
    return sum(env[binding].with_context(active_test=False).search_count([])
               for _model, binding in BINDINGS)


def count_written(env, mark):
    """Rows really inserted or updated (whatever the column, write_date or not) by the
    transactions since `mark`: PostgreSQL's xmin of a row is the transaction that wrote it.
    A bound record counts once when its binding row, its Odoo row or both were written;
    rows of the side tables (partners, analytic accounts, followers, m2m links) count one each.
    Returns (total, {table or model: count})."""
    detail = {}
    for model, binding in BINDINGS:
        env.cr.execute(
            'SELECT count(*) FROM "%s" b JOIN "%s" o ON o.id = b.odoo_id '
            'WHERE b.xmin::text::bigint >= %%s OR o.xmin::text::bigint >= %%s'
            % (env[binding]._table, env[model]._table), (mark, mark))
        detail[model] = env.cr.fetchone()[0]
    for table in SIDE_TABLES:
        env.cr.execute('SELECT to_regclass(%s)', (table,))
        if env.cr.fetchone()[0]:
            env.cr.execute('SELECT count(*) FROM "%s" WHERE xmin::text::bigint >= %%s' % table,
                           (mark,))
            detail[table] = env.cr.fetchone()[0]
    return sum(detail.values()), {key: value for key, value in detail.items() if value}


def sync(env):
    """Runs "OpenProject Sync" and the jobs; returns (seconds, requests, jobs)."""
    control('POST', '/_control/counters/reset')
    jobs_before = env['queue.job'].search_count([])
    started = time.time()
    cron = env['ir.cron'].with_context(active_test=False).search(
        [('name', '=', 'OpenProject Sync')], limit=1)
    for _round in (1, 2):
        cron.method_direct_trigger()
        env.cr.commit()
        stats = run_jobs.run_until_idle(env)
        if stats['failed']:
            raise SystemExit('%d job(s) failed during the benchmark' % stats['failed'])
        if env['openproject.project.task'].search_count([]):
            break
    seconds = time.time() - started
    counters = control('GET', '/_control/counters')
    return (seconds, counters['total'], env['queue.job'].search_count([]) - jobs_before,
            counters.get('by_endpoint') or {})


def orm_limit(env):
    """Creates the imported records again with plain create() calls, with the values the
    import wrote (same fields, links to the same projects, stages, users and tasks);
    returns (seconds, count)."""
    quiet = env(context=dict(env.context, active_test=False, **QUIET))
    plans = []
    for user in quiet['res.users'].search([('openproject_bind_ids', '!=', False)]):
        plans.append(('res.users', {'name': user.name, 'login': 'bench-%s' % user.login,
                                    'email': user.email, 'active': user.active,
                                    'company_id': user.company_id.id,
                                    'company_ids': [(6, 0, user.company_ids.ids)],
                                    'groups_id': [(6, 0, [])]}))
    for project in quiet['project.project'].search([('openproject_bind_ids', '!=', False)]):
        plans.append(('project.project', {
            'name': project.name, 'label_tasks': project.label_tasks, 'active': project.active,
            'allow_timesheets': project.allow_timesheets, 'company_id': project.company_id.id,
            'type_ids': [(6, 0, project.type_ids.ids)]}))
    for stage in quiet['project.task.type'].search([('openproject_bind_ids', '!=', False)]):
        plans.append(('project.task.type', {'name': stage.name, 'sequence': stage.sequence,
                                            'fold': stage.fold,
                                            'project_ids': [(6, 0, stage.project_ids.ids)]}))
    for task in quiet['project.task'].search([('openproject_bind_ids', '!=', False)]):
        plans.append(('project.task', {
            'name': task.name, 'description': task.description, 'project_id': task.project_id.id,
            'stage_id': task.stage_id.id, 'user_id': task.user_id.id, 'active': task.active,
            'planned_hours': task.planned_hours, 'date_start': task.date_start,
            'date_deadline': task.date_deadline}))
    for line in quiet['account.analytic.line'].search([('openproject_bind_ids', '!=', False)]):
        plans.append(('account.analytic.line', {
            'name': line.name, 'date': line.date, 'unit_amount': line.unit_amount,
            'project_id': line.project_id.id, 'account_id': line.account_id.id,
            'task_id': line.task_id.id, 'user_id': line.user_id.id}))
    for message in quiet['mail.message'].search([('openproject_bind_ids', '!=', False)]):
        plans.append(('mail.message', {
            'model': message.model, 'res_id': message.res_id, 'body': message.body,
            'record_name': message.record_name, 'author_id': message.author_id.id,
            'email_from': message.email_from, 'date': message.date,
            'message_type': message.message_type, 'subtype_id': message.subtype_id.id}))
    env.cr.execute('SAVEPOINT bench_orm_limit')
    started = time.time()
    for model, values in plans:
        Model = quiet[model]
        if model == 'mail.message':
            # without notifying anyone, as the import (mail.message.create: no _notify())
            Model = Model.with_context(message_create_from_mail_mail=True)
        Model.create(values)
    seconds = time.time() - started
    env.cr.execute('ROLLBACK TO SAVEPOINT bench_orm_limit')
    env.invalidate_all()
    return seconds, len(plans)


def change_one_percent(env):
    """Changes 1 % of the work packages and time entries upstream; returns how many."""
    def imported_ids(binding):
        records = env[binding].with_context(active_test=False).search([], order='id')
        return records.mapped('external_id')
    wp_ids = imported_ids('openproject.project.task')[::100]
    te_ids = imported_ids('openproject.account.analytic.line')[::100]
    stamp = int(time.time())
    for wp_id in wp_ids:
        control('PATCH', '/_control/work_packages/%s' % wp_id,
                {'subject': 'Changed by the benchmark %s' % stamp})
    for te_id in te_ids:
        control('PATCH', '/_control/time_entries/%s' % te_id, {'hours': 'PT1H30M'})
    return len(wp_ids) + len(te_ids)


def main(env):
    result = {}
    backend = env['openproject.backend'].create({
        'name': 'Benchmark', 'url': os.environ['OP_URL'], 'api_key': os.environ['OP_API_KEY'],
        'page_size': int(os.environ.get('PAGE_SIZE', '1000'))})
    env.cr.commit()
    seconds, requests, _jobs, by_endpoint = sync(env)
    records = count_records(env)
    projects = env['openproject.project.project'].search_count([])
    per_wp = by_endpoint.get('GET /api/v3/work_packages/{id}/activities', 0)
    result['full'] = {
        'seconds': round(seconds, 2), 'records': records, 'requests': requests,
        # API v3 has no collection of activities: one request per work package
        'requests_activities': per_wp,
        'requests_without_activities': requests - per_wp,
        'requests_by_endpoint': by_endpoint,
        'records_per_second': round(records / seconds, 1),
        # ru_maxrss is in KiB on Linux: the peak of this whole Odoo process
        'peak_rss_mib': round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1),
        'page_size': backend.page_size,
        'projects': projects,
        'work_packages': env['openproject.project.task'].with_context(
            active_test=False).search_count([]),
    }
    orm_seconds, orm_records = orm_limit(env)
    result['orm_limit'] = {'seconds': round(orm_seconds, 2), 'records': orm_records,
                           'records_per_second': round(orm_records / orm_seconds, 1)}
    result['ratio_import_to_limit'] = round(
        result['full']['records_per_second'] / result['orm_limit']['records_per_second'], 3)

    mark = write_mark(env)
    seconds, requests, jobs, by_endpoint = sync(env)
    written, detail = count_written(env, mark)
    result['no_change'] = {'seconds': round(seconds, 2), 'requests': requests,
                           'requests_by_endpoint': by_endpoint,
                           'records_written': written, 'written_detail': detail, 'jobs': jobs}

    changed = change_one_percent(env)
    mark = write_mark(env)
    seconds, requests, jobs, by_endpoint = sync(env)
    written, detail = count_written(env, mark)
    result['incremental'] = {'seconds': round(seconds, 2), 'requests': requests,
                             'requests_by_endpoint': by_endpoint,
                             'changed_upstream': changed,
                             'records_written': written, 'written_detail': detail, 'jobs': jobs}
    with open(os.environ['BENCH_OUT'], 'w') as handle:
        json.dump(result, handle, sort_keys=True)


main(env)  # noqa: F821  (`env` is provided by odoo-bin shell)
