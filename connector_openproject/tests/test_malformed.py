# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).
"""Issue 5: malformed payloads. Only the malformed record's job fails,
with a message naming the OpenProject record and the field; every other
record imports.

Work packages, time entries and comments are added to the demo through
the simulator's control interface, then a proxy between the connector and
the simulator corrupts each of them in its own way (more than 20 kinds).
"""

import re

from .common import CorruptingProxy, OpenProjectCase


def _set(name, value):
    def mutate(item):
        item[name] = value
    return mutate


def _drop(name):
    def mutate(item):
        item.pop(name, None)
    return mutate


def _link(name, href):
    def mutate(item):
        item.setdefault('_links', {})[name] = {'href': href}
    return mutate


def _drop_link(name):
    def mutate(item):
        item.get('_links', {}).pop(name, None)
    return mutate


# kind -> (function, names the failure message may use for the field)
WORK_PACKAGE_KINDS = [
    ('bad duration', _set('estimatedTime', 'banana'), ['estimatedTime']),
    ('duration not a string', _set('estimatedTime', [8]), ['estimatedTime']),
    ('bad start date', _set('startDate', '2024-13-45'), ['startDate']),
    ('bad due date', _set('dueDate', 'tomorrow'), ['dueDate']),
    ('bad updatedAt', _set('updatedAt', 'yesterday'), ['updatedAt']),
    ('createdAt a number', _set('createdAt', 12345), ['createdAt']),
    ('subject missing', _drop('subject'), ['subject']),
    ('subject null', _set('subject', None), ['subject']),
    ('unknown status', _link('status', '/api/v3/statuses/999'), ['status']),
    ('status link missing', _drop_link('status'), ['status']),
    ('bad project href', _link('project', '/api/v3/projects/abc'),
     ['project']),
    ('description not formattable', _set('description', 42),
     ['description']),
    ('lockVersion not a number', _set('lockVersion', 'x'), ['lockVersion']),
]
TIME_ENTRY_KINDS = [
    ('bad hours', _set('hours', 'PXYZ'), ['hours']),
    ('hours null', _set('hours', None), ['hours']),
    ('impossible spentOn', _set('spentOn', '2024-02-30'), ['spentOn']),
    ('comment a list', _set('comment', ['a', 'b']), ['comment']),
    ('project link missing', _drop_link('project'), ['project']),
]
# Kinds the connector does not reject yet (TestMalformedKnownGaps below)
GAP_WORK_PACKAGE_KINDS = [
    ('unknown assignee kind', _link('assignee', '/api/v3/robots/3'),
     ['assignee']),
]
GAP_TIME_ENTRY_KINDS = [
    ('user is a group', _link('user', '/api/v3/groups/20'), ['user']),
]
GAP_ACTIVITY_KINDS = [
    ('activity bad createdAt', _set('createdAt', '2024-99-99T00:00:00Z'),
     ['createdAt']),
    ('details not a list', _set('details', 'changed'), ['details']),
    ('comment a number', _set('comment', 7), ['comment']),
]


class TestMalformedPayloads(OpenProjectCase):

    initial_sync = True
    wp_kinds = WORK_PACKAGE_KINDS
    te_kinds = TIME_ENTRY_KINDS
    activity_kinds = []
    #: kinds tested on the wire by test_non_json_answers_fail_only_their_record
    transport_kinds = ['truncated JSON', 'HTML login page']

    @classmethod
    def create_backend(cls, **values):
        cls.proxy = CorruptingProxy(cls.simulator.url).start()
        values.setdefault('url', cls.proxy.url)
        return super(TestMalformedPayloads, cls).create_backend(**values)

    @classmethod
    def tearDownClass(cls):
        proxy = getattr(cls, 'proxy', None)
        if proxy is not None:
            proxy.stop()
        super(TestMalformedPayloads, cls).tearDownClass()

    @classmethod
    def before_initial_sync(cls):
        # (entity, OpenProject id, kind, field names)
        cls.corrupted = []
        cls.clean_wps = []
        cls.clean_tes = []
        cls.clean_activities = []
        for kind, function, names in cls.wp_kinds:
            wp = cls.control('POST', '/work_packages', {
                'project': 1, 'subject': 'Malformed: %s' % kind})
            cls.proxy.corrupt('WorkPackage', wp['id'], function)
            cls.corrupted.append(('openproject.project.task', wp['id'],
                                  kind, names))
        # separate hosts: the time entries' work package must not depend on
        # the work package whose activities are corrupted
        for number in range(3):
            wp = cls.control('POST', '/work_packages', {
                'project': 1, 'subject': 'Clean %s' % number})
            cls.clean_wps.append(wp['id'])
        host = cls.clean_wps[0]
        for kind, function, names in cls.te_kinds:
            entry = cls.control('POST', '/time_entries', {
                'work_package': host, 'user': 3, 'hours': 1,
                'spent_on': '2024-05-30', 'comment': 'Malformed: %s' % kind})
            cls.proxy.corrupt('TimeEntry', entry['id'], function)
            cls.corrupted.append(('openproject.account.analytic.line',
                                  entry['id'], kind, names))
        entry = cls.control('POST', '/time_entries', {
            'work_package': host, 'user': 3, 'hours': 2,
            'spent_on': '2024-05-30', 'comment': 'Clean entry'})
        cls.clean_tes.append(entry['id'])
        host = cls.clean_wps[1]
        for kind, function, names in cls.activity_kinds:
            comment = cls.control('POST', '/work_packages/%s/comments' % host,
                                  {'comment': 'Malformed: %s' % kind,
                                   'user': 3})
            for type_name in ('Activity::Comment', 'Activity'):
                cls.proxy.corrupt(type_name, comment['id'], function)
            cls.corrupted.append(('openproject.mail.message', comment['id'],
                                  kind, names))
        comment = cls.control('POST', '/work_packages/%s/comments' % host,
                              {'comment': 'Clean comment', 'user': 3})
        cls.clean_activities.append(comment['id'])

    def test_at_least_20_kinds(self):
        self.assertGreaterEqual(
            len(self.corrupted) + len(self.transport_kinds), 20)

    def test_only_the_malformed_records_are_missing(self):
        bot = self.dataset.bot_id()
        corrupted = dict(((model, ext_id), kind)
                         for model, ext_id, kind, _names in self.corrupted)
        expected = {
            'openproject.project.task': set(
                self.dataset.visible_work_packages(bot) + self.clean_wps),
            'openproject.account.analytic.line': set(
                self.dataset.visible_time_entries(bot) + self.clean_tes),
            'openproject.mail.message': set(
                self.dataset.visible_activities(bot) +
                self.clean_activities),
        }
        problems = []
        for model, ids in sorted(expected.items()):
            found = set(int(ext) for ext in self.bindings(model).mapped(
                'external_id'))
            lost = ids - found
            if lost:
                problems.append('%s: clean records not imported: %s'
                                % (model, sorted(lost)))
            imported_anyway = sorted(
                corrupted[(model, ext)] for ext in found
                if (model, ext) in corrupted)
            if imported_anyway:
                problems.append('%s: imported although malformed: %s'
                                % (model, imported_anyway))
            unexpected = found - ids - set(
                ext for (m, ext) in corrupted if m == model)
            if unexpected:
                problems.append('%s: unexpected %s' % (model,
                                                       sorted(unexpected)))
        self.assertFalse(problems, '\n'.join(problems))

    def test_each_failure_names_record_and_field(self):
        messages = [failure['message'] for failure
                    in self.initial_report.failures]
        missing = []
        for model, ext_id, kind, names in self.corrupted:
            id_re = re.compile(r'(?<![0-9])%s(?![0-9])' % ext_id)
            if not any(id_re.search(message) and any(
                    name.lower() in message.lower() for name in names)
                    for message in messages):
                missing.append('%s %s (%s)' % (model, ext_id, kind))
        self.assertFalse(missing, 'no failed job names the record and the '
                         'field of: %s\nfailures:\n%s' % (
                             ', '.join(missing), '\n'.join(messages)))

    def test_one_failed_job_per_malformed_record(self):
        failures = self.initial_report.failures
        self.assertLessEqual(len(failures), len(self.corrupted),
                             '\n'.join(f['message'] for f in failures))
        for failure in failures:
            self.assertEqual(failure['method'], 'import_record',
                             failure['message'])

    def test_non_json_answers_fail_only_their_record(self):
        """A truncated JSON body and an HTML login page instead of the
        work package: those two jobs fail naming their work package, the
        third one imports."""
        self.control('POST', '/faults', {
            'path': '^/api/v3/work_packages/1$', 'kind': 'malformed',
            'count': 20})
        self.control('POST', '/faults', {
            'path': '^/api/v3/work_packages/2$', 'kind': 'html',
            'count': 20})
        try:
            model = self.env['openproject.project.task']
            for wid in ('1', '2', '3'):
                model.with_delay().import_record(self.backend, wid,
                                                 force=True)
            report = self.run_jobs()
        finally:
            self.control('DELETE', '/faults')
        failed = sorted(failure['args'][1] for failure in report.failures)
        self.assertEqual(failed, ['1', '2'], report.failure_messages())
        for failure in report.failures:
            self.assertTrue(re.search(
                r'(work_packages/|#)%s(?![0-9])' % failure['args'][1],
                failure['message']), failure['message'])
        self.assertTrue(self.task_of(3).active)


class TestMalformedMoreKinds(TestMalformedPayloads):
    """More malformed kinds: unknown link kinds, a group as time entry user, broken activities."""

    wp_kinds = GAP_WORK_PACKAGE_KINDS
    te_kinds = GAP_TIME_ENTRY_KINDS
    activity_kinds = GAP_ACTIVITY_KINDS

    def test_at_least_20_kinds(self):
        self.assertTrue(self.corrupted)
