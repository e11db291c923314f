"""Small helpers shared by the simulator modules (time, durations, text)."""
import calendar
import html
import re
import time
from datetime import datetime, timezone

_DT_RE = re.compile(
    r'^(\d{4})-(\d{2})-(\d{2})'
    r'(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?'
    r'(Z|[+-]\d{2}:?\d{2})?$')


def parse_datetime(value):
    """ISO 8601 date or date-time -> float epoch seconds (UTC). ValueError if bad."""
    if not isinstance(value, str):
        raise ValueError('not a date-time: %r' % (value,))
    m = _DT_RE.match(value.strip())
    if not m:
        raise ValueError('not a date-time: %r' % (value,))
    y, mo, d, h, mi, s, frac, tz = m.groups()
    ts = calendar.timegm((int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0)))
    datetime(int(y), int(mo), int(d))  # validates the calendar date
    if frac:
        ts += float('0.' + frac)
    if tz and tz != 'Z':
        sign = 1 if tz[0] == '+' else -1
        tz = tz[1:].replace(':', '')
        ts -= sign * (int(tz[:2]) * 3600 + int(tz[2:]) * 60)
    return float(ts)


def is_date_only(value):
    return isinstance(value, str) and re.match(r'^\d{4}-\d{2}-\d{2}$', value.strip()) is not None


def parse_date(value):
    """'YYYY-MM-DD' -> the same string (validated)."""
    if not is_date_only(value):
        raise ValueError('not a date: %r' % (value,))
    datetime.strptime(value.strip(), '%Y-%m-%d')
    return value.strip()


def format_datetime(ts, millis=False):
    """Epoch seconds -> 'YYYY-MM-DDTHH:MM:SSZ' (or with .mmm when millis)."""
    if ts is None:
        return None
    if millis:
        whole = int(ts)
        ms = int(round((ts - whole) * 1000))
        if ms >= 1000:
            whole, ms = whole + 1, 0
        return time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(whole)) + '.%03dZ' % ms
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(int(ts)))


def date_of(ts):
    return time.strftime('%Y-%m-%d', time.gmtime(int(ts)))


def format_duration(hours):
    """Hours (float) -> ISO 8601 duration the way OpenProject renders it (a day = 24 h)."""
    if hours is None:
        return None
    secs = int(round(float(hours) * 3600))
    if secs == 0:
        return 'PT0S'
    days, rest = divmod(secs, 86400)
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    out = 'P'
    if days:
        out += '%dD' % days
    if h or m or s:
        out += 'T'
        if h:
            out += '%dH' % h
        if m:
            out += '%dM' % m
        if s:
            out += '%dS' % s
    return out


_DUR_RE = re.compile(r'^P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?'
                     r'(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$')


def parse_hours(value):
    """Number of hours, or an ISO 8601 duration -> float hours."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    m = _DUR_RE.match(str(value))
    if not m or str(value) in ('P', 'PT'):
        raise ValueError('not a duration: %r' % (value,))
    y, mo, w, d, h, mi, s = [float(x) if x else 0.0 for x in m.groups()]
    return ((y * 365 + mo * 30 + w * 7 + d) * 24) + h + mi / 60.0 + s / 3600.0


_STRONG_MD = re.compile(r'\*\*(.+?)\*\*')
_EM_MD = re.compile(r'(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?![*\w])')
_STRONG_TX = re.compile(r'(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])')
_EM_TX = re.compile(r'(?<![\w])_(?!\s)(.+?)(?<!\s)_(?![\w])')


def render_markup(raw, textile=False, css=False):
    """A tiny markdown/textile to HTML renderer.

    Paragraphs on blank lines, <br> for single newlines, bold and emphasis. Raw HTML inside the
    text is passed through untouched (the simulator does NOT sanitise: a client must never trust
    the html it receives)."""
    if not raw:
        return ''
    p_open = '<p class="op-uc-p">' if css else '<p>'
    paras = [p for p in re.split(r'\n\s*\n', raw.replace('\r\n', '\n')) if p.strip()]
    out = []
    for para in paras:
        text = para.strip()
        if textile:
            text = _STRONG_TX.sub(r'<strong>\1</strong>', text)
            text = _EM_TX.sub(r'<em>\1</em>', text)
        else:
            text = _STRONG_MD.sub(r'<strong>\1</strong>', text)
            text = _EM_MD.sub(r'<em>\1</em>', text)
        out.append(p_open + text.replace('\n', '<br>') + '</p>')
    return ''.join(out)


def render_plain(raw):
    if not raw:
        return ''
    return '<p>' + html.escape(raw, quote=False).replace('\n', '<br>') + '</p>'


def utcnow():
    return datetime.now(timezone.utc).timestamp()


def camel_to_snake(name):
    return re.sub(r'(?<=[a-z0-9])([A-Z])', lambda m: '_' + m.group(1).lower(), name)
