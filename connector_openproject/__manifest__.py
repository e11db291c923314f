# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).
{
    'name': 'OpenProject Connector',
    'summary': 'Import OpenProject projects, work packages, time entries, '
               'activities, statuses and users into Odoo',
    'version': '10.0.1.0.0',
    'category': 'Connector',
    'website': 'https://github.com/OCA/connector-openproject',
    'author': 'connector_openproject contributors, '
              'Odoo Community Association (OCA)',
    'license': 'AGPL-3',
    'application': False,
    'installable': True,
    'external_dependencies': {
        'python': ['requests', 'dateutil', 'isodate'],
    },
    'depends': [
        'connector',
        'queue_job',
        'project',
        'hr_timesheet',
        'mail',
    ],
    'data': [
        'security/ir.model.access.csv',
        'data/queue_job_channel.xml',
        'data/mail_message_subtype.xml',
        'data/ir_cron.xml',
        'views/openproject_backend_views.xml',
        'views/openproject_binding_views.xml',
        'views/project_project_views.xml',
        'views/project_task_views.xml',
        'views/account_analytic_line_views.xml',
        'views/res_users_views.xml',
        'views/openproject_menus.xml',
    ],
}
