# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).
"""Backend adapters: the only components that talk to OpenProject.

They use the plain-Python client shared by the work context (one client
per backend and per job, created by ``openproject.backend.work_on``) and
translate its errors into what the job queue understands:

* transient errors (5xx, 429, network) -> ``RetryableJobError`` (the job
  is retried later, with the server's ``Retry-After`` when it gave one);
* 401 -> ``OpenProjectKeyError`` (the job fails once and the backend stops
  syncing until the key is fixed);
* 403, 404 and everything else are raised as the client's own exceptions:
  the importers decide what they mean (a project whose records the key may
  not list, a record gone...).
"""

import logging
from contextlib import contextmanager

from odoo import _, tools
from odoo.addons.component.core import AbstractComponent, Component
from odoo.addons.queue_job.exception import RetryableJobError

from ..exception import OpenProjectKeyError

_logger = logging.getLogger(__name__)

try:
    from ..openproject_client import errors as op_errors
    from ..openproject_client import hal
    from ..openproject_client import query
except ImportError:  # pragma: no cover - missing python dependency
    _logger.debug('Cannot import the OpenProject client')

API_PREFIX = '/api/v3/'

#: seconds before a job hit by a transient error is retried, when the
#: server gave no Retry-After
TRANSIENT_RETRY_SECONDS = 60


class OpenProjectAdapter(AbstractComponent):
    """Base adapter: errors translation and generic read/list methods."""

    _name = 'openproject.adapter'
    _inherit = ['base.backend.adapter.crud', 'base.openproject.connector']
    _usage = 'backend.adapter'

    #: collection path below /api/v3/ (e.g. 'work_packages')
    _op_path = None
    #: default sortBy of the listing (stable order while paging)
    _op_sort = [('id', 'asc')]

    @property
    def client(self):
        return self.work.op_client

    @contextmanager
    def translate_errors(self, what=None):
        """Turn client errors into job queue errors (see module doc)."""
        try:
            yield
        except op_errors.OpenProjectError as err:
            self._raise_translated(err, what)

    def _raise_translated(self, err, what=None):
        if getattr(err, 'transient', False):
            seconds = getattr(err, 'retry_after', None)
            if not seconds:
                seconds = TRANSIENT_RETRY_SECONDS
            _logger.info('OpenProject %s: transient error on %s, retry in '
                         '%ss: %s', self.backend_record.name, what or err.url,
                         seconds, err)
            # worded to stay true once the job queue gave up on it ("Max.
            # retries (5) reached: ..." is put in front of it then)
            raise RetryableJobError(
                _('Temporary error of OpenProject (such jobs are retried '
                  'automatically, up to their maximum number of retries): '
                  '%s') % (tools.ustr(err),),
                seconds=int(seconds))
        if isinstance(err, op_errors.Unauthenticated):
            raise OpenProjectKeyError(
                _('API key rejected by OpenProject (%(error)s). Check the '
                  'API key of backend "%(backend)s" (it may be revoked or '
                  'its user locked), then use "Check connection".') % {
                    'error': tools.ustr(err),
                    'backend': self.backend_record.name})
        raise err

    def _path(self, *parts):
        return API_PREFIX + '/'.join(str(part) for part in parts)

    def read_record(self, external_id, path=None):
        """GET one resource: ``/api/v3/<_op_path>/<external_id>``."""
        url = path or self._path(self._op_path, external_id)
        with self.translate_errors(url):
            return self.client.get(url)

    def iter_pages(self, filters=None, sort_by=None, path=None,
                   page_size=None, params=None):
        """Yield the pages (collection dicts) of a listing, one request per
        page, streaming.  ``filters``: list of (name, operator, values)."""
        url = path or self._path(self._op_path)
        kwargs = {'params': params}
        if filters is not None:
            kwargs['filters'] = query.filters(filters)
        sort_by = self._op_sort if sort_by is None else sort_by
        if sort_by:
            kwargs['sort_by'] = query.sort_by(sort_by)
        if page_size:
            kwargs['page_size'] = page_size
        pages = self.client.iter_pages(url, **kwargs)
        while True:
            with self.translate_errors(url):
                try:
                    page = next(pages)
                except StopIteration:
                    return
            yield page

    def get_collection(self, path=None, params=None):
        """Elements of an unpaginated collection (statuses, activities)."""
        url = path or self._path(self._op_path)
        with self.translate_errors(url):
            return self.client.get_collection(url, params=params)

    def supports_filter(self, name, path=None):
        url = path or self._path(self._op_path)
        with self.translate_errors(url):
            return self.client.supports_filter(url, name)

    @staticmethod
    def elements(page):
        return hal.elements(page)


class OpenProjectGenericAdapter(Component):
    """Adapter of the backend itself (whoami, root, permission checks)."""

    _name = 'openproject.backend.adapter'
    _inherit = 'openproject.adapter'
    _apply_on = 'openproject.backend'

    def whoami(self):
        with self.translate_errors('/api/v3/users/me'):
            return self.client.whoami()

    def count(self, path, filters=None):
        """``total`` of a paginated listing, reading a single element."""
        kwargs = {'params': {'pageSize': 1}}
        if filters is not None:
            kwargs['params']['filters'] = query.filters(filters)
        with self.translate_errors(path):
            page = self.client.get(path, **kwargs)
        return page.get('total') or 0
