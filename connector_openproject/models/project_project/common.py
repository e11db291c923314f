# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).

from odoo import _, api, fields, models

from ..openproject_backend.common import (ACTIVITY_SELECTION,
                                          check_connector_manager)

#: the kinds of activities each "Activities" setting imports
ACTIVITY_KINDS = {
    'none': frozenset(),
    'comments': frozenset(['comments']),
    'updates': frozenset(['updates']),
    'all': frozenset(['comments', 'updates']),
}

#: per setting: the cursors to forget when the setting is widened
WIDENING_RESETS = {
    'sync_enabled': ('work_package', 'time_entry'),
    'sync_descriptions': ('work_package',),
    'sync_activities': ('work_package',),
    'sync_time_entries': ('time_entry',),
}


class OpenProjectProjectProject(models.Model):
    _name = 'openproject.project.project'
    _inherit = 'openproject.binding'
    _inherits = {'project.project': 'odoo_id'}
    _description = 'OpenProject Project'
    _op_entity_label = 'project'
    _op_entity_label_plural = 'projects'

    odoo_id = fields.Many2one(
        comodel_name='project.project',
        string='Project',
        required=True,
        ondelete='cascade',
    )
    op_identifier = fields.Char(string='OpenProject identifier',
                                readonly=True)
    sync_enabled = fields.Boolean(
        string='Sync work packages', default=True,
        help='Import the work packages of this project (and, per the '
             'settings below, their activities and time entries).')
    sync_descriptions = fields.Boolean(
        string='Sync descriptions', default=True,
        help='Copy the (sanitised) description of the work packages.')
    sync_time_entries = fields.Boolean(
        string='Sync time entries', default=True)
    sync_activities = fields.Selection(
        selection=ACTIVITY_SELECTION,
        string='Activities', default='all', required=True,
        help='Which work package activities become messages on the task.')
    op_archived = fields.Boolean(string='Archived in OpenProject',
                                 readonly=True)

    _sql_constraints = [
        ('openproject_odoo_uniq', 'unique(backend_id, odoo_id)',
         'An Odoo project can be linked to one OpenProject project per '
         'backend.'),
    ]

    @api.multi
    def _op_url_path(self):
        self.ensure_one()
        if self.op_identifier or self.external_id:
            return '/projects/%s' % (self.op_identifier or self.external_id)
        return ''

    @api.multi
    @api.depends('backend_id.url', 'external_id', 'op_identifier')
    def _compute_op_url(self):
        return super(OpenProjectProjectProject, self)._compute_op_url()

    @api.multi
    def _op_mark_deleted(self):
        result = super(OpenProjectProjectProject, self)._op_mark_deleted()
        projects = self.mapped('odoo_id').filtered('active')
        if projects:
            projects.write({'active': False})
        return result

    @api.multi
    def _op_widened(self, vals):
        """The settings of ``vals`` that make this project import more
        than it does now (a boolean turned on, more kinds of activities)."""
        self.ensure_one()
        widened = []
        for name in WIDENING_RESETS:
            if name not in vals:
                continue
            if name == 'sync_activities':
                new = ACTIVITY_KINDS.get(vals[name] or 'none', frozenset())
                if new - ACTIVITY_KINDS.get(self[name] or 'none',
                                            frozenset()):
                    widened.append(name)
            elif vals[name] and not self[name]:
                widened.append(name)
        return widened

    @api.multi
    def write(self, vals):
        """A setting switched back on makes the next sync of the project
        read it in full: the changes made upstream while it was off are
        behind the cursor (the importers skip the unchanged records, so
        nothing is duplicated)."""
        resets = {}
        for binding in self:
            for name in binding._op_widened(vals):
                resets.setdefault(binding, set()).add(name)
        result = super(OpenProjectProjectProject, self).write(vals)
        for binding, names in resets.items():
            binding._op_reset_for(names)
        return result

    @api.multi
    def _op_reset_for(self, names):
        self.ensure_one()
        entities = set()
        for name in names:
            entities.update(WIDENING_RESETS[name])
        cursors = self.env['openproject.sync.cursor'].search([
            ('project_binding_id', '=', self.id),
            ('entity', 'in', sorted(entities))])
        cursors.reset()
        if 'sync_descriptions' in names:
            # the descriptions changed meanwhile are on work packages whose
            # updatedAt the bindings already have: forget it so that each
            # one is read and compared again
            tasks = self.env['openproject.project.task'].with_context(
                active_test=False).search([
                    ('backend_id', '=', self.backend_id.id),
                    ('project_id', '=', self.odoo_id.id),
                    ('op_updated_at', '!=', False)])
            if tasks:
                tasks.write({'op_updated_at': False})

    @api.multi
    def action_sync_now(self):
        check_connector_manager(self.env, _('start a sync'))
        for binding in self:
            binding.backend_id._op_enqueue_project_syncs(projects=binding)
        return True

    @api.multi
    def action_sync_from_scratch(self):
        check_connector_manager(self.env, _('start a sync from scratch'))
        cursors = self.env['openproject.sync.cursor'].search(
            [('project_binding_id', 'in', self.ids)])
        cursors.reset()
        for binding in self:
            binding.backend_id._op_enqueue_project_syncs(
                projects=binding, from_scratch=True)
        return True


class ProjectProject(models.Model):
    _inherit = 'project.project'

    openproject_bind_ids = fields.One2many(
        comodel_name='openproject.project.project',
        inverse_name='odoo_id',
        string='OpenProject Bindings',
        readonly=True,
        copy=False,
    )
