# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).
"""Statuses -> project stages: name, position -> sequence, isClosed ->
folded; every stage is linked to every synced project, so it shows in the
projects' kanban views. The list is unpaginated and small: read in full.
"""

from odoo.addons.component.core import Component
from odoo.addons.connector.components.mapper import mapping

from ...components.importer import for_import


class OpenProjectStatusMapper(Component):
    _name = 'openproject.project.task.type.mapper'
    _inherit = 'openproject.import.mapper'
    _apply_on = 'openproject.project.task.type'

    @mapping
    def name(self, record):
        return {'name': self.op_text(record, 'name', required=True)}

    @mapping
    def sequence(self, record):
        def parse(value):
            if isinstance(value, bool):
                raise ValueError('%r is not a number' % (value,))
            return int(value)
        position = self.op_value(record, 'position', parse)
        return {'sequence': position if position is not None else 10}

    @mapping
    def closed(self, record):
        closed = bool(self.op_value(record, 'isClosed'))
        return {
            'fold': closed,
            'op_is_closed': closed,
            'op_is_default': bool(self.op_value(record, 'isDefault')),
        }


class OpenProjectStatusImporter(Component):
    _name = 'openproject.project.task.type.importer'
    _inherit = 'openproject.importer'
    _apply_on = 'openproject.project.task.type'

    def _is_uptodate(self, binding):
        # statuses have no updatedAt: compare the values (no write when
        # nothing changed, see _update)
        return False

    def _after_import(self, binding, created):
        projects = self.env['openproject.project.project'].search([
            ('backend_id', '=', self.backend_record.id),
            ('sync_enabled', '=', True),
        ]).mapped('odoo_id')
        missing = projects - binding.project_ids
        if missing:
            for_import(binding.odoo_id).write(
                {'project_ids': [(4, project.id) for project in missing]})


class OpenProjectStatusBatchImporter(Component):
    _name = 'openproject.project.task.type.batch.importer'
    _inherit = 'openproject.batch.importer'
    _apply_on = 'openproject.project.task.type'

    def run(self, project=None, from_scratch=False):
        # locked before the listing (a concurrent run retries later)
        cursor = self.env['openproject.sync.cursor'].acquire(
            self.backend_record, 'status')
        elements = self.backend_adapter.get_collection()
        self.import_elements(elements, force=from_scratch)
        cursor.advance(None, self.summary())
        return self.summary()
