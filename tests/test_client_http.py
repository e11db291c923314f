# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).
"""The OpenProject client against the simulator, over real HTTP on 127.0.0.1.

No mocking: the simulator (``simulator`` fixture, tests/conftest.py) is a
separate process.  Expected values are computed here from
tests/op_simulator/datasets/demo.json and the API's documented rules, not
read back from the simulator.
"""
from __future__ import absolute_import, unicode_literals

import base64
import json
import logging
import math
import os
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'connector_openproject'))

from openproject_client import OpenProjectClient, errors, hal, values  # noqa: E402

DEMO_PATH = os.path.join(HERE, 'op_simulator', 'datasets', 'demo.json')
with open(DEMO_PATH) as _fh:
    DEMO = json.load(_fh)

#: what the roles the demo uses grant (OpenProject's default roles)
ROLE_PERMS = {
    'Project admin': {'view_work_packages', 'view_time_entries'},
    'Member': {'view_work_packages', 'view_time_entries'},
    'Reader': {'view_work_packages'},
    'Time reader': {'view_time_entries'},
}
CLOSED_STATUSES = {'Closed', 'Rejected'}
SERVER_MAX_PAGE_SIZE = 1000  # the simulator's documented maximum

# ---------------------------------------------------------------- expectations


def _bot():
    return [u for u in DEMO['users'] if u.get('bot')][0]


def _projects_with(user_id, perm):
    groups = {g['id'] for g in DEMO.get('groups', [])
              if user_id in g.get('members', [])}
    principals = {user_id} | groups
    result = set()
    for proj in DEMO['projects']:
        if not proj.get('active', True):
            continue  # archived: nothing inside is visible
        for member in proj.get('members', []):
            if member['principal'] in principals and any(
                    perm in ROLE_PERMS[r] for r in member.get('roles', ['Member'])):
                result.add(proj['id'])
    return result


def _wp_project(wp_id):
    return [w for w in DEMO['work_packages'] if w['id'] == wp_id][0]['project']


def expected_wp_ids(user_id, open_only=False, project=None):
    projects = _projects_with(user_id, 'view_work_packages')
    return sorted(
        w['id'] for w in DEMO['work_packages']
        if w['project'] in projects
        and (project is None or w['project'] == project)
        and not (open_only and w.get('status', 'New') in CLOSED_STATUSES))


def expected_te_ids(user_id, spent_between=None):
    projects = _projects_with(user_id, 'view_time_entries')
    result = []
    for te in DEMO['time_entries']:
        pid = te.get('project') or _wp_project(te['work_package'])
        if pid not in projects:
            continue
        if spent_between and not (
                spent_between[0] <= te['spent_on'] <= spent_between[1]):
            continue
        result.append(te['id'])
    return sorted(result)


def invisible_project_id(user_id):
    visible = _projects_with(user_id, 'view_work_packages') | \
        _projects_with(user_id, 'view_time_entries')
    return [p['id'] for p in DEMO['projects']
            if p['id'] not in visible and p.get('active', True)
            and user_id not in [m['principal'] for m in p.get('members', [])]][0]


# ---------------------------------------------------------------- helpers


def make_client(simulator, key=None, **kw):
    kw.setdefault('retries', 3)
    kw.setdefault('backoff_factor', 0)
    kw.setdefault('timeout', 10)
    return OpenProjectClient(simulator.url, key or simulator.api_key, **kw)


def counters(simulator):
    return simulator.control('GET', '/_control/counters')


def reset_counters(simulator):
    simulator.control('POST', '/_control/counters/reset')


def fault(simulator, **body):
    return simulator.control('POST', '/_control/faults', body)


def secret_forms(key):
    return [key, base64.b64encode(('apikey:%s' % key).encode()).decode(),
            base64.b64encode(key.encode()).decode()]


def assert_no_secret(text, key):
    for secret in secret_forms(key):
        assert secret not in text, 'API key leaked into %r' % text


# ---------------------------------------------------------------- auth


def test_whoami_is_the_bot(simulator):
    client = make_client(simulator)
    me = client.whoami()
    bot = _bot()
    assert me['_type'] == 'User'
    assert me['id'] == bot['id']
    assert me['name'] == '%s %s' % (bot['firstname'], bot['lastname'])
    assert client.request_count == 1


def test_wrong_key_is_unauthenticated(simulator):
    key = 'wrong-key-that-must-not-leak-42'
    client = make_client(simulator, key=key)
    with pytest.raises(errors.Unauthenticated) as info:
        client.whoami()
    exc = info.value
    assert exc.status == 401
    assert exc.identifier == 'Unauthenticated'
    assert str(exc).startswith(
        'OpenProject rejected the API key (401). Check the key on the backend.')
    assert not exc.transient
    for text in (str(exc), repr(exc), repr(client), repr(vars(exc))):
        assert_no_secret(text, key)
    # 401 is not retried
    assert counters(simulator)['total'] == 1


def test_invisible_project_is_not_found(simulator):
    client = make_client(simulator)
    pid = invisible_project_id(_bot()['id'])
    with pytest.raises(errors.NotFound) as info:
        client.get('/api/v3/projects/%d' % pid)
    assert info.value.status == 404
    assert info.value.url == '/api/v3/projects/%d' % pid
    assert '/api/v3/projects/%d' % pid in str(info.value)
    assert not info.value.transient


def test_users_list_needs_admin(simulator):
    client = make_client(simulator)
    with pytest.raises(errors.MissingPermission) as info:
        list(client.iter_elements('/api/v3/users'))
    exc = info.value
    assert exc.status == 403 and exc.identifier == 'MissingPermission'
    assert '/api/v3/users' in str(exc)
    assert_no_secret(str(exc) + repr(exc), simulator.api_key)
    admin = make_client(simulator, key=simulator.admin_key)
    users = list(admin.iter_elements('/api/v3/users', page_size=2))
    logins = {u['login'] for u in users}
    assert _bot()['login'] in logins and 'admin' in logins


# ---------------------------------------------------------------- collections


def test_pagination_streams_every_page(simulator):
    client = make_client(simulator)
    expected = expected_wp_ids(_bot()['id'])
    size = 3
    reset_counters(simulator)
    pages = client.iter_pages('/api/v3/work_packages', filters=[],
                              sort_by=[('id', 'asc')], page_size=size)
    first = next(pages)
    # streaming: nothing beyond the first page was fetched yet
    assert counters(simulator)['total'] == 1
    assert first['offset'] == 1 and first['pageSize'] == size
    assert first['total'] == len(expected)
    rest = list(pages)
    ids = [e['id'] for p in [first] + rest for e in hal.elements(p)]
    assert ids == expected
    n_pages = int(math.ceil(len(expected) / float(size)))
    assert len(rest) + 1 == n_pages
    assert [p['offset'] for p in [first] + rest] == list(range(1, n_pages + 1))
    assert counters(simulator)['by_endpoint'] == {
        'GET /api/v3/work_packages': n_pages}
    assert client.request_count == n_pages


def test_pagination_exact_multiple_stops_without_empty_page(simulator):
    client = make_client(simulator)
    expected = expected_wp_ids(_bot()['id'])
    size = len(expected) // 2
    assert size * 2 == len(expected)  # the demo's 10 visible packages
    reset_counters(simulator)
    ids = [e['id'] for e in client.iter_elements(
        '/api/v3/work_packages', filters=[], page_size=size)]
    assert sorted(ids) == expected
    assert counters(simulator)['total'] == 2


def test_default_open_only_is_avoided_with_empty_filters(simulator):
    client = make_client(simulator)
    bot = _bot()['id']
    default = [e['id'] for e in client.iter_elements('/api/v3/work_packages')]
    everything = [e['id'] for e in client.iter_elements(
        '/api/v3/work_packages', filters=[])]
    assert sorted(default) == expected_wp_ids(bot, open_only=True)
    assert sorted(everything) == expected_wp_ids(bot)
    assert len(everything) > len(default)


def test_filters_actually_filter(simulator):
    client = make_client(simulator)
    bot = _bot()['id']
    project = sorted(_projects_with(bot, 'view_work_packages'))[-1]
    ids = [e['id'] for e in client.iter_elements(
        '/api/v3/work_packages', filters=[('project', '=', [project])])]
    assert sorted(ids) == expected_wp_ids(bot, project=project)
    assert {hal.link_id(e, 'project') for e in client.iter_elements(
        '/api/v3/work_packages', filters=[('project', '=', [project])])} == {project}
    window = ('2024-05-05', '2024-05-10')
    tes = list(client.iter_elements(
        '/api/v3/time_entries',
        filters=[('spent_on', '<>d', list(window))], sort_by=[('id', 'asc')]))
    assert [t['id'] for t in tes] == expected_te_ids(bot, window)
    assert expected_te_ids(bot, window)  # the window is not empty


def test_sort_by_is_sent(simulator):
    client = make_client(simulator)
    ids = [e['id'] for e in client.iter_elements(
        '/api/v3/work_packages', filters=[], sort_by=[('id', 'desc')],
        page_size=4)]
    assert ids == sorted(expected_wp_ids(_bot()['id']), reverse=True)


def test_invalid_filter_is_invalid_query(simulator):
    client = make_client(simulator)
    with pytest.raises(errors.InvalidQuery) as info:
        list(client.iter_elements('/api/v3/work_packages',
                                  filters=[('no_such_filter', '=', ['1'])]))
    assert info.value.status == 400
    assert '/api/v3/work_packages' in str(info.value)
    assert counters(simulator)['total'] == 1  # 400 is not retried


@pytest.mark.simulator(dataset='S')
def test_page_size_is_clamped_by_the_server(simulator):
    client = make_client(simulator, key=simulator.admin_key, timeout=60)
    reset_counters(simulator)
    pages = list(client.iter_pages('/api/v3/time_entries', page_size=5000,
                                   sort_by=[('id', 'asc')]))
    total = pages[0]['total']
    assert total > SERVER_MAX_PAGE_SIZE
    assert all(p['pageSize'] == SERVER_MAX_PAGE_SIZE for p in pages)
    ids = [e['id'] for p in pages for e in hal.elements(p)]
    assert len(ids) == total == len(set(ids))
    expected_pages = int(math.ceil(total / float(SERVER_MAX_PAGE_SIZE)))
    assert len(pages) == expected_pages
    assert counters(simulator)['total'] == expected_pages


def test_get_collection_unpaginated(simulator):
    client = make_client(simulator)
    statuses = client.get_collection('/api/v3/statuses')
    names = {s['name'] for s in statuses}
    assert {w.get('status', 'New') for w in DEMO['work_packages']} <= names
    assert all(s['_type'] == 'Status' for s in statuses)
    assert client.request_count == 1


def test_values_on_real_shapes(simulator):
    client = make_client(simulator)
    te = client.get('/api/v3/time_entries/4')
    demo = [t for t in DEMO['time_entries'] if t['id'] == 4][0]
    assert values.parse_duration_hours(te['hours']) == demo['hours']
    assert values.parse_date(te['spentOn']).isoformat() == demo['spent_on']
    assert values.formattable_raw(te['comment']) == demo['comment']
    created = values.parse_datetime(te['createdAt'])
    assert values.format_datetime(created) == demo['created_at']
    assert created.tzinfo is None


@pytest.mark.simulator(profile='7.3')
def test_values_on_7_3_plain_comment(simulator):
    client = make_client(simulator)
    te = client.get('/api/v3/time_entries/4')
    demo = [t for t in DEMO['time_entries'] if t['id'] == 4][0]
    assert isinstance(te['comment'], type(''))  # a plain string in 7.3
    assert values.formattable_raw(te['comment']) == demo['comment']
    assert values.formattable_html(te['comment']).startswith('<p>')
    assert '{' not in values.formattable_raw(te['comment'])


# ---------------------------------------------------------------- retries


@pytest.mark.parametrize('status', [502, 503, 504])
def test_gateway_errors_are_retried(simulator, status):
    client = make_client(simulator)
    fault(simulator, path='/api/v3/users/me', count=2, kind='status',
          status=status)
    assert client.whoami()['id'] == _bot()['id']
    assert counters(simulator)['by_endpoint'] == {'GET /api/v3/users/me': 3}
    assert client.request_count == 3


def test_html_proxy_error_is_retried_then_server_error(simulator):
    client = make_client(simulator, retries=2)
    fault(simulator, path='/api/v3/users/me', count=10, kind='status',
          status=502, body='html')
    with pytest.raises(errors.ServerError) as info:
        client.whoami()
    assert info.value.status == 502 and info.value.transient
    assert 'HTML' in str(info.value)
    assert counters(simulator)['total'] == 3  # 1 + 2 retries
    assert client.request_count == 3


def test_retries_exhausted_raise_server_error(simulator):
    client = make_client(simulator, retries=1)
    fault(simulator, path='/api/v3/projects', count=5, kind='status', status=503)
    with pytest.raises(errors.ServerError) as info:
        client.get('/api/v3/projects')
    assert info.value.status == 503
    assert info.value.transient
    assert counters(simulator)['total'] == 2


def test_500_is_not_retried(simulator):
    client = make_client(simulator)
    fault(simulator, path='/api/v3/projects', count=5, kind='status', status=500)
    with pytest.raises(errors.ServerError) as info:
        client.get('/api/v3/projects')
    assert info.value.identifier == 'InternalServerError'
    assert counters(simulator)['total'] == 1


def test_429_honours_retry_after(simulator):
    client = make_client(simulator)
    fault(simulator, path='/api/v3/users/me', count=1, kind='retry_after',
          seconds=1)
    started = time.time()
    assert client.whoami()['id'] == _bot()['id']
    assert time.time() - started >= 0.9  # waited as the server asked
    assert counters(simulator)['total'] == 2


def test_long_retry_after_is_not_waited_for(simulator):
    client = make_client(simulator, max_retry_after=5)
    fault(simulator, path='/api/v3/users/me', count=1, kind='retry_after',
          seconds=120)
    started = time.time()
    with pytest.raises(errors.RateLimited) as info:
        client.whoami()
    assert time.time() - started < 5
    assert info.value.retry_after == 120 and info.value.transient
    assert '120' in str(info.value)
    assert counters(simulator)['total'] == 1


def test_dropped_connection_is_retried(simulator):
    client = make_client(simulator)
    client.whoami()  # a kept-alive connection, then a dropped one
    fault(simulator, path='/api/v3/users/me', count=1, kind='drop')
    assert client.whoami()['id'] == _bot()['id']
    assert counters(simulator)['total'] == 3


def test_dropped_connections_exhaust_into_connection_failed(simulator):
    client = make_client(simulator, retries=1)
    fault(simulator, path='/api/v3/users/me', count=5, kind='drop')
    with pytest.raises(errors.ConnectionFailed) as info:
        client.whoami()
    assert info.value.transient
    assert counters(simulator)['total'] == 2
    assert_no_secret(str(info.value) + repr(info.value), simulator.api_key)


def test_read_timeout_is_retried(simulator):
    client = make_client(simulator, timeout=(5, 0.5))
    fault(simulator, path='/api/v3/users/me', count=1, kind='delay', seconds=1.5)
    assert client.whoami()['id'] == _bot()['id']
    assert client.request_count == 2


def test_read_timeout_without_retries(simulator):
    client = make_client(simulator, timeout=(5, 0.5), retries=0)
    fault(simulator, path='/api/v3/users/me', count=1, kind='delay', seconds=1.5)
    with pytest.raises(errors.ConnectionFailed) as info:
        client.whoami()
    assert 'did not answer' in str(info.value)
    time.sleep(1.2)  # let the delayed request finish before the next test


def test_connection_refused(simulator):
    client = OpenProjectClient('http://127.0.0.1:9', 'refused-key-123',
                               retries=1, backoff_factor=0, timeout=5)
    with pytest.raises(errors.ConnectionFailed) as info:
        client.whoami()
    assert info.value.transient
    assert 'http://127.0.0.1:9' in str(info.value)
    assert_no_secret(str(info.value) + repr(info.value), 'refused-key-123')


# ---------------------------------------------------------------- bad answers


def test_malformed_json_is_bad_response(simulator):
    client = make_client(simulator)
    fault(simulator, path='/api/v3/work_packages', count=1, kind='malformed')
    with pytest.raises(errors.BadResponse) as info:
        list(client.iter_elements('/api/v3/work_packages', filters=[]))
    assert 'not valid JSON' in str(info.value)
    assert not info.value.transient
    assert counters(simulator)['total'] == 1


def test_html_login_page_is_bad_response(simulator):
    client = make_client(simulator)
    fault(simulator, path='/api/v3/users/me', count=1, kind='html')
    with pytest.raises(errors.BadResponse) as info:
        client.whoami()
    assert 'HTML page' in str(info.value)


def test_html_404_is_bad_response_not_not_found(simulator):
    # a 404 page of a proxy/wrong URL must not look like "record deleted"
    client = make_client(simulator)
    fault(simulator, path='/api/v3/work_packages/1', count=1, kind='html',
          status=404)
    with pytest.raises(errors.BadResponse) as info:
        client.get('/api/v3/work_packages/1')
    assert not isinstance(info.value, errors.NotFound)
    assert info.value.status == 404


def test_href_of_another_host_is_refused(simulator):
    client = make_client(simulator)
    with pytest.raises(errors.BadResponse):
        client.get('http://192.0.2.1/api/v3/users/me')
    assert client.request_count == 0


def test_absolute_href_of_same_server(simulator):
    client = make_client(simulator)
    me = client.whoami()
    again = client.get(simulator.url + hal.link_href(me, 'self'))
    assert again['id'] == me['id']


# ---------------------------------------------------------------- secrets, TLS


def test_api_key_never_in_logs_or_errors(simulator, caplog):
    caplog.set_level(logging.DEBUG)
    texts = []
    wrong = 'wrong-secret-key-98765'
    for key in (simulator.api_key, wrong):
        client = make_client(simulator, key=key, debug=True, retries=1)
        texts.append(repr(client))
        texts.append(repr(client.session.auth))
        fault(simulator, path='/api/v3/projects', count=3, kind='status',
              status=503)
        fault(simulator, path='/api/v3/users/me', count=1, kind='malformed')
        for call in (client.whoami, lambda: client.get('/api/v3/projects'),
                     lambda: client.get('/api/v3/projects/999'),
                     lambda: list(client.iter_elements('/api/v3/users')),
                     client.whoami):
            try:
                call()
            except errors.OpenProjectError as exc:
                texts.extend([str(exc), repr(exc), repr(exc.args)])
        simulator.control('DELETE', '/_control/faults')
    log_text = '\n'.join(r.getMessage() for r in caplog.records)
    assert 'OpenProject request: GET' in log_text  # debug mode logs requests
    assert 'Basic ***' in log_text                  # ... with auth redacted
    assert 'retrying GET /api/v3/projects after HTTP 503' in log_text
    everything = '\n'.join(texts) + '\n' + log_text
    for key in (simulator.api_key, wrong):
        assert_no_secret(everything, key)


def test_tls_verify_on_by_default(simulator):
    client = OpenProjectClient(simulator.url, simulator.api_key)
    assert client.session.verify is True
    assert client.verify is True
    # TLS against the plain-HTTP simulator: a TLS failure, not a silent fallback
    tls = OpenProjectClient(simulator.url.replace('http://', 'https://'),
                            simulator.api_key, retries=0, timeout=5)
    with pytest.raises(errors.TLSFailed) as info:
        tls.whoami()
    assert not info.value.transient
    assert_no_secret(str(info.value) + repr(info.value), simulator.api_key)


# ---------------------------------------------------------------- features


@pytest.mark.simulator(profile='7.3')
def test_supports_filter_old_server(simulator):
    client = make_client(simulator)
    assert client.supports_filter('/api/v3/time_entries', 'updated_at') is False
    assert client.supports_filter('/api/v3/time_entries', 'spent_on',
                                  '<>d', ['2024-01-01', '2024-12-31']) is True
    assert client.supports_filter('/api/v3/work_packages', 'updated_at') is True
    before = counters(simulator)['total']
    assert client.supports_filter('/api/v3/time_entries', 'updated_at') is False
    assert counters(simulator)['total'] == before  # cached


def test_supports_filter_current_server(simulator):
    client = make_client(simulator)
    assert client.supports_filter('/api/v3/time_entries', 'updated_at') is True
    assert client.request_count == 1
    assert client.supports_filter('/api/v3/time_entries', 'updated_at') is True
    assert client.request_count == 1
