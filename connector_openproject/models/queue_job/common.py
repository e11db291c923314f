# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).

from odoo import _, api, models


class QueueJob(models.Model):
    _inherit = 'queue.job'

    @api.multi
    def related_action_openproject(self):
        """Open the record of the job in OpenProject (new browser tab)."""
        self.ensure_one()
        model = self.env[self.model_name]
        args = list(self.args or [])
        kwargs = dict(self.kwargs or {})
        backend = args[0] if args else kwargs.get('backend')
        if not isinstance(backend, models.BaseModel) or not backend.exists():
            return None
        # a Job Queue manager may not be a connector manager: the URL is
        # no secret, the key is never read here
        base = (backend.sudo().url or '').rstrip('/')
        url = base
        if self.method_name == 'import_record':
            external_id = args[1] if len(args) > 1 else kwargs.get(
                'external_id')
            binding = model.with_context(active_test=False).search([
                ('backend_id', '=', backend.id),
                ('external_id', '=', external_id),
            ], limit=1)
            if binding and binding.op_url:
                url = binding.op_url
            elif model._op_url_pattern and external_id:
                url = base + model._op_url_pattern % external_id
        else:
            project = kwargs.get('project')
            if isinstance(project, models.BaseModel) and project.exists():
                url = project.op_url or base
        if not url:
            return None
        return {
            'type': 'ir.actions.act_url',
            'name': _('Open in OpenProject'),
            'url': url,
            'target': 'new',
        }
