# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).

from odoo import fields, models


class OpenProjectProjectTaskType(models.Model):
    _name = 'openproject.project.task.type'
    _inherit = 'openproject.binding'
    _inherits = {'project.task.type': 'odoo_id'}
    _description = 'OpenProject Status'
    _op_url_pattern = '/statuses/%s/edit'
    _op_entity_label = 'status'
    _op_entity_label_plural = 'statuses'

    odoo_id = fields.Many2one(
        comodel_name='project.task.type',
        string='Stage',
        required=True,
        ondelete='cascade',
    )
    op_is_closed = fields.Boolean(string='Closed status', readonly=True)
    op_is_default = fields.Boolean(string='Default status', readonly=True)

    _sql_constraints = [
        ('openproject_odoo_uniq', 'unique(backend_id, odoo_id)',
         'An Odoo stage can be linked to one OpenProject status per '
         'backend.'),
    ]


class ProjectTaskType(models.Model):
    _inherit = 'project.task.type'

    openproject_bind_ids = fields.One2many(
        comodel_name='openproject.project.task.type',
        inverse_name='odoo_id',
        string='OpenProject Bindings',
        readonly=True,
        copy=False,
    )
