"""The control interface: mutations behave like the real server, faults, counters, webhooks."""
import hashlib
import hmac
import json
import os
import socket
import sys
import threading
import time

import pytest

if sys.version_info[0] < 3:  # pragma: no cover
    pytest.skip('simulator tests need Python 3', allow_module_level=True)

from http.server import BaseHTTPRequestHandler, HTTPServer  # noqa: E402
import http.client  # noqa: E402
import urllib.request  # noqa: E402

from op_simulator.testing import Api, fjson  # noqa: E402

ERR = 'urn:openproject-org:api:v3:errors:'
DEMO_JSON = os.path.join(os.path.dirname(__file__), 'op_simulator', 'datasets', 'demo.json')


@pytest.fixture
def bot(simulator):
    return Api(simulator.url, simulator.api_key)


@pytest.fixture
def admin(simulator):
    return Api(simulator.url, simulator.admin_key)


def raw_control(sim, method, path, token):
    headers = {} if token is None else {'X-Control-Token': token}
    req = urllib.request.Request(sim.url + path, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_control_needs_the_token(simulator):
    assert raw_control(simulator, 'GET', '/_control/info', None) == 404
    assert raw_control(simulator, 'GET', '/_control/info', 'wrong') == 404
    assert raw_control(simulator, 'GET', '/_control/info', simulator.control_token) == 200


def test_info_counts_match_demo(simulator):
    from op_simulator.testing import demo_data
    data = demo_data()
    info = simulator.control('GET', '/_control/info')
    assert info['counts']['work_packages'] == len(data['work_packages'])
    assert info['counts']['time_entries'] == len(data['time_entries'])
    assert info['counts']['activities'] == len(data['work_packages']) + len(data['activities'])
    assert info['bot_user_id'] == 2 and info['admin_user_id'] == 1


def test_update_bumps_lock_version_and_updated_at(simulator, bot):
    simulator.control('POST', '/_control/clock', {'now': '2024-06-02T08:00:00Z'})
    before = bot.get_json('/api/v3/work_packages/1')
    simulator.control('PATCH', '/_control/work_packages/1', {'status': 'Closed', 'user': 3})
    after = bot.get_json('/api/v3/work_packages/1')
    assert after['lockVersion'] == before['lockVersion'] + 1
    assert after['updatedAt'] == '2024-06-02T08:00:00.000Z'
    assert after['_links']['status']['title'] == 'Closed'
    acts = bot.get_json('/api/v3/work_packages/1/activities')['_embedded']['elements']
    assert acts[-1]['_type'] == 'Activity'
    assert [d['raw'] for d in acts[-1]['details']] == ['Status changed from New to Closed']
    assert acts[-1]['version'] == len(acts)
    # closed now: gone from the default (open) list, found by updatedAt window
    assert 1 not in [e['id'] for e in bot.get_json('/api/v3/work_packages')['_embedded']['elements']]
    window = bot.get_json('/api/v3/work_packages', {'filters': fjson([{'updatedAt': {
        'operator': '<>d', 'values': ['2024-06-02T07:59:00Z', '2024-06-02T08:01:00Z']}}])})
    assert [e['id'] for e in window['_embedded']['elements']] == [1]


def test_aggregated_change_keeps_the_journal(simulator, bot):
    simulator.control('POST', '/_control/clock', {'now': '2024-06-02T08:00:00Z'})
    simulator.control('PATCH', '/_control/work_packages/2', {'subject': 'First', 'user': 4})
    first = bot.get_json('/api/v3/work_packages/2/activities')['_embedded']['elements'][-1]
    simulator.control('POST', '/_control/clock', {'advance': 60})
    simulator.control('PATCH', '/_control/work_packages/2', {'done_ratio': 50, 'user': 4, 'aggregate': True})
    acts = bot.get_json('/api/v3/work_packages/2/activities')['_embedded']['elements']
    assert acts[-1]['id'] == first['id'] and acts[-1]['version'] == first['version']
    assert len(acts[-1]['details']) == 2
    assert acts[-1]['updatedAt'] == '2024-06-02T08:01:00.000Z'
    assert bot.get_json('/api/v3/work_packages/2')['updatedAt'] == '2024-06-02T08:01:00.000Z'


def test_comment_and_activity_edit(simulator, bot):
    simulator.control('POST', '/_control/clock', {'now': '2024-06-03T10:00:00Z'})
    before = bot.get_json('/api/v3/work_packages/9')
    act = simulator.control('POST', '/_control/work_packages/9/comments', {'comment': 'Hello **there**', 'user': 3})
    assert act['_type'] == 'Activity::Comment'
    after = bot.get_json('/api/v3/work_packages/9')
    assert after['lockVersion'] == before['lockVersion'] + 1
    assert after['updatedAt'] == '2024-06-03T10:00:00.000Z'
    simulator.control('POST', '/_control/clock', {'advance': 120})
    edited = simulator.control('PATCH', '/_control/activities/%d' % act['id'], {'comment': 'Hello again'})
    assert edited['id'] == act['id'] and edited['version'] == act['version']
    got = bot.get_json('/api/v3/activities/%d' % act['id'])
    assert got['comment']['raw'] == 'Hello again' and got['updatedAt'] == '2024-06-03T10:02:00.000Z'
    assert bot.get_json('/api/v3/work_packages/9')['lockVersion'] == after['lockVersion']


def test_move_to_invisible_project_moves_time_entries(simulator, bot, admin):
    simulator.control('PATCH', '/_control/work_packages/1', {'project': 4})
    assert bot.get('/api/v3/work_packages/1').status == 404
    assert bot.get('/api/v3/time_entries/1').status == 404
    assert admin.get_json('/api/v3/time_entries/1')['_links']['project']['href'] == '/api/v3/projects/4'


def test_delete_cascades(simulator, bot):
    out = simulator.control('DELETE', '/_control/work_packages/1')
    assert out['deleted'] == {'work_packages': [1, 6], 'time_entries': [1, 2]}
    for path in ('/api/v3/work_packages/1', '/api/v3/work_packages/6', '/api/v3/time_entries/1',
                 '/api/v3/time_entries/2', '/api/v3/activities/101'):
        assert bot.get(path).status == 404


def test_ids_of_deleted_records_are_never_reused(simulator):
    # The real server's ids come from database sequences: a record created after the one with
    # the highest id was deleted gets a new id, never the deleted one's.
    demo = json.load(open(DEMO_JSON))
    highest_wp = max(wp['id'] for wp in demo['work_packages'])
    highest_te = max(te['id'] for te in demo['time_entries'])
    simulator.control('DELETE', '/_control/work_packages/%d' % highest_wp)
    wp = simulator.control('POST', '/_control/work_packages', {'project': 1, 'subject': 'After'})
    assert wp['id'] == highest_wp + 1
    simulator.control('DELETE', '/_control/time_entries/%d' % highest_te)
    te = simulator.control('POST', '/_control/time_entries', {'work_package': wp['id'], 'user': 2,
                                                              'hours': 1, 'spent_on': '2024-06-01'})
    assert te['id'] == highest_te + 1


def test_create_work_package_and_time_entry(simulator, bot):
    wp = simulator.control('POST', '/_control/work_packages', {'project': 1, 'subject': 'Brand new', 'assignee': 3})
    got = bot.get_json('/api/v3/work_packages/%d' % wp['id'])
    assert got['subject'] == 'Brand new' and got['lockVersion'] == 0
    assert got['_links']['status']['title'] == 'New'
    te = simulator.control('POST', '/_control/time_entries', {'work_package': wp['id'], 'user': 2, 'hours': 1.25,
                                                              'spent_on': '2024-06-01', 'comment': 'x'})
    got = bot.get_json('/api/v3/time_entries/%d' % te['id'])
    assert got['hours'] == 'PT1H15M'
    assert bot.get_json('/api/v3/work_packages/%d' % wp['id'])['spentTime'] == 'PT1H15M'
    simulator.control('PATCH', '/_control/time_entries/%d' % te['id'], {'hours': 2})
    assert bot.get_json('/api/v3/time_entries/%d' % te['id'])['hours'] == 'PT2H'
    simulator.control('DELETE', '/_control/time_entries/%d' % te['id'])
    assert bot.get('/api/v3/time_entries/%d' % te['id']).status == 404


def test_delete_user_replaces_references(simulator, bot):
    info = simulator.control('DELETE', '/_control/users/3')
    did = info['replaced_by']
    wp1 = bot.get_json('/api/v3/work_packages/1')
    assert wp1['_links']['assignee'] == {'href': '/api/v3/users/%d' % did, 'title': 'Deleted user'}
    assert bot.get('/api/v3/users/3').status == 404


def test_archive_project(simulator, bot):
    simulator.control('PATCH', '/_control/projects/3', {'active': False})
    assert bot.get('/api/v3/projects/3').status == 404
    assert bot.get('/api/v3/work_packages/9').status == 404


def test_reset_restores_dataset(simulator, bot):
    simulator.control('DELETE', '/_control/work_packages/1')
    simulator.reset()
    assert bot.get('/api/v3/work_packages/1').status == 200


# ------------------------------------------------------------------------------------ faults
def test_fault_status_for_n_requests(simulator, bot):
    simulator.control('POST', '/_control/faults', {'path': '/api/v3/projects', 'count': 2, 'kind': 'status',
                                                   'status': 503})
    first, second, third = [bot.get('/api/v3/projects') for _ in range(3)]
    assert first.status == second.status == 503
    assert first.json()['_type'] == 'Error'
    assert third.status == 200
    assert bot.get('/api/v3/work_packages').status == 200


def test_fault_retry_after(simulator, bot):
    simulator.control('POST', '/_control/faults', {'path': '^/api/v3/work_packages$', 'kind': 'retry_after',
                                                   'seconds': 7})
    assert bot.get('/api/v3/work_packages/1').status == 200     # regex did not match
    resp = bot.get('/api/v3/work_packages')
    assert resp.status == 429 and resp.headers['Retry-After'] == '7'


def test_fault_html_proxy_page_and_malformed(simulator, bot):
    simulator.control('POST', '/_control/faults', {'path': '/api/v3', 'kind': 'status', 'status': 502,
                                                   'body': 'html'})
    resp = bot.get('/api/v3/projects')
    assert resp.status == 502 and resp.headers['Content-Type'].startswith('text/html')
    simulator.control('POST', '/_control/faults', {'path': '/api/v3', 'kind': 'malformed'})
    resp = bot.get('/api/v3/projects')
    assert resp.status == 200
    with pytest.raises(ValueError):
        json.loads(resp.raw.decode())
    simulator.control('POST', '/_control/faults', {'path': '/api/v3', 'kind': 'html'})
    resp = bot.get('/api/v3/projects')
    assert resp.status == 200 and resp.headers['Content-Type'].startswith('text/html')


def test_fault_delay_and_drop(simulator, bot):
    simulator.control('POST', '/_control/faults', {'path': '/api/v3/projects', 'kind': 'delay', 'seconds': 0.5})
    t0 = time.time()
    assert bot.get('/api/v3/projects').status == 200
    assert time.time() - t0 >= 0.45
    simulator.control('POST', '/_control/faults', {'path': '/api/v3/projects', 'kind': 'drop'})
    host, port = simulator.url.split('//')[1].split(':')
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    conn.request('GET', '/api/v3/projects')
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError, socket.error)):
        conn.getresponse()
    assert bot.get('/api/v3/projects').status == 200


def test_counters(simulator, bot):
    simulator.control('POST', '/_control/counters/reset')
    bot.get('/api/v3/work_packages')
    bot.get('/api/v3/work_packages/1')
    bot.get('/api/v3/work_packages/2')
    bot.get('/api/v3/work_packages/2/activities')
    simulator.control('GET', '/_control/info')     # not counted
    counters = simulator.control('GET', '/_control/counters')
    assert counters['total'] == 4
    assert counters['by_endpoint'] == {'GET /api/v3/work_packages': 1, 'GET /api/v3/work_packages/{id}': 2,
                                       'GET /api/v3/work_packages/{id}/activities': 1}


# ------------------------------------------------------------------------------------ webhooks
class _Receiver(BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers['Content-Length']))
        self.received.append((dict(self.headers), body))
        self.send_response(200)
        self.send_header('Content-Length', '0')
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    _Receiver.received = []
    server = HTTPServer(('127.0.0.1', 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield 'http://127.0.0.1:%d/hook' % server.server_address[1], _Receiver.received
    server.shutdown()
    server.server_close()


def test_webhook_signed_delivery(simulator, receiver):
    url, received = receiver
    simulator.control('POST', '/_control/webhooks', {'url': url, 'secret': 's3cret'})
    simulator.control('PATCH', '/_control/work_packages/1', {'subject': 'Hooked'})
    log = simulator.control('GET', '/_control/webhooks?wait=5')
    assert [d['status'] for d in log['deliveries']] == [200]
    headers, body = received[0]
    expected = 'sha1=' + hmac.new(b's3cret', body, hashlib.sha1).hexdigest()
    assert headers['X-OP-Signature'] == expected
    payload = json.loads(body.decode())
    assert payload['action'] == 'work_package:updated'
    assert payload['work_package']['id'] == 1 and payload['work_package']['subject'] == 'Hooked'


def test_webhook_explicit_send(simulator, receiver):
    url, received = receiver
    out = simulator.control('POST', '/_control/webhooks/send', {'action': 'work_package:created', 'id': 2,
                                                               'url': url})
    assert out['deliveries'][0]['status'] == 200
    headers, body = received[0]
    assert 'X-OP-Signature' not in headers
    assert json.loads(body.decode())['work_package']['_type'] == 'WorkPackage'


def test_responses_are_not_held_back_by_nagle():
    # Headers and body are separate writes; with Nagle's algorithm on, every keep-alive
    # response after the first waits for the client's delayed ACK. Accepted sockets must
    # therefore have TCP_NODELAY set.
    from op_simulator.server import make_server
    server = make_server(sim=None, host='127.0.0.1', port=0)
    client = socket.create_connection(server.server_address)
    try:
        accepted, _address = server.get_request()
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        accepted.close()
    finally:
        client.close()
        server.server_close()
