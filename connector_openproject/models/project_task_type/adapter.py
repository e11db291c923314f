# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).

from odoo.addons.component.core import Component


class OpenProjectStatusAdapter(Component):
    _name = 'openproject.project.task.type.adapter'
    _inherit = 'openproject.adapter'
    _apply_on = 'openproject.project.task.type'
    _op_path = 'statuses'
