# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).
"""Findings of a new-user test: who can reach the API key and start syncs,
confidential projects, settings switched back on, the backend URL, the
feedback of "Check connection" and the wording of the messages.

Expected values come from demo.json (``DemoDataset``) and from Odoo 10's
own rules (groups, record rules of project.project), not from the
connector."""

import uuid as uuidlib

from odoo.exceptions import AccessError, UserError, ValidationError

from .common import OpenProjectCase

MANAGER = 'connector.group_connector_manager'


def new_user(env, login, *groups):
    return env['res.users'].with_context(no_reset_password=True).create({
        'name': login.replace('.', ' ').title(), 'login': login,
        'email': '%s@example.com' % login,
        'groups_id': [(6, 0, [env.ref(xmlid).id for xmlid in
                              ('base.group_user',) + groups])],
    })


class TestWhoReachesTheKey(OpenProjectCase):
    """Item 1 and 2: only a connector manager reaches the backend, its key
    (read, read_group, search, sort) and its buttons."""

    def setUp(self):
        super(TestWhoReachesTheKey, self).setUp()
        self.employee = new_user(self.env, 'plain.employee')
        self.project_manager = new_user(self.env, 'project.boss',
                                        'project.group_project_manager')
        self.manager = new_user(self.env, 'connector.boss', MANAGER)
        # a part of the key that nothing else contains
        self.probe = self.api_key[-6:]

    def non_managers(self):
        return [self.employee, self.project_manager]

    def test_no_read_group_on_the_key(self):
        for user in self.non_managers():
            model = self.env['openproject.backend'].sudo(user)
            with self.assertRaises(AccessError):
                model.read_group([], ['api_key'], ['api_key'])
            with self.assertRaises(AccessError):
                model.read_group([], ['name'], ['api_key'])

    def test_no_search_on_the_key(self):
        for user in self.non_managers():
            model = self.env['openproject.backend'].sudo(user)
            with self.assertRaises(AccessError):
                model.search([('api_key', 'ilike', self.probe)])
            with self.assertRaises(AccessError):
                model.search_count([('api_key', '=', self.api_key)])
            with self.assertRaises(AccessError):
                model.search([], order='api_key')
            # nor through a binding, which employees may read
            tasks = self.env['openproject.project.task'].sudo(user)
            with self.assertRaises(AccessError):
                tasks.search([('backend_id.api_key', 'ilike', self.probe)])

    def test_no_read_of_the_backend(self):
        for user in self.non_managers():
            backend = self.backend.sudo(user)
            with self.assertRaises(AccessError):
                backend.read(['api_key'])
            with self.assertRaises(AccessError):
                backend.read(['name', 'url'])

    def test_the_guard_itself_without_the_access_rules(self):
        """Even for a user given read access to the backends (by another
        module, say), the key cannot be searched or grouped on."""
        access = self.env['ir.model.access'].create({
            'name': 'test: employees read backends',
            'model_id': self.env.ref(
                'connector_openproject.model_openproject_backend').id,
            'group_id': self.env.ref('base.group_user').id,
            'perm_read': True,
        })
        self.assertTrue(access)
        model = self.env['openproject.backend'].sudo(self.employee)
        self.assertEqual(model.search([('id', '=', self.backend.id)]),
                         self.backend)
        with self.assertRaises(AccessError):
            model.search([('api_key', 'ilike', self.probe)])
        with self.assertRaises(AccessError):
            model.read_group([], ['api_key'], ['api_key'])
        with self.assertRaises(AccessError):
            model.browse(self.backend.id).read(['api_key'])

    def test_the_manager_can(self):
        model = self.env['openproject.backend'].sudo(self.manager)
        self.assertEqual(model.search([('api_key', 'ilike', self.probe)]),
                         self.backend)
        groups = model.read_group([('id', '=', self.backend.id)],
                                  ['api_key'], ['api_key'])
        self.assertEqual([group['api_key'] for group in groups],
                         [self.api_key])
        self.assertEqual(model.browse(self.backend.id).api_key, self.api_key)

    def test_buttons_refused_to_non_managers(self):
        jobs = self.env['queue.job'].search_count([])
        for user in self.non_managers():
            backend = self.backend.sudo(user)
            for method in ('action_sync_now', 'action_sync_from_scratch',
                           'action_check_connection', 'sync'):
                with self.assertRaises(AccessError) as raised:
                    getattr(backend, method)()
                self.assertIn(u'Connector Manager',
                              u'%s' % raised.exception.name)
        self.assertEqual(self.env['queue.job'].search_count([]), jobs)
        self.assertFalse(self.backend.connection_checked_at)

    def test_project_buttons_refused_to_non_managers(self):
        project = self.env['openproject.project.project'].create({
            'backend_id': self.backend.id, 'external_id': '1',
            'name': 'Bound by hand'})
        jobs = self.env['queue.job'].search_count([])
        for user in self.non_managers():
            binding = project.sudo(user)
            for method in ('action_sync_now', 'action_sync_from_scratch'):
                with self.assertRaises(AccessError):
                    getattr(binding, method)()
        self.assertEqual(self.env['queue.job'].search_count([]), jobs)

    def test_buttons_allowed_to_a_manager(self):
        jobs = self.env['queue.job'].search_count([])
        backend = self.backend.sudo(self.manager)
        self.assertTrue(backend.action_check_connection())
        self.assertEqual(backend.key_user_name, u'Odoo Bot')
        backend.action_sync_now()
        self.assertGreater(self.env['queue.job'].search_count([]), jobs)


class TestBackendUrl(OpenProjectCase):
    """Item 5: a URL without http(s):// is refused on save; one saved
    before the check cannot fill the queue with tracebacks."""

    def test_urls_refused(self):
        backends = self.env['openproject.backend']
        for url in ('127.0.0.1:40355', 'ftp://x', 'openproject.example.com',
                    'https://', 'https://bot:secret@openproject.example.com'):
            with self.assertRaises(ValidationError) as raised:
                with self.env.cr.savepoint():
                    backends.create({'name': 'Bad', 'url': url,
                                     'api_key': 'k'})
            self.assertIn(u'URL', raised.exception.name)
        with self.assertRaises(ValidationError) as raised:
            with self.env.cr.savepoint():
                self.backend.write({'url': '127.0.0.1:40355'})
        self.assertIn(u'https://', raised.exception.name)

    def test_urls_accepted(self):
        for url in ('https://openproject.example.com',
                    'http://127.0.0.1:40355', 'https://example.com/openproject/'):
            backend = self.env['openproject.backend'].create(
                {'name': 'Good', 'url': url, 'api_key': 'k'})
            self.assertEqual(backend.url, url)

    def test_url_saved_before_the_check(self):
        self.env.cr.execute('UPDATE openproject_backend SET url = %s '
                            'WHERE id = %s', ('127.0.0.1:40355',
                                              self.backend.id))
        self.backend.invalidate_cache()
        # the sync: one failed job with the message, then nothing queued
        report = self.full_sync()
        self.assertEqual(len(report.failures), 1,
                         report.failure_messages())
        self.assertIn(u'Fix the URL', report.failures[0]['message'])
        self.assertNotIn(u'ValueError', report.failures[0]['message'])
        self.assertTrue(self.backend.sync_blocked)
        jobs = self.env['queue.job'].search_count([])
        self.run_sync_cron()
        self.assertEqual(self.env['queue.job'].search_count([]), jobs)
        # "Check connection" says it too, without a traceback
        with self.assertRaises(UserError) as raised:
            self.backend.action_check_connection()
        self.assertIn(u'http://', raised.exception.name)
        self.assertIn(u'Fix the URL', self.backend.last_error)


class TestCheckConnectionFeedback(OpenProjectCase):
    """Item 6 and 7: a failed check says why (UserError) and keeps the
    reason on the backend; a wrong path says it is not an API v3."""

    def test_refused_key(self):
        backend = self.create_backend(name='Wrong key',
                                      api_key='wrong-' + self.api_key)
        with self.assertRaises(UserError) as raised:
            backend.action_check_connection()
        message = raised.exception.name
        self.assertIn(u'Wrong key', message)
        self.assertIn(u'API key', message)
        self.assertIn(u'401', message)
        self.assertNotIn(self.api_key, message)
        # the reason stays on the form (written in its own transaction)
        self.assertIn(u'401', backend.last_error)
        self.assertTrue(backend.connection_checked_at)
        self.assertFalse(backend.key_user_name)

    def test_url_not_an_api(self):
        backend = self.create_backend(name='Wrong path',
                                      url=self.simulator.url + '/openproject')
        with self.assertRaises(UserError) as raised:
            backend.action_check_connection()
        message = raised.exception.name
        self.assertIn(u'does not point at an OpenProject API v3', message)
        self.assertNotIn(u'deleted', message)
        self.assertNotIn(u'member', message)

    def test_success_clears_the_error(self):
        self.backend.last_error = u'an old error'
        self.assertTrue(self.backend.action_check_connection())
        self.assertFalse(self.backend.last_error)
        self.assertEqual(self.backend.key_user_name, u'Odoo Bot')
        self.assertEqual(self.backend.key_project_count, len(
            self.dataset.visible_projects(self.dataset.bot_id())))


class TestMessages(OpenProjectCase):
    """Item 7: job names, and the message of a job that used up its
    retries."""

    def test_job_names(self):
        model = self.env['openproject.project.project']
        named = self.create_backend(name='OpenProject')
        self.assertEqual(model._op_job_description(named, 'import_batch'),
                         u'OpenProject: import the projects')
        other = self.create_backend(name='Acme')
        self.assertEqual(
            model._op_job_description(other, 'import_record',
                                      external_id=3),
            u'OpenProject Acme: import project 3')

    def test_retries_used_up(self):
        self.control('POST', '/faults', {
            'path': '^/api/v3/statuses', 'kind': 'status', 'status': 503,
            'count': 1000})
        try:
            self.env['openproject.project.task.type']._op_delay_import_batch(
                self.backend)
            report = self.run_jobs()
        finally:
            self.control('DELETE', '/faults')
        self.assertEqual(len(report.failures), 1, report)
        message = report.failures[0]['message']
        self.assertIn(u'Max. retries', message)
        self.assertIn(u'503', message)
        self.assertNotIn(u'will be retried', message)


class TestProjectPrivacy(OpenProjectCase):
    """Item 3 and 8: OpenProject's ``public`` decides who sees a project in
    Odoo; the mail alias of an imported project takes followers only."""

    initial_sync = True
    #: made public upstream before the sync (demo.json has no public one)
    made_public = 1

    @classmethod
    def before_initial_sync(cls):
        cls.control('PATCH', '/projects/%s' % cls.made_public,
                    {'public': True})

    def expected_public(self, pid):
        if pid == self.made_public:
            return True
        return bool(self.dataset.projects[pid].get('public'))

    def test_privacy_follows_public(self):
        visible = self.dataset.visible_projects(self.dataset.bot_id())
        self.assertIn(self.made_public, visible)
        self.assertTrue([pid for pid in visible
                         if not self.expected_public(pid)])
        for pid in visible:
            project = self.project_of(pid)
            self.assertTrue(project, pid)
            self.assertEqual(project.privacy_visibility,
                             'employees' if self.expected_public(pid)
                             else 'followers', project.name)
            self.assertFalse(project.message_partner_ids, project.name)

    def test_who_sees_what(self):
        visible = self.dataset.visible_projects(self.dataset.bot_id())
        imported = self.env['project.project'].browse(
            [self.project_of(pid).id for pid in visible])
        public = imported.filtered(
            lambda p: p.privacy_visibility == 'employees')
        employee = new_user(self.env, 'plain.employee')
        boss = new_user(self.env, 'project.boss',
                        'project.group_project_manager')
        seen = self.env['project.project'].sudo(employee).with_context(
            active_test=False).search([('id', 'in', imported.ids)])
        self.assertEqual(seen, public)
        self.assertEqual(
            self.env['project.project'].sudo(boss).with_context(
                active_test=False).search([('id', 'in', imported.ids)]),
            imported)
        # the tasks of a confidential project are hidden the same way
        hidden = (imported - public).filtered('active')[:1]
        tasks = self.env['project.task'].with_context(
            active_test=False).search([('project_id', 'in', hidden.ids)])
        self.assertTrue(tasks)
        self.assertFalse(self.env['project.task'].sudo(employee).search(
            [('id', 'in', tasks.ids)]))
        # and the OpenProject tab of a visible task still opens for them
        task = self.env['project.task'].sudo(employee).search(
            [('project_id', 'in', public.ids)], limit=1)
        self.assertTrue(task)
        self.assertTrue(task.openproject_bind_ids.op_url)

    def test_public_changed_upstream(self):
        pid = self.made_public
        self.control('PATCH', '/projects/%s' % pid, {'public': False})
        try:
            report = self.full_sync()
        finally:
            self.control('PATCH', '/projects/%s' % pid, {'public': True})
        self.assertNoJobFailure(report)
        self.assertEqual(self.project_of(pid).privacy_visibility,
                         'followers')

    def test_alias_followers_only(self):
        for pid in self.dataset.visible_projects(self.dataset.bot_id()):
            self.assertEqual(self.project_of(pid).alias_contact, 'followers')


class TestSettingSwitchedBackOn(OpenProjectCase):
    """Item 4: what changed upstream while a setting of a project was off
    is imported once it is back on, exactly once."""

    initial_sync = True

    def work_package(self):
        """A visible work package of a project the bot fully reads."""
        bot = self.dataset.bot_id()
        for wid in self.dataset.visible_work_packages(bot):
            pid = self.dataset.wp_project(self.dataset.work_packages[wid])
            if self.dataset.allowed(bot, pid, 'view_time_entries'):
                return wid, pid
        raise AssertionError('demo.json: no work package to change')

    def messages_with(self, task, text):
        return self.env['mail.message'].search([
            ('model', '=', 'project.task'), ('res_id', '=', task.id),
            ('body', 'ilike', text)])

    def test_activities_back_on(self):
        wid, pid = self.work_package()
        project = self.binding('openproject.project.project', pid)
        task = self.task_of(wid)
        self.assertEqual(project.sync_activities, 'all')
        project.sync_activities = 'none'
        text = u'While the activities were off %s' % uuidlib.uuid4().hex
        answer = self.control('POST', '/work_packages/%s/comments' % wid,
                              {'comment': text, 'user': 3})
        self.assertNoJobFailure(self.full_sync())
        self.assertFalse(self.messages_with(task, text))
        project.sync_activities = 'all'
        self.assertNoJobFailure(self.full_sync())
        self.assertEqual(len(self.messages_with(task, text)), 1)
        self.assertEqual(len(self.binding('openproject.mail.message',
                                          answer['id'])), 1)
        # and still once after another sync
        self.assertNoJobFailure(self.full_sync())
        self.assertEqual(len(self.messages_with(task, text)), 1)

    def test_descriptions_back_on(self):
        wid, pid = self.work_package()
        project = self.binding('openproject.project.project', pid)
        task = self.task_of(wid)
        project.sync_descriptions = False
        marker = u'Described while off %s' % uuidlib.uuid4().hex
        before = self.dataset.work_packages[wid].get('description')
        self.control('PATCH', '/work_packages/%s' % wid,
                     {'description': marker})
        try:
            self.assertNoJobFailure(self.full_sync())
            self.assertNotIn(marker, task.description or u'')
            project.sync_descriptions = True
            self.assertNoJobFailure(self.full_sync())
        finally:
            self.control('PATCH', '/work_packages/%s' % wid,
                         {'description': before or u''})
        self.assertIn(marker, task.description or u'')

    def test_time_entries_back_on(self):
        wid, pid = self.work_package()
        project = self.binding('openproject.project.project', pid)
        project.sync_time_entries = False
        answer = self.control('POST', '/time_entries', {
            'work_package': wid, 'user': 3, 'hours': 1.25,
            'spent_on': '2024-05-30', 'comment': 'while off',
            'activity': 'Development'})
        try:
            self.assertNoJobFailure(self.full_sync())
            self.assertFalse(self.line_of(answer['id']))
            project.sync_time_entries = True
            self.assertNoJobFailure(self.full_sync())
            line = self.line_of(answer['id'])
            self.assertEqual(len(line), 1)
            self.assertEqual(line.unit_amount, 1.25)
        finally:
            self.control('DELETE', '/time_entries/%s' % answer['id'])

    def test_narrowing_keeps_the_cursors(self):
        __, pid = self.work_package()
        project = self.binding('openproject.project.project', pid)
        cursors = self.env['openproject.sync.cursor'].search(
            [('project_binding_id', '=', project.id)])
        self.assertTrue(cursors)
        self.assertTrue(all(cursors.mapped('synced_up_to')))
        project.write({'sync_activities': 'comments',
                       'sync_descriptions': False})
        self.assertTrue(all(cursors.mapped('synced_up_to')))
