# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).

from . import test_install
from . import test_sync_demo
from . import test_upstream_changes
from . import test_faults
from . import test_other_keys
from . import test_malformed
from . import test_concurrency
from . import test_security
from . import test_hardening
