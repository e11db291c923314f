# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).

from odoo.addons.component.core import Component


class OpenProjectProjectAdapter(Component):
    _name = 'openproject.project.project.adapter'
    _inherit = 'openproject.adapter'
    _apply_on = 'openproject.project.project'
    _op_path = 'projects'
