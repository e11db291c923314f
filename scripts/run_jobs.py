# -*- coding: utf-8 -*-
"""Runs queue_job jobs in the current Odoo process, one transaction per job.

Used by the demo and the benchmark from `odoo-bin shell`, where no job runner is started:
the same states and retries as queue_job's own runner (started → done, postponed on
RetryableJobError with its eta, failed with the traceback), committed after each job.
Python 2.7 (it runs inside Odoo 10).
"""
import time
import traceback

from odoo import fields
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job

RUNNABLE = ('pending', 'enqueued')


def run_one(env, uuid):
    """Performs one job; returns its final state."""
    env.invalidate_all()  # each job starts with an empty cache, as in queue_job's runner
    job = Job.load(env, uuid)
    job.set_started()
    job.store()
    env.cr.commit()
    try:
        job.perform()
        job.set_done()
        job.store()
        env.cr.commit()
    except RetryableJobError as err:
        env.cr.rollback()
        env.invalidate_all()
        job = Job.load(env, uuid)
        job.postpone(result=u'%s' % (err,), seconds=err.seconds)
        job.set_pending(reset_retry=False)
        job.store()
        env.cr.commit()
    except Exception:  # a failed job is recorded, as queue_job's runner does
        trace = traceback.format_exc()
        env.cr.rollback()
        env.invalidate_all()
        job = Job.load(env, uuid)
        job.set_failed(exc_info=trace)
        job.store()
        env.cr.commit()
    return job.state


def run_until_idle(env, max_wait=300, on_job=None):
    """Runs jobs until none is pending; waits for postponed ones (eta) up to max_wait seconds.

    Returns {'done': n, 'failed': n, 'runs': n}.
    """
    stats = {'done': 0, 'failed': 0, 'runs': 0}
    deadline = time.time() + max_wait
    Jobs = env['queue.job']
    while True:
        env.invalidate_all()
        now = fields.Datetime.now()
        ready = Jobs.search([('state', 'in', RUNNABLE), '|', ('eta', '=', False),
                             ('eta', '<=', now)], order='priority, date_created, id')
        if not ready:
            if not Jobs.search_count([('state', 'in', RUNNABLE)]) or time.time() > deadline:
                return stats
            time.sleep(0.5)
            continue
        for uuid in ready.mapped('uuid'):
            state = run_one(env, uuid)
            stats['runs'] += 1
            if state in ('done', 'failed'):
                stats[state] += 1
            if on_job:
                on_job(uuid, state)
