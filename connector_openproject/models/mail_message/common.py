# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).

from odoo import api, fields, models


class OpenProjectMailMessage(models.Model):
    _name = 'openproject.mail.message'
    _inherit = 'openproject.binding'
    _inherits = {'mail.message': 'odoo_id'}
    _description = 'OpenProject Activity'
    _op_entity_label = 'activity'
    _op_entity_label_plural = 'activities'

    odoo_id = fields.Many2one(
        comodel_name='mail.message',
        string='Message',
        required=True,
        ondelete='cascade',
    )
    op_version = fields.Integer(string='Journal version', readonly=True)
    op_work_package_id = fields.Char(string='Work package ID',
                                     readonly=True)

    _sql_constraints = [
        ('openproject_odoo_uniq', 'unique(backend_id, odoo_id)',
         'An Odoo message can be linked to one OpenProject activity per '
         'backend.'),
    ]

    @api.multi
    def _op_url_path(self):
        self.ensure_one()
        if self.op_work_package_id:
            return '/work_packages/%s/activity#activity-%s' % (
                self.op_work_package_id, self.op_version or '')
        return ''

    @api.multi
    @api.depends('backend_id.url', 'op_work_package_id', 'op_version')
    def _compute_op_url(self):
        return super(OpenProjectMailMessage, self)._compute_op_url()


class MailMessage(models.Model):
    _inherit = 'mail.message'

    openproject_bind_ids = fields.One2many(
        comodel_name='openproject.mail.message',
        inverse_name='odoo_id',
        string='OpenProject Bindings',
        readonly=True,
        copy=False,
    )

    @api.multi
    def _notify(self, force_send=False, send_after_commit=True,
                user_signature=True):
        """Never notify for messages imported from OpenProject.

        ``mail.message.create()`` always ends with ``_notify()``, which adds
        the followers of the task to the recipients, creates their
        ``mail.mail`` (e-mails) and needaction notifications. An imported
        activity is history already seen (and notified) in OpenProject:
        re-sending it from Odoo, possibly years later and once per sync
        after a reset, would spam everybody. No context flag of the mail
        addon disables this for a regular message, hence this override,
        limited to the creations done by the import (its context carries
        ``openproject_import``).
        """
        if self.env.context.get('openproject_import'):
            return True
        return super(MailMessage, self)._notify(
            force_send=force_send, send_after_commit=send_after_commit,
            user_signature=user_signature)
