# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).

from . import core
from . import backend_adapter
from . import binder
from . import mapper
from . import importer
