"""`filters` and `sortBy` parameters: parsing, validation (400 InvalidQuery) and evaluation."""
import json
import time

from .util import camel_to_snake, parse_datetime, is_date_only, date_of

DAY = 86400.0


class InvalidQuery(Exception):
    def __init__(self, message):
        Exception.__init__(self, message)
        self.message = message


OPERATORS = {
    'id': ('=', '!', '*', '!*'),
    'status': ('=', '!', '*', '!*', 'o', 'c'),
    'datetime': ('<>d', '=d', '>=', '<=', '>t-', '<t-', 't-', 't', 'w', '*', '!*'),
    'date': ('<>d', '=d', '>=', '<=', '>t-', '<t-', 't-', 't', 'w', '<t+', '>t+', 't+', '*', '!*'),
    'bool': ('=', '!'),
    'text': ('~', '!~', '=', '!', '**', '*', '!*'),
    'int': ('=', '!', '>=', '<=', '*', '!*'),
    'choice': ('=', '!'),
}


class Filter(object):
    """name -> (kind, getter(obj), options)."""

    def __init__(self, kind, getter, label, **opts):
        self.kind, self.getter, self.label, self.opts = kind, getter, label, opts


def normalise_name(name, aliases):
    snake = camel_to_snake(name)
    return aliases.get(snake, snake)


def _bounds_for_day(value):
    start = parse_datetime(value)
    return start, start + DAY - 0.000001


def _parse_point(value, upper):
    """A filter value for a date-time attribute -> epoch (inclusive bound)."""
    if is_date_only(value):
        lo, hi = _bounds_for_day(value)
        return hi if upper else lo
    return parse_datetime(value)


def compile_filters(raw, spec, aliases, ctx):
    """Parse the JSON `filters` string into a list of predicates. ctx: dict with 'viewer', 'store',
    'now' (epoch), 'check' (callable(name, values) -> bool|None for existence checks)."""
    try:
        data = json.loads(raw)
    except ValueError:
        raise InvalidQuery('Filters are not a valid JSON array.')
    if isinstance(data, dict):
        data = [{k: v} for k, v in data.items()]
    if not isinstance(data, list):
        raise InvalidQuery('Filters are not a valid JSON array.')
    preds = []
    for entry in data:
        if not isinstance(entry, dict) or len(entry) != 1:
            raise InvalidQuery('Filters are not a valid JSON array.')
        name, body = list(entry.items())[0]
        key = normalise_name(name, aliases)
        flt = spec.get(key)
        if flt is None:
            raise InvalidQuery('Filters %s filter does not exist.' % name)
        if not isinstance(body, dict) or 'operator' not in body:
            raise InvalidQuery('Filters %s Operator is not set to one of the allowed values.' % flt.label)
        op = body.get('operator')
        values = body.get('values')
        if values is None:
            values = []
        if not isinstance(values, list):
            raise InvalidQuery('Filters %s filter has invalid values.' % flt.label)
        if op not in OPERATORS[flt.kind]:
            raise InvalidQuery('Filters %s Operator is not set to one of the allowed values.' % flt.label)
        try:
            preds.append(_compile_one(flt, op, [v if isinstance(v, str) else str(v) for v in values], ctx))
        except (ValueError, TypeError, IndexError):
            raise InvalidQuery('Filters %s filter has invalid values.' % flt.label)
    return preds


def _today_start(ctx):
    return parse_datetime(date_of(ctx['now']))


def _compile_one(flt, op, values, ctx):
    get = flt.getter
    kind = flt.kind
    if op == '*':
        if kind == 'text':
            return lambda o: bool(get(o))
        return lambda o: get(o) is not None
    if op == '!*':
        if kind == 'text':
            return lambda o: not get(o)
        return lambda o: get(o) is None
    if kind in ('id', 'status'):
        if op in ('o', 'c'):
            closed = ctx['closed_statuses']
            if op == 'o':
                return lambda o: get(o) not in closed
            return lambda o: get(o) in closed
        if not values:
            raise ValueError('no values')
        ids = set()
        for v in values:
            if v == 'me' and flt.opts.get('principal'):
                ids.add(ctx['viewer'])
            elif v.isdigit():
                ids.add(int(v))
            else:
                raise ValueError(v)
        check = flt.opts.get('check')
        if check is not None and not all(check(i) for i in ids):
            raise ValueError('unknown value')
        if flt.opts.get('many'):
            if op == '=':
                return lambda o: bool(ids.intersection(get(o)))
            return lambda o: not ids.intersection(get(o))
        if op == '=':
            return lambda o: get(o) in ids
        return lambda o: get(o) not in ids
    if kind == 'choice':
        allowed = flt.opts['choices']
        if not values or any(v not in allowed for v in values):
            raise ValueError('bad choice')
        vs = set(values)
        return (lambda o: get(o) in vs) if op == '=' else (lambda o: get(o) not in vs)
    if kind == 'bool':
        if len(values) != 1 or values[0] not in ('t', 'f', 'true', 'false'):
            raise ValueError('bad bool')
        want = values[0] in ('t', 'true')
        if op == '!':
            want = not want
        return lambda o: bool(get(o)) == want
    if kind == 'int':
        nums = [int(v) for v in values]
        if not nums:
            raise ValueError('no values')
        if op == '=':
            return lambda o: get(o) in nums
        if op == '!':
            return lambda o: get(o) not in nums
        if op == '>=':
            return lambda o: get(o) is not None and get(o) >= nums[0]
        return lambda o: get(o) is not None and get(o) <= nums[0]
    if kind == 'text':
        if not values:
            raise ValueError('no values')
        needle = values[0].lower()
        if op in ('~', '**'):
            return lambda o: needle in (get(o) or '').lower()
        if op == '!~':
            return lambda o: needle not in (get(o) or '').lower()
        if op == '=':
            vs = set(v.lower() for v in values)
            return lambda o: (get(o) or '').lower() in vs
        vs = set(v.lower() for v in values)
        return lambda o: (get(o) or '').lower() not in vs
    # date / datetime
    is_dt = kind == 'datetime'
    if op == '<>d':
        if len(values) != 2 or (not values[0] and not values[1]):
            raise ValueError('<>d needs two values')
        if is_dt:
            lo = _parse_point(values[0], False) if values[0] else None
            hi = _parse_point(values[1], True) if values[1] else None
        else:
            lo = date_of(parse_datetime(values[0])) if values[0] else None
            hi = date_of(parse_datetime(values[1])) if values[1] else None
        return _range(get, lo, hi)
    if op == '=d':
        if len(values) != 1:
            raise ValueError('=d needs one value')
        if is_dt:
            lo, hi = _bounds_for_day(date_of(parse_datetime(values[0])))
            return _range(get, lo, hi)
        day = date_of(parse_datetime(values[0]))
        return _range(get, day, day)
    if op in ('>=', '<='):
        if len(values) != 1:
            raise ValueError('needs one value')
        if is_dt:
            point = _parse_point(values[0], op == '<=')
        else:
            point = date_of(parse_datetime(values[0]))
        return _range(get, point, None) if op == '>=' else _range(get, None, point)
    today = _today_start(ctx)
    if op == 't':
        lo, hi = today, today + DAY - 0.000001
    elif op == 'w':
        wd = time.gmtime(today).tm_wday  # Monday = 0 (the week starts on Monday)
        lo = today - wd * DAY
        hi = lo + 7 * DAY - 0.000001
    else:
        if len(values) != 1 or not values[0].lstrip('-').isdigit():
            raise ValueError('needs a number of days')
        n = int(values[0])
        if op == '>t-':      # less than n days ago
            lo, hi = today - n * DAY, today + DAY - 0.000001
        elif op == '<t-':    # more than n days ago
            lo, hi = None, today - n * DAY - 0.000001
        elif op == 't-':
            lo, hi = today - n * DAY, today - n * DAY + DAY - 0.000001
        elif op == '<t+':    # in less than n days
            lo, hi = today, today + (n + 1) * DAY - 0.000001
        elif op == '>t+':    # in more than n days
            lo, hi = today + (n + 1) * DAY, None
        else:                # t+
            lo, hi = today + n * DAY, today + (n + 1) * DAY - 0.000001
    if not is_dt:
        lo = date_of(lo) if lo is not None else None
        hi = date_of(hi) if hi is not None else None
    return _range(get, lo, hi)


def _range(get, lo, hi):
    if lo is not None and hi is not None:
        return lambda o: get(o) is not None and lo <= get(o) <= hi
    if lo is not None:
        return lambda o: get(o) is not None and get(o) >= lo
    return lambda o: get(o) is not None and get(o) <= hi


def compile_sort(raw, columns, aliases, default):
    """Parse `sortBy` JSON into a list of (keyfunc, descending). Always ends with id as a tie-break."""
    if raw is None:
        spec = default
    else:
        try:
            spec = json.loads(raw)
        except ValueError:
            raise InvalidQuery('Unable to parse sortBy: not valid JSON.')
        if isinstance(spec, list) and len(spec) == 2 and all(isinstance(x, str) for x in spec):
            spec = [spec]  # tolerate ["id", "asc"]
        if not isinstance(spec, list):
            raise InvalidQuery('Unable to parse sortBy: not valid JSON.')
    out = []
    seen_id = False
    for item in spec:
        if not isinstance(item, list) or len(item) != 2 or not all(isinstance(x, str) for x in item):
            raise InvalidQuery('Unable to parse sortBy: not valid JSON.')
        col, direction = normalise_name(item[0], aliases), item[1].lower()
        if col not in columns:
            raise InvalidQuery('Sorting by %s is not supported. Unknown sort column.' % item[0])
        if direction not in ('asc', 'desc'):
            raise InvalidQuery('The direction %s is not supported. Sort direction is invalid.' % item[1])
        out.append((columns[col], direction == 'desc'))
        seen_id = seen_id or col == 'id'
    if not seen_id:
        out.append((columns['id'], False))
    return out


def apply_sort(objs, sort_spec):
    """Stable multi-key sort; None sorts first ascending (as PostgreSQL NULLS FIRST for DESC... kept simple)."""
    for keyfunc, desc in reversed(sort_spec):
        objs.sort(key=lambda o, k=keyfunc: _nullsafe(k(o)), reverse=desc)
    return objs


def _nullsafe(v):
    if v is None:
        return (0, 0)
    if isinstance(v, str):
        return (1, v.lower())
    return (1, v)
