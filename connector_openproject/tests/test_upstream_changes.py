# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).
"""Changes made in OpenProject after a first sync (issue 4: moves,
activities changed upstream; issue 5: incremental windows, deletions,
archived projects, per-project settings).

The simulator is changed through its control interface; after each test
it is reset to the dataset (``POST /_control/reset``) while Odoo goes back
to the savepoint taken after the initial sync, so both sides start every
test from the same state.
"""

from .common import OpenProjectCase, WriteRecorder

ALICE = 3
ALEX_SMITH_2 = 9


class TestUpstreamChanges(OpenProjectCase):

    initial_sync = True

    def tearDown(self):
        self.control('POST', '/reset')
        super(TestUpstreamChanges, self).tearDown()

    def sync(self):
        """An ordinary (incremental) sync, as the cron runs it."""
        report = self.full_sync()
        self.assertNoJobFailure(report)
        return report

    def test_initial_sync_ok(self):
        self.assertNoJobFailure(self.initial_report)

    # ------------------------------------------------- incremental
    def test_incremental_sync_reads_only_the_change(self):
        self.control('PATCH', '/work_packages/8',
                     {'subject': 'Crash on start (Android 14)'})
        self.control('POST', '/counters/reset')
        with WriteRecorder(self.env) as recorder:
            report = self.sync()
        task = self.task_of(8)
        self.assertEqual(task.name, u'Crash on start (Android 14)')
        # only that task was written
        self.assertEqual(recorder.written_ids('project.task'),
                         set([task.id]))
        self.assertFalse(recorder.of('create', 'project.task'))
        # no job per record: the page's elements are mapped directly
        self.assertFalse([job for job in report.jobs
                          if job[1] == 'import_record'])
        counters = self.control('GET', '/counters')['by_endpoint']
        self.assertFalse(counters.get('GET /api/v3/work_packages/{id}'),
                         counters)
        # the activities of the changed work package only
        self.assertLessEqual(
            counters.get('GET /api/v3/work_packages/{id}/activities', 0), 1,
            counters)

    def test_cursor_not_advanced_by_a_failed_window(self):
        """The window of a failed job is read again by the next sync."""
        project = self.binding('openproject.project.project', 2)
        cursor = self.env['openproject.sync.cursor'].search([
            ('backend_id', '=', self.backend.id),
            ('entity', '=', 'work_package'),
            ('project_binding_id', '=', project.id)])
        self.assertEqual(len(cursor), 1)
        synced_up_to = cursor.synced_up_to
        self.control('PATCH', '/work_packages/8',
                     {'subject': 'Crash on start (after the outage)'})
        # an HTML login page instead of JSON: not a transient error, the
        # job fails
        self.control('POST', '/faults', {
            'path': '/api/v3/projects/2/work_packages', 'kind': 'html',
            'count': 50})
        report = self.full_sync()
        self.assertTrue(report.failures)
        cursor.invalidate_cache()
        self.assertEqual(cursor.synced_up_to, synced_up_to)
        self.assertEqual(self.task_of(8).name, u'Crash on start')
        self.control('DELETE', '/faults')
        self.sync()
        self.assertEqual(self.task_of(8).name,
                         u'Crash on start (after the outage)')

    def test_new_records_upstream(self):
        created = self.control('POST', '/work_packages', {
            'project': 1, 'subject': 'Closed right away', 'status': 'Closed',
            'assignee': ALICE, 'estimated_hours': 2.5})
        wid = created['id']
        entry = self.control('POST', '/time_entries', {
            'work_package': wid, 'user': ALICE, 'hours': 1.25,
            'spent_on': '2024-05-30', 'comment': 'Done at once',
            'activity': 'Development'})
        self.sync()
        task = self.task_of(wid)
        self.assertTrue(task)
        self.assertEqual(task.name, u'Closed right away')
        self.assertEqual(task.stage_id.name, u'Closed')
        self.assertEqual(task.planned_hours, 2.5)
        self.assertEqual(task.project_id, self.project_of(1))
        line = self.line_of(entry['id'])
        self.assertTrue(line)
        self.assertEqual(line.task_id, task)
        self.assertEqual(line.unit_amount, 1.25)
        self.assertEqual(line.name, u'Done at once')
        self.assertEqual(line.date, '2024-05-30')

    def test_time_entry_updated_not_duplicated(self):
        count = len(self.bindings('openproject.account.analytic.line'))
        self.control('PATCH', '/time_entries/1',
                     {'hours': 3, 'comment': 'Configured nginx and TLS'})
        self.sync()
        line = self.line_of(1)
        self.assertEqual(line.unit_amount, 3.0)
        self.assertEqual(line.name, u'Configured nginx and TLS')
        self.assertEqual(len(self.bindings(
            'openproject.account.analytic.line')), count)

    # ------------------------------------------------------- moves
    def test_work_package_moved_to_another_project(self):
        tasks = len(self.bindings('openproject.project.task'))
        task = self.task_of(1)
        messages = self.binding('openproject.mail.message', 101).odoo_id
        self.control('PATCH', '/work_packages/1', {'project': 3})
        self.sync()
        self.assertEqual(self.task_of(1), task, 'the task was re-created')
        self.assertEqual(task.project_id, self.project_of(3))
        self.assertEqual(len(self.bindings('openproject.project.task')),
                         tasks)
        # its messages follow (they are on the task)
        self.assertEqual((messages.model, messages.res_id),
                         ('project.task', task.id))
        # the simulator moves the work package's time entries with it, as
        # the server does: each timesheet is on its entry's project
        for tid in (1, 2):
            line = self.line_of(tid)
            self.assertEqual(line.project_id, self.project_of(3), tid)
            self.assertEqual(line.account_id,
                             self.project_of(3).analytic_account_id, tid)
            self.assertEqual(line.task_id, task, tid)

    def test_work_package_moved_out_of_sight(self):
        """Moved to a project the key cannot see: the task is archived,
        never deleted."""
        task = self.task_of(6)
        self.control('PATCH', '/work_packages/6', {'project': 4})
        report = self.full_sync(from_scratch=True)
        self.assertNoJobFailure(report)
        self.assertTrue(task.exists())
        self.assertFalse(task.active)
        self.assertTrue(self.binding('openproject.project.task',
                                     6).op_deleted)

    # --------------------------------------------------- deletions
    def test_404_on_import_archives(self):
        task = self.task_of(7)
        self.control('DELETE', '/work_packages/7')
        self.env['openproject.project.task'].with_delay().import_record(
            self.backend, '7')
        report = self.run_jobs()
        self.assertNoJobFailure(report)
        binding = self.binding('openproject.project.task', 7)
        self.assertTrue(binding, 'the binding was deleted')
        self.assertTrue(binding.op_deleted)
        self.assertTrue(task.exists())
        self.assertFalse(task.active)

    def test_deleted_work_package_cascades(self):
        """Work package 4 is deleted with its time entry 10: the task is
        archived, the timesheet kept but marked, nothing hard-deleted."""
        deleted = self.control('DELETE', '/work_packages/4')['deleted']
        self.assertEqual(deleted, {'work_packages': [4],
                                   'time_entries': [10]})
        task = self.task_of(4)
        line = self.line_of(10)
        before = self.backend.deleted_count
        report = self.full_sync(from_scratch=True)
        self.assertNoJobFailure(report)
        self.assertTrue(task.exists())
        self.assertFalse(task.active)
        self.assertTrue(self.binding('openproject.project.task',
                                     4).op_deleted)
        self.assertTrue(line.exists(), 'the timesheet was deleted')
        self.assertEqual(line.unit_amount, 5.75)
        self.assertTrue(self.binding('openproject.account.analytic.line',
                                     10).op_deleted)
        self.backend.invalidate_cache()
        self.assertGreaterEqual(self.backend.deleted_count, before + 2)
        # the others are untouched
        self.assertTrue(self.task_of(1).active)
        self.assertFalse(self.binding('openproject.account.analytic.line',
                                      1).op_deleted)

    def test_project_archived_then_unarchived(self):
        project = self.project_of(3)
        self.control('PATCH', '/projects/3', {'active': False})
        self.sync()
        self.assertTrue(project.exists())
        self.assertFalse(project.active)
        # only the archived one: the other projects stay
        self.assertTrue(self.project_of(1).active)
        self.assertTrue(self.project_of(2).active)
        self.control('PATCH', '/projects/3', {'active': True})
        self.sync()
        self.assertTrue(project.active)
        self.assertEqual(self.project_of(3), project)
        self.assertFalse(self.binding('openproject.project.project',
                                      3).op_deleted)
        self.assertEqual(len(self.bindings('openproject.project.project')),
                         3)

    # -------------------------------------------------- activities
    def test_activity_changed_upstream_updated(self):
        message = self.binding('openproject.mail.message', 101).odoo_id
        count = len(self.bindings('openproject.mail.message'))
        on_task = self.env['mail.message'].search_count(
            [('model', '=', 'project.task'),
             ('res_id', '=', self.task_of(1).id)])
        self.control('PATCH', '/activities/101', {
            'comment': 'Credentials **received**.',
            'touch_work_package': True})
        self.sync()
        self.assertEqual(self.binding('openproject.mail.message',
                                      101).odoo_id, message)
        self.assertIn(u'received', message.body)
        self.assertNotIn(u'waiting for', message.body)
        self.assertEqual(len(self.bindings('openproject.mail.message')),
                         count)
        self.assertEqual(self.env['mail.message'].search_count(
            [('model', '=', 'project.task'),
             ('res_id', '=', self.task_of(1).id)]), on_task)

    def test_new_comment_upstream(self):
        comment = self.control('POST', '/work_packages/7/comments', {
            'comment': 'Screenshots are ready.', 'user': ALEX_SMITH_2})
        mails = len(self.rows_since('mail.mail'))
        self.sync()
        message = self.binding('openproject.mail.message',
                               comment['id']).odoo_id
        self.assertTrue(message)
        self.assertEqual(message.res_id, self.task_of(7).id)
        self.assertIn(u'Screenshots are ready.', message.body)
        self.assertEqual(message.author_id,
                         self.user_of(ALEX_SMITH_2).partner_id)
        self.assertEqual(message.subtype_id.name, u'Work package commented')
        self.assertEqual(len(self.rows_since('mail.mail')), mails)
        self.assertFalse(self.rows_since('mail.notification'))

    def test_activities_per_project_setting(self):
        """comments only on project 1, none on project 2."""
        self.binding('openproject.project.project', 1).sync_activities = \
            'comments'
        self.binding('openproject.project.project', 2).sync_activities = \
            'none'
        # on project 1: one journal with a change only, one comment
        change = self.control('PATCH', '/work_packages/6',
                              {'done_ratio': 50})
        self.assertTrue(change)
        comment_1 = self.control('POST', '/work_packages/6/comments',
                                 {'comment': 'Half done.', 'user': ALICE})
        comment_2 = self.control('POST', '/work_packages/7/comments',
                                 {'comment': 'Not imported.', 'user': ALICE})
        before = set(self.bindings('openproject.mail.message').mapped(
            'external_id'))
        self.sync()
        new = set(self.bindings('openproject.mail.message').mapped(
            'external_id')) - before
        self.assertEqual(new, set([str(comment_1['id'])]))
        self.assertNotIn(str(comment_2['id']), new)

    def test_descriptions_per_project_setting(self):
        self.binding('openproject.project.project', 3).sync_descriptions = \
            False
        self.control('PATCH', '/work_packages/9',
                     {'description': 'Secret audit notes'})
        self.control('PATCH', '/work_packages/1',
                     {'description': 'New staging notes'})
        self.sync()
        self.assertNotIn(u'Secret audit notes',
                         self.task_of(9).description or u'')
        self.assertIn(u'New staging notes', self.task_of(1).description)
