# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).
"""The demo synced with an administrator's key (logins and statuses
visible, users listable, archived projects visible) and against the
OpenProject 7.3 profile (plain-string time entry comments, no updatedAt
filter on time entries, no placeholder users)."""

from .common import OpenProjectCase, WriteRecorder

BOB = 4
CAROL = 5   # locked
ERIN = 7    # deleted


class TestAdminKey(OpenProjectCase):

    initial_sync = True

    @classmethod
    def create_backend(cls, **values):
        values.setdefault('api_key', cls.admin_key)
        return super(TestAdminKey, cls).create_backend(**values)

    @classmethod
    def before_initial_sync(cls):
        # an Odoo user with Bob's OpenProject login (and another e-mail)
        cls.preexisting_user = cls.env['res.users'].with_context(
            no_reset_password=True).create({
                'name': 'Bob in Odoo', 'login': 'bob',
                'email': 'bob@odoo.example.com'})
        # Odoo's own users (e.g. "admin", the login of OpenProject's admin
        # too) may be reused: they keep their groups
        cls.users_before = cls.env['res.users'].with_context(
            active_test=False).search([])

    def test_no_job_failed(self):
        self.assertNoJobFailure(self.initial_report)

    def test_counts_equal_what_the_admin_sees(self):
        admin = self.dataset.admin_id()
        self.assertEqual(admin, 1)
        expected = {
            'openproject.project.project':
                self.dataset.visible_projects(admin),
            'openproject.project.task':
                self.dataset.visible_work_packages(admin),
            'openproject.account.analytic.line':
                self.dataset.visible_time_entries(admin),
        }
        # demo.json: 5 projects (the archived one too), every work package
        # and time entry except those of the archived project
        self.assertEqual(expected, {
            'openproject.project.project': [1, 2, 3, 4, 5],
            'openproject.project.task': [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12],
            'openproject.account.analytic.line': [1, 2, 3, 4, 5, 6, 7, 9,
                                                  10],
        })
        for model, ids in expected.items():
            self.assertEqual(sorted(int(ext) for ext in self.bindings(
                model).mapped('external_id')), ids, model)

    def test_archived_project_inactive(self):
        project = self.project_of(5)
        self.assertTrue(project, 'the archived project was not imported')
        self.assertFalse(project.active)
        self.assertEqual(project.name, u'Old Intranet')
        self.assertTrue(self.project_of(4).active)

    def test_logins_from_openproject(self):
        for uid in (3, 8, 9):
            self.assertEqual(self.user_of(uid).login,
                             self.dataset.users[uid]['login'])

    def test_users_listed(self):
        """An admin key lists the users: every user who was not deleted."""
        expected = set(uid for uid, user in self.dataset.users.items()
                       if user.get('status', 'active') != 'deleted')
        found = set(int(ext) for ext in self.bindings(
            'openproject.res.users').mapped('external_id'))
        self.assertTrue(expected <= found, sorted(expected - found))
        self.assertTrue(found <= expected | set(
            [self.dataset.deleted_user_id()]), sorted(found - expected))
        for user in self.bindings('openproject.res.users').mapped('odoo_id'):
            if user not in self.users_before:
                self.assertFalse(user.groups_id, user.login)

    def test_locked_user_inactive(self):
        self.assertFalse(self.user_of(CAROL).active)
        self.assertTrue(self.user_of(3).active)

    def test_user_locked_upstream_later(self):
        user = self.user_of(8)
        self.assertTrue(user.active)
        self.control('POST', '/users/8/lock')
        try:
            report = self.full_sync(from_scratch=True)
        finally:
            self.control('POST', '/users/8/unlock')
        self.assertNoJobFailure(report)
        self.assertFalse(user.active)

    def test_existing_user_reused_by_login(self):
        self.assertEqual(self.user_of(BOB), self.preexisting_user)
        self.assertEqual(self.env['res.users'].with_context(
            active_test=False).search_count([('login', '=', 'bob')]), 1)

    def test_deleted_user_inactive(self):
        deleted = self.user_of(self.dataset.deleted_user_id())
        self.assertTrue(deleted)
        self.assertFalse(deleted.active)

    def test_user_deleted_upstream_later(self):
        """The admin's listing no longer shows a deleted user: its binding is
        flagged and the Odoo user archived (never deleted)."""
        user = self.user_of(8)
        self.assertTrue(user.active)
        self.control('DELETE', '/users/8')
        try:
            report = self.full_sync()
        finally:
            self.control('POST', '/reset')
        self.assertNoJobFailure(report)
        self.assertTrue(self.binding('openproject.res.users', 8).op_deleted)
        self.assertTrue(user.exists())
        self.assertFalse(user.active)
        # the users still listed are untouched
        self.assertTrue(self.user_of(3).active)
        self.assertFalse(self.binding('openproject.res.users', 3).op_deleted)


class TestProfile73(OpenProjectCase):

    profile = '7.3'
    initial_sync = True

    def test_no_job_failed(self):
        self.assertNoJobFailure(self.initial_report)

    def test_counts(self):
        bot = self.dataset.bot_id()
        for model, ids in (
                ('openproject.project.task',
                 self.dataset.visible_work_packages(bot)),
                ('openproject.account.analytic.line',
                 self.dataset.visible_time_entries(bot)),
                ('openproject.mail.message',
                 self.dataset.visible_activities(bot))):
            self.assertEqual(sorted(int(ext) for ext in self.bindings(
                model).mapped('external_id')), ids, model)

    def test_plain_string_comments(self):
        for tid in self.dataset.visible_time_entries(self.dataset.bot_id()):
            comment = self.dataset.time_entries[tid].get('comment')
            self.assertEqual(self.line_of(tid).name, comment or u'/', tid)

    def test_no_placeholder_users_in_73(self):
        # 7.3 has no placeholder users: the assignee is rendered empty
        task = self.task_of(4)
        self.assertTrue(task)
        self.assertFalse(task.user_id)

    def test_second_sync_writes_nothing(self):
        with WriteRecorder(self.env) as recorder:
            report = self.full_sync()
        self.assertNoJobFailure(report)
        self.assertEqual(recorder.calls, [], recorder.calls[:20])
