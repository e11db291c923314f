# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).
"""A full sync of the demo dataset with the (non-admin) bot key, and the
mapping rules of issue 4 checked on its result.

Every expected value comes from ``datasets/demo.json`` (through
``DemoDataset``) or from the rules of the issue, never from the connector.
The whole class shares one simulator and one sync (``setUpClass``); each
test runs in a savepoint of that state.
"""

from datetime import date

from odoo import fields
from odoo.exceptions import AccessError

from .common import OpenProjectCase, WriteRecorder

# demo.json, for the bot user 2: project 1 (Member), 2 (Reader: no time
# entries), 3 (Member, subproject of 1) are visible; 4 (no membership) and
# 5 (archived) are not.
ALICE = 3
BOB = 4
CAROL = 5
ERIN = 7            # deleted: references point to the DeletedUser
ALEX_SMITH_1 = 8    # two users named "Alex Smith"
ALEX_SMITH_2 = 9
GROUP_DEVELOPERS = 20
PLACEHOLDER = 30
PREEXISTING_LOGIN = 'alice.preexisting'


def _day(value):
    """Date part of an Odoo Date or Datetime string."""
    return fields.Date.from_string(value[:10]) if value else None


class TestDemoSync(OpenProjectCase):

    initial_sync = True

    @classmethod
    def before_initial_sync(cls):
        # An Odoo user who already exists with Alice's e-mail (the bot sees
        # e-mails that are not hidden): the import must reuse him.
        cls.preexisting_user = cls.env['res.users'].with_context(
            no_reset_password=True).create({
                'name': 'Alice (created in Odoo)',
                'login': PREEXISTING_LOGIN,
                'email': cls_dataset_email(cls, ALICE),
            })
        cls.users_before = cls.env['res.users'].with_context(
            active_test=False).search([])

    # ---------------------------------------------------------- the run
    def test_sync_cron_exists(self):
        cron = self.sync_cron()
        self.assertEqual(len(cron), 1)
        self.assertEqual(cron.model, 'openproject.backend')

    def test_no_job_failed(self):
        self.assertNoJobFailure(self.initial_report)
        self.assertTrue(self.initial_report.done)
        failed = self.env['queue.job'].search([('state', '=', 'failed')])
        self.assertFalse(failed, failed.mapped('exc_info'))

    def test_jobs_on_openproject_channel(self):
        jobs = self.env['queue.job'].search(
            [('model_name', '=like', 'openproject.%')])
        self.assertTrue(jobs)
        for model in ('openproject.project.task',
                      'openproject.account.analytic.line'):
            for method in ('import_batch', 'import_record'):
                self.assertEqual(getattr(self.env[model], method)
                                 .default_channel, 'root.openproject')
        # While the addon is being installed (at_install tests) queue_job
        # has not registered the job functions yet, so stored jobs may
        # carry no channel; once registered they are on root.openproject.
        self.assertEqual(set(jobs.mapped('channel')) - set([False]),
                         set(['root.openproject']) & set(
                             jobs.mapped('channel')))
        for job in jobs:
            # human-readable names, not "model.method"
            self.assertNotIn('import_batch', job.name)
            self.assertNotIn('import_record', job.name)

    # ----------------------------------------------------------- counts
    def test_counts_equal_what_the_key_sees(self):
        bot = self.dataset.bot_id()
        expected = {
            'openproject.project.project':
                len(self.dataset.visible_projects(bot)),
            'openproject.project.task':
                len(self.dataset.visible_work_packages(bot)),
            'openproject.account.analytic.line':
                len(self.dataset.visible_time_entries(bot)),
            'openproject.project.task.type': len(self.dataset.statuses),
            'openproject.mail.message':
                len(self.dataset.visible_activities(bot)),
        }
        # arithmetic of demo.json, written out once so that a change of the
        # dataset is noticed: 3 projects, 10 work packages (all statuses),
        # 7 time entries, 5 statuses, 6 activities with content
        self.assertEqual(expected, {
            'openproject.project.project': 3,
            'openproject.project.task': 10,
            'openproject.account.analytic.line': 7,
            'openproject.project.task.type': 5,
            'openproject.mail.message': 6,
        })
        found = dict((model, len(self.bindings(model))) for model in expected)
        self.assertEqual(found, expected)

    def test_external_ids_equal_what_the_key_sees(self):
        bot = self.dataset.bot_id()
        pairs = [
            ('openproject.project.project',
             self.dataset.visible_projects(bot)),
            ('openproject.project.task',
             self.dataset.visible_work_packages(bot)),
            ('openproject.account.analytic.line',
             self.dataset.visible_time_entries(bot)),
            ('openproject.project.task.type', sorted(self.dataset.statuses)),
            ('openproject.mail.message',
             self.dataset.visible_activities(bot)),
        ]
        for model, ids in pairs:
            found = sorted(int(ext) for ext in
                           self.bindings(model).mapped('external_id'))
            self.assertEqual(found, ids, model)

    def test_invisible_projects_absent(self):
        bot = self.dataset.bot_id()
        hidden = [pid for pid in self.dataset.projects
                  if pid not in self.dataset.visible_projects(bot)]
        self.assertEqual(sorted(hidden), [4, 5])
        for pid in hidden:
            self.assertFalse(self.binding('openproject.project.project',
                                          pid))
            name = self.dataset.projects[pid]['name']
            self.assertFalse(self.env['project.project'].with_context(
                active_test=False).search([('name', '=', name)]))
        # nothing inside them either
        for wid in (10, 11):
            self.assertFalse(self.binding('openproject.project.task', wid))
            subject = self.dataset.work_packages[wid]['subject']
            self.assertFalse(self.env['project.task'].with_context(
                active_test=False).search([('name', '=', subject)]))
        for tid in (5, 7, 8):
            self.assertFalse(self.binding(
                'openproject.account.analytic.line', tid))
        self.assertFalse(self.binding('openproject.mail.message', 107))

    def test_users_imported_through_links(self):
        """Users come through the links of what was imported (a bot key
        cannot list users)."""
        bot = self.dataset.bot_id()
        required = self.dataset.referenced_users(bot)
        optional = self.dataset.optional_users(bot)
        self.assertEqual(required, set([ALICE, BOB, CAROL, ALEX_SMITH_1,
                                        ALEX_SMITH_2, 2,
                                        self.dataset.deleted_user_id()]))
        found = set(int(ext) for ext in self.bindings(
            'openproject.res.users').mapped('external_id'))
        self.assertTrue(required <= found,
                        'missing users %s' % sorted(required - found))
        self.assertTrue(found <= required | optional,
                        'unexpected users %s'
                        % sorted(found - required - optional))
        # groups and placeholders are not users
        self.assertNotIn(GROUP_DEVELOPERS, found)
        self.assertNotIn(PLACEHOLDER, found)

    # ------------------------------------------------------------ users
    def test_users_have_no_group(self):
        created = self.bindings('openproject.res.users').mapped(
            'odoo_id') - self.users_before
        self.assertTrue(created)
        for user in created:
            self.assertFalse(user.groups_id,
                             '%s got groups %s' % (
                                 user.name, user.groups_id.mapped('name')))

    def test_no_mail_during_import(self):
        """No invitation, password or notification e-mail; no follower."""
        self.assertFalse(self.rows_since('mail.mail'))
        self.assertFalse(self.rows_since('mail.notification'))
        self.assertFalse(self.rows_since('mail.followers'))
        for user in self.bindings('openproject.res.users').mapped('odoo_id'):
            # a reset-password invitation would have set a signup token
            self.assertFalse(user.partner_id.signup_token, user.name)

    def test_existing_user_reused_by_email(self):
        binding = self.binding('openproject.res.users', ALICE)
        self.assertEqual(binding.odoo_id, self.preexisting_user)
        same_mail = self.env['res.users'].with_context(
            active_test=False).search(
                [('email', '=', cls_dataset_email(self, ALICE))])
        self.assertEqual(same_mail, self.preexisting_user)
        # his login is his own, not overwritten by the import
        self.assertEqual(self.preexisting_user.login, PREEXISTING_LOGIN)

    def test_login_stable_and_distinct_for_same_name(self):
        first = self.user_of(ALEX_SMITH_1)
        second = self.user_of(ALEX_SMITH_2)
        self.assertTrue(first and second)
        self.assertNotEqual(first, second)
        self.assertEqual(first.name, second.name)
        self.assertEqual(first.name, u'Alex Smith')
        self.assertNotEqual(first.login, second.login)
        # never from the display name (the bot key cannot see logins)
        from_name = set([u'alex smith', u'alex.smith', u'alex_smith',
                         u'alexsmith', u'alex-smith'])
        for user in (first, second):
            self.assertNotIn(user.login.lower(), from_name)
        # stable: an import from scratch keeps the logins
        logins = (first.login, second.login)
        report = self.full_sync(from_scratch=True)
        self.assertNoJobFailure(report)
        self.assertEqual((self.user_of(ALEX_SMITH_1).login,
                          self.user_of(ALEX_SMITH_2).login), logins)
        self.assertEqual(self.user_of(ALEX_SMITH_1), first)

    def test_deleted_user_inactive(self):
        deleted = self.user_of(self.dataset.deleted_user_id())
        self.assertTrue(deleted, 'the DeletedUser was not imported')
        self.assertFalse(deleted.active)
        # the time entry of the deleted user is kept, on that user
        line = self.line_of(9)
        self.assertEqual(line.user_id, deleted)

    def test_active_users_active(self):
        for uid in (BOB, ALEX_SMITH_1, ALEX_SMITH_2):
            self.assertTrue(self.user_of(uid).active, uid)

    def test_group_and_placeholder_assignee_unassigned(self):
        for wid, name in ((2, u'Developers'), (4, u'Future designer')):
            binding = self.binding('openproject.project.task', wid)
            self.assertTrue(binding, wid)
            self.assertFalse(binding.odoo_id.user_id, wid)
            self.assertEqual(binding.op_assignee_name, name)

    # --------------------------------------------------------- projects
    def test_projects(self):
        bot = self.dataset.bot_id()
        for pid in self.dataset.visible_projects(bot):
            data = self.dataset.projects[pid]
            binding = self.binding('openproject.project.project', pid)
            project = binding.odoo_id
            self.assertEqual(project.name, data['name'])
            self.assertEqual(binding.op_identifier, data['identifier'])
            self.assertTrue(project.active)
            self.assertEqual(project.label_tasks, u'Work Packages')
            # the defaults of the backend apply to discovered projects
            self.assertTrue(binding.sync_enabled)
            self.assertTrue(binding.sync_descriptions)
            self.assertTrue(binding.sync_time_entries)
            self.assertEqual(binding.sync_activities, 'all')

    # ----------------------------------------------------------- stages
    def test_stages(self):
        projects = self.bindings('openproject.project.project').mapped(
            'odoo_id')
        # positions follow the dataset order (1..5, as the dataset gives
        # none); isClosed: Closed and Rejected
        expected = {u'New': (1, False), u'In progress': (2, False),
                    u'On hold': (3, False), u'Closed': (4, True),
                    u'Rejected': (5, True)}
        for sid, status in self.dataset.statuses.items():
            stage = self.binding('openproject.project.task.type', sid).odoo_id
            self.assertEqual(stage.name, status['name'])
            self.assertEqual((stage.sequence, stage.fold),
                             expected[status['name']])
            # linked to every synced project, else kanbans don't show it
            self.assertEqual(stage.project_ids & projects, projects,
                             stage.name)

    # ------------------------------------------------------------ tasks
    def test_closed_work_packages_imported(self):
        for wid, stage in ((4, u'Closed'), (5, u'Rejected'), (8, u'Closed')):
            task = self.task_of(wid)
            self.assertTrue(task, 'closed work package %s missing' % wid)
            self.assertEqual(task.stage_id.name, stage)

    def test_task_fields(self):
        task = self.task_of(1)
        self.assertEqual(task.name, u'Set up staging server')
        self.assertEqual(task.project_id, self.project_of(1))
        self.assertEqual(task.stage_id.name, u'New')
        self.assertEqual(task.planned_hours, 8.0)
        self.assertEqual(_day(task.date_start), date(2024, 5, 2))
        self.assertEqual(_day(task.date_deadline), date(2024, 5, 10))
        self.assertEqual(task.user_id, self.user_of(ALICE))
        self.assertIn(u'staging', task.description or u'')
        binding = self.binding('openproject.project.task', 1)
        self.assertEqual(binding.op_type_name, u'Task')
        self.assertEqual(binding.op_priority_name, u'Normal')

    def test_task_type_priority_and_iso_duration(self):
        binding = self.binding('openproject.project.task', 2)
        self.assertEqual(binding.op_type_name, u'Bug')
        self.assertEqual(binding.op_priority_name, u'High')
        # 36 h are served as P1DT12H: a day is 24 h
        self.assertEqual(binding.odoo_id.planned_hours, 36.0)
        # 1.5 h served as PT1H30M
        self.assertEqual(self.task_of(6).planned_hours, 1.5)

    def test_milestone_date(self):
        task = self.task_of(3)
        self.assertEqual(_day(task.date_deadline), date(2024, 7, 1))
        self.assertEqual(self.binding('openproject.project.task',
                                      3).op_type_name, u'Milestone')

    def test_subproject_work_package_on_its_own_project(self):
        # /projects/1/work_packages also lists the subproject's ones
        self.assertEqual(self.task_of(9).project_id, self.project_of(3))
        self.assertEqual(self.task_of(9).user_id, self.user_of(CAROL))

    def test_description_sanitised(self):
        description = self.task_of(2).description or u''
        self.assertIn(u'Steps', description)
        lowered = description.lower()
        self.assertNotIn(u'<script', lowered)
        self.assertNotIn(u'onerror', lowered)
        self.assertNotIn(u'javascript:', lowered)

    def test_no_html_injection_anywhere(self):
        texts = self.bindings('openproject.project.task').mapped(
            'odoo_id.description')
        texts += self.bindings('openproject.mail.message').mapped(
            'odoo_id.body')
        for text in texts:
            lowered = (text or u'').lower()
            self.assertNotIn(u'<script', lowered)
            self.assertNotIn(u'onerror', lowered)

    # ------------------------------------------------------- timesheets
    def test_timesheet_fields(self):
        line = self.line_of(1)
        self.assertEqual(line.date, '2024-05-02')
        self.assertEqual(line.unit_amount, 2.0)
        self.assertEqual(line.name, u'Configured nginx')
        self.assertEqual(line.project_id, self.project_of(1))
        self.assertEqual(line.account_id,
                         self.project_of(1).analytic_account_id)
        self.assertEqual(line.task_id, self.task_of(1))
        self.assertEqual(line.user_id, self.user_of(ALICE))

    def test_timesheet_empty_comment(self):
        self.assertEqual(self.line_of(2).name, u'/')

    def test_timesheet_without_work_package(self):
        line = self.line_of(3)
        self.assertFalse(line.task_id)
        self.assertEqual(line.project_id, self.project_of(1))
        self.assertEqual(line.name, u'Weekly meeting (no work package)')

    def test_timesheet_iso_hours(self):
        # 26 h are served as P1DT2H
        self.assertEqual(self.line_of(4).unit_amount, 26.0)
        self.assertEqual(self.line_of(6).unit_amount, 0.25)
        self.assertEqual(self.line_of(10).unit_amount, 5.75)

    def test_timesheet_own_project(self):
        line = self.line_of(6)
        self.assertEqual(line.project_id, self.project_of(3))
        self.assertEqual(line.account_id,
                         self.project_of(3).analytic_account_id)
        self.assertEqual(line.task_id, self.task_of(9))

    def test_timesheet_description_never_a_dict(self):
        for binding in self.bindings('openproject.account.analytic.line'):
            name = binding.odoo_id.name
            self.assertTrue(name)
            for marker in (u'{', u"'raw'", u'format', u'html'):
                self.assertNotIn(marker, name, name)
        self.assertIn(u'Debugging the login', self.line_of(4).name)

    # --------------------------------------------------------- messages
    def _message(self, activity_id):
        return self.binding('openproject.mail.message', activity_id).odoo_id

    def test_comment_message(self):
        message = self._message(101)
        self.assertTrue(message)
        self.assertEqual(message.model, 'project.task')
        self.assertEqual(message.res_id, self.task_of(1).id)
        self.assertIn(u'credentials', message.body)
        self.assertEqual(message.author_id, self.user_of(ALICE).partner_id)
        self.assertEqual(message.date, '2024-05-03 10:00:00')
        self.assertEqual(message.subtype_id.name, u'Work package commented')

    def test_update_message(self):
        message = self._message(102)
        self.assertTrue(message)
        self.assertEqual(message.res_id, self.task_of(1).id)
        self.assertIn(u'% Complete changed from 0 to 10', message.body)
        self.assertEqual(message.date, '2024-05-04 10:00:00')
        self.assertEqual(message.subtype_id.name, u'Work package updated')

    def test_message_of_deleted_user(self):
        message = self._message(105)
        self.assertIn(u'I will not do this.', message.body)
        self.assertEqual(message.author_id, self.user_of(
            self.dataset.deleted_user_id()).partner_id)

    def test_messages_per_task(self):
        bot = self.dataset.bot_id()
        for wid in self.dataset.visible_work_packages(bot):
            task = self.task_of(wid)
            bindings = self.bindings('openproject.mail.message').filtered(
                lambda b, t=task: b.odoo_id.res_id == t.id and
                b.odoo_id.model == 'project.task')
            self.assertEqual(
                sorted(int(b.external_id) for b in bindings),
                self.dataset.activities_of(wid), wid)

    # -------------------------------------------------- idempotency
    def test_second_sync_no_duplicate_no_write(self):
        models = ('openproject.res.users', 'openproject.project.project',
                  'openproject.project.task', 'openproject.project.task.type',
                  'openproject.account.analytic.line',
                  'openproject.mail.message')
        odoo_models = ('res.users', 'res.partner', 'project.project',
                       'project.task', 'project.task.type',
                       'account.analytic.line', 'mail.message')

        def counts():
            result = dict((m, len(self.bindings(m))) for m in models)
            for name in odoo_models:
                result[name] = self.env[name].with_context(
                    active_test=False).search_count(
                        self.NOT_THE_QUEUE.get(name, []))
            return result

        before = counts()
        jobs_before = self.env['queue.job'].search([])
        with WriteRecorder(self.env) as recorder:
            report = self.full_sync()
        self.assertNoJobFailure(report)
        self.assertEqual(counts(), before)
        self.assertEqual(recorder.calls, [],
                         'a no-change sync wrote: %s' % recorder.calls[:20])
        new_jobs = self.env['queue.job'].search([]) - jobs_before
        self.assertFalse(new_jobs.filtered(
            lambda j: j.method_name == 'import_record'),
            'a no-change sync enqueued record jobs')

    def test_sync_from_scratch_no_duplicate(self):
        models = ('openproject.res.users', 'openproject.project.project',
                  'openproject.project.task', 'openproject.project.task.type',
                  'openproject.account.analytic.line',
                  'openproject.mail.message')
        before = dict((m, len(self.bindings(m))) for m in models)
        report = self.full_sync(from_scratch=True)
        self.assertNoJobFailure(report)
        self.assertEqual(dict((m, len(self.bindings(m))) for m in models),
                         before)

    # --------------------------------------------------------- security
    def test_api_key_not_in_jobs_nor_logs(self):
        key = self.api_key
        for job in self.env['queue.job'].search([]):
            for field in ('name', 'func_string', 'args', 'kwargs',
                          'result', 'exc_info'):
                if field in job._fields:
                    self.assertNotIn(key, u'%s' % (job[field],),
                                     '%s of job %s' % (field, job.name))
        for line in self.initial_log.lines:
            self.assertNotIn(key, line)
        messages = self.env['mail.message'].search(
            [('model', '=', 'openproject.backend')])
        for message in messages:
            self.assertNotIn(key, message.body or u'')
        self.assertNotIn(key, self.backend.last_error or u'')

    def test_api_key_hidden_from_plain_user(self):
        user = self.env['res.users'].with_context(
            no_reset_password=True).create({
                'name': 'Plain internal user', 'login': 'plain.internal',
                'groups_id': [(6, 0, [self.env.ref('base.group_user').id])],
            })
        backend = self.backend.sudo(user)
        with self.assertRaises(AccessError):
            backend.read(['api_key'])
        manager = self.env['res.users'].with_context(
            no_reset_password=True).create({
                'name': 'Connector manager', 'login': 'connector.manager',
                'groups_id': [(6, 0, [
                    self.env.ref('base.group_user').id,
                    self.env.ref('connector.group_connector_manager').id])],
            })
        self.assertEqual(self.backend.sudo(manager).api_key, self.api_key)


def cls_dataset_email(case, uid):
    return case.dataset.users[uid]['email']
