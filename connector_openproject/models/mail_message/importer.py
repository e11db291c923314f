# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).
"""Work package activities -> messages on the task.

Per the project's "Activities" setting: comments (sanitised HTML) and/or
updates (the list of changed attributes, sanitised too). Author = the
OpenProject user's partner, date = createdAt, subtypes "Work package
commented" / "Work package updated". An activity edited upstream updates
its message (same binding), it is never duplicated.

Nobody is notified and nobody is subscribed: see ``mail.message._notify``
in common.py and the import context.
"""

import logging

from odoo import _, tools
from odoo.addons.component.core import Component
from odoo.addons.connector.components.mapper import mapping

_logger = logging.getLogger(__name__)

try:
    from ...openproject_client import values as op_values
except ImportError:  # pragma: no cover - missing python dependency
    _logger.debug('Cannot import the OpenProject client')

SUBTYPE_COMMENTED = 'connector_openproject.mt_work_package_commented'
SUBTYPE_UPDATED = 'connector_openproject.mt_work_package_updated'


class OpenProjectActivityMapper(Component):
    _name = 'openproject.mail.message.mapper'
    _inherit = 'openproject.import.mapper'
    _apply_on = 'openproject.mail.message'

    def message_parts(self, record, setting):
        """(comment html, updates html) to show for the setting."""
        comment = u''
        updates = u''
        if setting in ('comments', 'all'):
            comment = self.op_value(record, 'comment',
                                    op_values.formattable_html) or u''
            if not tools.html2plaintext(comment).strip():
                comment = u''
        if setting in ('updates', 'all'):
            details = self.op_value(record, 'details') or []
            if not isinstance(details, list):
                raise self.op_error(record, 'details',
                                    '%r is not a list' % (details,))
            lines = []
            for index, detail in enumerate(details):
                try:
                    html = op_values.formattable_html(detail)
                except ValueError as err:
                    raise self.op_error(record, 'details[%s]' % index,
                                        tools.ustr(err))
                if html:
                    lines.append(u'<li>%s</li>' % html)
            if lines:
                updates = u'<ul>%s</ul>' % u''.join(lines)
        return comment, updates

    def _subtype_id(self, xmlid):
        cache = self.op_cache_for('subtypes')
        if xmlid not in cache:
            cache[xmlid] = self.env.ref(xmlid).id
        return cache[xmlid]

    @mapping
    def message(self, record):
        task = self.options['task_binding']
        setting = self.options['project_binding'].sync_activities
        comment, updates = self.message_parts(record, setting)
        body = tools.html_sanitize(comment + updates)
        return {
            'model': 'project.task',
            'res_id': task.odoo_id.id,
            'record_name': task.name,
            'body': body,
            'message_type': 'comment' if comment else 'notification',
            'subtype_id': self._subtype_id(
                SUBTYPE_COMMENTED if comment else SUBTYPE_UPDATED),
            'op_work_package_id': task.external_id,
        }

    @mapping
    def author(self, record):
        __, ext_id = self.op_principal_link(record, 'user', kinds=('users',))
        binding = self.binding_of('openproject.res.users', ext_id)
        partner = binding.odoo_id.partner_id if binding else None
        if partner:
            email_from = partner.email and u'"%s" <%s>' % (
                partner.name, partner.email) or partner.name
            return {'author_id': partner.id, 'email_from': email_from}
        links = record.get('_links') or {}
        title = (links.get('user') or {}).get('title') if isinstance(
            links.get('user'), dict) else None
        return {'author_id': False, 'email_from': title or False}

    @mapping
    def date(self, record):
        return {'date': self.op_datetime(record, 'createdAt', required=True)}

    @mapping
    def version(self, record):
        def parse(value):
            if isinstance(value, bool):
                raise ValueError('%r is not a number' % (value,))
            return int(value)
        return {'op_version': self.op_value(record, 'version', parse) or 0}


class OpenProjectActivityImporter(Component):
    _name = 'openproject.mail.message.importer'
    _inherit = 'openproject.importer'
    _apply_on = 'openproject.mail.message'

    def _resolve_task(self):
        """Task and project bindings when the activity is imported alone
        (not from the work package import, which gives them)."""
        if self.options.get('task_binding'):
            return
        __, wp_id, __ = self._link('workPackage')
        if wp_id is None:
            raise self.mapper.op_error(self.openproject_record,
                                       '_links.workPackage', 'missing link')
        task = self._import_dependency(wp_id, 'openproject.project.task')
        if not task:
            raise self.mapper.op_error(
                self.openproject_record, '_links.workPackage',
                'work package %s cannot be imported' % wp_id)
        project = self.env['openproject.project.project'].search([
            ('backend_id', '=', self.backend_record.id),
            ('odoo_id', '=', task.project_id.id)], limit=1)
        self.options['task_binding'] = task
        self.options['project_binding'] = project

    def _is_uptodate(self, binding):
        if not self.openproject_record.get('updatedAt'):
            return False  # older servers: compare the values instead
        return super(OpenProjectActivityImporter, self)._is_uptodate(binding)

    def _must_skip(self, binding):
        self._resolve_task()
        project = self.options.get('project_binding')
        setting = project.sync_activities if project else 'none'
        comment, updates = self.mapper.message_parts(
            self.openproject_record, setting)
        if not (comment or updates):
            return _('Activity %(id)s: nothing to show with the '
                     'project\'s setting "%(setting)s".') % {
                'id': self.external_id, 'setting': setting}
        return None

    def _import_dependencies(self):
        self._import_user_link('user')
