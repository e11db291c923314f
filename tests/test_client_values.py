# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).
"""Pure tests of openproject_client.values (no server)."""
from __future__ import absolute_import, unicode_literals

import datetime
import os
import sys

import pytest
from dateutil import tz

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), 'connector_openproject'))

from openproject_client import values  # noqa: E402


@pytest.mark.parametrize('text, expected', [
    ('2014-05-21T08:51:20Z', datetime.datetime(2014, 5, 21, 8, 51, 20)),
    ('2014-05-21T08:51:20.396Z',
     datetime.datetime(2014, 5, 21, 8, 51, 20, 396000)),
    ('2014-05-21T08:51:20.123456789Z',
     datetime.datetime(2014, 5, 21, 8, 51, 20, 123456)),
    # offsets are converted to UTC: 10:51+02:00 is 08:51Z
    ('2014-05-21T10:51:20+02:00', datetime.datetime(2014, 5, 21, 8, 51, 20)),
    ('2014-05-21T03:51:20-0500', datetime.datetime(2014, 5, 21, 8, 51, 20)),
    # crossing midnight backwards: 00:30+01:00 on the 1st is 23:30Z the day before
    ('2024-03-01T00:30:00+01:00', datetime.datetime(2024, 2, 29, 23, 30)),
    ('2014-05-21T08:51:20', datetime.datetime(2014, 5, 21, 8, 51, 20)),
    ('2014-05-21T08:51Z', datetime.datetime(2014, 5, 21, 8, 51)),
])
def test_parse_datetime_naive_utc(text, expected):
    result = values.parse_datetime(text)
    assert result == expected
    assert result.tzinfo is None


def test_parse_datetime_none_and_datetime():
    assert values.parse_datetime(None) is None
    aware = datetime.datetime(2020, 1, 1, 12, 0, tzinfo=tz.tzoffset(None, 3600))
    assert values.parse_datetime(aware) == datetime.datetime(2020, 1, 1, 11, 0)


@pytest.mark.parametrize('bad', ['', 'yesterday', '2014-13-01T00:00:00Z',
                                 '2014-05-21', '2014-02-30T00:00:00Z', 12])
def test_parse_datetime_rejects(bad):
    with pytest.raises(ValueError) as info:
        values.parse_datetime(bad)
    assert repr(bad)[-6:].strip("u'") in '%s' % info.value


def test_format_datetime():
    assert values.format_datetime(
        datetime.datetime(2024, 1, 31, 23, 59, 59, 999)) == '2024-01-31T23:59:59Z'
    aware = datetime.datetime(2024, 1, 1, 1, 0, tzinfo=tz.tzoffset(None, 7200))
    assert values.format_datetime(aware) == '2023-12-31T23:00:00Z'
    with pytest.raises(ValueError):
        values.format_datetime(datetime.date(2024, 1, 1))


def test_parse_datetime_round_trip():
    dt = datetime.datetime(2019, 7, 4, 5, 6, 7)
    assert values.parse_datetime(values.format_datetime(dt)) == dt


def test_parse_date():
    assert values.parse_date('2024-02-29') == datetime.date(2024, 2, 29)
    assert values.parse_date(None) is None
    for bad in ('2023-02-29', '29/02/2024', '2024-02-29T00:00:00Z', ''):
        with pytest.raises(ValueError) as info:
            values.parse_date(bad)
        assert bad in '%s' % info.value
    assert values.format_date(datetime.date(2024, 5, 1)) == '2024-05-01'


@pytest.mark.parametrize('text, hours', [
    ('PT5H', 5.0),
    ('PT1H30M', 1.5),
    ('PT15M', 0.25),
    ('PT0S', 0.0),
    ('PT2H0M36S', 2.01),
    ('PT1.5H', 1.5),
    ('P1DT2H', 26.0),          # a day is 24 h
    ('P1DT18H', 42.0),
    ('P1337D', 1337 * 24.0),
    ('P1W', 168.0),
    # a year of 365.2425 days (ActiveSupport's Gregorian year) + 5 d 13 h
    ('P1Y5DT13H', 365.2425 * 24 + 5 * 24 + 13),
    ('P1M', 30.436875 * 24),
])
def test_parse_duration_hours(text, hours):
    assert values.parse_duration_hours(text) == pytest.approx(hours, abs=1e-6)


def test_parse_duration_misc():
    assert values.parse_duration_hours(None) is None
    assert values.parse_duration_hours('') is None
    assert values.parse_duration_hours(2) == 2.0
    for bad in ('5h', 'P', 'PTH', '1:30', True):
        with pytest.raises(ValueError) as info:
            values.parse_duration_hours(bad)
        assert ('%r' % (bad,)).strip("u'") in '%s' % info.value


def test_format_duration_hours_round_trip():
    for hours in (0.0, 0.25, 1.5, 26.0, 7.75, 1000.0):
        text = values.format_duration_hours(hours)
        assert 'D' not in text
        assert values.parse_duration_hours(text) == pytest.approx(hours)
    assert values.format_duration_hours(26) == 'PT26H'
    assert values.format_duration_hours(0) == 'PT0S'


FORMATTABLE = {'format': 'markdown', 'raw': 'Hello **world**',
               'html': '<p>Hello <strong>world</strong></p>'}


def test_formattable_dict():
    assert values.formattable_raw(FORMATTABLE) == 'Hello **world**'
    assert values.formattable_html(FORMATTABLE) == FORMATTABLE['html']
    assert values.formattable_format(FORMATTABLE) == 'markdown'


def test_formattable_plain_string_7_3_comment():
    # OpenProject 7.3 time-entry comment: a plain string
    assert values.formattable_raw('Fixed <the> bug') == 'Fixed <the> bug'
    assert values.formattable_html('Fixed <the> bug\nand more') == \
        '<p>Fixed &lt;the&gt; bug<br/>and more</p>'
    assert values.formattable_format('x') == 'plain'


def test_formattable_never_returns_dict_repr():
    for value in ({'format': 'plain', 'raw': None, 'html': ''},
                  {'format': 'plain'}, None, {'raw': '', 'html': ''}):
        raw = values.formattable_raw(value)
        html = values.formattable_html(value)
        assert raw == ''
        assert html == ''
        assert '{' not in raw and 'format' not in html
    # html missing: built from raw, escaped
    assert values.formattable_html({'format': 'plain', 'raw': 'a & b'}) == \
        '<p>a &amp; b</p>'
    assert values.formattable_raw({'raw': 'Ünïcode ✓'}) == 'Ünïcode ✓'


@pytest.mark.parametrize('bad', [42, ['a'], {'raw': 5}])
def test_formattable_rejects(bad):
    with pytest.raises(ValueError):
        values.formattable_raw(bad)
