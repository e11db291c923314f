# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).

from odoo.addons.component.core import Component


class OpenProjectTimeEntryAdapter(Component):
    _name = 'openproject.account.analytic.line.adapter'
    _inherit = 'openproject.adapter'
    _apply_on = 'openproject.account.analytic.line'
    _op_path = 'time_entries'

    def updated_at_filter_known(self):
        """Whether the server filters time entries on updated_at (older
        versions refuse it with a 400): True/False once a listing of this
        client tried it, None before."""
        return getattr(self.client, '_op_time_entry_updated_at', None)

    def remember_updated_at_filter(self, supported):
        self.client._op_time_entry_updated_at = bool(supported)
