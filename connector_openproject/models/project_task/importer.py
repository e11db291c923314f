# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).
"""Work packages -> project.task.

subject, description (sanitised HTML, when the project syncs
descriptions), estimatedTime -> planned hours, startDate/dueDate (or
``date`` for milestones) -> start/deadline, assignee -> user (a group or a
placeholder user leaves the task unassigned, its name is kept on the
binding), status -> stage, project (a moved work package moves its task);
type and priority are kept on the binding.

The listing always sends an explicit status filter: without any filter the
API only returns *open* work packages.
"""

import logging

from odoo import _, tools
from odoo.addons.component.core import Component
from odoo.addons.connector.components.mapper import mapping

from odoo.addons.queue_job.exception import RetryableJobError

from ...components.importer import for_import
from ...exception import OpenProjectKeyError, RecordLocked

_logger = logging.getLogger(__name__)

try:
    from ...openproject_client import errors as op_errors
    from ...openproject_client import values as op_values
except ImportError:  # pragma: no cover - missing python dependency
    _logger.debug('Cannot import the OpenProject client')

#: project.task.date_start is a Datetime while OpenProject gives a date:
#: noon UTC shows the same calendar day in every time zone from UTC-11 to
#: UTC+11 (midnight UTC would show the day before in the Americas)
DATE_TO_DATETIME = '%s 12:00:00'


class OpenProjectTaskMapper(Component):
    _name = 'openproject.project.task.mapper'
    _inherit = 'openproject.import.mapper'
    _apply_on = 'openproject.project.task'

    def _project_binding(self, record):
        ext_id = self.op_link_id(record, 'project', required=True)
        binding = self.binding_of('openproject.project.project', ext_id)
        if not binding:
            raise self.op_error(record, '_links.project',
                                'project %s is not imported' % ext_id)
        return binding

    @mapping
    def name(self, record):
        return {'name': self.op_text(record, 'subject', required=True)}

    @mapping
    def description(self, record):
        project = self._project_binding(record)
        if not project.sync_descriptions:
            return {}
        html = self.op_value(record, 'description',
                             op_values.formattable_html) or u''
        return {'description': tools.html_sanitize(html) if html else False}

    @mapping
    def planned_hours(self, record):
        hours = self.op_value(record, 'estimatedTime',
                              op_values.parse_duration_hours)
        return {'planned_hours': hours or 0.0}

    @mapping
    def dates(self, record):
        start = self.op_date(record, 'startDate')
        deadline = self.op_date(record, 'dueDate')
        milestone = self.op_date(record, 'date')
        if milestone and not (start or deadline):
            start = deadline = milestone
        return {
            'date_start': DATE_TO_DATETIME % start if start else False,
            'date_deadline': deadline or False,
        }

    @mapping
    def project(self, record):
        return {'project_id': self._project_binding(record).odoo_id.id}

    @mapping
    def stage(self, record):
        ext_id = self.op_link_id(record, 'status', required=True)
        binding = self.binding_of('openproject.project.task.type', ext_id)
        if not binding:
            raise self.op_error(record, '_links.status',
                                'unknown status %s' % ext_id)
        return {
            'stage_id': binding.odoo_id.id,
            'op_status_name': binding.name,
        }

    @mapping
    def assignee(self, record):
        kind, ext_id = self.op_principal_link(record, 'assignee')
        title = None
        links = record.get('_links') or {}
        if isinstance(links.get('assignee'), dict):
            title = links['assignee'].get('title')
        user_id = False
        if kind == 'users':
            binding = self.binding_of('openproject.res.users', ext_id)
            user_id = binding.odoo_id.id if binding else False
        return {'user_id': user_id, 'op_assignee_name': title or False}

    @mapping
    def type_priority(self, record):
        links = record.get('_links') or {}

        def title(name):
            link = links.get(name)
            return (link.get('title') if isinstance(link, dict) else
                    None) or False
        return {
            'op_type_name': title('type'),
            'op_priority_name': title('priority'),
        }

    @mapping
    def lock_version(self, record):
        def parse(value):
            if isinstance(value, bool):
                raise ValueError('%r is not a number' % (value,))
            return int(value)
        return {'op_lock_version':
                self.op_value(record, 'lockVersion', parse) or 0}

    @mapping
    def active(self, record):
        return {'active': True}


class OpenProjectTaskImporter(Component):
    _name = 'openproject.project.task.importer'
    _inherit = 'openproject.importer'
    _apply_on = 'openproject.project.task'

    def _import_dependencies(self):
        __, project_id, __ = self._link('project')
        if project_id is not None:
            self._import_dependency(project_id, 'openproject.project.project')
        __, status_id, __ = self._link('status')
        if status_id is not None:
            self._import_dependency(status_id,
                                    'openproject.project.task.type')
        self._import_user_link('assignee')

    def _reset(self):
        result = super(OpenProjectTaskImporter, self)._reset()
        self._previous_project = None
        return result

    def _update(self, binding, values):
        self._previous_project = binding.project_id
        return super(OpenProjectTaskImporter, self)._update(binding, values)

    def _after_import(self, binding, created):
        task = binding.odoo_id
        self._link_stage_to_project(task)
        project = self._project_binding()
        if project and project.sync_activities != 'none':
            self._import_activities(binding, project)
        previous = self._previous_project
        if not created and previous and previous != task.project_id:
            self._import_moved_time_entries(binding)

    def _unchanged(self, binding):
        # complete reads refresh the activities of unchanged work packages
        if self.options.get('refresh_activities'):
            project = self._project_binding()
            if project and project.sync_activities != 'none':
                self._import_activities(binding, project)

    def _project_binding(self):
        return self.binder_for('openproject.project.project') \
            .to_internal_cached(self._link('project')[1])

    def _import_moved_time_entries(self, binding):
        """OpenProject moves the time entries of a moved work package
        without changing their updatedAt: read them again now, so each
        timesheet line follows its entry's project."""
        lines = self.env['openproject.account.analytic.line']
        adapter = self.component(usage='backend.adapter',
                                 model_name=lines._name)
        importer = self.component(usage='record.importer',
                                  model_name=lines._name)
        binder = self.binder_for(lines._name)
        filters = [('work_package', '=', [self.external_id])]
        try:
            for page in adapter.iter_pages(filters=filters):
                elements = adapter.elements(page)
                bindings = binder.to_internal_many(
                    [element.get('id') for element in elements])
                for element in elements:
                    importer.run(element.get('id'), record=element,
                                 binding=bindings.get(
                                     tools.ustr(element.get('id')),
                                     lines.browse()),
                                 force=True)
        except (op_errors.MissingPermission, op_errors.InvalidQuery) as err:
            _logger.info('Time entries of moved work package %s not '
                         'readable: %s', self.external_id, tools.ustr(err))

    def _link_stage_to_project(self, task):
        if not task.stage_id or not task.project_id:
            return
        done = self.op_cache_for('stage-project')
        key = (task.stage_id.id, task.project_id.id)
        if key in done:
            return
        if task.project_id not in task.stage_id.project_ids:
            for_import(task.stage_id).write(
                {'project_ids': [(4, task.project_id.id)]})
        done[key] = True

    def _import_activities(self, binding, project):
        """Activities of the work package -> messages on the task.

        Each activity is imported in its own savepoint: a malformed one is
        rolled back alone and re-read by its own job (which fails naming
        the activity and the field); the task and the other activities are
        kept."""
        elements = self.backend_adapter.activities(self.external_id)
        messages = self.env['openproject.mail.message']
        binder = self.binder_for(messages._name)
        ext_ids = [element.get('id') for element in elements
                   if isinstance(element, dict)]
        bindings = binder.to_internal_many(ext_ids)
        importer = self.component(usage='record.importer',
                                  model_name=messages._name)
        for element in elements:
            if not isinstance(element, dict) or element.get('id') is None:
                continue
            ext_id = tools.ustr(element['id'])
            try:
                with self.env.cr.savepoint():
                    importer.run(
                        ext_id, record=element,
                        binding=bindings.get(ext_id, messages.browse()),
                        force=self.force, task_binding=binding,
                        project_binding=project)
            except RecordLocked:
                messages._op_delay_import_record(self.backend_record,
                                                 ext_id, force=True)
            except (RetryableJobError, OpenProjectKeyError):
                raise
            except Exception as err:  # pylint: disable=broad-except
                self.op_cache.clear()
                self.env.invalidate_all()
                _logger.info('OpenProject activity %s of work package %s '
                             'not imported with it, delegated to its own '
                             'job: %s', ext_id, self.external_id,
                             tools.ustr(err))
                messages._op_delay_import_record(self.backend_record,
                                                 ext_id, force=True)


class OpenProjectTaskBatchImporter(Component):
    """Work packages of one project, updated in the cursor's window."""

    _name = 'openproject.project.task.batch.importer'
    _inherit = 'openproject.window.batch.importer'
    _apply_on = 'openproject.project.task'
    _cursor_entity = 'work_package'

    def _project_synced(self, project):
        return project.sync_enabled

    def _not_synced_message(self):
        return _('Project not synced: nothing to do.')

    def _import_all(self, project, from_scratch):
        # a complete read also re-reads the activities of the unchanged
        # work packages: editing a comment does not change its work package
        self.refresh_activities = True
        self._import_listing(project, [], from_scratch)

    def _import_since(self, project, start, from_scratch):
        self.refresh_activities = False
        self._import_listing(project, [('updated_at', '<>d', [start, ''])],
                             from_scratch)

    def _import_listing(self, project, window_filters, from_scratch):
        # explicit status filter: without filters the API only lists the
        # open work packages; the project filter leaves out the work
        # packages of subprojects (listed under the parent by default)
        filters = [('status', '*', []),
                   ('project', '=', [project.external_id])] + window_filters
        adapter = self.backend_adapter
        path = adapter.project_path(project.external_id)
        for page in adapter.iter_pages(filters=filters, path=path):
            self.import_elements(adapter.elements(page), force=from_scratch)

    def _run_options(self):
        return {'refresh_activities': self.refresh_activities}
