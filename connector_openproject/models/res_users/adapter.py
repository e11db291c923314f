# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).

from odoo.addons.component.core import Component


class OpenProjectUserAdapter(Component):
    _name = 'openproject.res.users.adapter'
    _inherit = 'openproject.adapter'
    _apply_on = 'openproject.res.users'
    _op_path = 'users'
