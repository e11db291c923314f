# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).
"""Plain-Python client of the OpenProject API v3 (no Odoo import)."""
from __future__ import absolute_import

from . import errors, hal, query, values  # noqa: F401
from .client import OpenProjectClient, __version__  # noqa: F401
from .errors import (  # noqa: F401
    BadResponse, Conflict, ConnectionFailed, InvalidQuery, MissingPermission,
    NotFound, OpenProjectError, RateLimited, ServerError, TLSFailed,
    Unauthenticated)
