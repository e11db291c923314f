"""The control interface (/_control/...): test-only mutations, faults, counters, clock, webhooks.

Request and response shapes are documented in README.md ("Control interface").
"""
import re

from .model import DatasetError
from .render import Renderer
from .util import parse_datetime, format_datetime

FAULT_KINDS = ('status', 'retry_after', 'delay', 'malformed', 'drop', 'html')


class ControlError(Exception):
    def __init__(self, status, message):
        Exception.__init__(self, message)
        self.status, self.message = status, message


def _id(raw):
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise ControlError(404, 'bad id %r' % (raw,))


def handle_control(sim, method, path, body, query):
    try:
        return _dispatch(sim, method, path, body, query)
    except ControlError as exc:
        return exc.status, {'error': exc.message}
    except (DatasetError, ValueError, TypeError) as exc:
        return 422, {'error': str(exc)}


def _dispatch(sim, method, path, body, query):
    segs = [s for s in path.split('/') if s][1:]   # drop "_control"
    route = (method, tuple('{id}' if s.isdigit() else s for s in segs))
    ids = [int(s) for s in segs if s.isdigit()]
    if route == ('GET', ()):
        return 200, {'endpoints': sorted('%s /_control/%s' % (m, '/'.join(p)) for m, p in ROUTES)}
    if route == ('POST', ('reset',)):
        sim.reset()
        return 200, info(sim)
    if route == ('GET', ('info',)):
        with sim.lock:
            return 200, info(sim)
    if route == ('GET', ('counters',)):
        with sim.counter_lock:
            return 200, {'total': sim.total, 'by_endpoint': dict(sim.counters)}
    if route == ('POST', ('counters', 'reset')):
        with sim.counter_lock:
            sim.total = 0
            sim.counters.clear()
        return 200, {'total': 0, 'by_endpoint': {}}
    if route == ('GET', ('webhooks',)):
        if query.get('wait'):
            _wait_webhooks(sim, float(query.get('wait') or 5))
        with sim.lock:
            return 200, {'webhooks': list(sim.webhooks), 'deliveries': list(sim.deliveries)}
    if route == ('POST', ('webhooks', 'send')):
        return _send_webhook(sim, body)
    with sim.lock:
        return _locked(sim, route, ids, body)


def _wait_webhooks(sim, timeout):
    import time
    deadline = time.time() + timeout
    while sim.webhook_queue.unfinished_tasks and time.time() < deadline:
        time.sleep(0.01)


def info(sim):
    s = sim.store
    kinds = {}
    for p in s.principals.values():
        kinds[p.kind] = kinds.get(p.kind, 0) + 1
    return {
        'profile': sim.profile['name'], 'core_version': sim.profile['core_version'],
        'dataset': sim.dataset_name, 'seed': sim.seed,
        'bot_user_id': s.bot_user_id, 'admin_user_id': s.admin_user_id, 'deleted_user_id': s.deleted_user_id,
        'now': format_datetime(s.clock()), 'generation': s.generation,
        'counts': {'projects': len(s.projects), 'users': kinds.get('User', 0), 'groups': kinds.get('Group', 0),
                   'placeholder_users': kinds.get('PlaceholderUser', 0), 'work_packages': len(s.wps),
                   'time_entries': len(s.tes), 'activities': len(s.journals)},
        'key_user_ids': sorted(set(sim.keys.values())),
    }


def _admin(sim):
    return Renderer(sim.store, sim.profile, sim.store.admin_user_id)


def _send_webhook(sim, body):
    action = body.get('action', 'work_package:updated')
    kind = action.split(':')[0]
    with sim.lock:
        s = sim.store
        rend = _admin(sim)
        if 'payload' in body:
            payload = body['payload']
        else:
            table, fn = {'work_package': (s.wps, rend.work_package), 'time_entry': (s.tes, rend.time_entry),
                         'project': (s.projects, rend.project)}.get(kind, (None, None))
            if table is None:
                raise ControlError(422, 'unknown action %r' % action)
            obj = table.get(_id(body.get('id')))
            if obj is None:
                raise ControlError(404, '%s %s not found' % (kind, body.get('id')))
            payload = {'action': action, kind: fn(obj)}
        hooks = list(sim.webhooks)
        if body.get('url'):
            hooks = [{'url': body['url'], 'secret': body.get('secret')}]
    if not hooks:
        raise ControlError(409, 'no webhook configured (POST /_control/webhooks first)')
    if body.get('wait', True):
        return 200, {'deliveries': [sim._deliver(h, payload) for h in hooks]}
    for h in hooks:
        sim.webhook_queue.put((h, payload))
    return 202, {'queued': len(hooks)}


def _locked(sim, route, ids, body):
    s = sim.store
    rend = _admin(sim)
    method, segs = route
    if route == ('POST', ('clock',)):
        if body.get('now'):
            s.now = parse_datetime(body['now'])
        elif 'now' in body:
            s.now = None
        if body.get('advance'):
            if s.now is not None:
                s.now += float(body['advance'])
            else:
                s.clock_offset += float(body['advance'])
        s.touch()
        return 200, {'now': format_datetime(s.clock(), millis=True), 'frozen': s.now is not None}
    if route == ('GET', ('faults',)):
        return 200, {'faults': [_fault_out(f) for f in sim.faults]}
    if route == ('DELETE', ('faults',)):
        sim.faults = []
        return 200, {'faults': []}
    if route == ('POST', ('faults',)):
        return 201, _fault_out(_add_fault(sim, body))
    if route == ('POST', ('webhooks',)):
        if not body.get('url'):
            raise ControlError(422, 'url is required')
        hook = {'url': body['url'], 'secret': body.get('secret'), 'events': body.get('events') or []}
        sim.webhooks.append(hook)
        return 201, hook
    if route == ('DELETE', ('webhooks',)):
        sim.webhooks = []
        sim.deliveries = []
        return 200, {'webhooks': []}
    # --- work packages
    if route == ('POST', ('work_packages',)):
        wp = s.add_wp(body)
        if body.get('parent') is not None:
            wp.parent_id = s.ref(s.wps, body['parent'], 'parent')
            s._idx_add(s.children, wp.parent_id, wp.id)
        s._pending_wp_parents = []
        s.touch()
        s.emit('work_package:created', wp)
        return 201, rend.work_package(wp)
    if segs[:1] == ('work_packages',) and ids:
        if ids[0] not in s.wps:
            raise ControlError(404, 'work package %d not found' % ids[0])
        if route == ('PATCH', ('work_packages', '{id}')):
            return 200, rend.work_package(s.update_wp(ids[0], body))
        if route == ('DELETE', ('work_packages', '{id}')):
            return 200, {'deleted': s.delete_wp(ids[0])}
        if route == ('POST', ('work_packages', '{id}', 'comments')):
            if not body.get('comment'):
                raise ControlError(422, 'comment is required')
            return 201, rend.activity(s.comment_wp(ids[0], body))
    if route == ('PATCH', ('activities', '{id}')):
        if ids[0] not in s.journals:
            raise ControlError(404, 'activity %d not found' % ids[0])
        return 200, rend.activity(s.update_journal(ids[0], body))
    # --- time entries
    if route == ('POST', ('time_entries',)):
        te = s.add_te(body)
        s.touch()
        s.emit('time_entry:created', te)
        return 201, rend.time_entry(te)
    if segs[:1] == ('time_entries',) and ids:
        if ids[0] not in s.tes:
            raise ControlError(404, 'time entry %d not found' % ids[0])
        if method == 'PATCH':
            return 200, rend.time_entry(s.update_te(ids[0], body))
        if method == 'DELETE':
            s.delete_te(ids[0])
            return 200, {'deleted': {'time_entries': [ids[0]]}}
    # --- users
    if route == ('POST', ('users',)):
        kind = body.get('type', 'User')
        if kind not in ('User', 'Group', 'PlaceholderUser'):
            raise ControlError(422, 'type must be User, Group or PlaceholderUser')
        p = s.add_principal(body, kind)
        if kind == 'Group':
            for m in body.get('members', []):
                uid = s.user_ref(m)
                p.members.append(uid)
                s.principals[uid].groups.append(p.id)
        if body.get('api_key'):
            sim.keys[body['api_key']] = p.id
        s.touch()
        return 201, rend.principal(p)
    if segs[:1] == ('users',) and ids:
        if ids[0] not in s.principals:
            raise ControlError(404, 'user %d not found' % ids[0])
        if route == ('POST', ('users', '{id}', 'lock')):
            return 200, rend.principal(s.set_user_status(ids[0], 'locked'))
        if route == ('POST', ('users', '{id}', 'unlock')):
            return 200, rend.principal(s.set_user_status(ids[0], 'active'))
        if route == ('PATCH', ('users', '{id}')):
            u = s.principals[ids[0]]
            for key, attr in (('firstname', 'firstname'), ('lastname', 'lastname'), ('email', 'email'),
                              ('hide_mail', 'hide_mail'), ('status', 'status'), ('admin', 'admin'),
                              ('name', 'name')):
                if key in body:
                    setattr(u, attr, body[key])
            if u.kind == 'User' and ('firstname' in body or 'lastname' in body):
                u.name = ('%s %s' % (u.firstname, u.lastname)).strip()
            u.updated = s.clock()
            s.touch()
            return 200, rend.principal(u)
        if route == ('DELETE', ('users', '{id}')):
            if ids[0] == s.deleted_user_id:
                raise ControlError(422, 'the DeletedUser cannot be deleted')
            s.delete_user(ids[0])
            return 200, {'deleted': {'users': [ids[0]]}, 'replaced_by': s.deleted_user_id}
    # --- projects
    if route == ('POST', ('projects',)):
        s._pending_parents = []
        proj = s.add_project(body)
        for p, parent in s._pending_parents:
            p.parent_id = s.ref(s.projects, parent, 'parent project')
        del s._pending_parents
        s.touch()
        s.emit('project:created', proj)
        return 201, rend.project(proj)
    if route == ('PATCH', ('projects', '{id}')):
        if ids[0] not in s.projects:
            raise ControlError(404, 'project %d not found' % ids[0])
        return 200, rend.project(s.update_project(ids[0], body))
    raise ControlError(404, 'no such control endpoint: %s /_control/%s' % (method, '/'.join(segs)))


ROUTES = [
    ('GET', ('info',)), ('POST', ('reset',)), ('POST', ('clock',)),
    ('POST', ('work_packages',)), ('PATCH', ('work_packages', '{id}')), ('DELETE', ('work_packages', '{id}')),
    ('POST', ('work_packages', '{id}', 'comments')), ('PATCH', ('activities', '{id}')),
    ('POST', ('time_entries',)), ('PATCH', ('time_entries', '{id}')), ('DELETE', ('time_entries', '{id}')),
    ('POST', ('users',)), ('PATCH', ('users', '{id}')), ('POST', ('users', '{id}', 'lock')),
    ('POST', ('users', '{id}', 'unlock')), ('DELETE', ('users', '{id}')),
    ('POST', ('projects',)), ('PATCH', ('projects', '{id}')),
    ('GET', ('faults',)), ('POST', ('faults',)), ('DELETE', ('faults',)),
    ('GET', ('counters',)), ('POST', ('counters', 'reset')),
    ('GET', ('webhooks',)), ('POST', ('webhooks',)), ('DELETE', ('webhooks',)), ('POST', ('webhooks', 'send')),
]

_fault_seq = [0]


def _add_fault(sim, body):
    kind = body.get('kind', 'status')
    if kind not in FAULT_KINDS:
        raise ControlError(422, 'kind must be one of %s' % ', '.join(FAULT_KINDS))
    path = body.get('path') or '/'
    try:
        regex = re.compile(path)
    except re.error:
        regex = re.compile(re.escape(path))
    _fault_seq[0] += 1
    fault = {'id': _fault_seq[0], 'path': path, 'regex': regex, 'count': int(body.get('count', 1)), 'kind': kind,
             'status': body.get('status'), 'seconds': body.get('seconds'), 'body': body.get('body'),
             'message': body.get('message'),
             'methods': [m.upper() for m in body.get('methods', [])] if body.get('methods') else [], 'hits': 0}
    if kind == 'status' and not fault['status']:
        fault['status'] = 500
    if kind == 'retry_after' and fault['seconds'] is None:
        fault['seconds'] = 1
    sim.faults.append(fault)
    return fault


def _fault_out(f):
    return {k: v for k, v in f.items() if k != 'regex'}

