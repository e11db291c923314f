# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).

from odoo.addons.component.core import Component


class OpenProjectWorkPackageAdapter(Component):
    _name = 'openproject.project.task.adapter'
    _inherit = 'openproject.adapter'
    _apply_on = 'openproject.project.task'
    _op_path = 'work_packages'

    def project_path(self, project_external_id):
        return self._path('projects', project_external_id, 'work_packages')

    def activities(self, external_id):
        """Activities (journal) of a work package, oldest first."""
        return self.get_collection(
            path=self._path('work_packages', external_id, 'activities'))
