# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).
"""Projects: name, identifier, archived <-> inactive, public <-> privacy
(visible by all employees / on invitation only), task label "Work
Packages", mail alias open to followers only; the backend's defaults apply
to newly discovered projects.

The API has no updatedAt filter for projects: every sync reads the whole
(small) list and compares. Projects missing from a complete list are read
again one by one (404 -> archived) - never archived page by page.
"""

import logging

from odoo import _
from odoo.addons.component.core import Component
from odoo.addons.connector.components.mapper import mapping, only_create

from ...components.importer import for_import

_logger = logging.getLogger(__name__)


class OpenProjectProjectMapper(Component):
    _name = 'openproject.project.project.mapper'
    _inherit = 'openproject.import.mapper'
    _apply_on = 'openproject.project.project'

    @mapping
    def name(self, record):
        name = self.op_text(record, 'name', required=True)
        return {'name': name}

    @mapping
    def identifier(self, record):
        return {'op_identifier': self.op_text(record, 'identifier') or False}

    @mapping
    def active(self, record):
        active = self.op_value(record, 'active')
        if active is not None and not isinstance(active, bool):
            raise self.op_error(record, 'active',
                                '%r is not a boolean' % (active,))
        active = active is not False
        return {'active': active, 'op_archived': not active}

    @mapping
    def privacy(self, record):
        """OpenProject's ``public`` -> Odoo's privacy: a public project
        is visible to all employees; any other one "on invitation only"
        (the import adds no follower: only the project managers see it
        until someone is invited). A missing value counts as not
        public."""
        public = self.op_value(record, 'public')
        if public is not None and not isinstance(public, bool):
            raise self.op_error(record, 'public',
                                '%r is not a boolean' % (public,))
        return {'privacy_visibility':
                'employees' if public is True else 'followers'}

    @only_create
    @mapping
    def alias_contact(self, record):
        # the mail alias of an imported project only takes e-mails from
        # its followers (Odoo's default, everyone, would let anybody
        # create tasks by e-mail)
        return {'alias_contact': 'followers'}

    @only_create
    @mapping
    def defaults(self, record):
        backend = self.backend_record
        return {
            'label_tasks': _('Work Packages'),
            'allow_timesheets': True,
            'company_id': backend.company_id.id,
            'sync_enabled': backend.default_sync_work_packages,
            'sync_time_entries': backend.default_sync_time_entries,
            'sync_descriptions': backend.default_sync_descriptions,
            'sync_activities': backend.default_activities,
        }


class OpenProjectProjectImporter(Component):
    _name = 'openproject.project.project.importer'
    _inherit = 'openproject.importer'
    _apply_on = 'openproject.project.project'

    def _after_import(self, binding, created):
        project = binding.odoo_id
        # stages shown in the project's kanban: every imported status
        stages = self.env['openproject.project.task.type'].search(
            [('backend_id', '=', self.backend_record.id)]).mapped('odoo_id')
        missing = stages - project.type_ids
        if missing:
            for_import(project).write(
                {'type_ids': [(4, stage.id) for stage in missing]})
        if project.active and not created:
            # re-activating a project re-activates all its tasks in Odoo:
            # keep the ones deleted in OpenProject archived
            deleted = self.env['openproject.project.task'].with_context(
                active_test=False).search([
                    ('backend_id', '=', self.backend_record.id),
                    ('project_id', '=', project.id),
                    ('op_deleted', '=', True),
                    ('active', '=', True)])
            if deleted:
                for_import(deleted.mapped('odoo_id')).write(
                    {'active': False})


class OpenProjectProjectBatchImporter(Component):
    _name = 'openproject.project.project.batch.importer'
    _inherit = 'openproject.batch.importer'
    _apply_on = 'openproject.project.project'

    def run(self, project=None, from_scratch=False):
        # locked before the listing: a second run at the same time retries
        # later instead of reading everything again
        cursor = self.env['openproject.sync.cursor'].acquire(
            self.backend_record, 'project')
        for page in self.backend_adapter.iter_pages():
            self.import_elements(self.backend_adapter.elements(page),
                                 force=from_scratch)
        # a complete list was read: the projects absent from it are read
        # again one by one (404 -> archived)
        known = self.model.with_context(active_test=False).search([
            ('backend_id', '=', self.backend_record.id),
            ('op_deleted', '=', False)])
        self._check_missing(known)
        self.backend_record._op_enqueue_project_syncs(
            from_scratch=from_scratch)
        cursor.advance(None, self.summary())
        return self.summary()
