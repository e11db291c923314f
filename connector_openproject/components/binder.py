# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).

from odoo import tools
from odoo.addons.component.core import Component


class OpenProjectBinder(Component):
    """Binder of every OpenProject binding model.

    Adds lookups that read many external ids at once (one search per page
    of a collection) and a per-job cache of the lookups done for
    dependencies (users, statuses, projects, work packages).
    """

    _name = 'openproject.binder'
    _inherit = ['base.binder', 'base.openproject.connector']
    _apply_on = [
        'openproject.res.users',
        'openproject.project.project',
        'openproject.project.task.type',
        'openproject.project.task',
        'openproject.account.analytic.line',
        'openproject.mail.message',
    ]

    def _cache(self):
        return self.op_cache_for('binder:%s' % self.model._name)

    def to_internal_many(self, external_ids):
        """Bindings of ``external_ids`` (archived included), as a dict
        external id (text) -> binding record, in one search."""
        keys = [tools.ustr(ext_id) for ext_id in external_ids
                if ext_id is not None]
        if not keys:
            return {}
        bindings = self.model.with_context(active_test=False).search([
            (self._backend_field, '=', self.backend_record.id),
            (self._external_field, 'in', keys),
        ])
        result = {}
        cache = self._cache()
        for binding in bindings:
            result[binding[self._external_field]] = binding
            cache[binding[self._external_field]] = binding.id
        return result

    def to_internal_cached(self, external_id):
        """Like ``to_internal`` (binding record, maybe empty) with the
        positive answers cached for the rest of the job."""
        key = tools.ustr(external_id)
        cache = self._cache()
        binding_id = cache.get(key)
        if binding_id:
            return self.model.browse(binding_id)
        binding = self.to_internal(key)
        if binding:
            cache[key] = binding.id
        return binding

    def remember(self, external_id, binding):
        """Cache a binding just created or found by an importer."""
        self._cache()[tools.ustr(external_id)] = binding.id
