# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).
"""Pure tests of openproject_client.query (no server)."""
from __future__ import absolute_import, unicode_literals

import datetime
import json
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), 'connector_openproject'))

from openproject_client import query  # noqa: E402


def test_filters_updated_between_datetimes():
    text = query.filters([('updated_at', '<>d', [
        datetime.datetime(2024, 1, 1), datetime.datetime(2024, 1, 31, 23, 59, 59)])])
    assert json.loads(text) == [{'updated_at': {
        'operator': '<>d',
        'values': ['2024-01-01T00:00:00Z', '2024-01-31T23:59:59Z']}}]
    assert ' ' not in text  # compact, short URLs


def test_filters_ids_become_strings_and_anded_list():
    text = query.filters([('project', '=', [1, 2]), ('status', 'o', None),
                          ('spent_on', '=d', datetime.date(2024, 5, 1))])
    assert json.loads(text) == [
        {'project': {'operator': '=', 'values': ['1', '2']}},
        {'status': {'operator': 'o', 'values': []}},
        {'spent_on': {'operator': '=d', 'values': ['2024-05-01']}},
    ]


def test_filters_empty_list_is_meaningful():
    assert query.filters([]) == '[]'
    assert query.filters(None) == '[]'


def test_filters_accepts_dicts_and_json_text():
    ready = {'status': {'operator': '*', 'values': []}}
    assert json.loads(query.filters([ready])) == [ready]
    assert query.filters('[{"a":1}]') == '[{"a":1}]'


@pytest.mark.parametrize('bad', [[('a', '=')], [('', '=', [])], ['x'],
                                 [{'a': {}, 'b': {}}], [('a', '=', [object()])]])
def test_filters_rejects(bad):
    with pytest.raises(ValueError):
        query.filters(bad)


def test_sort_by():
    assert query.sort_by([('updated_at', 'desc'), ('id', 'ASC')]) == \
        '[["updated_at","desc"],["id","asc"]]'
    assert query.sort_by([]) == '[]'
    with pytest.raises(ValueError) as info:
        query.sort_by([('id', 'up')])
    assert 'up' in '%s' % info.value
