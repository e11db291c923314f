# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).
"""Incremental sync cursors.

One row per (backend, entity, project): ``synced_up_to`` is the most recent
``updatedAt`` (OpenProject's clock, UTC) of the records imported so far.
The job that imports a window locks the row (``SELECT ... FOR UPDATE
NOWAIT``; a second run of the same window is retried later), reads the
records updated since ``synced_up_to - overlap`` and moves ``synced_up_to``
forward in that same job's transaction: the cursor only advances when the
job that processed the window succeeded (committed). A failed or killed job
leaves the cursor where it was, so the next run reads the window again.

Using OpenProject's own timestamps (a high-water mark) instead of Odoo's
clock makes the windows independent of any clock difference between the
two servers; the overlap catches the records OpenProject was still writing
while the previous window was read.
"""

import logging
from datetime import datetime, timedelta

import psycopg2

from odoo import _, api, fields, models
from odoo.addons.queue_job.exception import RetryableJobError

_logger = logging.getLogger(__name__)

#: seconds re-read before the end of the previous window, to catch the
#: records OpenProject was still writing while the previous window was read
DEFAULT_OVERLAP = 60


class OpenProjectSyncCursor(models.Model):
    _name = 'openproject.sync.cursor'
    _description = 'OpenProject Sync Cursor'
    _order = 'backend_id, entity, project_binding_id'

    backend_id = fields.Many2one(
        comodel_name='openproject.backend',
        required=True,
        ondelete='cascade',
        readonly=True,
    )
    entity = fields.Selection(
        selection=[
            ('status', 'Statuses'),
            ('user', 'Users'),
            ('project', 'Projects'),
            ('work_package', 'Work packages'),
            ('time_entry', 'Time entries'),
        ],
        required=True,
        readonly=True,
    )
    project_binding_id = fields.Many2one(
        comodel_name='openproject.project.project',
        string='Project',
        ondelete='cascade',
        readonly=True,
    )
    synced_up_to = fields.Datetime(
        string='Synced up to (UTC)',
        help='Records updated in OpenProject before this time (minus the '
             'overlap) are imported. Empty: the next run reads everything.',
    )
    last_success_at = fields.Datetime(
        string='Last successful sync',
        readonly=True,
    )
    last_full_at = fields.Datetime(
        string='Last full pass',
        help='Last complete read (Odoo time, UTC). Empty: the next run is '
             'a complete read.',
    )
    last_result = fields.Char(readonly=True)

    @api.model_cr
    def init(self):
        # NULL project ids are not equal for a unique constraint: use an
        # index on COALESCE so (backend, entity, no project) is unique too
        self.env.cr.execute("""
            CREATE UNIQUE INDEX IF NOT EXISTS
                openproject_sync_cursor_uniq_idx
            ON openproject_sync_cursor
                (backend_id, entity, COALESCE(project_binding_id, 0))
        """)

    @api.model
    def _find(self, backend, entity, project=None):
        return self.search([
            ('backend_id', '=', backend.id),
            ('entity', '=', entity),
            ('project_binding_id', '=', project.id if project else False),
        ], limit=1)

    @api.model
    def acquire(self, backend, entity, project=None):
        """The cursor row of (backend, entity, project), created when
        missing and locked for the rest of the transaction.

        Raises RetryableJobError when another job holds the lock (it is
        reading the same window) or created the row at the same time.
        """
        cursor = self._find(backend, entity, project)
        if not cursor:
            try:
                with self.env.cr.savepoint():
                    cursor = self.sudo().create({
                        'backend_id': backend.id,
                        'entity': entity,
                        'project_binding_id': project.id if project else False,
                    })
            except psycopg2.IntegrityError:
                raise RetryableJobError(
                    _('Another job started the same OpenProject sync at the '
                      'same time; retried later.'), seconds=10,
                    ignore_retry=True)
        try:
            with self.env.cr.savepoint():
                self.env.cr.execute(
                    'SELECT id FROM openproject_sync_cursor '
                    'WHERE id = %s FOR UPDATE NOWAIT', (cursor.id,),
                    log_exceptions=False)
        except psycopg2.OperationalError:
            _logger.info('OpenProject sync cursor %s (%s) is locked by '
                         'another job, retry later', cursor.id, entity)
            raise RetryableJobError(
                _('Another job is already syncing this window (%s); '
                  'retried later.') % entity, seconds=30, ignore_retry=True)
        cursor.invalidate_cache()
        return cursor

    @api.multi
    def window(self, overlap=DEFAULT_OVERLAP):
        """Start (naive UTC datetime) of the next window, or None when the
        cursor is empty (read everything)."""
        self.ensure_one()
        if not self.synced_up_to:
            return None
        return (fields.Datetime.from_string(self.synced_up_to) -
                timedelta(seconds=overlap))

    @api.multi
    def full_pass_due(self, hours):
        """True when the last complete read is older than ``hours``."""
        self.ensure_one()
        if not self.synced_up_to or not self.last_full_at:
            return True
        last = fields.Datetime.from_string(self.last_full_at)
        return last + timedelta(hours=hours or 24) <= datetime.utcnow()

    @api.multi
    def advance(self, high_water=None, result=None, full=False):
        """Record a successful run; ``high_water`` is the most recent
        updatedAt seen (None: nothing seen, the cursor stays); ``full``:
        the run was a complete read."""
        self.ensure_one()
        values = {'last_success_at': fields.Datetime.now()}
        if full:
            values['last_full_at'] = values['last_success_at']
        if high_water:
            current = (fields.Datetime.from_string(self.synced_up_to)
                       if self.synced_up_to else None)
            if current is None or high_water > current:
                values['synced_up_to'] = fields.Datetime.to_string(
                    high_water)
        if result is not None:
            values['last_result'] = result[:250]
        self.sudo().write(values)

    @api.multi
    def reset(self):
        """Forget the windows: the next run reads everything again."""
        self.sudo().write({'synced_up_to': False, 'last_full_at': False})
