# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).
"""Shared machinery of the Odoo tests of connector_openproject.

The tests talk to the repository's OpenProject simulator over real HTTP
(no mocked requests): each test class starts one simulator process, points
a backend at it and runs the queued jobs synchronously inside the test
transaction, so everything is rolled back at the end.

The expected results are never taken from the connector: ``DemoDataset``
reads the dataset file the simulator serves and computes, with the
OpenProject permission rules, what the API key can see.
"""

import json
import logging
import os
import subprocess
import tempfile
import time
import traceback
import unittest
import uuid as uuidlib
from distutils.spawn import find_executable

from odoo.tools.safe_eval import safe_eval
from odoo.addons.component.tests.common import SavepointComponentCase

_logger = logging.getLogger(__name__)

try:
    import requests
except ImportError:  # pragma: no cover - requests is a dependency of the addon
    requests = None

try:
    from odoo.addons.queue_job.job import Job
    from odoo.addons.queue_job.exception import (NothingToDoJob,
                                                 RetryableJobError)
except ImportError:  # pragma: no cover - queue_job is a dependency
    Job = None

#: tests/ -> the addon -> the repository root (the simulator lives there)
ADDON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO_ROOT = os.path.dirname(ADDON_DIR)
SIMULATOR_DIR = os.path.join(REPO_ROOT, 'tests', 'op_simulator')
DATASET_DIR = os.path.join(SIMULATOR_DIR, 'datasets')

#: seconds allowed for the simulator to print its "listening on" line
SIMULATOR_START_TIMEOUT = 60


def simulator_python():
    """The Python 3 interpreter that runs the simulator (Python 3 only,
    while Odoo 10 runs on 2.7). ``OP_SIMULATOR_PYTHON`` overrides it."""
    return (os.environ.get('OP_SIMULATOR_PYTHON') or
            find_executable('python3'))


class SimulatorProcess(object):
    """One ``python3 -m tests.op_simulator`` process on a free port."""

    def __init__(self, api_key, admin_key=None, dataset='demo',
                 profile='current', control_token=None, extra_args=None):
        self.api_key = api_key
        self.admin_key = admin_key
        self.dataset = dataset
        self.profile = profile
        self.control_token = control_token or uuidlib.uuid4().hex
        self.extra_args = list(extra_args or [])
        self.url = None
        self.proc = None
        self.log_path = None

    @staticmethod
    def available():
        """Reason why the simulator cannot run here, or None."""
        if not os.path.isfile(os.path.join(SIMULATOR_DIR, '__main__.py')):
            return ('OpenProject simulator not found in %s (expected the '
                    'package tests/op_simulator of the repository)'
                    % SIMULATOR_DIR)
        if not simulator_python():
            return 'no python3 interpreter to run the OpenProject simulator'
        if requests is None:
            return 'the python package requests is missing'
        return None

    def start(self):
        cmd = [simulator_python(), '-m', 'tests.op_simulator',
               '--host', '127.0.0.1', '--port', '0',
               '--api-key', self.api_key,
               '--dataset', self.dataset, '--profile', self.profile,
               '--control-token', self.control_token]
        if self.admin_key:
            cmd[cmd.index('--dataset'):cmd.index('--dataset')] = [
                '--api-key', '%s:admin' % self.admin_key]
        cmd += self.extra_args
        # The output goes to a file, not to a pipe: a pipe nobody reads
        # would block the simulator once its request log fills it.
        handle, self.log_path = tempfile.mkstemp(prefix='op_simulator_',
                                                 suffix='.log')
        log = os.fdopen(handle, 'w')
        env = dict(os.environ, PYTHONUNBUFFERED='1')
        # Odoo's Python 2 variables would confuse the Python 3 interpreter
        env.pop('PYTHONPATH', None)
        env.pop('PYTHONHOME', None)
        try:
            self.proc = subprocess.Popen(cmd, cwd=REPO_ROOT, stdout=log,
                                         stderr=subprocess.STDOUT, env=env)
        finally:
            log.close()
        deadline = time.time() + SIMULATOR_START_TIMEOUT
        while time.time() < deadline:
            with open(self.log_path) as logfile:
                first = logfile.readline().strip()
            if first.startswith('listening on '):
                self.url = first[len('listening on '):].strip().rstrip('/')
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        output = self.output()
        self.stop()
        raise RuntimeError('the OpenProject simulator did not start: %s'
                           % output[-2000:])

    def output(self):
        if not self.log_path or not os.path.exists(self.log_path):
            return ''
        with open(self.log_path) as logfile:
            return logfile.read()

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            for _dummy in range(50):
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
            else:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if self.log_path and os.path.exists(self.log_path):
            os.unlink(self.log_path)
        self.log_path = None

    # -------------------------------------------------- control interface
    def control(self, method, path, payload=None, expect_ok=True):
        """Call the simulator's control interface; returns the decoded
        JSON answer (or None when the body is empty)."""
        if not path.startswith('/'):
            path = '/' + path
        if not path.startswith('/_control'):
            path = '/_control' + path
        response = requests.request(
            method.upper(), self.url + path,
            data=json.dumps(payload) if payload is not None else None,
            headers={'X-Control-Token': self.control_token,
                     'Content-Type': 'application/json'},
            timeout=60)
        if expect_ok and response.status_code >= 400:
            raise AssertionError('control %s %s -> %s: %s' % (
                method, path, response.status_code, response.text[:500]))
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            return response.text

    def api_get(self, path, key=None, params=None):
        """GET on the API itself (used to check the simulator state, never
        to compute an expectation of the connector)."""
        response = requests.get(self.url + path, params=params,
                                auth=('apikey', key or self.api_key),
                                timeout=60)
        return response


# --------------------------------------------------------------------------
# Expectations computed from the dataset file
# --------------------------------------------------------------------------

# The simulator's documented defaults (tests/op_simulator/DATASET.md), used
# when a dataset does not list its own statuses/roles.
DEFAULT_STATUSES = [
    {'id': 1, 'name': 'New', 'is_default': True},
    {'id': 2, 'name': 'In progress'},
    {'id': 3, 'name': 'On hold'},
    {'id': 4, 'name': 'Closed', 'is_closed': True},
    {'id': 5, 'name': 'Rejected', 'is_closed': True},
]
DEFAULT_TYPES = [
    {'id': 1, 'name': 'Task', 'is_default': True},
    {'id': 2, 'name': 'Milestone', 'is_milestone': True},
    {'id': 3, 'name': 'Bug'},
    {'id': 4, 'name': 'Feature'},
]
DEFAULT_PRIORITIES = [
    {'id': 7, 'name': 'Low'},
    {'id': 8, 'name': 'Normal', 'is_default': True},
    {'id': 9, 'name': 'High'},
    {'id': 10, 'name': 'Immediate'},
]
DEFAULT_ROLES = [
    {'id': 3, 'name': 'Project admin', 'permissions': ['*']},
    {'id': 4, 'name': 'Member', 'permissions': [
        'view_project', 'view_work_packages', 'add_work_packages',
        'edit_work_packages', 'add_work_package_notes', 'view_time_entries',
        'log_time', 'view_members']},
    {'id': 5, 'name': 'Reader',
     'permissions': ['view_project', 'view_work_packages']},
    {'id': 6, 'name': 'Time reader',
     'permissions': ['view_project', 'view_time_entries']},
]


class DemoDataset(object):
    """What a dataset file says, and what a given user may see of it.

    Written from the dataset format and OpenProject's permission rules
    (a non-admin sees a project through its memberships, its groups'
    memberships or because it is public; archived projects show nothing
    to a non-admin) — on purpose without any code of the connector.
    """

    def __init__(self, name='demo'):
        path = name if os.path.isabs(name) else os.path.join(
            DATASET_DIR, '%s.json' % name)
        with open(path) as handle:
            self.data = json.load(handle)
        data = self.data
        self.statuses = self._by_id(data.get('statuses') or DEFAULT_STATUSES)
        self.types = self._by_id(data.get('types') or DEFAULT_TYPES)
        self.priorities = self._by_id(data.get('priorities') or
                                      DEFAULT_PRIORITIES)
        self.roles = self._by_id(data.get('roles') or DEFAULT_ROLES)
        self.users = self._by_id(data.get('users', []))
        self.groups = self._by_id(data.get('groups', []))
        self.placeholders = self._by_id(data.get('placeholder_users', []))
        self.projects = self._by_id(data.get('projects', []))
        self.work_packages = self._by_id(data.get('work_packages', []))
        self.time_entries = self._by_id(data.get('time_entries', []))
        self.activities = self._by_id(data.get('activities', []))
        self.logins = dict((u.get('login'), uid)
                           for uid, u in self.users.items() if u.get('login'))

    @staticmethod
    def _by_id(items):
        return dict((int(item['id']), item) for item in items
                    if item.get('id') is not None)

    # ------------------------------------------------------------ lookup
    def _ref(self, table, value):
        """Dataset references are ids, or names/identifiers."""
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, basestring) and value.isdigit():
            return int(value)
        for oid, obj in table.items():
            if value in (obj.get('name'), obj.get('identifier')):
                return oid
        raise ValueError('unknown reference %r' % (value,))

    def principal_id(self, value):
        """A principal reference (id, login, or group/placeholder name)."""
        if value is None:
            return None
        if isinstance(value, basestring) and not value.isdigit():
            if value in self.logins:
                return self.logins[value]
            for table in (self.groups, self.placeholders):
                for oid, obj in table.items():
                    if obj.get('name') == value:
                        return oid
            raise ValueError('unknown principal %r' % (value,))
        return int(value)

    def principal_kind(self, pid):
        if pid in self.users:
            return 'User'
        if pid in self.groups:
            return 'Group'
        if pid in self.placeholders:
            return 'PlaceholderUser'
        return 'DeletedUser'

    def bot_id(self):
        if self.data.get('bot_user') is not None:
            return self.principal_id(self.data['bot_user'])
        for uid, user in sorted(self.users.items()):
            if user.get('bot'):
                return uid
        raise ValueError('the dataset names no bot user')

    def admin_id(self):
        if self.data.get('admin_user') is not None:
            return self.principal_id(self.data['admin_user'])
        for uid, user in sorted(self.users.items()):
            if user.get('admin') and user.get('status', 'active') == 'active':
                return uid
        return None

    def user_name(self, uid):
        user = self.users[uid]
        first = user.get('firstname', user.get('first_name'))
        last = user.get('lastname', user.get('last_name'))
        if first is None and last is None:
            return user.get('name') or user.get('login')
        return (u'%s %s' % (first or u'', last or u'')).strip()

    def status_of_wp(self, wp):
        if wp.get('status') is not None:
            return self._ref(self.statuses, wp['status'])
        return self._default(self.statuses)

    def type_of_wp(self, wp):
        if wp.get('type') is not None:
            return self._ref(self.types, wp['type'])
        return self._default(self.types)

    def priority_of_wp(self, wp):
        if wp.get('priority') is not None:
            return self._ref(self.priorities, wp['priority'])
        return self._default(self.priorities)

    @staticmethod
    def _default(table):
        for oid, obj in sorted(table.items()):
            if obj.get('is_default'):
                return oid
        return min(table) if table else None

    def project_id(self, value):
        return self._ref(self.projects, value)

    def wp_project(self, wp):
        return self.project_id(wp['project'])

    def te_project(self, te):
        if te.get('project') is not None:
            return self.project_id(te['project'])
        return self.wp_project(self.work_packages[int(te['work_package'])])

    # ------------------------------------------------------- permissions
    def permissions(self, uid, pid):
        """OpenProject's rule: admin -> everything in active projects;
        otherwise the union of the roles of the user's and its groups'
        memberships; public projects show themselves to non members;
        archived projects hide everything from non-admins."""
        project = self.projects[pid]
        user = self.users[uid]
        everything = set(['*'])
        if not project.get('active', True):
            return set(['view_project']) if user.get('admin') else set()
        if user.get('admin'):
            return everything
        principals = set([uid])
        for gid, group in self.groups.items():
            members = [self.principal_id(m) for m in group.get('members', [])]
            if uid in members:
                principals.add(gid)
        perms = set()
        for member in project.get('members', []):
            if not isinstance(member, dict):
                member = {'principal': member}
            who = self.principal_id(member.get('principal',
                                               member.get('user')))
            if who not in principals:
                continue
            for role in member.get('roles') or ['Member']:
                perms.update(self.roles[self._ref(self.roles, role)]
                             .get('permissions', []))
        if not perms and project.get('public'):
            perms.add('view_project')
        return perms

    def allowed(self, uid, pid, perm):
        perms = self.permissions(uid, pid)
        return '*' in perms or perm in perms

    # ------------------------------------------------- what a key sees
    def visible_projects(self, uid):
        return sorted(pid for pid in self.projects
                      if self.allowed(uid, pid, 'view_project'))

    def visible_work_packages(self, uid):
        """ALL statuses, open and closed."""
        return sorted(wid for wid, wp in self.work_packages.items()
                      if self.allowed(uid, self.wp_project(wp),
                                      'view_work_packages'))

    def visible_time_entries(self, uid):
        result = []
        for tid, te in self.time_entries.items():
            pid = self.te_project(te)
            own = self.principal_id(te.get('user')) == uid
            if (self.allowed(uid, pid, 'view_time_entries') or
                    (own and self.allowed(uid, pid,
                                          'view_own_time_entries'))):
                result.append(tid)
        return sorted(result)

    def deleted_user_id(self):
        """The DeletedUser placeholder every reference to a deleted user
        points to (the dataset's ``deleted_user_id``, else the first free
        principal id)."""
        if self.data.get('deleted_user_id'):
            return int(self.data['deleted_user_id'])
        ids = set(self.users) | set(self.groups) | set(self.placeholders)
        return max(ids) + 1 if ids else 1

    def user_ref(self, value):
        """Principal id of a reference as the API shows it: deleted users
        become the DeletedUser."""
        pid = self.principal_id(value)
        if pid in self.users and self.users[pid].get('status') == 'deleted':
            return self.deleted_user_id()
        return pid

    def activities_of(self, wid):
        """The journals of a work package that carry something: a comment
        or change details (the creation journal of the dataset format has
        neither unless ``creation_details`` is given)."""
        result = []
        for aid, act in sorted(self.activities.items()):
            if int(self._ref(self.work_packages, act['work_package'])) != wid:
                continue
            if act.get('comment') or act.get('details'):
                result.append(aid)
        return result

    def visible_activities(self, uid, kinds=('comments', 'updates')):
        """Journals that become messages: with a comment ('comments') or
        with change details only ('updates')."""
        result = []
        for wid in self.visible_work_packages(uid):
            for aid in self.activities_of(wid):
                act = self.activities[aid]
                kind = 'comments' if act.get('comment') else 'updates'
                if kind in kinds:
                    result.append(aid)
        return sorted(result)

    def referenced_users(self, uid):
        """Users (kind User, or the DeletedUser) an import through ``uid``'s
        key needs: assignees of the visible work packages, users of the
        visible time entries, authors of the visible activities.  Groups
        and placeholder users are not users."""
        needed = set()
        for wid in self.visible_work_packages(uid):
            wp = self.work_packages[wid]
            needed.add(self.user_ref(wp.get('assignee')))
            for aid in self.activities_of(wid):
                needed.add(self.user_ref(self.activities[aid].get('user')))
        for tid in self.visible_time_entries(uid):
            needed.add(self.user_ref(self.time_entries[tid].get('user')))
        needed.discard(None)
        return set(pid for pid in needed
                   if pid in self.users or pid == self.deleted_user_id())

    def optional_users(self, uid):
        """Users an import may also bring (authors and accountables of the
        visible work packages, the key's own user) without being required
        to."""
        extra = set([uid])
        for wid in self.visible_work_packages(uid):
            wp = self.work_packages[wid]
            extra.add(self.user_ref(wp.get('author', self.admin_id())))
            extra.add(self.user_ref(wp.get('responsible')))
        extra.discard(None)
        return set(pid for pid in extra
                   if pid in self.users or pid == self.deleted_user_id())


# --------------------------------------------------------------------------
# Running the job queue inside the test transaction
# --------------------------------------------------------------------------

class JobRunReport(object):
    """What ``run_jobs`` did: counts, and the failures with their
    messages (never hidden: the tests assert on them)."""

    def __init__(self):
        self.done = 0
        self.retried = 0
        self.failures = []   # dicts: uuid, name, method, args, message
        self.models = set()  # binding models whose jobs ran
        self.jobs = []       # (model, method, args) of every job performed

    def merge(self, other):
        self.done += other.done
        self.retried += other.retried
        self.failures += other.failures
        self.models |= other.models
        self.jobs += other.jobs

    def failure_messages(self):
        return [u'%(name)s [%(method)s %(args)s]: %(message)s' % failure
                for failure in self.failures]

    def __repr__(self):
        return '<JobRunReport done=%s retried=%s failed=%s>' % (
            self.done, self.retried, len(self.failures))


def run_jobs(env, max_retries=5, max_rounds=200, domain=None):
    """Perform the pending queue jobs synchronously, in ``env``'s
    transaction, until none is left (jobs enqueue other jobs).

    Each job runs in a savepoint: a failing job is rolled back alone, as
    it would be in its own transaction under the job runner, and is marked
    failed with its message.  ``RetryableJobError`` is the connector's way
    of saying "try again later" (server overloaded, record locked): the job
    goes back to pending and is re-run, at most ``max_retries`` times.
    """
    report = JobRunReport()
    job_model = env['queue.job'].sudo()
    base_domain = [('state', 'in', ('pending', 'enqueued'))]
    if domain:
        base_domain += domain
    attempts = {}
    for _round in range(max_rounds):
        records = job_model.search(base_domain,
                                   order='priority, date_created, id')
        if not records:
            return report
        for record in records:
            job = Job.load(env, record.uuid)
            if job.state not in ('pending', 'enqueued'):
                continue
            attempts[job.uuid] = attempts.get(job.uuid, 0) + 1
            report.models.add(record.model_name)
            report.jobs.append((record.model_name, record.method_name,
                                job.args))
            survivors = None
            try:
                with env.cr.savepoint():
                    try:
                        job.set_started()
                        job.perform()
                        job.set_done()
                        job.store()
                    except Exception:
                        survivors = _committed_elsewhere(env)
                        raise
                report.done += 1
            except NothingToDoJob as err:
                env.invalidate_all()
                job = Job.load(env, record.uuid)
                job.set_done(result=unicode(err))
                job.store()
                report.done += 1
            except RetryableJobError as err:
                _restore(env, survivors)
                job = Job.load(env, record.uuid)
                report.retried += 1
                if attempts[job.uuid] > max_retries:
                    _record_failure(report, job, err)
                else:
                    job.set_pending(result=unicode(err), reset_retry=False)
                    job.retry = attempts[job.uuid]
                    job.store()
            except Exception as err:  # pylint: disable=broad-except
                # any other exception is a failed job for queue_job too
                _restore(env, survivors)
                job = Job.load(env, record.uuid)
                _record_failure(report, job, err)
    raise AssertionError('jobs still pending after %s rounds: %s'
                         % (max_rounds, report))


#: Fields the addon writes in a transaction of its own (so that they
#: survive the rollback of the failing job: a refused key blocks the sync).
#: Inside a test there is only one transaction, so the job runner carries
#: them over the rollback of the job's savepoint, as the committed separate
#: transaction would in production.
COMMITTED_ELSEWHERE = {
    'openproject.backend': ('last_error', 'sync_blocked'),
}


def _committed_elsewhere(env):
    """The values of COMMITTED_ELSEWHERE as the failed job left them, or
    None when the job aborted the transaction (no query works then)."""
    try:
        with env.cr.savepoint():
            return _read_committed_elsewhere(env)
    except Exception:  # pylint: disable=broad-except
        return None


def _read_committed_elsewhere(env):
    values = {}
    for model, names in COMMITTED_ELSEWHERE.items():
        if model not in env:
            continue
        records = env[model].sudo().with_context(active_test=False).search(
            [])
        names = [name for name in names if name in records._fields]
        for row in records.read(names):
            values[(model, row['id'])] = dict(
                (name, row[name]) for name in names)
    return values


def _restore(env, survivors):
    env.invalidate_all()
    for (model, record_id), values in (survivors or {}).items():
        record = env[model].sudo().with_context(active_test=False).browse(
            record_id)
        if not record.exists():
            continue
        current = record.read(list(values))[0]
        changed = dict((name, value) for name, value in values.items()
                       if current[name] != value)
        if changed:
            record.write(changed)


def _exception_message(err):
    try:
        return unicode(err)
    except UnicodeError:
        return str(err).decode('utf-8', 'replace')


def _record_failure(report, job, err):
    message = _exception_message(err)
    exc_info = traceback.format_exc()
    if isinstance(exc_info, str):
        exc_info = exc_info.decode('utf-8', 'replace')
    job.set_failed(exc_info=exc_info)
    job.store()
    report.failures.append({
        'uuid': job.uuid, 'name': job.description,
        'method': job.method_name, 'args': job.args,
        'message': message, 'exc_info': exc_info,
    })
    _logger.info('job %s failed (expected by some tests): %s',
                 job.description, message)


# --------------------------------------------------------------------------
# Counting the writes of a sync
# --------------------------------------------------------------------------

#: the Odoo models an import may touch, and their binding models
WATCHED_MODELS = (
    'res.users', 'res.partner', 'project.project', 'project.task',
    'project.task.type', 'account.analytic.line', 'account.analytic.account',
    'mail.message', 'mail.followers', 'mail.mail', 'mail.notification',
    'openproject.res.users', 'openproject.project.project',
    'openproject.project.task', 'openproject.project.task.type',
    'openproject.account.analytic.line', 'openproject.mail.message',
)


class WriteRecorder(object):
    """Records every ``create`` and ``write`` of the watched models while
    it is active (``with WriteRecorder(env) as rec:``).

    The write dates cannot tell it: inside one test transaction
    PostgreSQL's now() never moves."""

    def __init__(self, env, models=WATCHED_MODELS):
        self.env = env
        self.models = [name for name in models if name in env]
        self.calls = []   # (operation, model, ids, field names)

    def __enter__(self):
        for name in self.models:
            model_class = self.env.registry[name]
            model_class._patch_method('create', self._make_create(name))
            model_class._patch_method('write', self._make_write(name))
        return self

    def _make_create(self, name):
        # one function per model: ``origin`` is set on each by _patch_method
        recorder = self

        def create(self, vals):
            record = create.origin(self, vals)
            if not recorder.is_job_queue_row(record):
                recorder.calls.append(('create', name, record.ids,
                                       sorted(vals)))
            return record
        return create

    @staticmethod
    def is_job_queue_row(record):
        """queue.job is a mail.thread: its messages and followers are not
        writes of the import."""
        if record._name == 'mail.message':
            return record.model == 'queue.job'
        if record._name == 'mail.followers':
            return record.res_model == 'queue.job'
        if record._name in ('mail.mail', 'mail.notification'):
            return record.mail_message_id.model == 'queue.job'
        return False

    def _make_write(self, name):
        recorder = self

        def write(self, vals):
            if not any(recorder.is_job_queue_row(rec) for rec in self):
                recorder.calls.append(('write', name, self.ids,
                                       sorted(vals)))
            return write.origin(self, vals)
        return write

    def __exit__(self, *exc):
        for name in self.models:
            model_class = self.env.registry[name]
            model_class._revert_method('create')
            model_class._revert_method('write')
        return False

    def of(self, operation=None, model=None):
        return [call for call in self.calls
                if (operation is None or call[0] == operation) and
                (model is None or call[1] == model)]

    def written_ids(self, model):
        ids = set()
        for call in self.of('write', model):
            ids.update(call[2])
        return ids


class LogCapture(logging.Handler):
    """Keeps every log record emitted while active (any logger), to grep
    them for secrets."""

    def __init__(self):
        logging.Handler.__init__(self, level=logging.DEBUG)
        self.lines = []

    def emit(self, record):
        try:
            self.lines.append(u'%s %s' % (record.name, record.getMessage()))
        except Exception:  # pylint: disable=broad-except
            self.lines.append(u'%s %r %r' % (record.name, record.msg,
                                             record.args))
        if record.exc_info:
            self.lines.append(u''.join(
                traceback.format_exception(*record.exc_info)))

    def __enter__(self):
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, *exc):
        logging.getLogger().removeHandler(self)
        return False


# --------------------------------------------------------------------------
# The base test case
# --------------------------------------------------------------------------

class OpenProjectCase(SavepointComponentCase):
    """One simulator for the whole class, one backend pointing at it.

    Subclasses set ``initial_sync = True`` to have the whole sync (cron
    action, then the queued jobs until none is left) done once in
    ``setUpClass``; each test then runs in a savepoint of that state.
    Tests that mutate the simulator must undo their mutation or live in a
    class of their own (the simulator is not rolled back with Odoo).
    """

    dataset_name = 'demo'
    profile = 'current'
    initial_sync = False
    #: extra CLI arguments of the simulator
    simulator_args = ()

    @classmethod
    def setUpClass(cls):
        super(OpenProjectCase, cls).setUpClass()
        reason = SimulatorProcess.available()
        if reason:
            raise unittest.SkipTest(reason)
        # The component registry is only "ready" inside tests (setUp); the
        # initial sync of setUpClass needs it too.
        cls._components_registry.ready = True
        cls.api_key = 'bot-' + uuidlib.uuid4().hex
        cls.admin_key = 'admin-' + uuidlib.uuid4().hex
        cls.simulator = SimulatorProcess(
            cls.api_key, admin_key=cls.admin_key, dataset=cls.dataset_name,
            profile=cls.profile, extra_args=cls.simulator_args)
        try:
            cls.simulator.start()
            cls.dataset = DemoDataset(cls.dataset_name)
            cls.backend = cls.create_backend()
            cls.initial_report = None
            cls.before_initial_sync()
            cls.marks = cls.high_water_marks()
            cls.initial_log = LogCapture()
            if cls.initial_sync:
                with cls.initial_log:
                    cls.initial_report = cls.full_sync()
        except Exception:
            cls.simulator.stop()
            cls._components_registry.ready = False
            raise

    @classmethod
    def tearDownClass(cls):
        simulator = getattr(cls, 'simulator', None)
        if simulator is not None:
            simulator.stop()
        cls._components_registry.ready = False
        super(OpenProjectCase, cls).tearDownClass()

    # -------------------------------------------------------- helpers
    @classmethod
    def before_initial_sync(cls):
        """Hook: prepare Odoo or the simulator before the initial sync."""

    #: the models whose new rows tell that an import sent or prepared mail
    MAIL_MODELS = ('mail.mail', 'mail.notification', 'mail.followers',
                   'mail.message')

    @classmethod
    def high_water_marks(cls):
        """Highest id of every mail model, to find the rows created later."""
        marks = {}
        for name in cls.MAIL_MODELS:
            last = cls.env[name].sudo().with_context(
                active_test=False).search([], order='id desc', limit=1)
            marks[name] = last.id or 0
        return marks

    #: queue.job is a mail.thread that subscribes the connector managers
    #: and posts about failed jobs: those rows are the job queue's, not
    #: the import's
    NOT_THE_QUEUE = {
        'mail.message': [('model', '!=', 'queue.job')],
        'mail.followers': [('res_model', '!=', 'queue.job')],
        'mail.notification': [('mail_message_id.model', '!=', 'queue.job')],
        'mail.mail': [('mail_message_id.model', '!=', 'queue.job')],
    }

    def rows_since(self, name, marks=None):
        """Rows of a mail model created since ``marks`` (the marks taken
        before the initial sync by default), except the job queue's."""
        marks = marks or self.marks
        return self.env[name].sudo().with_context(active_test=False).search(
            [('id', '>', marks[name])] + self.NOT_THE_QUEUE.get(name, []))

    @classmethod
    def create_backend(cls, **values):
        vals = {
            'name': 'Simulator %s' % cls.__name__,
            'url': cls.simulator.url,
            'api_key': cls.api_key,
        }
        vals.update(values)
        return cls.env['openproject.backend'].create(vals)

    @classmethod
    def run_jobs(cls, **kwargs):
        return run_jobs(cls.env, **kwargs)

    @classmethod
    def sync_cron(cls):
        """The scheduled action the issue names: "OpenProject Sync"."""
        crons = cls.env['ir.cron'].with_context(active_test=False).search(
            [('name', '=', 'OpenProject Sync')])
        return crons

    @classmethod
    def run_sync_cron(cls):
        """What "Run Manually" does, without ir.cron's exception handler
        (it rolls the whole transaction back, which would silently destroy
        the class fixture)."""
        cron = cls.sync_cron()
        if len(cron) != 1:
            raise AssertionError('expected one scheduled action named '
                                 '"OpenProject Sync", found %s' % len(cron))
        args = safe_eval(cron.args or '()')
        getattr(cls.env[cron.model], cron.function)(*args)

    @classmethod
    def full_sync(cls, backend=None, from_scratch=False):
        """What the cron "OpenProject Sync" does, then the jobs until none
        is left.

        When the first pass only discovered the projects (no job imported
        work packages), a second pass is run, as the issue allows ("the
        first run discovers projects, later runs import")."""
        backend = backend or cls.backend
        report = JobRunReport()
        for _round in range(2):
            if from_scratch:
                backend.sync(from_scratch=True)
            elif backend == cls.backend:
                cls.run_sync_cron()
            else:
                backend.sync()
            step = cls.run_jobs()
            report.merge(step)
            if 'openproject.project.task' in step.models:
                break
        return report

    @classmethod
    def control(cls, method, path, payload=None, **kwargs):
        return cls.simulator.control(method, path, payload, **kwargs)

    def assertNoJobFailure(self, report):
        self.assertFalse(report.failures,
                         u'jobs failed:\n%s'
                         % u'\n'.join(report.failure_messages()))

    # ------------------------------------------------- binding lookups
    def bindings(self, model, backend=None):
        backend = backend or self.backend
        return self.env[model].with_context(active_test=False).search(
            [('backend_id', '=', backend.id)])

    def binding(self, model, external_id, backend=None):
        backend = backend or self.backend
        return self.env[model].with_context(active_test=False).search(
            [('backend_id', '=', backend.id),
             ('external_id', '=', str(external_id))])

    def task_of(self, wp_id):
        return self.binding('openproject.project.task', wp_id).odoo_id

    def project_of(self, project_id):
        return self.binding('openproject.project.project',
                            project_id).odoo_id

    def user_of(self, user_id):
        return self.binding('openproject.res.users', user_id).odoo_id

    def line_of(self, te_id):
        return self.binding('openproject.account.analytic.line',
                            te_id).odoo_id


# --------------------------------------------------------------------------
# A proxy that corrupts chosen records of the simulator's answers
# --------------------------------------------------------------------------

try:
    import BaseHTTPServer
    import SocketServer
    import threading
except ImportError:  # pragma: no cover - Odoo 10 runs on Python 2
    BaseHTTPServer = SocketServer = threading = None


class CorruptingProxy(object):
    """An HTTP proxy in front of the simulator that rewrites, in every JSON
    answer (single resources and collection elements alike), the records
    registered with ``corrupt(_type, id, function)``.

    The simulator validates its data, so malformed records (bad dates,
    missing fields, unknown link kinds...) are made on the wire, the way a
    broken server or plugin would send them; the connector still talks
    real HTTP."""

    def __init__(self, upstream):
        self.upstream = upstream.rstrip('/')
        self.rules = {}
        self.server = None
        self.thread = None
        self.url = None

    def corrupt(self, type_name, record_id, function):
        self.rules[(type_name, int(record_id))] = function

    def _rewrite(self, data):
        if not isinstance(data, dict):
            return data
        targets = [data]
        elements = (data.get('_embedded') or {}).get('elements')
        if isinstance(elements, list):
            targets += [item for item in elements if isinstance(item, dict)]
        for item in targets:
            try:
                key = (item.get('_type'), int(item.get('id')))
            except (TypeError, ValueError):
                continue
            function = self.rules.get(key)
            if function is not None:
                function(item)
        return data

    def start(self):
        proxy = self

        class Handler(BaseHTTPServer.BaseHTTPRequestHandler):

            def _forward(self):
                length = int(self.headers.get('Content-Length') or 0)
                body = self.rfile.read(length) if length else None
                headers = dict((name, self.headers[name]) for name in (
                    'Authorization', 'Accept', 'Content-Type',
                    'Accept-Encoding') if self.headers.get(name))
                try:
                    response = requests.request(
                        self.command, proxy.upstream + self.path,
                        data=body, headers=headers, timeout=60,
                        allow_redirects=False)
                except requests.RequestException:
                    # the simulator dropped the connection: do the same
                    self.close_connection = 1
                    return
                content = response.content
                ctype = response.headers.get('Content-Type', '')
                if proxy.rules and 'json' in ctype:
                    try:
                        data = json.loads(content)
                    except ValueError:
                        data = None
                    if data is not None:
                        content = json.dumps(proxy._rewrite(data))
                self.send_response(response.status_code)
                for name in ('Content-Type', 'Retry-After',
                             'WWW-Authenticate'):
                    if response.headers.get(name):
                        self.send_header(name, response.headers[name])
                self.send_header('Content-Length', str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = do_PATCH = do_DELETE = _forward

            def log_message(self, *args):
                pass

        class Server(SocketServer.ThreadingMixIn,
                     BaseHTTPServer.HTTPServer):
            daemon_threads = True

        self.server = Server(('127.0.0.1', 0), Handler)
        self.url = 'http://127.0.0.1:%s' % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever)
        self.thread.daemon = True
        self.thread.start()
        return self

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
