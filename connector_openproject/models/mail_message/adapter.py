# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).

from odoo.addons.component.core import Component


class OpenProjectActivityAdapter(Component):
    _name = 'openproject.mail.message.adapter'
    _inherit = 'openproject.adapter'
    _apply_on = 'openproject.mail.message'
    _op_path = 'activities'
