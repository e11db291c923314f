# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).
"""Issue 5: a sync killed mid-way resumes on the next run and ends with the same Odoo data as an
uninterrupted run.

Real processes: the Odoo 10 runtime of scripts/odoo-runtime.sh (ODOO_RC, ODOO_BIN, ODOO_PYTHON)
runs `odoo-bin shell` with tests/killed_sync_driver.py against the simulator's dataset S.

1. one database with the addon installed, copied twice (PostgreSQL template);
2. database "killed": a sync, killed with SIGKILL while a work-package job is in the middle of
   its page (a request of that job is held by a simulator delay fault, after some jobs were
   committed); then what follows a crash with queue_job 10.0 (its runner leaves the jobs of a
   dead process 'started': they are requeued, as its README says), the next sync to the end,
   and a dump of the imported data;
3. meanwhile, database "uninterrupted": a sync to the end, then the same dump;
4. both dumps are equal: per binding model the external ids and key fields, the counts of the
   Odoo records, the sync cursors; no job failed, none is left.

Skipped (with the reason) without an Odoo runtime or PostgreSQL, and on Python 2 (the tier that
drives Odoo from outside runs once, under Python 3).
"""
from __future__ import absolute_import, print_function

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DRIVER = os.path.join(REPO_ROOT, 'tests', 'killed_sync_driver.py')
#: activities requests (one per work package of a complete read) seen before the kill is armed:
#: dataset S has 5 projects of about 100 work packages, so the first project's job is committed
#: and the second one is half-way
KILL_AFTER_ACTIVITY_REQUESTS = 150
SYNC_TIMEOUT = 240

pytestmark = [
    pytest.mark.skipif(sys.version_info[0] < 3,
                       reason='scenario tests drive Odoo from outside and run under Python 3 only'),
    pytest.mark.simulator(dataset='S', seed=1),
]


def odoo_runtime():
    """The runtime found by scripts/odoo-runtime.sh (PostgreSQL started if needed), or a skip."""
    script = r'''
. scripts/odoo-runtime.sh
if [ "$ODOO_FOUND" != 1 ]; then echo "MISSING $ODOO_MISSING"; exit 0; fi
ensure_postgres >/dev/null 2>&1 || { echo "NOPG"; exit 0; }
ensure_db_role >/dev/null 2>&1 || true
printf 'FOUND\n%s\n%s\n%s\n%s\n' "$ODOO_RC" "$ODOO_BIN" "$ODOO_PYTHON" "$ODOO_ADDONS_PATH"
'''
    out = subprocess.check_output(['bash', '-c', script], cwd=REPO_ROOT).decode('utf-8')
    lines = out.strip().splitlines()
    if not lines or lines[0].startswith('MISSING'):
        pytest.skip('no Odoo 10 runtime found by scripts/odoo-runtime.sh (missing:%s); set '
                    'ODOO_RC, ODOO_BIN and ODOO_PYTHON to run this scenario'
                    % (lines[0][len('MISSING'):] if lines else ' ?'))
    if lines[0] == 'NOPG':
        pytest.skip('PostgreSQL is not running and could not be started')
    rc, odoo_bin, python, addons = lines[1:5]
    return {'rc': rc, 'bin': odoo_bin, 'python': python, 'addons': addons}


def free_port():
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


class Odoo(object):
    def __init__(self, runtime, workdir):
        self.runtime = runtime
        self.workdir = workdir

    def command(self, db, *args):
        rt = self.runtime
        return [rt['python'], rt['bin']] + list(args) + [
            '-c', rt['rc'], '--addons-path=%s' % rt['addons'], '-d', db,
            '--xmlrpc-port=%s' % free_port(), '--longpolling-port=%s' % free_port(),
            '--log-level=warn']

    def env(self, **extra):
        env = dict(os.environ, REPO_ROOT=REPO_ROOT, PYTHONUNBUFFERED='1')
        env.pop('PYTHONPATH', None)
        env.pop('PYTHONHOME', None)
        env.update(extra)
        return env

    def install(self, db):
        log = os.path.join(self.workdir, 'install-%s.log' % db)
        with open(log, 'w') as out:
            code = subprocess.call(
                self.command(db, '-i', 'connector_openproject', '--without-demo=all',
                             '--stop-after-init'), stdout=out, stderr=subprocess.STDOUT,
                env=self.env())
        assert code == 0, tail(log)

    def shell(self, db, steps, simulator, dump=None):
        """Starts `odoo-bin shell` running the driver's steps; returns (process, log path)."""
        log = os.path.join(self.workdir, 'shell-%s-%s.log' % (db, steps.replace(',', '-')))
        out = open(log, 'w')
        with open(DRIVER) as stdin:
            proc = subprocess.Popen(
                self.command(db, 'shell'), stdin=stdin, stdout=out, stderr=subprocess.STDOUT,
                env=self.env(OP_URL=simulator.url, OP_API_KEY=simulator.api_key,
                             OP_STEPS=steps, OP_DUMP=dump or ''))
        out.close()
        return proc, log

    def run(self, db, steps, simulator, dump=None):
        return self.wait(self.shell(db, steps, simulator, dump=dump))

    @staticmethod
    def wait(started):
        proc, log = started
        steps = os.path.basename(log)
        try:
            code = proc.wait(timeout=SYNC_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise AssertionError('odoo shell (%s) timed out:\n%s' % (steps, tail(log)))
        assert code == 0 and 'steps done' in read(log), tail(log)
        return read(log)


def read(path):
    with open(path) as handle:
        return handle.read()


def tail(path, lines=40):
    return '\n'.join(read(path).splitlines()[-lines:])


def psql(db, sql):
    return subprocess.check_output(['psql', '-d', db, '-Atc', sql]).decode('utf-8').strip()


def activity_requests(simulator):
    counters = simulator.control('GET', '/_control/counters')
    return sum(count for endpoint, count in counters['by_endpoint'].items()
               if endpoint.endswith('/activities'))


@pytest.fixture
def databases():
    runtime = odoo_runtime()
    workdir = tempfile.mkdtemp(prefix='op_killed_sync_')
    tag = uuid.uuid4().hex[:8]
    names = {'template': 'op_scn_%s_tpl' % tag, 'uninterrupted': 'op_scn_%s_ref' % tag,
             'killed': 'op_scn_%s_kill' % tag}
    try:
        yield Odoo(runtime, workdir), names
    finally:
        for db in names.values():
            subprocess.call(['dropdb', '--if-exists', db], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
        data_dir = None
        with open(runtime['rc']) as handle:
            for line in handle:
                if line.split('=', 1)[0].strip() == 'data_dir':
                    data_dir = line.split('=', 1)[1].strip()
        for db in names.values():
            if data_dir and os.path.isdir(os.path.join(data_dir, 'filestore', db)):
                shutil.rmtree(os.path.join(data_dir, 'filestore', db), ignore_errors=True)
        if os.environ.get('KEEP_SCENARIO_LOGS'):
            print('scenario logs kept in %s' % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def test_killed_sync_resumes_to_the_same_data(databases, simulator):
    odoo, names = databases
    started = time.time()
    odoo.install(names['template'])
    for key in ('uninterrupted', 'killed'):
        subprocess.check_call(['createdb', '-T', names['template'], names[key]])

    # the killed run
    simulator.control('POST', '/_control/counters/reset')
    proc, log = odoo.shell(names['killed'], 'setup,sync', simulator)
    fault = None
    deadline = time.time() + SYNC_TIMEOUT
    try:
        while time.time() < deadline and proc.poll() is None:
            if fault is None and activity_requests(simulator) >= KILL_AFTER_ACTIVITY_REQUESTS:
                # hold the next request of the running job: the process is surely mid-job
                fault = simulator.control('POST', '/_control/faults', {
                    'path': r'^/api/v3/work_packages/\d+/activities$', 'kind': 'delay',
                    'seconds': 120, 'count': 1})
            if fault is not None:
                faults = simulator.control('GET', '/_control/faults')['faults']
                if not any(item['id'] == fault['id'] for item in faults):
                    # used up (the simulator drops spent faults): the job waits on its request
                    time.sleep(0.5)
                    break
            time.sleep(0.1)
        assert proc.poll() is None, 'the sync ended before it could be killed:\n' + tail(log)
        assert fault is not None, 'the kill point was never reached:\n' + tail(log)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        simulator.control('DELETE', '/_control/faults')
    assert proc.returncode == -signal.SIGKILL

    # what the crash left: done jobs, a job 'started' by the dead process, records of the
    # committed jobs only
    states = dict(line.split('|') for line in psql(
        names['killed'], 'SELECT state, count(*) FROM queue_job GROUP BY state').splitlines())
    assert int(states.get('done', 0)) >= 3, states
    assert int(states.get('started', 0)) == 1, states
    killed_tasks = int(psql(names['killed'], 'SELECT count(*) FROM openproject_project_task'))

    # the reference (one sync to the end, on the other database) runs meanwhile: the
    # simulator's counters are no longer needed
    ref_dump = os.path.join(odoo.workdir, 'uninterrupted.json')
    reference = odoo.shell(names['uninterrupted'], 'setup,sync,dump', simulator, dump=ref_dump)
    try:
        # the next run, after the requeue of the dead process's jobs
        dump = os.path.join(odoo.workdir, 'killed.json')
        output = odoo.run(names['killed'], 'requeue,sync,dump', simulator, dump=dump)
        assert 'requeue 1 job(s)' in output, output[-2000:]
        resumed = json.loads(read(dump))
        odoo.wait(reference)
    finally:
        if reference[0].poll() is None:
            reference[0].kill()
            reference[0].wait()
    ref = json.loads(read(ref_dump))
    assert 0 < killed_tasks < len(ref['bindings']['openproject.project.task'])

    # same data as the uninterrupted run: nothing lost, nothing duplicated
    for model, rows in ref['bindings'].items():
        ids = [row['external_id'] for row in resumed['bindings'][model]]
        assert len(ids) == len(set(ids)), '%s: duplicated bindings' % model
        assert rows == resumed['bindings'][model], model
    assert ref['counts'] == resumed['counts']
    assert ref['cursors'] == resumed['cursors']
    assert set(ref['jobs']) == set(['done']), ref['jobs']
    assert set(resumed['jobs']) == set(['done']), resumed['jobs']
    # dataset S as the bot sees it (3 of its 5 projects): hundreds of records of each kind
    assert len(ref['bindings']['openproject.project.task']) >= 200
    assert len(ref['bindings']['openproject.account.analytic.line']) >= 1000
    assert len(ref['bindings']['openproject.mail.message']) >= 500
    print('killed-sync scenario: %d tasks before the kill, %d after; %.0f s'
          % (killed_tasks, len(resumed['bindings']['openproject.project.task']),
             time.time() - started))
