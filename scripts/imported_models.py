# -*- coding: utf-8 -*-
"""The Odoo models the connector imports into, each with its binding model.

Shared by the demo and the benchmark (both run inside `odoo-bin shell`, Python 2.7)."""

BINDINGS = [
    ('res.users', 'openproject.res.users'),
    ('project.project', 'openproject.project.project'),
    ('project.task.type', 'openproject.project.task.type'),
    ('project.task', 'openproject.project.task'),
    ('account.analytic.line', 'openproject.account.analytic.line'),
    ('mail.message', 'openproject.mail.message'),
]
