# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).
"""Users: OpenProject users -> res.users without any access group.

* Login: OpenProject's login when the key can see it, otherwise a stable
  unique value ``openproject-<backend id>-<user id>``; never built from the
  display name (two people can share a name). It is never changed later.
* An existing Odoo user with the same login (or e-mail) is linked instead
  of creating a duplicate; such a user is never modified by the import.
* Created users get no group, no password and no invitation e-mail
  (``no_reset_password``): they cannot log in until an administrator
  decides so. Locked and deleted OpenProject users are inactive.
* Groups and placeholder users are not users: they are never imported.
"""

import logging

from odoo import _, tools
from odoo.addons.component.core import Component
from odoo.addons.connector.components.mapper import mapping, only_create

_logger = logging.getLogger(__name__)

try:
    from ...openproject_client import errors as op_errors
except ImportError:  # pragma: no cover - missing python dependency
    _logger.debug('Cannot import the OpenProject client')

INACTIVE_STATUSES = ('locked', 'deleted')


def stable_login(backend, external_id):
    return u'openproject-%s-%s' % (backend.id, external_id)


class OpenProjectUserMapper(Component):
    _name = 'openproject.res.users.mapper'
    _inherit = 'openproject.import.mapper'
    _apply_on = 'openproject.res.users'

    def _is_deleted(self, record):
        return record.get('_type') == 'DeletedUser'

    @mapping
    def name(self, record):
        name = self.op_text(record, 'name')
        if not name:
            parts = [self.op_text(record, 'firstName') or u'',
                     self.op_text(record, 'lastName') or u'']
            name = u' '.join(part for part in parts if part)
        if not name:
            name = _('OpenProject user %s') % record.get('id')
        return {'name': name}

    @mapping
    def email(self, record):
        email = self.op_text(record, 'email')
        return {'email': email} if email else {}

    @mapping
    def status(self, record):
        status = self.op_text(record, 'status') or u''
        if self._is_deleted(record):
            status = u'deleted'
        return {
            'op_status': status or False,
            'op_login': self.op_text(record, 'login') or False,
            'active': status not in INACTIVE_STATUSES,
        }

    @only_create
    @mapping
    def login(self, record):
        login = self.op_text(record, 'login')
        if not login:
            login = stable_login(self.backend_record, record.get('id'))
        return {'login': login}

    @only_create
    @mapping
    def no_access(self, record):
        return {
            'groups_id': [(6, 0, [])],
            'company_id': self.backend_record.company_id.id,
            'company_ids': [(6, 0, [self.backend_record.company_id.id])],
            'op_user_created': True,
        }


class OpenProjectUserImporter(Component):
    _name = 'openproject.res.users.importer'
    _inherit = 'openproject.importer'
    _apply_on = 'openproject.res.users'

    def _must_skip(self, binding):
        kind = self.openproject_record.get('_type')
        if kind in ('Group', 'PlaceholderUser'):
            return _('%(kind)s %(id)s is not a user: not imported.') % {
                'kind': kind, 'id': self.external_id}
        return None

    def _existing_user(self, values):
        """Odoo user with the same login or e-mail, not yet linked to
        another OpenProject user of this backend."""
        users = self.env['res.users'].with_context(active_test=False)
        candidates = users.browse()
        login = self.openproject_record.get('login')
        if login:
            candidates = users.search([('login', '=', login)], limit=1)
        email = values.get('email')
        if not candidates and email:
            candidates = users.search(['|', ('login', '=ilike', email),
                                       ('email', '=ilike', email)])
        for user in candidates:
            linked = self.model.with_context(active_test=False).search_count([
                ('backend_id', '=', self.backend_record.id),
                ('odoo_id', '=', user.id)])
            if not linked:
                return user
        return users.browse()

    def _create(self, values):
        user = self._existing_user(values)
        if user:
            _logger.info('OpenProject user %s linked to the existing Odoo '
                         'user %s', self.external_id, user.id)
            values = {
                'odoo_id': user.id,
                'backend_id': values['backend_id'],
                'op_created_at': values.get('op_created_at'),
                'op_updated_at': values.get('op_updated_at'),
                'op_status': values.get('op_status'),
                'op_login': values.get('op_login'),
                'op_user_created': False,
            }
        return super(OpenProjectUserImporter, self)._create(values)

    def _update(self, binding, values):
        if not binding.op_user_created:
            # a user that existed in Odoo: never changed by the import
            values = {key: value for key, value in values.items()
                      if key.startswith('op_') or key == 'backend_id'}
        elif binding.odoo_id.id == self.env.uid and not values.get('active',
                                                                   True):
            values.pop('active')
        return super(OpenProjectUserImporter, self)._update(binding, values)

    def create_stub(self, external_id, name):
        """An inactive user for an OpenProject user that cannot be read
        (deleted, or hidden from the key) but is named by a link, so that
        authorship of messages and timesheets is kept."""
        self.external_id = tools.ustr(external_id)
        self._lock()
        binding = self._get_binding()
        if binding:
            return binding
        values = {
            'name': name or _('OpenProject user %s') % external_id,
            'login': stable_login(self.backend_record, external_id),
            'active': False,
            'groups_id': [(6, 0, [])],
            'company_id': self.backend_record.company_id.id,
            'company_ids': [(6, 0, [self.backend_record.company_id.id])],
            'op_user_created': True,
            'op_status': 'unavailable',
            'backend_id': self.backend_record.id,
        }
        binding = self._create(values)
        self.binder.remember(self.external_id, binding)
        return binding


class OpenProjectUserBatchImporter(Component):
    """Users listing: only administrators (and, on recent servers, members
    managers) may list users; other keys get their users through the links
    of the records they import."""

    _name = 'openproject.res.users.batch.importer'
    _inherit = 'openproject.batch.importer'
    _apply_on = 'openproject.res.users'

    def run(self, project=None, from_scratch=False):
        # locked before the listing (a concurrent run retries later)
        cursor = self.env['openproject.sync.cursor'].acquire(
            self.backend_record, 'user')
        try:
            for page in self.backend_adapter.iter_pages():
                self.import_elements(self.backend_adapter.elements(page),
                                     force=from_scratch)
        except op_errors.MissingPermission:
            return _('This API key may not list users: users are imported '
                     'through the records that link them.')
        # the listing was complete: a user it no longer shows was deleted
        # upstream; each is read again in its own job (404: archived)
        self._check_missing(self.model.with_context(active_test=False).search([
            ('backend_id', '=', self.backend_record.id),
            ('op_deleted', '=', False),
            ('op_status', 'not in', ('deleted', 'unavailable'))]))
        cursor.advance(None, self.summary())
        return self.summary()
