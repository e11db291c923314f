# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).

from odoo import SUPERUSER_ID, api, fields, models


class OpenProjectResUsers(models.Model):
    _name = 'openproject.res.users'
    _inherit = 'openproject.binding'
    _inherits = {'res.users': 'odoo_id'}
    _description = 'OpenProject User'
    _op_url_pattern = '/users/%s'
    _op_entity_label = 'user'
    _op_entity_label_plural = 'users'

    odoo_id = fields.Many2one(
        comodel_name='res.users',
        string='User',
        required=True,
        ondelete='cascade',
    )
    op_login = fields.Char(string='OpenProject login', readonly=True)
    op_status = fields.Char(string='OpenProject status', readonly=True)
    op_user_created = fields.Boolean(
        string='Created by the connector',
        readonly=True,
        help='The Odoo user was created by the import (otherwise an '
             'existing Odoo user with the same login or e-mail was '
             'linked, and the import never changes it).',
    )

    _sql_constraints = [
        ('openproject_odoo_uniq', 'unique(backend_id, odoo_id)',
         'An Odoo user can be linked to one OpenProject user per backend.'),
    ]

    @api.multi
    def _op_mark_deleted(self):
        result = super(OpenProjectResUsers, self)._op_mark_deleted()
        users = self.filtered('op_user_created').mapped('odoo_id')
        users = users.filtered(
            lambda u: u.id not in (SUPERUSER_ID, self.env.uid) and u.active)
        if users:
            users.write({'active': False})
        return result


class ResUsers(models.Model):
    _inherit = 'res.users'

    openproject_bind_ids = fields.One2many(
        comodel_name='openproject.res.users',
        inverse_name='odoo_id',
        string='OpenProject Bindings',
        readonly=True,
        copy=False,
    )

    def _set_password(self, password):
        """Users created by the import have no password (they cannot log
        in, see the importer): do not hash the empty default password,
        which costs as much as the rest of the user's creation."""
        if not password and self.env.context.get('openproject_import'):
            return
        return super(ResUsers, self)._set_password(password)
