# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).
"""Issue 5, faults: a server that times out, drops connections, answers
502/503/504 or 429, and a key that is refused.

The expected results are the demo's visible records (``DemoDataset``): a
sync through faults must end with exactly the records of a sync without
faults, 0 lost and 0 duplicated.
"""

from odoo.exceptions import UserError

from .common import OpenProjectCase

COUNTED = (
    'openproject.project.project', 'openproject.project.task',
    'openproject.account.analytic.line', 'openproject.project.task.type',
    'openproject.mail.message',
)


class TestTransientFaults(OpenProjectCase):
    """Every kind of transient fault injected at once, on the first sync."""

    @classmethod
    def before_initial_sync(cls):
        # a short timeout so that the "delay" fault times the client out
        cls.backend.timeout = 2

    def expected_ids(self):
        bot = self.dataset.bot_id()
        return {
            'openproject.project.project':
                self.dataset.visible_projects(bot),
            'openproject.project.task':
                self.dataset.visible_work_packages(bot),
            'openproject.account.analytic.line':
                self.dataset.visible_time_entries(bot),
            'openproject.project.task.type': sorted(self.dataset.statuses),
            'openproject.mail.message':
                self.dataset.visible_activities(bot),
        }

    def found_ids(self):
        return dict((model, sorted(int(ext) for ext in self.bindings(
            model).mapped('external_id'))) for model in COUNTED)

    def test_sync_through_faults_loses_and_duplicates_nothing(self):
        faults = [
            # more failures than the client's own retries: the job itself
            # must be retried (RetryableJobError)
            {'path': '^/api/v3/projects$', 'kind': 'status', 'status': 503,
             'count': 6},
            {'path': '^/api/v3/statuses', 'kind': 'status', 'status': 502,
             'body': 'html', 'count': 2},
            {'path': '^/api/v3/projects/1/work_packages', 'kind': 'drop',
             'count': 1},
            {'path': '^/api/v3/projects/2/work_packages', 'kind': 'status',
             'status': 504, 'count': 2},
            {'path': '^/api/v3/time_entries', 'kind': 'retry_after',
             'seconds': 1, 'count': 2},
            {'path': '^/api/v3/work_packages/2/activities', 'kind': 'delay',
             'seconds': 4, 'count': 1},
            {'path': '^/api/v3/users/', 'kind': 'status', 'status': 503,
             'seconds': 1, 'count': 1},
        ]
        for fault in faults:
            self.control('POST', '/faults', fault)
        report = self.full_sync()
        self.assertNoJobFailure(report)
        # every fault was really hit
        for fault in self.control('GET', '/faults')['faults']:
            self.assertEqual(fault.get('hits'), fault.get('count'), fault)
        self.assertEqual(self.found_ids(), self.expected_ids())
        # the same after a second run: no duplicate created by the retries
        self.control('DELETE', '/faults')
        report = self.full_sync()
        self.assertNoJobFailure(report)
        self.assertEqual(self.found_ids(), self.expected_ids())
        self.assertEqual(
            len(self.env['project.task'].with_context(
                active_test=False).search(
                    [('name', '=', u'Set up staging server')])), 1)


class TestKeyRefused(OpenProjectCase):
    """401 for the whole key: one clear error, the sync stops."""

    @classmethod
    def create_backend(cls, **values):
        values.setdefault('api_key', 'wrong-' + cls.api_key)
        return super(TestKeyRefused, cls).create_backend(**values)

    def test_refused_key_one_error_and_sync_stops(self):
        report = self.full_sync()
        self.assertEqual(len(report.failures), 1,
                         report.failure_messages())
        self.backend.invalidate_cache()
        error = self.backend.last_error or u''
        self.assertIn(u'API key', error)
        self.assertIn(u'401', error)
        self.assertNotIn(self.backend.api_key, error)
        self.assertNotIn(self.backend.api_key,
                         report.failures[0]['exc_info'])
        self.assertFalse(self.env['queue.job'].search(
            [('state', 'in', ('pending', 'enqueued'))]))
        # the next cron run does not fill the queue with failing jobs
        jobs = self.env['queue.job'].search_count([])
        self.run_sync_cron()
        self.assertEqual(self.env['queue.job'].search_count([]), jobs)

    def test_check_connection_says_refused(self):
        with self.assertRaises(UserError) as raised:
            self.backend.action_check_connection()
        self.assertIn(u'API key', raised.exception.name)
        self.assertIn(u'API key', self.backend.last_error or u'')
        self.assertFalse(self.backend.key_user_name)


class TestCheckConnection(OpenProjectCase):

    def test_check_connection_bot_key(self):
        self.backend.action_check_connection()
        self.assertEqual(self.backend.key_user_name, u'Odoo Bot')
        self.assertFalse(self.backend.key_is_admin)
        bot = self.dataset.bot_id()
        self.assertEqual(self.backend.key_project_count,
                         len(self.dataset.visible_projects(bot)))
        # demo: the bot is a "Reader" of Mobile App: no time entries there
        text = self.backend.key_permissions or u''
        missing = [line for line in text.splitlines()
                   if u'Mobile App' in line]
        self.assertTrue(missing, text)
        self.assertIn(u'time entries', missing[0])
        for name in (u'Website Relaunch', u'Website SEO'):
            self.assertNotIn(name, text)
        self.assertFalse(self.backend.last_error)

    def test_locked_key_user(self):
        self.control('POST', '/users/%s/lock' % self.dataset.bot_id())
        try:
            report = self.full_sync()
        finally:
            self.control('POST', '/users/%s/unlock' % self.dataset.bot_id())
        self.assertEqual(len(report.failures), 1,
                         report.failure_messages())
        self.assertIn(u'API key', self.backend.last_error or u'')
