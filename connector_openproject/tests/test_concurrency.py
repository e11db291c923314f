# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).
"""Issue 5, concurrency: two jobs on the same window or the same record.

A second, real database connection plays the other job: it holds the row
lock of a sync cursor (a first run of the window still in progress) or the
advisory lock of a record (a first import of that record in progress).

The test transaction cannot see rows committed by another connection after
it started (Odoo cursors are REPEATABLE READ), and another connection
cannot see the test's uncommitted rows: the window test therefore works
with two connections of its own on a backend it commits, and removes in
``finally`` everything it committed.
"""

from contextlib import contextmanager
import threading

import psycopg2

import odoo
from odoo import SUPERUSER_ID, api
from odoo.tools import mute_logger
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job

from .common import OpenProjectCase

#: seconds a statement of the test's own connections may wait for a lock:
#: a NOWAIT lock answers at once, a waiting one would hang the suite
LOCK_TIMEOUT = '20s'
#: demo.json: Website Relaunch (the bot is a member) and Alice
PROJECT = 1
ALICE = 3

IMPORT_CONTEXT = {'tracking_disable': True, 'mail_create_nolog': True,
                  'mail_create_nosubscribe': True, 'mail_notrack': True,
                  'no_reset_password': True}


@contextmanager
def real_cursor(dbname):
    """A connection of its own (not the test cursor), rolled back and
    closed at the end unless committed explicitly."""
    cr = odoo.sql_db.db_connect(dbname).cursor()
    try:
        cr.execute("SET lock_timeout = %s", (LOCK_TIMEOUT,))
        yield cr
    finally:
        try:
            cr.rollback()
        finally:
            cr.close()



def hold_row_lock(cr, cursor_id):
    """What a first run of a window does: hold the lock of its cursor row."""
    cr.execute('SELECT id FROM openproject_sync_cursor WHERE id = %s '
               'FOR UPDATE', (cursor_id,))
    assert cr.fetchall() == [(cursor_id,)]

class TestConcurrentWindow(OpenProjectCase):
    """A second run of the same window does not start: the cursor row is
    locked FOR UPDATE NOWAIT; the second job gets RetryableJobError (queue
    job retries it later) without reading anything from OpenProject."""

    def _commit_fixture(self, cr):
        env = api.Environment(cr, SUPERUSER_ID, IMPORT_CONTEXT)
        backend = env['openproject.backend'].create({
            'name': 'Concurrent window (committed by a test)',
            'url': self.simulator.url,
            'api_key': self.api_key,
        })
        project = env['openproject.project.project'].create({
            'backend_id': backend.id,
            'external_id': str(PROJECT),
            'name': 'Website Relaunch (test fixture)',
            'sync_enabled': True,
            'sync_time_entries': False,
        })
        cursor = env['openproject.sync.cursor'].create({
            'backend_id': backend.id,
            'entity': 'work_package',
            'project_binding_id': project.id,
        })
        # a connection of the test's own, not the test transaction: the
        # other connection must see the rows; _remove_fixture deletes them
        cr.commit()  # pylint: disable=invalid-commit
        return backend.id, project.id, cursor.id

    def _remove_fixture(self, backend_id):
        with real_cursor(self.env.cr.dbname) as cr:
            env = api.Environment(cr, SUPERUSER_ID, IMPORT_CONTEXT)
            backend = env['openproject.backend'].with_context(
                active_test=False).browse(backend_id)
            if not backend.exists():
                return
            env['openproject.sync.cursor'].search(
                [('backend_id', '=', backend_id)]).unlink()
            for model in ('openproject.mail.message',
                          'openproject.account.analytic.line',
                          'openproject.project.task',
                          'openproject.project.project',
                          'openproject.res.users',
                          'openproject.project.task.type'):
                bindings = env[model].with_context(active_test=False).search(
                    [('backend_id', '=', backend_id)])
                odoo_records = bindings.mapped('odoo_id')
                bindings.unlink()
                if model == 'openproject.project.project':
                    odoo_records.unlink()
            backend.unlink()
            cr.commit()  # pylint: disable=invalid-commit

    def _wp_requests(self):
        counters = self.control('GET', '/counters')
        return sum(count for endpoint, count in
                   counters['by_endpoint'].items()
                   if 'work_packages' in endpoint)

    @contextmanager
    def committed_fixture(self):
        """Two connections of the test's own (the job's, another run's) and
        the committed fixture of _commit_fixture, removed at the end."""
        dbname = self.env.cr.dbname
        ids = None
        try:
            with real_cursor(dbname) as cr_job, \
                    real_cursor(dbname) as cr_other:
                ids = self._commit_fixture(cr_job)
                yield cr_job, cr_other, ids
        finally:
            if ids:
                self._remove_fixture(ids[0])

    def test_error_kept_when_the_job_rolls_back(self):
        """The backend's last error is written in a transaction of its own,
        also on a server started with --test-enable (only a thread running
        tests writes in place)."""
        thread = threading.currentThread()
        with self.committed_fixture() as (cr_job, _cr_other, ids):
            env = api.Environment(cr_job, SUPERUSER_ID, {})
            backend = env['openproject.backend'].browse(ids[0])
            self.assertTrue(odoo.tools.config['test_enable'])
            thread.testing = False  # a job of a server, not a test
            try:
                backend._op_write_apart({'last_error': u'kept apart'})
            finally:
                thread.testing = True
            cr_job.rollback()  # the failing job's own transaction
            # a connection opened after the write: its snapshot shows it
            with real_cursor(self.env.cr.dbname) as cr_check:
                cr_check.execute('SELECT last_error FROM openproject_backend '
                                 'WHERE id = %s', (ids[0],))
                self.assertEqual(cr_check.fetchone()[0], u'kept apart')

    def test_second_project_listing_retried_later(self):
        """The projects' cursor is locked before the listing: a run started
        while another one holds it reads nothing from OpenProject."""
        with self.committed_fixture() as (cr_job, cr_first, ids):
            backend_id, _project_id, _cursor_id = ids
            env = api.Environment(cr_job, SUPERUSER_ID, IMPORT_CONTEXT)
            cursor = env['openproject.sync.cursor'].create({
                'backend_id': backend_id, 'entity': 'project'})
            cr_job.commit()  # pylint: disable=invalid-commit
            hold_row_lock(cr_first, cursor.id)
            backend = env['openproject.backend'].browse(backend_id)
            self.control('POST', '/counters/reset')
            with self.assertRaises(RetryableJobError):
                env['openproject.project.project'].import_batch(backend)
            counters = self.control('GET', '/counters')
            self.assertEqual(counters['total'], 0, counters)
            cr_job.rollback()

    def test_second_run_of_locked_window_retried_later(self):
        with self.committed_fixture() as (cr_job, cr_first, ids):
            backend_id, project_id, cursor_id = ids
            # the first run: holds the row lock of the window
            hold_row_lock(cr_first, cursor_id)

            env = api.Environment(cr_job, SUPERUSER_ID, {})
            backend = env['openproject.backend'].browse(backend_id)
            project = env['openproject.project.project'].browse(
                project_id)
            tasks = env['openproject.project.task']
            self.control('POST', '/counters/reset')
            # NOWAIT: refused at once (without it, the lock_timeout of
            # real_cursor would end the wait with another error)
            with self.assertRaises(RetryableJobError) as raised:
                tasks.import_batch(backend, project=project)
            self.assertIn(u'retried later', u'%s' % raised.exception)
            # queue_job retries it later, it does not count as a try
            self.assertTrue(raised.exception.ignore_retry)
            self.assertGreater(raised.exception.seconds, 0)
            # the second run read nothing and imported nothing
            self.assertEqual(self._wp_requests(), 0)
            cr_job.rollback()
            env.invalidate_all()
            self.assertFalse(tasks.with_context(
                active_test=False).search(
                    [('backend_id', '=', backend_id)]))
            cursor = env['openproject.sync.cursor'].browse(cursor_id)
            self.assertFalse(cursor.synced_up_to)

            # the first run ends: the retried job runs the window
            cr_first.rollback()
            result = tasks.import_batch(backend, project=project)
            self.assertTrue(result)
            self.assertGreater(self._wp_requests(), 0)
            env.invalidate_all()
            self.assertTrue(cursor.synced_up_to)
            bot = self.dataset.bot_id()
            expected = sorted(
                wid for wid in self.dataset.visible_work_packages(bot)
                if self.dataset.wp_project(
                    self.dataset.work_packages[wid]) == PROJECT)
            found = sorted(int(ext) for ext in tasks.with_context(
                active_test=False).search(
                    [('backend_id', '=', backend_id)]).mapped(
                        'external_id'))
            self.assertEqual(found, expected)
            # nothing of this second connection is kept
            cr_job.rollback()

    def test_window_lock_is_per_entity_and_project(self):
        """Another window (time entries of the project) is not blocked by
        the lock of the work packages' window."""
        with self.committed_fixture() as (cr_job, cr_first, ids):
            backend_id, project_id, cursor_id = ids
            hold_row_lock(cr_first, cursor_id)
            env = api.Environment(cr_job, SUPERUSER_ID, {})
            backend = env['openproject.backend'].browse(backend_id)
            project = env['openproject.project.project'].browse(
                project_id)
            cursors = env['openproject.sync.cursor']
            other = cursors.acquire(backend, 'time_entry', project)
            self.assertTrue(other)
            self.assertNotEqual(other.id, cursor_id)
            with self.assertRaises(RetryableJobError):
                cursors.acquire(backend, 'work_package', project)
            cr_job.rollback()

class TestConcurrentRecord(OpenProjectCase):
    """Two jobs importing the same record never create two bindings: an
    advisory lock per record (the second job is retried), a SQL unique
    constraint per binding model, and a retry when the insert hits it."""

    BINDING_MODELS = (
        'openproject.res.users', 'openproject.project.project',
        'openproject.project.task', 'openproject.project.task.type',
        'openproject.account.analytic.line', 'openproject.mail.message',
    )

    @contextmanager
    def other_job_importing(self, model_name, external_id):
        """Another connection that is importing ``external_id``: it holds
        the importer's own advisory lock (taken with the importer
        component, on a connection of its own)."""
        with real_cursor(self.env.cr.dbname) as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            # browse only: the backend row is not visible from there, the
            # lock is named after its id
            backend = env['openproject.backend'].browse(self.backend.id)
            with backend.work_on(model_name, op_client=None) as work:
                importer = work.component(usage='record.importer')
                importer.external_id = str(external_id)
                importer._lock()
            yield cr

    def user_bindings(self, external_id):
        return self.binding('openproject.res.users', external_id)

    def test_locked_record_job_retried_then_imported_once(self):
        users = self.env['openproject.res.users']
        job = users.with_delay().import_record(self.backend, ALICE)
        with self.other_job_importing('openproject.res.users', ALICE):
            self.control('POST', '/counters/reset')
            with self.assertRaises(RetryableJobError) as raised:
                with self.env.cr.savepoint():
                    Job.load(self.env, job.uuid).perform()
            self.assertTrue(raised.exception.ignore_retry)
            self.assertIn(str(ALICE), u'%s' % raised.exception)
            self.assertFalse(self.user_bindings(ALICE))
            # the locked job did not even read the record
            self.assertEqual(self.control('GET', '/counters')['total'], 0)
        # the other job is over: the retried job imports the record once
        report = self.run_jobs()
        self.assertNoJobFailure(report)
        self.assertEqual(len(self.user_bindings(ALICE)), 1)
        # and a second concurrent import does not add a binding either
        users.import_record(self.backend, ALICE, force=True)
        self.assertEqual(len(self.user_bindings(ALICE)), 1)

    def test_locked_dependency_postpones_the_element_only(self):
        """A work package whose assignee is being imported by another job
        is delegated to a job of its own; the other work packages of the
        page are imported."""
        self.env['openproject.project.task.type'].import_batch(self.backend)
        self.env['openproject.project.project'].import_batch(self.backend)
        project = self.binding('openproject.project.project', PROJECT)
        self.assertTrue(project)
        self.env['queue.job'].search([]).unlink()
        bot = self.dataset.bot_id()
        wps = dict((wid, self.dataset.work_packages[wid])
                   for wid in self.dataset.visible_work_packages(bot)
                   if self.dataset.wp_project(
                       self.dataset.work_packages[wid]) == PROJECT)
        alice_wps = sorted(
            wid for wid, wp in wps.items()
            if self.dataset.user_ref(wp.get('assignee')) == ALICE)
        self.assertTrue(alice_wps, 'demo.json: Alice is an assignee')
        with self.other_job_importing('openproject.res.users', ALICE):
            self.env['openproject.project.task'].import_batch(
                self.backend, project=project)
            imported = sorted(int(ext) for ext in self.bindings(
                'openproject.project.task').mapped('external_id'))
            # the records that need Alice wait for their own job
            self.assertEqual(imported, sorted(set(wps) - set(alice_wps)))
            delayed = self.env['queue.job'].search(
                [('model_name', '=', 'openproject.project.task'),
                 ('method_name', '=', 'import_record'),
                 ('state', '=', 'pending')])
            self.assertEqual(sorted(int(job.args[1]) for job in delayed),
                             alice_wps)
        report = self.run_jobs()
        self.assertNoJobFailure(report)
        imported = sorted(int(ext) for ext in self.bindings(
            'openproject.project.task').mapped('external_id'))
        self.assertEqual(imported, sorted(wps))
        self.assertEqual(len(self.user_bindings(ALICE)), 1)

    def test_unique_constraint_in_database(self):
        """Each binding table has the SQL constraint unique(backend_id,
        external_id) (read from PostgreSQL's catalog)."""
        for name in self.BINDING_MODELS:
            table = self.env[name]._table
            self.env.cr.execute("""
                SELECT pg_get_constraintdef(c.oid)
                FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
                WHERE t.relname = %s AND c.contype = 'u'
            """, (table,))
            definitions = [row[0].replace(' ', '')
                           for row in self.env.cr.fetchall()]
            self.assertIn('UNIQUE(backend_id,external_id)', definitions,
                          '%s: %s' % (table, definitions))

    def test_duplicate_binding_refused_by_postgresql(self):
        self.env['openproject.res.users'].import_record(self.backend, ALICE)
        binding = self.user_bindings(ALICE)
        self.assertEqual(len(binding), 1)
        other_user = self.env['res.users'].with_context(
            no_reset_password=True).create(
                {'name': 'Another user', 'login': 'another.user.dup'})
        with mute_logger('odoo.sql_db'):
            with self.assertRaises(psycopg2.IntegrityError):
                with self.env.cr.savepoint():
                    self.env['openproject.res.users'].create({
                        'backend_id': self.backend.id,
                        'external_id': str(ALICE),
                        'odoo_id': other_user.id,
                    })
        self.assertEqual(len(self.user_bindings(ALICE)), 1)

    def test_binding_created_by_another_job_means_retry(self):
        """The importer did not see the binding (another transaction
        created it after this one started): the insert hits the unique
        constraint and the job is retried instead of failing."""
        users = self.env['openproject.res.users']
        users.import_record(self.backend, ALICE)
        self.assertEqual(len(self.user_bindings(ALICE)), 1)
        record = self.simulator.api_get('/api/v3/users/%s' % ALICE).json()
        with self.backend.work_on('openproject.res.users') as work:
            importer = work.component(usage='record.importer')
            with mute_logger('odoo.sql_db'):
                with self.assertRaises(RetryableJobError):
                    with self.env.cr.savepoint():
                        # as seen by a transaction that started before the
                        # other job committed: no binding yet
                        importer.run(str(ALICE), record=record,
                                     binding=users.browse(), force=True)
        self.assertEqual(len(self.user_bindings(ALICE)), 1)
