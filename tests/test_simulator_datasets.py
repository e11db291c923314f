"""Generated datasets (S/M/L), custom dataset files and the command line."""
import json
import os
import subprocess
import sys
import time

import pytest

if sys.version_info[0] < 3:  # pragma: no cover
    pytest.skip('simulator tests need Python 3', allow_module_level=True)

from op_simulator.testing import Api, REPO_ROOT  # noqa: E402


def test_m_has_the_documented_size(simulator_factory):
    sim = simulator_factory(dataset='M', seed=1)
    counts = sim.control('GET', '/_control/info')['counts']
    assert counts['projects'] == 20
    assert counts['users'] == 200
    assert counts['work_packages'] == 5000
    assert counts['time_entries'] == 20000
    assert counts['activities'] == 15000


def test_s_is_a_tenth_of_m(simulator_factory):
    counts = simulator_factory(dataset='S').control('GET', '/_control/info')['counts']
    assert (counts['users'], counts['work_packages'], counts['time_entries'], counts['activities']) == \
        (20, 500, 2000, 1500)


def test_generation_is_deterministic_per_seed(simulator_factory):
    def first_page(seed):
        sim = simulator_factory(dataset='S', seed=seed)
        api = Api(sim.url, sim.admin_key)
        page = api.get_json('/api/v3/work_packages', {'filters': '[]', 'pageSize': 50})
        return [(e['id'], e['subject'], e['_links']['assignee'].get('href')) for e in page['_embedded']['elements']]
    assert first_page(1) == first_page(1)
    assert first_page(1) != first_page(2)


def test_generated_bot_visibility(simulator_factory):
    sim = simulator_factory(dataset='S')
    bot = Api(sim.url, sim.api_key)
    admin = Api(sim.url, sim.admin_key)
    # S: 5 projects, the last archived, the one before it invisible to the bot
    assert [e['id'] for e in bot.get_json('/api/v3/projects')['_embedded']['elements']] == [1, 2, 3]
    assert len(admin.get_json('/api/v3/projects')['_embedded']['elements']) == 5
    visible = bot.get_json('/api/v3/work_packages', {'filters': '[]', 'pageSize': 1})['total']
    everything = admin.get_json('/api/v3/work_packages', {'filters': '[]', 'pageSize': 1})['total']
    assert 0 < visible < everything


def test_custom_dataset_file_with_defaults(tmp_path):
    path = tmp_path / 'tiny.json'
    path.write_text(json.dumps({'projects': [{'id': 1, 'name': 'Only', 'members': [{'principal': 5}]}],
                                'users': [{'id': 5, 'login': 'bot', 'bot': True}],
                                'work_packages': [{'id': 1, 'project': 1, 'subject': 'Hi'}]}))
    proc = subprocess.Popen([sys.executable, '-m', 'tests.op_simulator', '--port', '0', '--api-key', 'k',
                             '--dataset', str(path)], cwd=REPO_ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    try:
        line = proc.stdout.readline().decode()
        assert line.startswith('listening on http://127.0.0.1:')
        api = Api(line.split(' ', 2)[2].strip(), 'k')
        wp = api.get_json('/api/v3/work_packages/1')
        assert wp['_links']['status']['title'] == 'New'       # default status
        assert wp['_links']['type']['title'] == 'Task'        # default type
        assert wp['_links']['priority']['title'] == 'Normal'  # default priority
        assert api.get_json('/api/v3/users/me')['id'] == 5
    finally:
        proc.terminate()
        proc.wait()


def test_bad_dataset_exits_2(tmp_path):
    path = tmp_path / 'bad.json'
    path.write_text(json.dumps({'work_packages': [{'id': 1, 'project': 99}]}))
    res = subprocess.run([sys.executable, '-m', 'tests.op_simulator', '--port', '0', '--dataset', str(path)],
                         cwd=REPO_ROOT, capture_output=True, timeout=30)
    assert res.returncode == 2
    assert b'unknown project' in res.stderr


def test_l_starts_in_seconds_and_serves_big_pages_fast(simulator_factory):
    t0 = time.time()
    sim = simulator_factory(dataset='L')
    assert time.time() - t0 < 15
    api = Api(sim.url, sim.admin_key)
    t0 = time.time()
    page = api.get_json('/api/v3/work_packages', {'filters': '[]', 'pageSize': 1000, 'offset': 7})
    assert page['count'] == 1000 and page['total'] > 45000
    assert time.time() - t0 < 2
