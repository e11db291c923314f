"""HTTP front end: API v3 routes, authentication, collections, faults, counters, control, webhooks."""
import base64
import collections
import hashlib
import hmac
import json
import queue
import re
import socket
import threading
import time
import http.client
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit, parse_qsl, urlencode, quote

from .model import DatasetError, load_dataset
from .query import Filter, InvalidQuery, compile_filters, compile_sort, apply_sort
from .render import PROFILES, Renderer, API

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 1000
DEFAULT_CONTROL_TOKEN = 'op-simulator-control'
ERR = 'urn:openproject-org:api:v3:errors:'
WP_DEFAULT_FILTER = '[{"status_id":{"operator":"o","values":null}}]'
JSON_SEP = (',', ':')


class ApiError(Exception):
    def __init__(self, status, ident, message, headers=None):
        Exception.__init__(self, message)
        self.status, self.ident, self.message, self.headers = status, ident, message, headers or {}


def not_found():
    return ApiError(404, 'NotFound', 'The requested resource could not be found.')


def error_body(ident, message):
    return {'_type': 'Error', 'errorIdentifier': ERR + ident, 'message': message}


# --------------------------------------------------------------------------- endpoint specs
def wp_spec(store, viewer):
    def visible_project(i):
        return store.allowed(viewer, i, 'view_work_packages')
    return {
        'id': Filter('id', lambda w: w.id, 'ID'),
        'status': Filter('status', lambda w: w.status_id, 'Status', check=lambda i: i in store.statuses),
        'type': Filter('id', lambda w: w.type_id, 'Type', check=lambda i: i in store.types),
        'priority': Filter('id', lambda w: w.priority_id, 'Priority', check=lambda i: i in store.priorities),
        'project': Filter('id', lambda w: w.project_id, 'Project', check=visible_project),
        'author': Filter('id', lambda w: w.author_id, 'Author', principal=True),
        'assignee': Filter('id', lambda w: w.assignee_id, 'Assignee', principal=True),
        'responsible': Filter('id', lambda w: w.responsible_id, 'Accountable', principal=True),
        'version': Filter('id', lambda w: w.version_id, 'Version'),
        'category': Filter('id', lambda w: w.category_id, 'Category'),
        'parent': Filter('id', lambda w: w.parent_id, 'Parent'),
        'updated_at': Filter('datetime', lambda w: w.updated, 'Updated on'),
        'created_at': Filter('datetime', lambda w: w.created, 'Created on'),
        'start_date': Filter('date', lambda w: w.start_date, 'Start date'),
        'due_date': Filter('date', lambda w: w.due_date, 'Finish date'),
        'subject': Filter('text', lambda w: w.subject, 'Subject'),
        'subject_or_id': Filter('text', lambda w: '%s #%d' % (w.subject, w.id), 'Subject or ID'),
        'done_ratio': Filter('int', lambda w: w.done_ratio, '% Complete'),
    }


WP_ALIASES = {'status_id': 'status', 'type_id': 'type', 'priority_id': 'priority', 'project_id': 'project',
              'assigned_to': 'assignee', 'assigned_to_id': 'assignee', 'author_id': 'author',
              'responsible_id': 'responsible', 'fixed_version_id': 'version', 'version_id': 'version',
              'category_id': 'category', 'parent_id': 'parent', 'subject_or_i_d': 'subject_or_id',
              'percentage_done': 'done_ratio', 'finish_date': 'due_date'}


def wp_sort(store):
    return {
        'id': lambda w: w.id, 'subject': lambda w: w.subject, 'updated_at': lambda w: w.updated,
        'created_at': lambda w: w.created, 'start_date': lambda w: w.start_date,
        'due_date': lambda w: w.due_date, 'done_ratio': lambda w: w.done_ratio,
        'status': lambda w: store.statuses[w.status_id].position,
        'type': lambda w: store.types[w.type_id].position,
        'priority': lambda w: store.priorities[w.priority_id].position,
        'project': lambda w: store.projects[w.project_id].name,
        'parent': lambda w: w.parent_id,
    }


def te_spec(store, viewer, profile):
    spec = {
        'id': Filter('id', lambda t: t.id, 'ID'),
        'project': Filter('id', lambda t: t.project_id, 'Project',
                          check=lambda i: store.te_visible_project(viewer, i)),
        'work_package': Filter('id', lambda t: t.wp_id, 'Work package'),
        'user': Filter('id', lambda t: t.user_id, 'User', principal=True),
        'activity': Filter('id', lambda t: t.activity_id, 'Activity', check=lambda i: i in store.te_activities),
        'spent_on': Filter('date', lambda t: t.spent_on, 'Date spent'),
        'created_at': Filter('datetime', lambda t: t.created, 'Created on'),
    }
    if profile['te_updated_filter']:
        spec['updated_at'] = Filter('datetime', lambda t: t.updated, 'Updated on')
    if profile['te_ongoing']:
        spec['ongoing'] = Filter('bool', lambda t: t.ongoing, 'Ongoing')
    return spec


TE_ALIASES = {'work_package_id': 'work_package', 'project_id': 'project', 'user_id': 'user',
              'activity_id': 'activity'}


def te_sort(profile):
    cols = {'id': lambda t: t.id, 'hours': lambda t: t.hours, 'spent_on': lambda t: t.spent_on,
            'created_at': lambda t: t.created}
    if profile['te_updated_filter']:
        cols['updated_at'] = lambda t: t.updated
    return cols


def project_spec(store):
    def ancestors(p):
        out = []
        cur = p.parent_id
        while cur is not None:
            out.append(cur)
            cur = store.projects[cur].parent_id
        return out
    return {
        'id': Filter('id', lambda p: p.id, 'ID'),
        'active': Filter('bool', lambda p: p.active, 'Active'),
        'parent_id': Filter('id', lambda p: p.parent_id, 'Subproject of'),
        'ancestor': Filter('id', ancestors, 'Ancestor', many=True),
        'name_and_identifier': Filter('text', lambda p: '%s %s' % (p.name, p.identifier), 'Name or identifier'),
        'created_at': Filter('datetime', lambda p: p.created, 'Created on'),
        'latest_activity_at': Filter('datetime', lambda p: p.updated, 'Latest activity at'),
    }


PROJECT_ALIASES = {'parent': 'parent_id', 'name': 'name_and_identifier'}
PROJECT_SORT = {'id': lambda p: p.id, 'name': lambda p: p.name, 'created_at': lambda p: p.created,
                'public': lambda p: p.public, 'latest_activity_at': lambda p: p.updated,
                'typeahead': lambda p: p.name}


def user_spec():
    return {
        'id': Filter('id', lambda u: u.id, 'ID'),
        'status': Filter('choice', lambda u: u.status, 'Status',
                         choices=('active', 'locked', 'invited', 'registered')),
        'group': Filter('id', lambda u: u.groups, 'Group', many=True),
        'name': Filter('text', lambda u: '%s %s %s' % (u.name, u.login, u.email), 'Name'),
        'login': Filter('text', lambda u: u.login, 'Login'),
    }


USER_SORT = {'id': lambda u: u.id, 'name': lambda u: (u.lastname, u.firstname), 'login': lambda u: u.login,
             'lastname': lambda u: u.lastname, 'firstname': lambda u: u.firstname,
             'created_at': lambda u: u.created, 'updated_at': lambda u: u.updated}


def endpoint_key(method, path):
    return '%s %s' % (method, re.sub(r'/\d+(?=/|$)', '/{id}', path.rstrip('/') or '/'))


# --------------------------------------------------------------------------- the application
class Simulator(object):
    """Everything behind the HTTP server (thread-safe through store.lock)."""

    def __init__(self, dataset='demo', seed=1, profile='current', api_keys=(), control_token=None):
        self.dataset_name = dataset
        self.seed = seed
        if profile not in PROFILES:
            raise ValueError('unknown profile %r (choose from %s)' % (profile, ', '.join(PROFILES)))
        self.profile = PROFILES[profile]
        self.api_key_specs = list(api_keys)
        self.control_token = control_token or DEFAULT_CONTROL_TOKEN
        self.lock = threading.RLock()
        self.counter_lock = threading.Lock()
        self.webhooks = []
        self.deliveries = []
        self.webhook_queue = queue.Queue()
        threading.Thread(target=self._webhook_worker, daemon=True).start()
        self.reset()

    def reset(self):
        """Back to the state right after start: dataset, keys, faults, counters, webhooks, clock."""
        old = getattr(self, 'store', None)
        if old is not None and old.generation == self.loaded_generation and old.now is None \
                and not old.clock_offset:
            store = old  # untouched since loading: keep it (L takes seconds to generate)
            store.listeners = []
        else:
            store = load_dataset(self.dataset_name, self.seed)
        with self.lock:
            self.loaded_generation = store.generation
            self.store = store
            self.store.lock = self.lock
            self.store.te_visible_project = lambda viewer, pid: (
                'view_time_entries' in self.store.permissions(viewer, pid) or
                'view_own_time_entries' in self.store.permissions(viewer, pid))
            self.store.listeners.append(self._on_event)
            self.keys = {}
            for spec in self.api_key_specs:
                key, _, who = spec.partition(':')
                if not who:
                    uid = store.bot_user_id
                elif who == 'admin':
                    uid = store.admin_user_id
                else:
                    uid = store.user_ref(who)
                self.keys[key] = uid
            self.faults = []
            self.counters = collections.Counter()
            self.total = 0
            self.frag_cache = {}
            self.frag_gen = None
            self.query_cache = collections.OrderedDict()
            self.webhooks = []
            self.deliveries = []

    # ----------------------------------------------------------------- events / webhooks
    def _on_event(self, action, obj):
        if not self.webhooks:
            return
        key = action.split(':')[0]
        rend = Renderer(self.store, self.profile, self.store.admin_user_id)
        body = {'work_package': rend.work_package, 'time_entry': rend.time_entry,
                'project': rend.project}[key](obj)
        for hook in list(self.webhooks):
            if hook.get('events') and action not in hook['events']:
                continue
            self.webhook_queue.put((hook, {'action': action, key: body}))

    def _webhook_worker(self):
        while True:
            hook, payload = self.webhook_queue.get()
            self._deliver(hook, payload)
            self.webhook_queue.task_done()

    def _deliver(self, hook, payload):
        raw = json.dumps(payload).encode('utf-8')
        headers = {'Content-Type': 'application/json', 'User-Agent': 'OpenProject-Webhook (simulator)'}
        if hook.get('secret'):
            sig = hmac.new(hook['secret'].encode('utf-8'), raw, hashlib.sha1).hexdigest()
            headers['X-OP-Signature'] = 'sha1=' + sig
        record = {'url': hook['url'], 'action': payload.get('action'), 'status': None, 'error': None,
                  'signature': headers.get('X-OP-Signature')}
        try:  # http.client keeps the header spelling (X-OP-Signature) exactly
            parts = urlsplit(hook['url'])
            conn_cls = http.client.HTTPSConnection if parts.scheme == 'https' else http.client.HTTPConnection
            conn = conn_cls(parts.hostname, parts.port, timeout=10)
            try:
                conn.request('POST', (parts.path or '/') + ('?' + parts.query if parts.query else ''),
                             body=raw, headers=headers)
                resp = conn.getresponse()
                resp.read()
                record['status'] = resp.status
            finally:
                conn.close()
        except Exception as exc:  # network problems are recorded, never raised
            record['error'] = str(exc)
        with self.lock:
            self.deliveries.append(record)
        return record

    # ----------------------------------------------------------------- caches
    def _check_gen(self):
        if self.frag_gen != self.store.generation:
            self.frag_cache.clear()
            self.query_cache.clear()
            self.frag_gen = self.store.generation

    def fragment(self, kind, obj, rend):
        key = (kind, obj.id, rend.viewer)
        s = self.frag_cache.get(key)
        if s is None:
            s = json.dumps(getattr(rend, kind)(obj), separators=JSON_SEP)
            if len(self.frag_cache) > 300000:
                self.frag_cache.clear()
            self.frag_cache[key] = s
        return s


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'OpenProjectSimulator/1.0'
    sim = None  # set on the subclass

    def log_message(self, fmt, *args):  # quiet
        pass

    def do_GET(self):
        self.dispatch('GET')

    def do_POST(self):
        self.dispatch('POST')

    def do_PATCH(self):
        self.dispatch('PATCH')

    def do_PUT(self):
        self.dispatch('PUT')

    def do_DELETE(self):
        self.dispatch('DELETE')

    def do_HEAD(self):
        self.dispatch('HEAD')

    # ----------------------------------------------------------------- plumbing
    def send_raw(self, status, body, ctype='application/hal+json; charset=utf-8', headers=None):
        if isinstance(body, str):
            body = body.encode('utf-8')
        self.send_response(status)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(body)

    def send_json(self, status, obj, headers=None):
        self.send_raw(status, json.dumps(obj, separators=JSON_SEP), headers=headers)

    def send_error_json(self, exc):
        self.send_json(exc.status, error_body(exc.ident, exc.message), headers=exc.headers)

    def read_body(self):
        length = int(self.headers.get('Content-Length') or 0)
        raw = self.rfile.read(length) if length else b''
        if not raw:
            return {}
        try:
            data = json.loads(raw.decode('utf-8'))
        except ValueError:
            raise ApiError(400, 'InvalidRequestBody', 'The request body was not a single JSON object.')
        if not isinstance(data, dict):
            raise ApiError(400, 'InvalidRequestBody', 'The request body was not a single JSON object.')
        return data

    def dispatch(self, method):
        sim = self.sim
        parts = urlsplit(self.path)
        path = parts.path
        self.query = dict(parse_qsl(parts.query, keep_blank_values=True))
        try:
            if path.startswith('/_control'):
                return self.control(method, path)
            with sim.counter_lock:
                sim.total += 1
                sim.counters[endpoint_key(method, path)] += 1
            if self.apply_fault(method, path):
                return
            self.api(method, path)
        except ApiError as exc:
            self.send_error_json(exc)
        except InvalidQuery as exc:
            self.send_json(400, error_body('InvalidQuery', exc.message))
        except (BrokenPipeError, ConnectionResetError):
            pass
        except Exception as exc:  # a simulator bug: still answer like the server would
            import traceback
            traceback.print_exc()
            try:
                self.send_json(500, error_body('InternalServerError', 'An internal error has occured. %s' % exc))
            except OSError:
                pass

    def apply_fault(self, method, path):
        sim = self.sim
        with sim.lock:
            fault = None
            for f in sim.faults:
                if f['methods'] and method not in f['methods']:
                    continue
                if f['regex'].search(path) or path.startswith(f['path']):
                    fault = dict(f)
                    f['count'] -= 1
                    f['hits'] += 1
                    if f['count'] <= 0:
                        sim.faults.remove(f)
                    break
        if fault is None:
            return False
        kind = fault['kind']
        self.read_body()
        if kind == 'delay':
            time.sleep(float(fault.get('seconds', 1)))
            return False
        if kind == 'drop':
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return True
        if kind == 'malformed':
            self.send_raw(200, '{"_type": "Collection", "total": 3, "_embedded": {"elements": [{"_type": "Wor')
            return True
        if kind == 'html':
            self.send_raw(int(fault.get('status') or 200),
                          '<!DOCTYPE html><html><head><title>Sign in</title></head><body>Login</body></html>',
                          ctype='text/html; charset=utf-8')
            return True
        if kind == 'retry_after':
            secs = fault.get('seconds', 1)
            self.send_json(429, error_body('TooManyRequests', 'Too many requests. Please try again later.'),
                           headers={'Retry-After': str(int(secs))})
            return True
        status = int(fault.get('status') or 500)
        if fault.get('body') == 'html':
            self.send_raw(status, '<html><body><h1>%d Bad Gateway</h1></body></html>' % status,
                          ctype='text/html; charset=utf-8')
            return True
        ident = {500: 'InternalServerError', 404: 'NotFound', 401: 'Unauthenticated', 403: 'MissingPermission',
                 409: 'UpdateConflict', 400: 'InvalidQuery'}.get(status, 'InternalServerError')
        headers = {'Retry-After': str(int(fault['seconds']))} if fault.get('seconds') else None
        self.send_json(status, error_body(ident, fault.get('message') or 'Simulated failure (%d).' % status),
                       headers=headers)
        return True

    # ----------------------------------------------------------------- authentication
    def authenticate(self):
        sim = self.sim
        header = self.headers.get('Authorization') or ''
        key = None
        if header.lower().startswith('basic '):
            try:
                user, _, pwd = base64.b64decode(header[6:].strip()).decode('utf-8').partition(':')
            except Exception:
                user, pwd = None, None
            if user == 'apikey':
                key = pwd
        elif header.lower().startswith('bearer ') and sim.profile['bearer']:
            key = header[7:].strip()
        uid = sim.keys.get(key) if key else None
        user = sim.store.principals.get(uid) if uid is not None else None
        if user is None or user.kind != 'User' or user.status != 'active':
            raise ApiError(401, 'Unauthenticated', 'You did not provide the correct credentials.',
                           headers={'WWW-Authenticate': 'Basic realm="OpenProject API"'})
        return uid

    # ----------------------------------------------------------------- API routes
    def api(self, method, path):
        sim = self.sim
        if not (path == '/api/v3' or path.startswith('/api/v3/')):
            raise not_found()
        with sim.lock:
            viewer = self.authenticate()
        if method not in ('GET', 'HEAD', 'POST'):
            raise ApiError(405, 'NotImplemented' if method == 'PUT' else 'MethodNotAllowed',
                           'The HTTP method is not allowed for this resource.')
        rel = path[len('/api/v3'):].rstrip('/')
        segs = [s for s in rel.split('/') if s]
        with sim.lock:
            sim._check_gen()
            rend = Renderer(sim.store, sim.profile, viewer)
            if method == 'POST':
                result = self.api_post(segs, viewer, rend)
            else:
                result = self.route(segs, viewer, rend)
        status = 200
        if isinstance(result, tuple):
            status, result = result
        if isinstance(result, str):
            self.send_raw(status, result)
        else:
            self.send_json(status, result)

    def route(self, segs, viewer, rend):
        s = self.sim.store
        n = len(segs)
        head = segs[0] if segs else ''
        if n == 0 or (n == 1 and head == 'root'):
            return rend.root()
        if head == 'configuration' and n == 1:
            return {'_type': 'Configuration', 'maximumAttachmentFileSize': 5242880, 'hostName': 'localhost',
                    'perPageOptions': [20, 100], 'activeFeatureFlags': [],
                    '_links': {'self': {'href': API + '/configuration'}}}
        if head == 'work_packages':
            if n == 1:
                return self.wp_collection(viewer, rend, None)
            wp = self.get_wp(segs[1], viewer)
            if n == 2:
                return self.sim.fragment('work_package', wp, rend)
            if n == 3 and segs[2] == 'activities':
                js = [s.journals[j] for j in s.journals_by_wp[wp.id]]
                js = [j for j in js if not j.internal or s.allowed(viewer, wp.project_id, 'edit_work_package_notes')]
                return self.plain_collection('%s/work_packages/%d/activities' % (API, wp.id),
                                             [rend.activity(j) for j in js])
            raise not_found()
        if head == 'projects':
            if n == 1:
                return self.project_collection(viewer, rend)
            proj = self.get_project(segs[1], viewer)
            if n == 2:
                return rend.project(proj)
            sub = segs[2]
            if n == 3 and sub == 'work_packages':
                if not s.allowed(viewer, proj.id, 'view_work_packages'):
                    raise ApiError(403, 'MissingPermission', 'You are not authorized to access this resource.')
                return self.wp_collection(viewer, rend, proj)
            if n == 3 and sub == 'types':
                used = sorted(set(s.wps[w].type_id for w in s.wps_by_project.get(proj.id, ()))) or sorted(s.types)
                return self.plain_collection('%s/projects/%d/types' % (API, proj.id),
                                             [rend.type(s.types[t]) for t in sorted(s.types) if t in used
                                              or s.types[t].is_default])
            if n == 3 and sub == 'categories':
                return self.plain_collection('%s/projects/%d/categories' % (API, proj.id),
                                             [rend.category(c) for c in sorted(s.categories.values(),
                                                                               key=lambda c: c.id)
                                              if c.project_id == proj.id])
            if n == 3 and sub == 'versions':
                return self.plain_collection('%s/projects/%d/versions' % (API, proj.id),
                                             [rend.version(v) for v in sorted(s.versions.values(),
                                                                              key=lambda v: v.id)
                                              if v.project_id == proj.id or v.sharing == 'system'])
            raise not_found()
        if head == 'time_entries':
            if n == 1:
                return self.te_collection(viewer, rend)
            if segs[1] in ('activities', 'activity') and n == 3:
                act = s.te_activities.get(_int(segs[2]))
                if act is None:
                    raise not_found()
                return rend.te_activity(act)
            if n == 2:
                te = s.tes.get(_int(segs[1]))
                if te is None or not s.te_visible(viewer, te):
                    raise not_found()
                return self.sim.fragment('time_entry', te, rend)
            raise not_found()
        if head in ('activities', 'activity') and n == 2:
            j = s.journals.get(_int(segs[1]))
            if j is None or not s.wp_visible(viewer, s.wps[j.wp_id]):
                raise not_found()
            return rend.activity(j)
        if head == 'users':
            if n == 1:
                return self.user_collection(viewer, rend)
            if n == 2:
                uid = viewer if segs[1] == 'me' else _int(segs[1])
                p = s.principals.get(uid)
                if p is None or p.kind not in ('User', 'DeletedUser'):
                    raise not_found()
                return rend.principal(p)
            raise not_found()
        if head == 'groups' and n == 2:
            p = s.principals.get(_int(segs[1]))
            if p is None or p.kind != 'Group':
                raise not_found()
            return rend.principal(p)
        if head == 'placeholder_users' and n == 2 and self.sim.profile['placeholders']:
            p = s.principals.get(_int(segs[1]))
            if p is None or p.kind != 'PlaceholderUser':
                raise not_found()
            return rend.principal(p)
        simple = {'statuses': (s.statuses, rend.status), 'types': (s.types, rend.type),
                  'priorities': (s.priorities, rend.priority)}
        if head in simple:
            table, fn = simple[head]
            if n == 1:
                return self.plain_collection('%s/%s' % (API, head),
                                             [fn(o) for o in sorted(table.values(), key=lambda o: (o.position, o.id))])
            if n == 2:
                obj = table.get(_int(segs[1]))
                if obj is None:
                    raise not_found()
                return fn(obj)
        if head == 'versions' and n == 2:
            v = s.versions.get(_int(segs[1]))
            if v is None or not s.allowed(viewer, v.project_id, 'view_work_packages'):
                raise not_found()
            return rend.version(v)
        if head == 'categories' and n == 2:
            c = s.categories.get(_int(segs[1]))
            if c is None or not s.allowed(viewer, c.project_id, 'view_project'):
                raise not_found()
            return rend.category(c)
        raise not_found()

    def api_post(self, segs, viewer, rend):
        """The one write the connector may use: POST /api/v3/work_packages/{id}/activities (a comment)."""
        s = self.sim.store
        if len(segs) == 3 and segs[0] == 'work_packages' and segs[2] == 'activities':
            wp = self.get_wp(segs[1], viewer)
            if not s.allowed(viewer, wp.project_id, 'add_work_package_notes'):
                raise ApiError(403, 'MissingPermission', 'You are not authorized to access this resource.')
            ctype = self.headers.get('Content-Type') or ''
            if 'json' not in ctype:
                raise ApiError(415, 'TypeNotSupported', 'Expected CONTENT-TYPE to be (expected value) but got '
                                                        '(actual value).')
            body = self.read_body()
            comment = body.get('comment')
            raw = comment.get('raw') if isinstance(comment, dict) else comment
            if not isinstance(raw, str) or not raw.strip():
                raise ApiError(422, 'PropertyConstraintViolation', "Comment can't be blank.")
            j = s.comment_wp(wp.id, {'user': viewer, 'comment': raw,
                                     'internal': bool(body.get('internal')) and self.sim.profile['activity_internal']})
            self.sim._check_gen()
            return 201, rend.activity(j)
        self.read_body()
        raise ApiError(405, 'MethodNotAllowed', 'The HTTP method is not allowed for this resource.')

    # ----------------------------------------------------------------- lookups
    def get_wp(self, raw_id, viewer):
        s = self.sim.store
        wp = s.wps.get(_int(raw_id))
        if wp is None or not s.wp_visible(viewer, wp):
            raise not_found()
        return wp

    def get_project(self, raw_id, viewer):
        s = self.sim.store
        pid = _int(raw_id)
        if pid is None:
            for p in s.projects.values():
                if p.identifier == raw_id:
                    pid = p.id
        proj = s.projects.get(pid)
        if proj is None or not s.allowed(viewer, proj.id, 'view_project'):
            raise not_found()
        return proj

    # ----------------------------------------------------------------- collections
    def page_params(self):
        def as_int(name, default):
            raw = self.query.get(name)
            if raw is None or raw == '':
                return default
            try:
                return int(raw)
            except ValueError:
                return default
        size = as_int('pageSize', DEFAULT_PAGE_SIZE)
        if size < 0:
            size = DEFAULT_PAGE_SIZE
        size = min(size, MAX_PAGE_SIZE)
        offset = max(as_int('offset', 1), 1)
        return offset, size

    def run_query(self, cache_key, candidates, spec, aliases, sort_cols, default_sort, default_filters=None):
        sim = self.sim
        raw_filters = self.query.get('filters')
        if raw_filters is None:
            raw_filters = default_filters
        raw_sort = self.query.get('sortBy')
        key = (cache_key, raw_filters, raw_sort)
        hit = sim.query_cache.get(key)
        if hit is not None:
            sim.query_cache.move_to_end(key)
            return hit, raw_filters, raw_sort
        ctx = {'viewer': cache_key[1], 'store': sim.store, 'now': sim.store.clock(),
               'closed_statuses': set(st.id for st in sim.store.statuses.values() if st.is_closed)}
        preds = compile_filters(raw_filters, spec, aliases, ctx) if raw_filters not in (None, '') else []
        sort = compile_sort(raw_sort, sort_cols, aliases, default_sort)
        objs = candidates()
        if preds:
            objs = [o for o in objs if all(p(o) for p in preds)]
        else:
            objs = list(objs)
        if not (len(sort) == 1 and sort[0][0] is sort_cols['id'] and not sort[0][1]):
            apply_sort(objs, sort)
        sim.query_cache[key] = objs
        if len(sim.query_cache) > 64:
            sim.query_cache.popitem(last=False)
        return objs, raw_filters, raw_sort

    def paginated(self, base, objs, kind, rend, raw_filters, raw_sort):
        offset, size = self.page_params()
        total = len(objs)
        page = objs[(offset - 1) * size: offset * size] if size else []
        frags = [self.sim.fragment(kind, o, rend) for o in page]

        def href(off, sz, templ=None):
            q = []
            if raw_filters is not None:
                q.append(('filters', raw_filters))
            q.append(('offset', off))
            q.append(('pageSize', sz))
            if raw_sort is not None:
                q.append(('sortBy', raw_sort))
            out = base + '?' + urlencode(q, quote_via=quote)
            return out
        links = {'self': {'href': href(offset, size)},
                 'jumpTo': {'href': href('{offset}', size), 'templated': True},
                 'changeSize': {'href': href(offset, '{size}'), 'templated': True}}
        if size and offset * size < total:
            links['nextByOffset'] = {'href': href(offset + 1, size)}
        if offset > 1:
            links['previousByOffset'] = {'href': href(offset - 1, size)}
        if base.endswith('/projects'):
            links['representations'] = []
        head = {'_type': 'Collection', 'total': total, 'count': len(page), 'pageSize': size, 'offset': offset,
                '_links': links}
        text = json.dumps(head, separators=JSON_SEP)
        return text[:-1] + ',"_embedded":{"elements":[' + ','.join(frags) + ']}}'

    def plain_collection(self, href, elements):
        return {'_type': 'Collection', 'total': len(elements), 'count': len(elements),
                '_embedded': {'elements': elements}, '_links': {'self': {'href': href}}}

    def wp_collection(self, viewer, rend, project):
        s = self.sim.store
        if project is None:
            pids = s.project_ids_with(viewer, 'view_work_packages')
            base = API + '/work_packages'
        else:
            # like the real server (default setting): the project's and its visible subprojects' packages
            pids = [project.id] + [p for p in s.project_ids_with(viewer, 'view_work_packages')
                                   if p != project.id and self._descends(p, project.id)]
            base = '%s/projects/%d/work_packages' % (API, project.id)

        def candidates():
            if len(pids) == 1:
                return [s.wps[w] for w in s.wps_by_project.get(pids[0], ())]
            ids = []
            for pid in pids:
                ids.extend(s.wps_by_project.get(pid, ()))
            ids.sort()
            return [s.wps[w] for w in ids]
        objs, rf, rs = self.run_query(('wp', viewer, base), candidates, wp_spec(s, viewer), WP_ALIASES,
                                      wp_sort(s), [['id', 'asc']], WP_DEFAULT_FILTER)
        return self.paginated(base, objs, 'work_package', rend, rf, rs)

    def _descends(self, pid, ancestor):
        s = self.sim.store
        cur = s.projects[pid].parent_id
        while cur is not None:
            if cur == ancestor:
                return True
            cur = s.projects[cur].parent_id
        return False

    def te_collection(self, viewer, rend):
        s = self.sim.store
        prof = self.sim.profile

        def candidates():
            ids = []
            for pid in sorted(s.projects):
                perms = s.permissions(viewer, pid)
                if 'view_time_entries' in perms:
                    ids.extend(s.tes_by_project.get(pid, ()))
                elif 'view_own_time_entries' in perms:
                    ids.extend(t for t in s.tes_by_project.get(pid, ()) if s.tes[t].user_id == viewer)
            ids.sort()
            return [s.tes[t] for t in ids]
        objs, rf, rs = self.run_query(('te', viewer, 'te'), candidates, te_spec(s, viewer, prof), TE_ALIASES,
                                      te_sort(prof), [['spent_on', 'asc']])
        return self.paginated(API + '/time_entries', objs, 'time_entry', rend, rf, rs)

    def project_collection(self, viewer, rend):
        s = self.sim.store

        def candidates():
            return [s.projects[p] for p in sorted(s.projects) if s.allowed(viewer, p, 'view_project')]
        objs, rf, rs = self.run_query(('project', viewer, 'p'), candidates, project_spec(s), PROJECT_ALIASES,
                                      PROJECT_SORT, [['id', 'asc']])
        return self.paginated(API + '/projects', objs, 'project', rend, rf, rs)

    def user_collection(self, viewer, rend):
        s = self.sim.store
        me = s.principals[viewer]
        allowed = me.admin or any(
            perm in s.permissions(viewer, pid) for perm in self.sim.profile['users_list_perms'] for pid in s.projects)
        if not allowed:
            raise ApiError(403, 'MissingPermission', 'You are not authorized to access this resource.')

        def candidates():
            return [p for _, p in sorted(s.principals.items()) if p.kind == 'User']
        objs, rf, rs = self.run_query(('user', viewer, 'u'), candidates, user_spec(), {}, USER_SORT, [['id', 'asc']])
        return self.paginated(API + '/users', objs, 'user', rend, rf, rs)

    # ----------------------------------------------------------------- control interface
    def control(self, method, path):
        from .control import handle_control
        sim = self.sim
        token = self.headers.get('X-Control-Token')
        if token is None or not hmac.compare_digest(token, sim.control_token):
            self.read_body()
            raise not_found()
        body = self.read_body() if method in ('POST', 'PATCH', 'PUT', 'DELETE') else {}
        status, result = handle_control(sim, method, path, body, self.query)
        if result is None:
            self.send_raw(status, b'', ctype='application/json')
        else:
            self.send_raw(status, json.dumps(result), ctype='application/json')


def _int(raw):
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def get_request(self):
        # Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm
        # holds the body back until the client's delayed ACK (~40 ms per keep-alive request).
        sock, address = super().get_request()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock, address


def make_server(sim, host='127.0.0.1', port=0):
    handler = type('BoundHandler', (Handler,), {'sim': sim})
    return Server((host, port), handler)
