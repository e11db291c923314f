# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).
"""Smoke test: the addon is installed with its data and views."""

from odoo.tests import common


class TestInstall(common.TransactionCase):

    def test_data_records(self):
        channel = self.env.ref('connector_openproject.channel_openproject')
        self.assertEqual(channel.complete_name, 'root.openproject')
        cron = self.env.ref('connector_openproject.ir_cron_openproject_sync')
        self.assertEqual(cron.name, 'OpenProject Sync')
        self.assertEqual(cron.model, 'openproject.backend')
        self.assertEqual(cron.function, '_scheduler_sync')
        for xmlid in ('mt_work_package_commented', 'mt_work_package_updated'):
            subtype = self.env.ref('connector_openproject.' + xmlid)
            self.assertEqual(subtype.res_model, 'project.task')
            self.assertFalse(subtype.default)

    def test_views_render(self):
        models = ['openproject.backend', 'openproject.project.project',
                  'openproject.project.task', 'openproject.res.users',
                  'openproject.account.analytic.line', 'project.project',
                  'project.task', 'res.users']
        for model in models:
            for view_type in ('form', 'tree'):
                arch = self.env[model].fields_view_get(
                    view_type=view_type)['arch']
                self.assertTrue(arch)

    def test_scheduler_without_backend(self):
        self.assertTrue(self.env['openproject.backend']._scheduler_sync())

    def test_form_fields_shown_once(self):
        """Odoo 10's form view gives a field name one widget: a field placed
        twice in a form (e.g. in a banner and in a group) stays empty in one
        of the two places."""
        from lxml import etree
        models = ['openproject.backend', 'openproject.project.project',
                  'openproject.project.task', 'openproject.res.users',
                  'openproject.account.analytic.line']
        for model in models:
            arch = etree.fromstring(self.env[model].fields_view_get(
                view_type='form')['arch'])
            names = [node.get('name') for node in arch.iter('field')
                     # fields of embedded one2many/many2many views are
                     # another form's
                     if not [parent for parent in node.iterancestors('field')]]
            repeated = sorted(set(name for name in names
                                  if names.count(name) > 1))
            self.assertFalse(repeated, '%s form repeats %s' % (model, repeated))
