# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).

import logging
import threading
from contextlib import contextmanager

import odoo
from odoo import SUPERUSER_ID, _, api, fields, models, tools
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.addons.queue_job.exception import RetryableJobError

from ...exception import OpenProjectKeyError

_logger = logging.getLogger(__name__)

try:
    from urllib.parse import urlsplit
except ImportError:  # Python 2
    from urlparse import urlsplit

try:
    from ...openproject_client import errors as op_errors
    from ...openproject_client import hal
    from ...openproject_client.client import OpenProjectClient
except ImportError:  # pragma: no cover - missing python dependency
    _logger.debug('Cannot import the OpenProject client')

ACTIVITY_SELECTION = [
    ('none', 'None'),
    ('comments', 'Comments only'),
    ('updates', 'Updates only'),
    ('all', 'Comments and updates'),
]

#: how many projects "Check connection" inspects for missing permissions
CHECK_PROJECTS_LIMIT = 25

#: the group allowed to see the backends, their key, and to start syncs
MANAGER_GROUP = 'connector.group_connector_manager'

#: fields nobody but a connector manager may search, group or sort on
#: (field ``groups`` only protect read() in Odoo 10)
SECRET_FIELDS = ('api_key',)


def is_connector_manager(env):
    """True for the superuser and the connector managers."""
    return env.uid == SUPERUSER_ID or env.user.has_group(MANAGER_GROUP)


def check_connector_manager(env, what):
    """Raise AccessError unless the user of ``env`` is a connector
    manager; ``what`` names the refused operation."""
    if not is_connector_manager(env):
        raise AccessError(
            _('Only a Connector Manager can %s (OpenProject connector). Ask '
              'an administrator to give you the group "Connector Manager" '
              'or to do it for you.') % what)


def _domain_fields(domain):
    for leaf in domain or []:
        if isinstance(leaf, (list, tuple)) and leaf and isinstance(
                leaf[0], basestring):
            yield leaf[0].split('.')[0]


class _JobGuard(object):
    """Truthy when a job of the backend may run; ``reason`` otherwise."""

    def __init__(self, allowed, reason=None):
        self.allowed = allowed
        self.reason = reason

    def __nonzero__(self):
        return self.allowed

    __bool__ = __nonzero__


class OpenProjectBackend(models.Model):
    _name = 'openproject.backend'
    _inherit = ['connector.backend', 'mail.thread']
    _description = 'OpenProject Backend'

    name = fields.Char(required=True, track_visibility='onchange')
    url = fields.Char(
        string='OpenProject URL',
        required=True,
        track_visibility='onchange',
        help='Base URL of the OpenProject instance, e.g. '
             'https://openproject.example.com',
    )
    api_key = fields.Char(
        string='API Key',
        groups='connector.group_connector_manager',
        copy=False,
        help='API token of the OpenProject user whose permissions the sync '
             'uses (My account -> Access tokens). Only connector managers '
             'can read it; it is never logged nor put in jobs.',
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        comodel_name='res.company',
        required=True,
        default=lambda self: self.env['res.company']._company_default_get(
            'openproject.backend'),
    )
    timeout = fields.Integer(
        string='Timeout (s)', default=30,
        help='Seconds to wait for an answer of OpenProject.')
    page_size = fields.Integer(
        default=100,
        help='Elements requested per page of a collection. The server may '
             'answer with smaller pages.')
    verify_ssl = fields.Boolean(
        string='Verify TLS certificate', default=True,
        track_visibility='onchange',
        help='Turn off only for a test server with a self-signed '
             'certificate: without verification the API key can be '
             'intercepted.')
    ca_bundle = fields.Char(
        string='CA bundle path',
        help='Optional path of a CA bundle file (PEM) used to verify the '
             'server certificate, for private certificate authorities.')
    overlap_seconds = fields.Integer(
        string='Window overlap (s)', default=60,
        help='Each incremental sync reads again this many seconds before '
             'the end of the previous window, to catch records OpenProject '
             'was still writing.')
    time_entry_days = fields.Integer(
        string='Time entries: days re-read', default=30,
        help='Servers that cannot filter time entries on their update date: '
             'each sync re-reads the entries spent in this many recent '
             'days.')
    full_pass_hours = fields.Integer(
        string='Full pass every (h)', default=24,
        help='Hours between two complete reads of the work packages and '
             'time entries of a project (the other syncs only read what '
             'changed). A complete read finds the records deleted in '
             'OpenProject and the activities edited without a change of '
             'their work package.')

    default_sync_work_packages = fields.Boolean(
        string='Sync work packages', default=True,
        help='Applied to projects discovered from now on.')
    default_sync_time_entries = fields.Boolean(
        string='Sync time entries', default=True,
        help='Applied to projects discovered from now on.')
    default_sync_descriptions = fields.Boolean(
        string='Sync descriptions', default=True,
        help='Applied to projects discovered from now on.')
    default_activities = fields.Selection(
        selection=ACTIVITY_SELECTION,
        string='Activities', default='all', required=True,
        help='Applied to projects discovered from now on: which work '
             'package activities become messages on the task.')

    key_user_name = fields.Char(string='Key of', readonly=True)
    key_user_login = fields.Char(string='Key login', readonly=True)
    key_is_admin = fields.Boolean(string='Administrator key', readonly=True)
    key_project_count = fields.Integer(
        string='Visible projects', readonly=True)
    key_permissions = fields.Text(
        string='Permissions check', readonly=True)
    connection_checked_at = fields.Datetime(
        string='Connection checked on', readonly=True)
    last_error = fields.Text(readonly=True)
    sync_blocked = fields.Boolean(
        readonly=True,
        help='Set when OpenProject refused the API key: the sync is stopped '
             'until "Check connection" succeeds.')

    cursor_ids = fields.One2many(
        comodel_name='openproject.sync.cursor',
        inverse_name='backend_id',
        string='Sync cursors',
    )
    project_binding_ids = fields.One2many(
        comodel_name='openproject.project.project',
        inverse_name='backend_id',
        string='Projects',
        readonly=True,
    )
    project_count = fields.Integer(compute='_compute_counts')
    task_count = fields.Integer(compute='_compute_counts')
    timesheet_count = fields.Integer(compute='_compute_counts')
    user_count = fields.Integer(compute='_compute_counts')
    deleted_count = fields.Integer(
        string='Deleted upstream', compute='_compute_counts')
    deleted_summary = fields.Text(
        string='Deleted in OpenProject', compute='_compute_counts',
        help='Records that no longer exist in OpenProject (or that the key '
             'can no longer see): archived or marked in Odoo, never '
             'deleted.')

    # The report of the records deleted upstream: one list per kind, the
    # archived records included (a deleted task or project is archived)
    deleted_project_ids = fields.One2many(
        comodel_name='openproject.project.project',
        inverse_name='backend_id',
        string='Deleted projects',
        domain=[('op_deleted', '=', True)],
        context={'active_test': False},
        readonly=True,
    )
    deleted_task_ids = fields.One2many(
        comodel_name='openproject.project.task',
        inverse_name='backend_id',
        string='Deleted work packages',
        domain=[('op_deleted', '=', True)],
        context={'active_test': False},
        readonly=True,
    )
    deleted_timesheet_ids = fields.One2many(
        comodel_name='openproject.account.analytic.line',
        inverse_name='backend_id',
        string='Deleted time entries',
        domain=[('op_deleted', '=', True)],
        context={'active_test': False},
        readonly=True,
    )
    deleted_message_ids = fields.One2many(
        comodel_name='openproject.mail.message',
        inverse_name='backend_id',
        string='Deleted activities',
        domain=[('op_deleted', '=', True)],
        context={'active_test': False},
        readonly=True,
    )
    deleted_user_ids = fields.One2many(
        comodel_name='openproject.res.users',
        inverse_name='backend_id',
        string='Deleted users',
        domain=[('op_deleted', '=', True)],
        context={'active_test': False},
        readonly=True,
    )

    _COUNTED = [
        ('project_count', 'openproject.project.project'),
        ('task_count', 'openproject.project.task'),
        ('timesheet_count', 'openproject.account.analytic.line'),
        ('user_count', 'openproject.res.users'),
    ]
    _WITH_DELETIONS = [
        'openproject.project.project',
        'openproject.project.task',
        'openproject.account.analytic.line',
        'openproject.mail.message',
        'openproject.res.users',
    ]

    @api.multi
    def _compute_counts(self):
        for backend in self:
            for field_name, model_name in self._COUNTED:
                model = self.env[model_name].with_context(active_test=False)
                backend[field_name] = model.search_count(
                    [('backend_id', '=', backend.id)])
            deleted = 0
            lines = []
            for model_name in self._WITH_DELETIONS:
                model = self.env[model_name].with_context(active_test=False)
                count = model.search_count(
                    [('backend_id', '=', backend.id),
                     ('op_deleted', '=', True)])
                if count:
                    lines.append(u'%s: %s' % (model._description, count))
                deleted += count
            backend.deleted_count = deleted
            backend.deleted_summary = u'\n'.join(lines) or False

    # -- the key: no route to it but read() by a manager -----------------

    @api.model
    def _op_check_secret_fields(self, names, what):
        if is_connector_manager(self.env):
            return
        if set(names) & set(SECRET_FIELDS):
            raise AccessError(
                _('Only a Connector Manager can %s the API key of an '
                  'OpenProject backend.') % what)

    @api.model
    def _search(self, args, offset=0, limit=None, order=None, count=False,
                access_rights_uid=None):
        self._op_check_secret_fields(list(_domain_fields(args)), _('search'))
        if order:
            self._op_check_secret_fields(
                [part.strip().split(' ')[0] for part in order.split(',')],
                _('sort on'))
        return super(OpenProjectBackend, self)._search(
            args, offset=offset, limit=limit, order=order, count=count,
            access_rights_uid=access_rights_uid)

    @api.model
    def read_group(self, domain, fields, groupby, offset=0, limit=None,
                   orderby=False, lazy=True):
        groupbys = [groupby] if isinstance(groupby, basestring) else (
            groupby or [])
        names = [name.split(':')[0].strip() for name in
                 list(fields or []) + list(groupbys) +
                 (orderby.split(',') if orderby else [])]
        self._op_check_secret_fields(
            [name.split(' ')[0] for name in names], _('group on'))
        return super(OpenProjectBackend, self).read_group(
            domain, fields, groupby, offset=offset, limit=limit,
            orderby=orderby, lazy=lazy)

    # -- client ----------------------------------------------------------

    @api.multi
    def _op_new_client(self):
        """A client for this backend. The key is read as superuser here and
        only here; it stays inside the client object."""
        self.ensure_one()
        backend = self.sudo()
        if not backend.url or not backend.api_key:
            raise OpenProjectKeyError(
                _('Backend "%s" has no URL or no API key: set them, then use '
                  '"Check connection".') % backend.name)
        try:
            return OpenProjectClient(
                backend.url.strip(),
                backend.api_key.strip(),
                timeout=backend.timeout or 30,
                verify=backend.verify_ssl,
                ca_bundle=backend.ca_bundle or None,
                page_size=backend.page_size or 100,
            )
        except ValueError as err:
            # a URL saved before its validation existed: stop the sync
            # (one failed job) until it is fixed, like a refused key
            raise OpenProjectKeyError(
                _('Backend "%(name)s": %(error)s Fix the URL, then use '
                  '"Check connection".') % {'name': backend.name,
                                           'error': tools.ustr(err)})

    @contextmanager
    @api.multi
    def work_on(self, model_name, **kwargs):
        """Work context with one OpenProject client for the whole work
        session (propagated to the components of the dependencies) and a
        cache shared by its components."""
        self.ensure_one()
        if 'op_client' not in kwargs:
            kwargs['op_client'] = self._op_new_client()
        kwargs.setdefault('op_cache', {})
        _super = super(OpenProjectBackend, self)
        with _super.work_on(model_name, **kwargs) as work:
            yield work

    # -- error handling of jobs ------------------------------------------

    @contextmanager
    @api.multi
    def _op_job_guard(self):
        """Wrap a job of this backend.

        Yields a falsy guard (with a reason) when the backend must not sync
        (archived, or its key was refused: no job storm); records the
        message of a refused key in ``last_error`` and blocks the sync.
        """
        self.ensure_one()
        backend = self.with_context(active_test=False)
        if not backend.active:
            yield _JobGuard(False, _('Backend archived: nothing done.'))
            return
        if backend.sync_blocked:
            yield _JobGuard(False, _(
                'Sync stopped: OpenProject refused the API key (%s). '
                'Nothing done.') % (backend.last_error or ''))
            return
        try:
            yield _JobGuard(True)
        except OpenProjectKeyError as err:
            self._op_record_error(tools.ustr(err), block=True)
            raise

    @api.multi
    def _op_record_error(self, message, block=False):
        """Write ``last_error`` (and block the sync) in a transaction of its
        own, so it survives the rollback of the failing job."""
        self.ensure_one()
        values = {'last_error': message}
        if block:
            values['sync_blocked'] = True
        self._op_write_apart(values)

    @api.multi
    def _op_write_apart(self, values):
        """Write ``values`` on the backend in a transaction of its own
        (committed at once), so they survive the rollback of the failing
        job or button."""
        self.ensure_one()
        if getattr(threading.currentThread(), 'testing', False):
            # tests run in one transaction that is never committed: the
            # row is not visible from another cursor (Odoo flags the thread
            # running tests; --test-enable alone says nothing of a job)
            self.sudo().write(values)
            return
        registry = odoo.registry(self.env.cr.dbname)
        try:
            with registry.cursor() as new_cr:
                new_cr.execute("SET LOCAL lock_timeout = '5s'")
                env = api.Environment(new_cr, SUPERUSER_ID, {})
                env[self._name].browse(self.id).write(values)
        except Exception:  # pylint: disable=broad-except
            _logger.exception('Could not record the error of OpenProject '
                              'backend %s', self.id)

    # -- scheduling --------------------------------------------------------

    @api.model
    def _scheduler_sync(self):
        """Called by the scheduled action "OpenProject Sync"."""
        backends = self.search([('active', '=', True)])
        _logger.info('OpenProject Sync: %s backend(s)', len(backends))
        backends.sync()
        return True

    @api.multi
    def sync(self, from_scratch=False):
        """Enqueue the sync of every entity (jobs on root.openproject).

        Statuses, users (admin keys) and projects first; the project job
        then enqueues, per synced project, its work packages (and their
        activities) and its time entries.
        """
        check_connector_manager(self.env, _('start a sync'))
        for backend in self:
            if not backend.active:
                continue
            if backend.sync_blocked:
                _logger.warning('OpenProject backend %s: sync stopped since '
                                'the API key was refused; use "Check '
                                'connection" once the key is fixed.',
                                backend.id)
                continue
            if from_scratch:
                backend.cursor_ids.reset()
            backend._op_enqueue_global(from_scratch=from_scratch)
        return True

    @api.multi
    def _op_enqueue_global(self, from_scratch=False):
        self.ensure_one()
        self.env['openproject.project.task.type']._op_delay_import_batch(
            self, from_scratch=from_scratch, priority=5)
        self.env['openproject.res.users']._op_delay_import_batch(
            self, from_scratch=from_scratch, priority=6)
        self.env['openproject.project.project']._op_delay_import_batch(
            self, from_scratch=from_scratch, priority=7)

    @api.multi
    def _op_synced_projects(self):
        self.ensure_one()
        return self.env['openproject.project.project'].search([
            ('backend_id', '=', self.id),
            ('sync_enabled', '=', True),
            ('op_deleted', '=', False),
        ])

    @api.multi
    def _op_enqueue_project_syncs(self, projects=None, from_scratch=False):
        """Enqueue the per-project jobs (work packages, time entries)."""
        self.ensure_one()
        if projects is None:
            projects = self._op_synced_projects()
        tasks = self.env['openproject.project.task']
        lines = self.env['openproject.account.analytic.line']
        for project in projects:
            if not project.sync_enabled or project.op_deleted:
                continue
            tasks._op_delay_import_batch(
                self, project=project, from_scratch=from_scratch,
                priority=10)
            if project.sync_time_entries:
                lines._op_delay_import_batch(
                    self, project=project, from_scratch=from_scratch,
                    priority=15)
        return True

    # -- buttons -------------------------------------------------------------

    @api.multi
    def action_sync_now(self):
        check_connector_manager(self.env, _('start a sync'))
        self.sync()
        return True

    @api.multi
    def action_sync_from_scratch(self):
        check_connector_manager(self.env, _('start a sync from scratch'))
        self.sync(from_scratch=True)
        return True

    @api.multi
    def action_check_connection(self):
        """Say whose key it is, how many projects it sees and which
        permissions are missing where; stores the answer on the backend.

        A failed check raises a UserError with the reason (what to fix),
        after storing it in ``last_error`` in a transaction of its own; a
        successful one reloads the form, which then shows whose key it is.
        """
        check_connector_manager(self.env, _('check the connection'))
        for backend in self:
            values = backend._op_check_connection()
            values['connection_checked_at'] = fields.Datetime.now()
            if values.get('last_error'):
                # the UserError rolls the transaction back: the answer is
                # written apart, to stay on the form after the dialog
                backend._op_write_apart(values)
                raise UserError(
                    _('Connection to OpenProject failed (backend "%(name)s")'
                      ':\n%(error)s') % {'name': backend.name,
                                          'error': values['last_error']})
            backend.write(values)
        return True

    @api.multi
    def _op_check_connection(self):
        """Values of the backend after a check: the key's details, or
        ``last_error`` (and what is no longer known) when it failed."""
        self.ensure_one()
        failed = {'key_permissions': False, 'key_user_name': False,
                  'key_user_login': False, 'key_is_admin': False,
                  'key_project_count': 0}
        try:
            with self.work_on('openproject.backend') as work:
                adapter = work.component(usage='backend.adapter')
                return self._op_inspect_key(adapter)
        except (OpenProjectKeyError, RetryableJobError) as err:
            failed.update(last_error=tools.ustr(err), sync_blocked=isinstance(
                err, OpenProjectKeyError))
        except op_errors.OpenProjectError as err:
            failed['last_error'] = _('OpenProject answered: %s') % (
                tools.ustr(err),)
        except ValueError as err:
            # a URL the client refuses (records saved before the check)
            failed['last_error'] = tools.ustr(err)
        return failed

    @api.multi
    def _op_inspect_key(self, adapter):
        me = adapter.whoami()
        is_admin = bool(me.get('admin'))
        lines = []
        projects = []
        for page in adapter.iter_pages(path='/api/v3/projects',
                                       sort_by=[('id', 'asc')]):
            total = page.get('total')
            projects.extend(hal.elements(page))
            if len(projects) >= CHECK_PROJECTS_LIMIT:
                break
        else:
            total = len(projects)
        if total is None:
            total = len(projects)
        if not is_admin:
            try:
                adapter.count('/api/v3/users')
            except op_errors.MissingPermission:
                lines.append(_('Users cannot be listed with this key (needs '
                               'an administrator): users are imported '
                               'through the records that link them.'))
        for project in projects[:CHECK_PROJECTS_LIMIT]:
            lines.extend(self._op_check_project(adapter, project))
        if not lines:
            lines.append(_('No missing permission found.'))
        if total > CHECK_PROJECTS_LIMIT:
            lines.append(_('Only the first %s projects were checked.') %
                         CHECK_PROJECTS_LIMIT)
        summary = _('Key of %(name)s (%(login)s), %(admin)s; sees '
                    '%(count)s project(s).') % {
            'name': me.get('name') or '?',
            'login': me.get('login') or _('login hidden'),
            'admin': (_('administrator') if is_admin
                      else _('not an administrator')),
            'count': total}
        return {
            'key_user_name': me.get('name'),
            'key_user_login': me.get('login'),
            'key_is_admin': is_admin,
            'key_project_count': total,
            'key_permissions': summary + u'\n' + u'\n'.join(lines),
            'last_error': False,
            'sync_blocked': False,
        }

    @api.multi
    def _op_check_project(self, adapter, project):
        lines = []
        name = project.get('name') or project.get('identifier')
        checks = [
            (_('view work packages'),
             '/api/v3/projects/%s/work_packages' % project.get('id'), None),
            (_('view time entries'), '/api/v3/time_entries',
             [('project', '=', [project.get('id')])]),
        ]
        for permission, path, filters in checks:
            try:
                adapter.count(path, filters=filters)
            except (op_errors.MissingPermission, op_errors.NotFound,
                    op_errors.InvalidQuery):
                # a project filter on a project whose time entries the key
                # may not see is refused as invalid (400)
                lines.append(
                    _('Missing permission "%(permission)s" on project '
                      '%(project)s.') % {'permission': permission,
                                          'project': name})
        return lines

    # -- smart buttons -------------------------------------------------------

    @api.multi
    def _op_action_bindings(self, model_name, domain=None):
        self.ensure_one()
        model = self.env['ir.model'].search([('model', '=', model_name)])
        return {
            'type': 'ir.actions.act_window',
            'name': model.name,
            'res_model': model_name,
            'view_type': 'form',
            'view_mode': 'tree,form',
            'domain': [('backend_id', '=', self.id)] + (domain or []),
            'context': {'active_test': False},
        }

    @api.multi
    def action_view_projects(self):
        return self._op_action_bindings('openproject.project.project')

    @api.multi
    def action_view_tasks(self):
        return self._op_action_bindings('openproject.project.task')

    @api.multi
    def action_view_timesheets(self):
        return self._op_action_bindings('openproject.account.analytic.line')

    @api.multi
    def action_view_users(self):
        return self._op_action_bindings('openproject.res.users')

    @api.multi
    def action_view_deleted(self):
        """The report of the records deleted in OpenProject (every kind:
        projects, work packages, time entries, activities, users)."""
        self.ensure_one()
        view = self.env.ref(
            'connector_openproject.view_openproject_backend_deleted_form')
        return {
            'type': 'ir.actions.act_window',
            'name': _('Deleted in OpenProject'),
            'res_model': self._name,
            'res_id': self.id,
            'view_type': 'form',
            'view_mode': 'form',
            'views': [(view.id, 'form')],
            'target': 'new',
            'context': {'active_test': False},
        }

    @api.constrains('url')
    def _check_url(self):
        for backend in self:
            url = (backend.url or '').strip()
            parts = urlsplit(url)
            if parts.scheme not in ('http', 'https') or not parts.hostname:
                raise ValidationError(
                    _('The OpenProject URL "%s" is not valid: give the '
                      'address of the OpenProject instance with its '
                      'scheme, e.g. https://openproject.example.com (or '
                      'http://127.0.0.1:8080 for a local test server).')
                    % url)
            if parts.username or parts.password:
                raise ValidationError(
                    _('The OpenProject URL must not contain a user name or '
                      'password; put the API key in its own field.'))

    @api.constrains('page_size', 'timeout')
    def _check_limits(self):
        for backend in self:
            if backend.page_size < 1 or backend.timeout < 1:
                raise UserError(_('Page size and timeout must be positive.'))
