# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).

from odoo import api, fields, models


class OpenProjectAccountAnalyticLine(models.Model):
    _name = 'openproject.account.analytic.line'
    _inherit = 'openproject.binding'
    _inherits = {'account.analytic.line': 'odoo_id'}
    _description = 'OpenProject Time Entry'
    _op_entity_label = 'time entry'
    _op_entity_label_plural = 'time entries'

    odoo_id = fields.Many2one(
        comodel_name='account.analytic.line',
        string='Timesheet line',
        required=True,
        ondelete='cascade',
    )
    op_activity_name = fields.Char(string='OpenProject activity',
                                   readonly=True)
    op_work_package_id = fields.Char(string='Work package ID',
                                     readonly=True)

    _sql_constraints = [
        ('openproject_odoo_uniq', 'unique(backend_id, odoo_id)',
         'An Odoo timesheet line can be linked to one OpenProject time '
         'entry per backend.'),
    ]

    @api.multi
    def _op_url_path(self):
        # OpenProject has no page for one time entry: open its work
        # package, or the time entries of its project
        self.ensure_one()
        if self.op_work_package_id:
            return '/work_packages/%s' % self.op_work_package_id
        project = self.project_id.openproject_bind_ids.filtered(
            lambda b: b.backend_id == self.backend_id)[:1]
        if project:
            return '/projects/%s/time_entries' % (project.op_identifier or
                                                  project.external_id)
        return ''

    @api.multi
    @api.depends('backend_id.url', 'op_work_package_id', 'project_id')
    def _compute_op_url(self):
        return super(OpenProjectAccountAnalyticLine, self)._compute_op_url()


class AccountAnalyticLine(models.Model):
    _inherit = 'account.analytic.line'

    # hr_timesheet does not index it: every read of a task's timesheets
    # (its hours are recomputed on each timesheet written) scanned the
    # whole table
    task_id = fields.Many2one(index=True)

    openproject_bind_ids = fields.One2many(
        comodel_name='openproject.account.analytic.line',
        inverse_name='odoo_id',
        string='OpenProject Bindings',
        readonly=True,
        copy=False,
    )
