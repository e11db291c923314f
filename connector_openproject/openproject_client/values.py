# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).
"""Conversions of OpenProject API values to Python values.

- DateTime: ISO 8601, UTC, with or without fractional seconds -> naive UTC
  ``datetime`` (what Odoo stores).
- Date: ``YYYY-MM-DD`` -> ``date``.
- Duration: ISO 8601 (``PT1H30M``, ``P1DT2H``, ``P1Y5DT13H``) -> float hours;
  a day is 24 h; years and months use the Gregorian averages OpenProject's
  Rails side uses when it builds such durations (365.2425 and 30.436875
  days).
- Formattable: ``{"format", "raw", "html"}`` or a plain string (time-entry
  ``comment`` in OpenProject 7.3) -> text; never a Python dict repr.

Every function returns None for None (an unset value) and raises ValueError
naming the bad value for anything it cannot read.
"""
from __future__ import absolute_import, unicode_literals

import datetime
import re
import sys

import isodate
from dateutil import tz

if sys.version_info[0] == 2:  # pragma: no cover - Python 2
    text_type = unicode  # noqa: F821
    string_types = (str, unicode)  # noqa: F821
    from cgi import escape as _cgi_escape

    def _escape(text):
        return _cgi_escape(text, quote=True).replace("'", '&#x27;')
else:
    from html import escape as _escape
    text_type = str
    string_types = (str,)

UTC = tz.tzutc()

#: Days in a year / month, as ActiveSupport::Duration (Rails >= 5.1) counts.
DAYS_PER_YEAR = 365.2425
DAYS_PER_MONTH = 30.436875

_DATETIME = re.compile(
    r'^(?P<date>\d{4}-\d{2}-\d{2})[T ](?P<h>\d{2}):(?P<m>\d{2})'
    r'(?::(?P<s>\d{2})(?:[.,](?P<frac>\d+))?)?'
    r'\s*(?P<tz>Z|z|[+-]\d{2}(?::?\d{2})?)?$')
_DATE = re.compile(r'^(\d{4})-(\d{2})-(\d{2})$')


def _text(value, what):
    if not isinstance(value, string_types):
        raise ValueError('%s %r is not a string' % (what, value))
    if isinstance(value, bytes) and bytes is not text_type:
        value = value.decode('utf-8')
    return value.strip()


def parse_datetime(value):
    """``'2014-05-21T08:51:20.396Z'`` -> ``datetime(2014, 5, 21, 8, 51, 20,
    396000)`` (naive, UTC).  Offsets are converted to UTC; a value without
    zone is taken as UTC."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return to_naive_utc(value)
    text = _text(value, 'Datetime')
    match = _DATETIME.match(text)
    if not match:
        raise ValueError('%r is not an ISO 8601 datetime' % (value,))
    try:
        day = datetime.datetime.strptime(match.group('date'), '%Y-%m-%d')
        frac = match.group('frac') or '0'
        micro = int((frac + '000000')[:6])
        result = day.replace(hour=int(match.group('h')),
                             minute=int(match.group('m')),
                             second=int(match.group('s') or 0),
                             microsecond=micro)
    except ValueError:
        raise ValueError('%r is not a valid datetime' % (value,))
    zone = match.group('tz')
    if zone and zone not in ('Z', 'z'):
        sign = -1 if zone[0] == '-' else 1
        digits = zone[1:].replace(':', '')
        minutes = int(digits[:2]) * 60 + int(digits[2:4] or 0)
        result -= datetime.timedelta(minutes=sign * minutes)
    return result


def to_naive_utc(value):
    """A datetime, aware or naive (taken as UTC), as naive UTC."""
    if value.tzinfo is not None and value.utcoffset() is not None:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None)


def format_datetime(value):
    """Datetime (naive = UTC, or aware) -> ``'YYYY-MM-DDTHH:MM:SSZ'``."""
    if not isinstance(value, datetime.datetime):
        raise ValueError('%r is not a datetime' % (value,))
    value = to_naive_utc(value)
    return value.strftime('%Y-%m-%dT%H:%M:%S') + 'Z'


def parse_date(value):
    """``'2024-05-31'`` -> ``date(2024, 5, 31)``."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value, 'Date')
    match = _DATE.match(text)
    if not match:
        raise ValueError('%r is not an ISO 8601 date (YYYY-MM-DD)' % (value,))
    try:
        return datetime.date(*[int(part) for part in match.groups()])
    except ValueError:
        raise ValueError('%r is not a valid date' % (value,))


def format_date(value):
    """date -> ``'YYYY-MM-DD'``."""
    if not isinstance(value, datetime.date):
        raise ValueError('%r is not a date' % (value,))
    return value.isoformat()


def parse_duration_hours(value):
    """ISO 8601 duration -> hours as float: ``'PT1H30M'`` -> 1.5,
    ``'P1DT2H'`` -> 26.0.  Numbers are taken as hours already."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError('Duration %r is not an ISO 8601 duration' % (value,))
    if isinstance(value, (int, float)):
        return float(value)
    text = _text(value, 'Duration')
    if not text:
        return None
    try:
        duration = isodate.parse_duration(text)
    except (isodate.ISO8601Error, ValueError, TypeError):
        raise ValueError('%r is not an ISO 8601 duration (e.g. PT1H30M, '
                         'P1DT2H)' % (value,))
    if isinstance(duration, isodate.Duration):
        years = float(duration.years)
        months = float(duration.months)
        delta = duration.tdelta
        days = years * DAYS_PER_YEAR + months * DAYS_PER_MONTH
    else:
        days = 0.0
        delta = duration
    seconds = days * 86400.0 + _total_seconds(delta)
    return round(seconds / 3600.0, 6)


def _total_seconds(delta):
    return (delta.days * 86400 + delta.seconds) + delta.microseconds / 1e6


def format_duration_hours(hours):
    """Hours (float) -> ISO 8601 duration ``'PT1H30M'`` (hours, minutes,
    seconds only; no days, so the value is unambiguous)."""
    if isinstance(hours, bool) or not isinstance(hours, (int, float)):
        raise ValueError('%r is not a number of hours' % (hours,))
    total = int(round(abs(hours) * 3600))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    text = 'PT'
    if h:
        text += '%dH' % h
    if m:
        text += '%dM' % m
    if s or text == 'PT':
        text += '%dS' % s
    return ('-' if hours < 0 else '') + text


def _formattable_dict(value, what):
    if isinstance(value, dict):
        return value
    raise ValueError('%s %r is neither text nor a formattable {format, raw, '
                     'html} object' % (what, value))


def formattable_raw(value):
    """Raw text of a Formattable (or a plain string); ``''`` for None."""
    if value is None:
        return ''
    if isinstance(value, string_types):
        return _text_keep(value)
    raw = _formattable_dict(value, 'Formattable').get('raw')
    if raw is None:
        return ''
    if not isinstance(raw, string_types):
        raise ValueError('Formattable raw %r is not text' % (raw,))
    return _text_keep(raw)


def formattable_html(value):
    """HTML of a Formattable; a plain string is escaped and its line breaks
    become ``<br/>`` in a paragraph.  ``''`` for None or empty text."""
    if value is None:
        return ''
    if isinstance(value, string_types):
        return _plain_to_html(_text_keep(value))
    data = _formattable_dict(value, 'Formattable')
    html = data.get('html')
    if html:
        if not isinstance(html, string_types):
            raise ValueError('Formattable html %r is not text' % (html,))
        return _text_keep(html)
    return _plain_to_html(formattable_raw(data))


def formattable_format(value):
    """``format`` of a Formattable (``'markdown'``, ``'textile'``,
    ``'plain'``...); ``'plain'`` for a plain string or None."""
    if value is None or isinstance(value, string_types):
        return 'plain'
    return _formattable_dict(value, 'Formattable').get('format') or 'plain'


def _text_keep(value):
    if isinstance(value, bytes) and bytes is not text_type:
        return value.decode('utf-8')
    return value


def _plain_to_html(text):
    if not text:
        return ''
    lines = _escape(text).splitlines()
    return '<p>%s</p>' % '<br/>'.join(lines)
