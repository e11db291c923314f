"""Helpers for the simulator's own tests (Python 3): a tiny HTTP client and the spec's JSON schemas."""
import base64
import copy
import json
import os
import pathlib
import urllib.error
import urllib.parse
import urllib.request
from urllib.parse import urlparse

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))
SPEC_DIR = os.environ.get('OP_SPEC_DIR') or os.path.normpath(
    os.path.join(REPO_ROOT, '..', 'shared', 'openproject-api', 'docs', 'api', 'apiv3'))
SCHEMA_DIR = os.path.join(SPEC_DIR, 'components', 'schemas')
DEMO_PATH = os.path.join(HERE, 'datasets', 'demo.json')


def demo_data():
    with open(DEMO_PATH) as fh:
        return json.load(fh)


class Response(object):
    def __init__(self, status, headers, raw):
        self.status, self.headers, self.raw = status, headers, raw

    def json(self):
        return json.loads(self.raw.decode('utf-8'))


class Api(object):
    """GETs with Basic apikey auth (or none / bearer)."""

    def __init__(self, base, key=None, bearer=False):
        self.base, self.key, self.bearer = base, key, bearer

    def request(self, method, path, params=None, body=None, headers=None, key='default'):
        url = path if path.startswith('http') else self.base + path
        if params:
            url += ('&' if '?' in url else '?') + urllib.parse.urlencode(params)
        hdrs = dict(headers or {})
        key = self.key if key == 'default' else key
        if key is not None:
            if self.bearer:
                hdrs['Authorization'] = 'Bearer ' + key
            else:
                hdrs['Authorization'] = 'Basic ' + base64.b64encode(('apikey:' + key).encode()).decode()
        data = None
        if body is not None:
            data = json.dumps(body).encode('utf-8')
            hdrs.setdefault('Content-Type', 'application/json')
        req = urllib.request.Request(url, data=data, headers=hdrs, method=method)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return Response(resp.status, resp.headers, resp.read())
        except urllib.error.HTTPError as exc:
            return Response(exc.code, exc.headers, exc.read())

    def get(self, path, params=None, **kw):
        return self.request('GET', path, params=params, **kw)

    def get_json(self, path, params=None, status=200, **kw):
        resp = self.get(path, params, **kw)
        assert resp.status == status, (path, params, resp.status, resp.raw[:500])
        return resp.json()

    def all_elements(self, path, params=None, page_size=None):
        params = dict(params or {})
        if page_size:
            params['pageSize'] = page_size
        params['offset'] = 1
        out = []
        while True:
            page = self.get_json(path, params)
            out.extend(page['_embedded']['elements'])
            if 'nextByOffset' not in page['_links']:
                return out, page['total']
            params['offset'] += 1


def fjson(filters):
    return json.dumps(filters)


# ------------------------------------------------------------------------------------ JSON schemas
def _fix(node, profile):
    """Adapt the spec's schema text to what a validator needs (documented deviations, see the tests).

    - `type: string` with `format` date/date-time/duration also accepts null (the real server sends
      null for unset dates and durations, the spec does not say `nullable`);
    - draft-4 style boolean `exclusiveMinimum` becomes the draft 2020-12 numeric form;
    - `items` given as a list (group members) becomes a single schema;
    - for profile 7.3 the Formattable `format` enum also allows `textile`.
    """
    if isinstance(node, list):
        return [_fix(n, profile) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: _fix(v, profile) for k, v in node.items()}
    if node.get('type') == 'string' and node.get('format') in ('date', 'date-time', 'duration'):
        node['type'] = ['string', 'null']
    if isinstance(node.get('exclusiveMinimum'), bool):
        if node['exclusiveMinimum']:
            node['exclusiveMinimum'] = node.pop('minimum', 0)
        else:
            del node['exclusiveMinimum']
    if isinstance(node.get('items'), list):
        items = node['items']
        node['items'] = items[0] if len(items) == 1 else {'anyOf': items}
    if profile == '7.3' and node.get('enum') == ['plain', 'markdown', 'custom']:
        node['enum'] = ['plain', 'markdown', 'custom', 'textile']
    return node


# Known spec inconsistencies, patched so that real-server-shaped responses validate (see NOTES.md):
PATCHES = {
    # schema says string, every example (and servers from 9 on) returns a Formattable
    'time_entry_model.yml': lambda s: s['properties'].__setitem__(
        'comment', {'anyOf': [{'type': 'string'}, {'$ref': './formattable.yml'}]}),
    # schema says string/format date for the position, servers return an integer
    'time_entry_activity_model.yml': lambda s: s['properties'].__setitem__('position', {'type': 'integer'}),
}


class Schemas(object):
    def __init__(self, profile='current'):
        import yaml
        from jsonschema import Draft202012Validator
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012
        self.profile = profile
        self._validator_cls = Draft202012Validator

        def retrieve(uri):
            path = urlparse(uri).path
            with open(path) as fh:
                data = yaml.safe_load(fh)
            data = _fix(data, profile)
            name = os.path.basename(path)
            if name in PATCHES:
                data = copy.deepcopy(data)
                PATCHES[name](data)
            if name == 'type_model.yml' and profile != 'current':
                # `ownName` (type variants) only exists on the newest servers
                data['required'] = [r for r in data['required'] if r != 'ownName']
            return Resource.from_contents(data, default_specification=DRAFT202012)
        registry = Registry(retrieve=retrieve)
        resources = []
        for fname in sorted(os.listdir(SCHEMA_DIR)):
            if fname.endswith('.yml'):
                uri = pathlib.Path(SCHEMA_DIR, fname).as_uri()
                resources.append((uri, retrieve(uri)))
        self.registry = registry.with_resources(resources).crawl()
        self._validators = {}

    def validator(self, name):
        if name not in self._validators:
            uri = pathlib.Path(SCHEMA_DIR, name).as_uri()
            self._validators[name] = self._validator_cls({'$ref': uri}, registry=self.registry)
        return self._validators[name]

    def errors(self, name, instance):
        return ['%s: %s' % ('/'.join(str(p) for p in e.absolute_path), e.message)
                for e in self.validator(name).iter_errors(instance)]

    def check(self, name, instance):
        errs = self.errors(name, instance)
        assert not errs, '%s: %s' % (name, errs[:10])
