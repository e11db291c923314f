# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).

from odoo.addons.component.core import AbstractComponent


class BaseOpenProjectConnectorComponent(AbstractComponent):
    """Base of every component of the OpenProject connector.

    All the components of this addon inherit from it, so they are only
    used for the ``openproject.backend`` collection.
    """

    _name = 'base.openproject.connector'
    _inherit = 'base.connector'
    _collection = 'openproject.backend'

    @property
    def op_cache(self):
        """Dictionary shared by all the components of one work session.

        Used to cache lookups (external id -> Odoo id) during one job, so a
        page of 100 work packages does not search 100 times for the same
        user or status.  It is cleared when a record is rolled back to a
        savepoint, because the cached ids may belong to rolled back rows.
        """
        cache = getattr(self.work, 'op_cache', None)
        if cache is None:
            cache = {}
            self.work.op_cache = cache
        return cache

    def op_cache_for(self, name):
        return self.op_cache.setdefault(name, {})
