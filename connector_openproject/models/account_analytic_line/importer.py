# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).
"""Time entries -> timesheet lines (account.analytic.line).

spentOn -> date, hours (ISO 8601 duration) -> unit amount, comment (a plain
string on old servers, a formattable object later: its text is used, never
the representation of the object) -> description or "/", user, the
entry's own project and its analytic account, its work package's task.

Incremental: by ``updated_at`` window when the server supports that filter
(detected); otherwise every sync re-reads the entries spent during the
last N days. A complete pass runs every M hours (it finds the deleted
entries); unchanged entries (same updatedAt) are skipped.
"""

import logging
from datetime import timedelta

from odoo import _
from odoo.addons.component.core import Component
from odoo.addons.connector.components.mapper import mapping

_logger = logging.getLogger(__name__)

try:
    from ...openproject_client import errors as op_errors
    from ...openproject_client import values as op_values
except ImportError:  # pragma: no cover - missing python dependency
    _logger.debug('Cannot import the OpenProject client')


class OpenProjectTimeEntryMapper(Component):
    _name = 'openproject.account.analytic.line.mapper'
    _inherit = 'openproject.import.mapper'
    _apply_on = 'openproject.account.analytic.line'

    @mapping
    def date(self, record):
        return {'date': self.op_date(record, 'spentOn', required=True)}

    @mapping
    def unit_amount(self, record):
        hours = self.op_value(record, 'hours', op_values.parse_duration_hours,
                              required=True)
        return {'unit_amount': hours or 0.0}

    @mapping
    def name(self, record):
        comment = self.op_value(record, 'comment', op_values.formattable_raw)
        comment = (comment or u'').strip()
        return {'name': comment or u'/'}

    @mapping
    def project(self, record):
        ext_id = self.op_link_id(record, 'project', required=True)
        binding = self.binding_of('openproject.project.project', ext_id)
        if not binding:
            raise self.op_error(record, '_links.project',
                                'project %s is not imported' % ext_id)
        return {
            'project_id': binding.odoo_id.id,
            'account_id': binding.analytic_account_id.id,
        }

    @mapping
    def task(self, record):
        ext_id = self.op_link_id(record, 'workPackage')
        binding = self.binding_of('openproject.project.task', ext_id)
        return {
            'task_id': binding.odoo_id.id if binding else False,
            'op_work_package_id': str(ext_id) if ext_id else False,
        }

    @mapping
    def user(self, record):
        __, ext_id = self.op_principal_link(record, 'user', kinds=('users',))
        binding = self.binding_of('openproject.res.users', ext_id)
        return {'user_id': binding.odoo_id.id if binding else False}

    @mapping
    def activity(self, record):
        links = record.get('_links') or {}
        link = links.get('activity')
        title = link.get('title') if isinstance(link, dict) else None
        return {'op_activity_name': title or False}


class OpenProjectTimeEntryImporter(Component):
    _name = 'openproject.account.analytic.line.importer'
    _inherit = 'openproject.importer'
    _apply_on = 'openproject.account.analytic.line'

    def _import_dependencies(self):
        __, project_id, __ = self._link('project')
        if project_id is not None:
            self._import_dependency(project_id, 'openproject.project.project')
        __, wp_id, __ = self._link('workPackage')
        if wp_id is not None:
            self._import_dependency(wp_id, 'openproject.project.task')
        self._import_user_link('user')


class OpenProjectTimeEntryBatchImporter(Component):
    _name = 'openproject.account.analytic.line.batch.importer'
    _inherit = 'openproject.window.batch.importer'
    _apply_on = 'openproject.account.analytic.line'

    _cursor_entity = 'time_entry'

    def _project_synced(self, project):
        return project.sync_time_entries

    def _not_synced_message(self):
        return _('Time entries of this project are not synced.')

    def _unavailable_errors(self):
        # OpenProject answers 400 "Project filter has invalid values" when
        # the key may not view the project's time entries
        return super(OpenProjectTimeEntryBatchImporter,
                     self)._unavailable_errors() + (op_errors.InvalidQuery,)

    def _project_filters(self, project):
        return [('project', '=', [project.external_id])]

    def _import_all(self, project, from_scratch):
        self._import_pages(self._project_filters(project), from_scratch)

    def _import_since(self, project, start, from_scratch):
        self._import_window(self._project_filters(project), start,
                            from_scratch)

    def _import_pages(self, filters, from_scratch):
        for page in self.backend_adapter.iter_pages(filters=filters):
            self.import_elements(self.backend_adapter.elements(page),
                                 force=from_scratch)

    def _import_window(self, filters, start, from_scratch):
        """Entries updated since ``start``: the listing is tried with the
        ``updated_at`` filter directly (no separate detection request);
        a server that refuses that filter (400 before any page) gets the
        sliding re-read of the entries spent during the recent days (the
        full pass catches the older ones).  The answer is kept by the
        client for the rest of the job."""
        adapter = self.backend_adapter
        if adapter.updated_at_filter_known() is not False:
            updated = filters + [('updated_at', '<>d', [start, ''])]
            pages = adapter.iter_pages(filters=updated)
            try:
                first = next(pages, None)
            except op_errors.InvalidQuery:
                first = False
            if first is not False:
                adapter.remember_updated_at_filter(True)
                if first is not None:
                    self.import_elements(adapter.elements(first),
                                         force=from_scratch)
                for page in pages:
                    self.import_elements(adapter.elements(page),
                                         force=from_scratch)
                return
            adapter.remember_updated_at_filter(False)
        since = start - timedelta(days=self.backend_record.time_entry_days
                                  or 30)
        self._import_pages(filters + [('spent_on', '<>d',
                                       [since.date(), ''])], from_scratch)
