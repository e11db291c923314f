# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).
"""Importers: one record (small overridable hooks) and batches.

Record import flow (``OpenProjectImporter.run``)::

    lock (backend, model, external id)
    read the record (unless the batch gave it)  -- 404: mark deleted
    up to date? (OpenProject updatedAt == binding's op_updated_at)
    import dependencies (project, status, users, work package...)
    map -> create or update the binding -> after import

Batch import flow (``OpenProjectBatchImporter``): read the collection page
by page and import every element directly from the page (no second request
per record), each element inside its own savepoint.  An element that cannot
be imported is rolled back alone and re-imported by a single-record job
that reads it again and fails with a message naming the OpenProject record
and the field; the other elements of the page import normally.
"""

import logging

import psycopg2
from psycopg2 import errorcodes

from odoo import _, fields, tools
from odoo.addons.component.core import AbstractComponent
from odoo.addons.connector.connector import pg_try_advisory_lock
from odoo.addons.queue_job.exception import RetryableJobError

from ..exception import (OpenProjectKeyError, OpenProjectMappingError,
                         RecordLocked)
from .mapper import record_label

_logger = logging.getLogger(__name__)

try:
    from ..openproject_client import errors as op_errors
    from ..openproject_client import hal
    from ..openproject_client import values as op_values
except ImportError:  # pragma: no cover - missing python dependency
    _logger.debug('Cannot import the OpenProject client')

#: context used for every write done by an import: no chatter message, no
#: follower, no tracking, no invitation e-mail (see README, "Usage")
IMPORT_CONTEXT = {
    'tracking_disable': True,
    'mail_create_nolog': True,
    'mail_create_nosubscribe': True,
    'mail_notrack': True,
    'mail_auto_subscribe_no_notify': True,
    'no_reset_password': True,
    'connector_no_export': True,
    'openproject_import': True,
}


#: elements imported between two recomputations of stored computed fields
RECOMPUTE_EVERY = 50


def for_import(records):
    """``records`` with the import context (see IMPORT_CONTEXT)."""
    return records.with_context(**IMPORT_CONTEXT)


class OpenProjectImporter(AbstractComponent):
    """Base importer of one OpenProject record."""

    _name = 'openproject.importer'
    _inherit = ['base.importer', 'base.openproject.connector']
    _usage = 'record.importer'

    def __init__(self, work_context):
        super(OpenProjectImporter, self).__init__(work_context)
        self._reset()

    def _reset(self):
        self.external_id = None
        self.openproject_record = None
        self.binding = None
        self.force = False
        self.options = {}

    # -- hooks -------------------------------------------------------------

    def _lock(self):
        """Advisory lock per (backend, model, external id), released at the
        end of the transaction: two jobs importing the same record at the
        same time never create two bindings."""
        lock_name = u'openproject-import(%s, %s, %s, %s)' % (
            self.backend_record._name, self.backend_record.id,
            self.model._name, self.external_id)
        if not pg_try_advisory_lock(self.env, lock_name):
            raise RecordLocked(
                _('OpenProject record %(id)s (%(model)s) is being imported '
                  'by another job; retried later.') % {
                    'id': self.external_id,
                    'model': self.model._description},
                seconds=5, ignore_retry=True)

    def _get_openproject_data(self):
        """GET the record from OpenProject."""
        return self.backend_adapter.read_record(self.external_id)

    def _get_binding(self):
        return self.binder.to_internal(self.external_id)

    def _is_uptodate(self, binding):
        """True when the binding already has OpenProject's last update."""
        if not binding or binding.op_deleted:
            return False
        remote = self.openproject_record.get('updatedAt')
        if not remote or not binding.op_updated_at:
            return False
        try:
            remote_dt = op_values.parse_datetime(remote)
        except ValueError:
            return False  # the mapper will report the bad value
        local_dt = fields.Datetime.from_string(binding.op_updated_at)
        return remote_dt.replace(microsecond=0) <= local_dt

    def _unchanged(self, binding):
        """Hook: the record is up to date (nothing written)."""
        pass

    def _must_skip(self, binding):
        """Return a reason (text) to skip the record, or None."""
        return None

    def _before_import(self):
        pass

    def _import_dependencies(self):
        pass

    def _import_dependency(self, external_id, binding_model, record=None,
                           force=False):
        """Import a dependency when it has no binding yet (or ``force``).
        Returns its binding."""
        if external_id is None:
            return self.env[binding_model].browse()
        binder = self.binder_for(binding_model)
        binding = binder.to_internal_cached(external_id)
        if binding and not force:
            return binding
        importer = self.component(usage='record.importer',
                                  model_name=binding_model)
        importer.run(external_id, record=record, force=force)
        return binder.to_internal_cached(external_id)

    def _link(self, name, record=None):
        """(kind, id, title) of a link of the record; a malformed href is
        a mapping error naming the record and the link."""
        record = self.openproject_record if record is None else record
        try:
            kind = hal.link_kind(record, name)
            ext_id = hal.link_id(record, name)
        except ValueError as err:
            raise OpenProjectMappingError(record_label(record),
                                          '_links.%s' % name,
                                          tools.ustr(err))
        return kind, ext_id, hal.link_title(record, name)

    def _import_user_link(self, name, record=None):
        """Odoo user (maybe empty) of a principal link (author, assignee,
        user...). Groups and placeholder users give no user; a user that
        cannot be read becomes an inactive stub named after the link."""
        kind, ext_id, title = self._link(name, record=record)
        users = self.env['res.users'].browse()
        if kind != 'users' or ext_id is None:
            return users
        binding = self._import_dependency(ext_id, 'openproject.res.users')
        if not binding:
            importer = self.component(usage='record.importer',
                                      model_name='openproject.res.users')
            binding = importer.create_stub(ext_id, title)
        return binding.odoo_id

    def _map_data(self):
        return self.mapper.map_record(self.openproject_record)

    def _create_data(self, map_record):
        return map_record.values(for_create=True, **self.options)

    def _update_data(self, map_record):
        return map_record.values(**self.options)

    def _binding_model(self):
        return for_import(self.model)

    def _create(self, values):
        values = dict(values)
        values.update({
            self.binder._external_field: tools.ustr(self.external_id),
            self.binder._backend_field: self.backend_record.id,
            self.binder._sync_date_field: fields.Datetime.now(),
        })
        binding = self._binding_model().create(values)
        _logger.debug('%s %s created from OpenProject %s', self.model._name,
                      binding.id, self.external_id)
        return binding

    def _update(self, binding, values):
        values = self._changed_values(binding, values)
        if not values:
            return False
        values[self.binder._sync_date_field] = fields.Datetime.now()
        for_import(binding).write(values)
        _logger.debug('%s %s updated from OpenProject %s', self.model._name,
                      binding.id, self.external_id)
        return True

    def _changed_values(self, binding, values):
        """Only the values that differ from the binding's (no write at all
        when nothing changed)."""
        changed = {}
        for name, value in values.items():
            field = binding._fields.get(name)
            if field is None:
                continue
            current = binding[name]
            if field.type == 'many2one':
                if (current.id or False) != (value or False):
                    changed[name] = value
            elif field.type in ('one2many', 'many2many'):
                changed[name] = value
            elif field.type in ('float', 'monetary'):
                if abs((current or 0.0) - (value or 0.0)) > 1e-6:
                    changed[name] = value
            elif field.type == 'html':
                # compare with the value as the field will store it
                # (fields.Html sanitizes with its own options)
                stored = field.convert_to_cache(value, binding)
                if (current or False) != (stored or False):
                    changed[name] = value
            else:
                if (current or False) != (value or False):
                    changed[name] = value
        return changed

    def _after_import(self, binding, created):
        pass

    def _handle_not_found(self, binding):
        """The record is gone (or hidden) in OpenProject: flag the binding
        and archive the Odoo record; nothing is ever deleted."""
        if binding:
            for_import(binding)._op_mark_deleted()
            return _('%(model)s %(id)s no longer exists in OpenProject: '
                     'archived.') % {'model': self.model._description,
                                     'id': self.external_id}
        return _('%(model)s %(id)s does not exist in OpenProject: nothing '
                 'to do.') % {'model': self.model._description,
                              'id': self.external_id}

    # -- flow ----------------------------------------------------------------

    def run(self, external_id, record=None, binding=None, force=False,
            **options):
        """Import one record; ``record`` is the JSON already read (from a
        collection page), ``binding`` the already found binding (if any);
        ``options`` are given to the mapper (``self.options`` there).

        Returns 'created', 'updated', 'unchanged', 'skipped' or a message.
        """
        self._reset()
        self.external_id = tools.ustr(external_id)
        self.force = force
        self.options = options
        self._lock()
        if binding is None:
            binding = self._get_binding()
        if record is None:
            try:
                record = self._get_openproject_data()
            except op_errors.NotFound:
                return self._handle_not_found(binding)
        self.openproject_record = record
        self.binding = binding
        if not force and self._is_uptodate(binding):
            self._unchanged(binding)
            return 'unchanged'
        reason = self._must_skip(binding)
        if reason:
            return reason
        self._before_import()
        self._import_dependencies()
        map_record = self._map_data()
        created = not binding
        if binding:
            values = self._update_data(map_record)
            changed = self._update(binding, values)
            result = 'updated' if changed else 'unchanged'
        else:
            values = self._create_data(map_record)
            with self._retry_unique_violation():
                binding = self._create(values)
            result = 'created'
        self.binding = binding
        self.binder.remember(self.external_id, binding)
        self._after_import(binding, created)
        return result

    def _retry_unique_violation(self):
        return _RetryUniqueViolation()


class _RetryUniqueViolation(object):
    """Context manager: a unique violation on the binding (another
    transaction created it first) becomes a retry of the job."""

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        if (exc_type is not None and
                issubclass(exc_type, psycopg2.IntegrityError) and
                exc_value.pgcode ==
                errorcodes.UNIQUE_VIOLATION):
            raise RetryableJobError(
                _('Another job created the same OpenProject binding at the '
                  'same time; the job will be retried.'), seconds=5)
        return False


class OpenProjectBatchImporter(AbstractComponent):
    """Import the elements of an OpenProject collection, page by page."""

    _name = 'openproject.batch.importer'
    _inherit = ['base.importer', 'base.openproject.connector']
    _usage = 'batch.importer'

    def __init__(self, work_context):
        super(OpenProjectBatchImporter, self).__init__(work_context)
        self.stats = {}
        self.changed_ids = []
        self.seen_ids = set()
        #: most recent updatedAt of the elements read (cursor high-water)
        self.high_water = None

    def _count(self, key):
        self.stats[key] = self.stats.get(key, 0) + 1

    def _run_options(self):
        """Options given to the record importer of each element."""
        return {}

    def _record_importer(self):
        return self.component(usage='record.importer')

    def import_elements(self, elements, force=False):
        """Import a list of elements (one page): one search for their
        bindings, then each element in a savepoint."""
        ext_ids = [element.get('id') for element in elements
                   if isinstance(element, dict)]
        bindings = self.binder.to_internal_many(ext_ids)
        importer = self._record_importer()
        # the stored computed fields that the writes invalidate (hours of
        # the tasks, related fields...) are recomputed once per group of
        # elements instead of once per record written (the records of an
        # element rolled back to its savepoint are skipped there); groups,
        # not whole pages: the ORM's list of records to recompute is
        # copied on each addition
        with self.env.norecompute():
            for index, element in enumerate(elements, 1):
                self._import_element(importer, element, bindings, force)
                if not index % RECOMPUTE_EVERY:
                    self.model.recompute()
        self.model.recompute()
        # the records read for this page are not kept in the cache while
        # the next pages are imported: memory does not grow with the
        # collection
        self.env.invalidate_all()

    def _import_element(self, importer, element, bindings, force):
        ext_id = element.get('id') if isinstance(element, dict) else None
        if ext_id is None:
            # without an id it cannot be re-read alone: report and go on
            _logger.warning('OpenProject backend %s: element without id in '
                            'a %s listing, ignored',
                            self.backend_record.name, self.model._name)
            self._count('invalid')
            return
        ext_id = tools.ustr(ext_id)
        self.seen_ids.add(ext_id)
        self._track_high_water(element)
        binding = bindings.get(ext_id)
        if binding is None:
            binding = self.model.browse()
        try:
            with self.env.cr.savepoint():
                result = importer.run(ext_id, record=element,
                                      binding=binding, force=force,
                                      **self._run_options())
        except RecordLocked:
            self._delay_single(ext_id, force)
            self._count('delayed')
            return
        except (RetryableJobError, OpenProjectKeyError):
            raise
        except Exception as err:  # pylint: disable=broad-except
            # only this element is rolled back; its own job reads it again
            # and fails with the message the user needs
            self._after_rollback()
            _logger.info('OpenProject backend %s: %s %s not imported from '
                         'the page, delegated to its own job: %s',
                         self.backend_record.name, self.model._name, ext_id,
                         tools.ustr(err))
            self._delay_single(ext_id, True)
            self._count('failed')
            return
        if result in ('created', 'updated'):
            self.changed_ids.append(ext_id)
        self._count(result if result in ('created', 'updated', 'unchanged')
                    else 'other')

    def _track_high_water(self, element):
        try:
            updated = op_values.parse_datetime(element.get('updatedAt'))
        except ValueError:
            return  # reported by the import of the element
        if updated and (self.high_water is None or
                        updated > self.high_water):
            self.high_water = updated.replace(microsecond=0)

    def _after_rollback(self):
        # the cached binding ids may belong to the rows just rolled back
        self.op_cache.clear()
        self.env.invalidate_all()

    def _delay_single(self, external_id, force):
        self.model._op_delay_import_record(self.backend_record, external_id,
                                           force=force)

    def _check_missing(self, bindings):
        """Bindings not seen during a full pass: read each of them again in
        its own job (404 -> archived, moved -> updated)."""
        count = 0
        for binding in bindings:
            if binding.external_id not in self.seen_ids:
                self._delay_single(binding.external_id, True)
                count += 1
        if count:
            self.stats['missing'] = count

    def _project_unavailable(self, project, err):
        """The key may not read this project's records (403) or no longer
        sees the project (404): say so on the backend; the job ends
        without retry (the next sync tries again, no job storm)."""
        message = _('OpenProject refused to list the %(what)s of project '
                    '%(project)s (%(error)s): check the permissions of the '
                    'API key\'s user in this project.') % {
            'what': self.model._op_entity_label_plural,
            'project': project.name,
            'error': tools.ustr(err)}
        self.backend_record._op_record_error(message)
        return message

    def summary(self):
        if not self.stats:
            return _('Nothing to import.')
        return u', '.join(u'%s: %s' % (key, value)
                          for key, value in sorted(self.stats.items()))


class OpenProjectWindowBatchImporter(AbstractComponent):
    """Records of one project updated in the window of its sync cursor.

    The one incremental mechanism of every project-scoped entity: the
    cursor row of (backend, entity, project) is locked (a concurrent run of
    the same window is retried later), the window starts ``overlap``
    seconds before the last high-water mark, a complete read replaces it
    from scratch or when the periodic full pass is due (and then finds the
    records gone upstream), and the cursor advances only when the whole
    window was imported, in the transaction of this job.
    """

    _name = 'openproject.window.batch.importer'
    _inherit = 'openproject.batch.importer'

    #: ``entity`` of the sync cursor
    _cursor_entity = None

    def _project_synced(self, project):
        """Whether this entity is synced for ``project`` (a binding)."""
        raise NotImplementedError

    def _not_synced_message(self):
        raise NotImplementedError

    def _import_all(self, project, from_scratch):
        """Read every record of the project."""
        raise NotImplementedError

    def _import_since(self, project, start, from_scratch):
        """Read the records of the project updated since ``start``."""
        raise NotImplementedError

    def _unavailable_errors(self):
        """Errors meaning the key may not list these records."""
        return (op_errors.MissingPermission, op_errors.NotFound)

    def _known_bindings(self, project):
        """Bindings a complete read is expected to see again."""
        return self.model.with_context(active_test=False).search([
            ('backend_id', '=', self.backend_record.id),
            ('project_id', '=', project.odoo_id.id),
            ('op_deleted', '=', False)])

    def run(self, project=None, from_scratch=False):
        if not project or not self._project_synced(project):
            return self._not_synced_message()
        backend = self.backend_record
        cursor = self.env['openproject.sync.cursor'].acquire(
            backend, self._cursor_entity, project)
        start = None if from_scratch else cursor.window(
            overlap=backend.overlap_seconds or 0)
        full = start is None or cursor.full_pass_due(backend.full_pass_hours)
        try:
            if full:
                self._import_all(project, from_scratch)
            else:
                self._import_since(project, start, from_scratch)
        except self._unavailable_errors() as err:
            return self._project_unavailable(project, err)
        if full:
            # records missing from the complete list were deleted or moved:
            # each is read again in its own job
            self._check_missing(self._known_bindings(project))
        summary = self.summary()
        cursor.advance(self.high_water, summary, full=full)
        return summary
