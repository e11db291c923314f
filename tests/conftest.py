# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).
"""Shared pytest fixtures (Python 2.7 and 3): the OpenProject simulator.

``simulator`` starts (once per distinct option set, per test session) the simulator as a subprocess
``python3 -m tests.op_simulator --port 0 ...`` with cwd = repository root, and resets its data, faults,
counters, webhooks and clock before every test. Options come from the ``simulator`` marker::

    @pytest.mark.simulator(profile='7.3', dataset='demo', seed=1)
    def test_old_server(simulator):
        simulator.url, simulator.api_key, simulator.admin_key, simulator.control_token
        simulator.control('POST', '/_control/faults', {'kind': 'status', 'status': 503, 'path': '/api/v3/projects'})

``simulator_factory(profile=..., dataset=..., seed=...)`` returns a server for other options inside a test.
"""
from __future__ import absolute_import, print_function

import json
import os
import subprocess
import sys
import threading
import time

import pytest

try:  # Python 3
    from urllib.request import Request, urlopen
    from urllib.error import HTTPError
except ImportError:  # Python 2.7
    from urllib2 import Request, urlopen, HTTPError

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON3 = os.environ.get('OP_SIMULATOR_PYTHON', 'python3')
API_KEY = 'bot-api-key-0123456789abcdef'
ADMIN_KEY = 'admin-api-key-fedcba9876543210'
CONTROL_TOKEN = 'test-control-token'

# the simulator's own tests are Python 3 only (the simulator itself always runs under python3)
collect_ignore_glob = ['test_simulator_*.py', 'op_simulator/*'] if sys.version_info[0] < 3 else ['op_simulator/*']


class SimulatorProcess(object):
    """A running simulator. ``control(method, path, json=None)`` -> (status, decoded JSON or None)."""

    def __init__(self, profile='current', dataset='demo', seed=1, extra_keys=()):
        self.profile, self.dataset, self.seed = profile, dataset, seed
        self.api_key = API_KEY
        self.admin_key = ADMIN_KEY
        self.control_token = CONTROL_TOKEN
        cmd = [PYTHON3, '-m', 'tests.op_simulator', '--host', '127.0.0.1', '--port', '0',
               '--api-key', self.api_key, '--api-key', self.admin_key + ':admin',
               '--profile', str(profile), '--dataset', str(dataset), '--seed', str(seed),
               '--control-token', self.control_token]
        for key in extra_keys:
            cmd += ['--api-key', key]
        self.proc = subprocess.Popen(cmd, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = self._first_line(timeout=60)
        prefix = 'listening on '
        if not line.startswith(prefix):
            err = self.proc.stderr.read().decode('utf-8', 'replace') if self.proc.poll() is not None else ''
            self.stop()
            raise RuntimeError('simulator did not start: %r %s' % (line, err))
        self.url = line[len(prefix):].strip()
        # drain stderr so that the pipe never fills up
        self._drain = threading.Thread(target=self._drain_stderr)
        self._drain.daemon = True
        self._drain.start()

    def _first_line(self, timeout):
        result = []

        def read():
            result.append(self.proc.stdout.readline().decode('utf-8', 'replace'))
        reader = threading.Thread(target=read)
        reader.daemon = True
        reader.start()
        reader.join(timeout)
        return result[0] if result else ''

    def _drain_stderr(self):
        try:
            for _ in iter(self.proc.stderr.readline, b''):
                pass
        except Exception:
            pass

    def control(self, method, path, json=None):  # noqa: A002 - mirrors requests' keyword
        body = None
        headers = {'X-Control-Token': self.control_token, 'Accept': 'application/json'}
        if json is not None:
            body = _dumps(json).encode('utf-8')
            headers['Content-Type'] = 'application/json'
        req = Request(self.url + path, data=body, headers=headers)
        req.get_method = lambda: method.upper()
        try:
            resp = urlopen(req, timeout=60)
            status, raw = resp.getcode(), resp.read()
        except HTTPError as exc:
            status, raw = exc.code, exc.read()
        data = _loads(raw.decode('utf-8')) if raw else None
        if status >= 400:
            raise AssertionError('control %s %s -> %s %r' % (method, path, status, data))
        return data

    def reset(self):
        return self.control('POST', '/_control/reset')

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                deadline = time.time() + 5
                while self.proc.poll() is None and time.time() < deadline:
                    time.sleep(0.05)
                if self.proc.poll() is None:
                    self.proc.kill()
            except OSError:
                pass
        for stream in (self.proc.stdout, self.proc.stderr):
            try:
                stream.close()
            except Exception:
                pass


def _dumps(obj):
    return json.dumps(obj)


def _loads(text):
    return json.loads(text)


_SERVERS = {}


def _get_server(profile='current', dataset='demo', seed=1):
    key = (str(profile), str(dataset), int(seed))
    server = _SERVERS.get(key)
    if server is None or server.proc.poll() is not None:
        server = SimulatorProcess(profile=profile, dataset=dataset, seed=seed)
        _SERVERS[key] = server
    else:
        server.reset()
    return server


def pytest_configure(config):
    config.addinivalue_line('markers', 'simulator(profile="current", dataset="demo", seed=1): '
                                       'options of the OpenProject simulator fixture')


def pytest_unconfigure(config):
    for server in list(_SERVERS.values()):
        server.stop()
    _SERVERS.clear()


@pytest.fixture
def simulator(request):
    """A freshly reset simulator (options from the ``simulator`` marker)."""
    marker = request.node.get_closest_marker('simulator') if hasattr(request.node, 'get_closest_marker') \
        else request.node.get_marker('simulator')
    kwargs = dict(marker.kwargs) if marker is not None else {}
    return _get_server(**kwargs)


@pytest.fixture
def simulator_factory():
    """Callable(profile=..., dataset=..., seed=...) -> a freshly reset simulator."""
    return _get_server
