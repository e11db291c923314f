# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).

from odoo.addons.component.core import Component


class OpenProjectTimeEntryAdapter(Component):
    _name = 'openproject.account.analytic.line.adapter'
    _inherit = 'openproject.adapter'
    _apply_on = 'openproject.account.analytic.line'
    _op_path = 'time_entries'

    def supports_updated_at_filter(self):
        """Whether the server filters time entries on updated_at (older
        versions refused it); detected once per client."""
        return self.supports_filter('updated_at')
