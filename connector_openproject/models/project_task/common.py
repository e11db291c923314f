# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).

from odoo import api, fields, models


class OpenProjectProjectTask(models.Model):
    _name = 'openproject.project.task'
    _inherit = 'openproject.binding'
    _inherits = {'project.task': 'odoo_id'}
    _description = 'OpenProject Work Package'
    _op_url_pattern = '/work_packages/%s'
    _op_entity_label = 'work package'
    _op_entity_label_plural = 'work packages'

    odoo_id = fields.Many2one(
        comodel_name='project.task',
        string='Task',
        required=True,
        ondelete='cascade',
    )
    op_type_name = fields.Char(string='OpenProject type', readonly=True)
    op_priority_name = fields.Char(string='OpenProject priority',
                                   readonly=True)
    op_status_name = fields.Char(string='OpenProject status', readonly=True)
    op_assignee_name = fields.Char(
        string='OpenProject assignee', readonly=True,
        help='Name of the assignee in OpenProject. A group or a '
             'placeholder user is not an Odoo user: the task is then '
             'unassigned in Odoo and the name is kept here.')
    op_lock_version = fields.Integer(string='Lock version', readonly=True)

    _sql_constraints = [
        ('openproject_odoo_uniq', 'unique(backend_id, odoo_id)',
         'An Odoo task can be linked to one OpenProject work package per '
         'backend.'),
    ]

    @api.multi
    def _op_mark_deleted(self):
        result = super(OpenProjectProjectTask, self)._op_mark_deleted()
        tasks = self.mapped('odoo_id').filtered('active')
        if tasks:
            tasks.write({'active': False})
        # OpenProject deletes, moves or reassigns the time entries of a
        # deleted work package: read each of them again to know which
        lines = self.env['openproject.account.analytic.line'].search([
            ('task_id', 'in', self.mapped('odoo_id').ids),
            ('op_deleted', '=', False)])
        for line in lines:
            line._op_delay_import_record(line.backend_id, line.external_id,
                                         force=True)
        return result


class ProjectTask(models.Model):
    _inherit = 'project.task'

    openproject_bind_ids = fields.One2many(
        comodel_name='openproject.project.task',
        inverse_name='odoo_id',
        string='OpenProject Bindings',
        readonly=True,
        copy=False,
    )
