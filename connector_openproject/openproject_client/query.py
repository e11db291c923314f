# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).
"""Builders for the ``filters`` and ``sortBy`` query parameters.

``filters`` is a JSON array of one-key objects, ANDed by the server::

    [{"updated_at": {"operator": "<>d", "values": ["2024-01-01T00:00:00Z",
                                                   "2024-01-31T23:59:59Z"]}}]

Values are always sent as strings (ids too).  An empty list (``filters([])``
-> ``'[]'``) is meaningful: it disables the server's default filter (work
packages: open ones only).
"""
from __future__ import absolute_import, unicode_literals

import datetime
import json
import sys

from .values import format_datetime

if sys.version_info[0] == 2:  # pragma: no cover - Python 2
    text_type = unicode  # noqa: F821
    string_types = (str, unicode)  # noqa: F821
else:
    text_type = str
    string_types = (str,)

SORT_DIRECTIONS = ('asc', 'desc')


def _dumps(value):
    return json.dumps(value, separators=(',', ':'), sort_keys=True)


def filter_value(value):
    """One filter value as the string the API expects."""
    if isinstance(value, bool):
        return 't' if value else 'f'
    if isinstance(value, datetime.datetime):
        return format_datetime(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, string_types):
        return text_type(value)
    if isinstance(value, (int, float)) or type(value).__name__ == 'long':
        return text_type(value)
    raise ValueError('Filter value %r is neither text, a number, a date nor '
                     'a datetime' % (value,))


def filter_list(spec):
    """Normalize filters to the list of one-key dicts the API expects.

    ``spec`` entries: ``(name, operator, values)`` tuples (``values`` may be
    None or a single value) or ready ``{name: {operator, values}}`` dicts.
    """
    result = []
    for entry in spec or []:
        if isinstance(entry, dict):
            if len(entry) != 1:
                raise ValueError('Filter %r must have exactly one key' % (entry,))
            result.append(entry)
            continue
        try:
            name, operator, values = entry
        except (TypeError, ValueError):
            raise ValueError('Filter %r is not a (name, operator, values) '
                             'triple' % (entry,))
        if not name or not operator:
            raise ValueError('Filter %r needs a name and an operator' % (entry,))
        if values is None:
            values = []
        elif not isinstance(values, (list, tuple)):
            values = [values]
        result.append({name: {'operator': operator,
                              'values': [filter_value(v) for v in values]}})
    return result


def filters(spec):
    """JSON text of the ``filters`` parameter: ``filters([('status', 'o',
    [])])`` -> ``'[{"status":{"operator":"o","values":[]}}]'``.
    A string is taken as ready JSON and returned unchanged."""
    if isinstance(spec, string_types):
        return spec
    return _dumps(filter_list(spec))


def sort_by(spec):
    """JSON text of ``sortBy``: ``sort_by([('id', 'asc')])`` ->
    ``'[["id","asc"]]'``.  A string is returned unchanged."""
    if isinstance(spec, string_types):
        return spec
    result = []
    for entry in spec or []:
        try:
            column, direction = entry
        except (TypeError, ValueError):
            raise ValueError('Sort entry %r is not a (column, direction) pair'
                             % (entry,))
        direction = (direction or '').lower()
        if direction not in SORT_DIRECTIONS:
            raise ValueError('Sort direction %r of %r is neither "asc" nor '
                             '"desc"' % (entry[1], column))
        result.append([column, direction])
    return _dumps(result)
