# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).

from . import openproject_backend
from . import openproject_binding
from . import openproject_sync_cursor
from . import queue_job
from . import res_users
from . import project_project
from . import project_task_type
from . import project_task
from . import account_analytic_line
from . import mail_message
