# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).
"""Issue 5, security and reports: TLS verification, the API key never in
logs nor jobs nor messages (also when it is refused), imported users who
cannot log in, and the report of the records deleted upstream."""

import base64
import json
import logging
import os
import shutil
import subprocess
import tempfile
import uuid as uuidlib
from distutils.spawn import find_executable

import requests
import requests.certs
from lxml import etree

from odoo.exceptions import AccessDenied, UserError

from .common import LogCapture, OpenProjectCase

try:
    import BaseHTTPServer
    import SocketServer
    import ssl
    import threading
except ImportError:  # pragma: no cover - Odoo 10 runs on Python 2
    BaseHTTPServer = SocketServer = ssl = threading = None

from ..openproject_client import errors as op_errors

#: the loggers whose DEBUG records are searched for the key: the addon
#: (its client included: openproject_client lives in the addon package)
#: and the HTTP stack the client uses
SECRET_LOGGERS = ('odoo.addons.connector_openproject', 'requests',
                  'urllib3', 'odoo.addons.queue_job',
                  'odoo.addons.connector', 'odoo.addons.component')

# demo.json: "Set up staging server", with two time entries
TASK_TO_DELETE = 1


class DebugCapture(LogCapture):
    """LogCapture on the named loggers, at DEBUG, for the duration of a
    ``with`` block (not propagated to Odoo's output: the test log would
    grow by thousands of debug lines)."""

    def __init__(self, names=SECRET_LOGGERS):
        LogCapture.__init__(self)
        self.names = names
        self.saved = {}

    def __enter__(self):
        for name in self.names:
            logger = logging.getLogger(name)
            self.saved[name] = (logger.level, logger.propagate)
            logger.setLevel(logging.DEBUG)
            logger.propagate = False
            logger.addHandler(self)
        return self

    def __exit__(self, *exc):
        for name in self.names:
            logger = logging.getLogger(name)
            logger.removeHandler(self)
            logger.level, logger.propagate = self.saved[name]
        return False


def secret_forms(key):
    """The key, and its forms in an HTTP Basic header."""
    forms = [key, base64.b64encode(key.encode('utf-8')).decode('ascii'),
             base64.b64encode(('apikey:%s' % key).encode('utf-8'))
             .decode('ascii')]
    return forms


class TestApiKeyNeverLeaks(OpenProjectCase):
    """A whole demo sync with every log of the addon, its client and the
    HTTP stack captured at DEBUG, then a sync with a refused key (401):
    neither key, in clear or in base64, appears in the logs, the job rows
    or any message."""

    @classmethod
    def before_initial_sync(cls):
        cls.wrong_key = 'refused-' + uuidlib.uuid4().hex
        cls.capture = DebugCapture()
        with cls.capture:
            cls.report = cls.full_sync()
            cls.env.invalidate_all()
            cls.backend.api_key = cls.wrong_key
            cls.refused_report = cls.full_sync()
            # "Check connection" with the refused key, too (it says so
            # with a UserError)
            try:
                cls.backend.action_check_connection()
            except UserError as err:
                cls.check_message = err.name
            else:
                raise AssertionError('a refused key passed the check')

    def secrets(self):
        return secret_forms(self.api_key) + secret_forms(self.wrong_key)

    def assertNoSecret(self, text, where):
        text = text if isinstance(text, unicode) else (
            u'%s' % (text,) if not isinstance(text, str)
            else text.decode('utf-8', 'replace'))
        for secret in self.secrets():
            self.assertNotIn(secret, text, u'API key found in %s' % where)

    def test_the_sync_ran_and_was_logged(self):
        self.assertFalse(self.report.failures,
                         self.report.failure_messages())
        self.assertTrue(self.bindings('openproject.project.task'))
        # the capture worked: debug records of the client are there
        debug = [line for line in self.capture.lines
                 if line.startswith('odoo.addons.connector_openproject.'
                                    'openproject_client')]
        self.assertGreater(len(debug), 20)
        self.assertTrue([line for line in debug if '/api/v3/' in line])

    def test_the_key_was_refused(self):
        self.assertEqual(len(self.refused_report.failures), 1,
                         self.refused_report.failure_messages())
        self.assertIn(u'401', self.refused_report.failures[0]['message'])
        self.assertTrue(self.backend.sync_blocked)

    def test_no_key_in_logs(self):
        self.assertTrue(self.capture.lines)
        for line in self.capture.lines:
            self.assertNoSecret(line, u'a log line: %s' % line[:200])

    def test_no_key_in_job_rows(self):
        jobs = self.env['queue.job'].search([])
        self.assertGreater(len(jobs), 5)
        self.assertTrue(jobs.filtered(lambda j: j.state == 'failed'))
        for job in jobs:
            for field in ('name', 'func_string', 'args', 'kwargs',
                          'result', 'exc_info', 'record_ids', 'uuid'):
                if field in job._fields:
                    self.assertNoSecret(job[field], u'%s of job %s'
                                        % (field, job.name))
        # the raw rows, as stored (args/kwargs are serialized JSON)
        self.env.cr.execute('SELECT * FROM queue_job')
        for row in self.env.cr.fetchall():
            self.assertNoSecret(u'%r' % (row,), u'a queue_job row')

    def test_no_key_in_failures_and_backend(self):
        for failure in (self.report.failures + self.refused_report.failures):
            self.assertNoSecret(failure['message'], u'a job failure')
            self.assertNoSecret(failure['exc_info'], u'a job traceback')
        self.assertIn(u'401', self.check_message)
        self.assertNoSecret(self.check_message, u'the check\'s message')
        self.backend.invalidate_cache()
        for field in ('last_error', 'key_permissions', 'key_user_name'):
            self.assertNoSecret(self.backend[field] or u'', field)

    def test_no_key_in_messages(self):
        messages = self.env['mail.message'].sudo().search([])
        self.assertTrue(messages)
        for message in messages:
            for field in ('body', 'subject', 'record_name'):
                self.assertNoSecret(message[field] or u'',
                                    u'%s of message %s' % (field, message.id))
        self.env.cr.execute('SELECT old_value_char, new_value_char, '
                            'old_value_text, new_value_text '
                            'FROM mail_tracking_value')
        for row in self.env.cr.fetchall():
            self.assertNoSecret(u'%r' % (row,), u'a tracking value')


class _TLSHandler(BaseHTTPServer.BaseHTTPRequestHandler
                  if BaseHTTPServer else object):
    """Answers /api/v3/users/me like OpenProject would."""

    def do_GET(self):
        body = json.dumps({'_type': 'User', 'id': 2, 'name': 'TLS Bot',
                           'login': 'tls.bot', 'admin': False})
        self.send_response(200)
        self.send_header('Content-Type', 'application/hal+json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class TestTlsVerification(OpenProjectCase):
    """TLS verification is on by default; turning it off is explicit, per
    backend, and the form warns about it. Checked against a real HTTPS
    server with a self-signed certificate."""

    @classmethod
    def setUpClass(cls):
        super(TestTlsVerification, cls).setUpClass()
        cls.tls_dir = None
        cls.tls_server = None
        if not find_executable('openssl') or ssl is None:
            return
        cls.tls_dir = tempfile.mkdtemp(prefix='op_tls_')
        cls.cert = os.path.join(cls.tls_dir, 'cert.pem')
        key = os.path.join(cls.tls_dir, 'key.pem')
        with open(os.devnull, 'w') as devnull:
            subprocess.check_call(
                ['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes',
                 '-days', '2', '-subj', '/CN=localhost',
                 '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
                 '-keyout', key, '-out', cls.cert],
                stdout=devnull, stderr=devnull)

        class Server(SocketServer.ThreadingMixIn, BaseHTTPServer.HTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # the refused handshakes are expected

        server = Server(('127.0.0.1', 0), _TLSHandler)
        server.socket = ssl.wrap_socket(server.socket, certfile=cls.cert,
                                        keyfile=key, server_side=True)
        cls.tls_server = server
        # a host name: Python 2's TLS stack matches IP addresses poorly
        cls.tls_url = 'https://localhost:%s' % server.server_address[1]
        thread = threading.Thread(target=server.serve_forever)
        thread.daemon = True
        thread.start()

    @classmethod
    def tearDownClass(cls):
        if cls.tls_server is not None:
            cls.tls_server.shutdown()
            cls.tls_server.server_close()
        if cls.tls_dir:
            shutil.rmtree(cls.tls_dir, ignore_errors=True)
        super(TestTlsVerification, cls).tearDownClass()

    def setUp(self):
        super(TestTlsVerification, self).setUp()
        # A CA bundle in the process environment (common on servers and in
        # containers) must not override the backend's own choice: requests
        # lets it replace a session's setting.
        saved = os.environ.get('REQUESTS_CA_BUNDLE')
        os.environ['REQUESTS_CA_BUNDLE'] = requests.certs.where()

        @self.addCleanup
        def restore():
            if saved is None:
                os.environ.pop('REQUESTS_CA_BUNDLE', None)
            else:
                os.environ['REQUESTS_CA_BUNDLE'] = saved

    def new_backend(self, **values):
        vals = {'name': 'TLS', 'url': getattr(self, 'tls_url', None) or
                'https://openproject.example.com', 'api_key': self.api_key}
        vals.update(values)
        return self.env['openproject.backend'].create(vals)

    def requireTls(self):
        if self.tls_server is None:
            self.skipTest('openssl is needed to make a test certificate')

    def test_verification_on_by_default(self):
        backend = self.new_backend()
        self.assertIs(backend.verify_ssl, True)
        client = backend._op_new_client()
        self.assertIs(client.session.verify, True)

    def test_ca_bundle_used_for_verification(self):
        backend = self.new_backend(ca_bundle='/etc/ssl/private-ca.pem')
        client = backend._op_new_client()
        self.assertEqual(client.session.verify, '/etc/ssl/private-ca.pem')

    def test_self_signed_certificate_refused_by_default(self):
        self.requireTls()
        client = self.new_backend()._op_new_client()
        with self.assertRaises(op_errors.TLSFailed) as raised:
            client.get('/api/v3/users/me')
        self.assertIn(u'certificate', u'%s' % raised.exception)

    def test_check_connection_reports_the_certificate(self):
        self.requireTls()
        backend = self.new_backend()
        with self.assertRaises(UserError) as raised:
            backend.action_check_connection()
        self.assertIn(u'certificate', raised.exception.name)
        self.assertIn(u'certificate', backend.last_error or u'')
        self.assertFalse(backend.key_user_name)
        # the reason of the TLS stack is quoted whole: "... (_ssl.c:...)"
        error = backend.last_error
        self.assertEqual(error.count(u'('), error.count(u')'), error)

    def test_ca_bundle_accepts_the_server(self):
        self.requireTls()
        client = self.new_backend(ca_bundle=self.cert)._op_new_client()
        self.assertEqual(client.get('/api/v3/users/me')['login'], u'tls.bot')

    def test_verification_off_is_explicit_per_backend(self):
        self.requireTls()
        unverified = self.new_backend(name='TLS off', verify_ssl=False)
        verified = self.new_backend(name='TLS on')
        self.assertEqual(unverified._op_new_client().get(
            '/api/v3/users/me')['login'], u'tls.bot')
        # the other backend still verifies
        with self.assertRaises(op_errors.TLSFailed):
            verified._op_new_client().get('/api/v3/users/me')

    def test_form_warns_when_verification_is_off(self):
        view = self.env['openproject.backend'].fields_view_get(
            view_type='form')
        arch = etree.fromstring(view['arch'])
        warnings = arch.xpath(
            "//div[contains(concat(' ', @class, ' '), ' alert-warning ')]")
        tied = []
        for div in warnings:
            modifiers = json.loads(div.get('modifiers') or '{}')
            if modifiers.get('invisible') == [['verify_ssl', '=', True]]:
                tied.append(div)
        self.assertEqual(len(tied), 1, etree.tostring(arch)[:500])
        text = u' '.join(tied[0].itertext())
        self.assertIn(u'verification', text)
        self.assertIn(u'verify_ssl', view['fields'])


class TestAfterSyncUsersAndDeletions(OpenProjectCase):
    """A demo sync, then: imported users cannot log in; records deleted
    upstream are listed on the backend."""

    initial_sync = True

    def imported_users(self):
        # no Odoo user pre-exists with an OpenProject login or e-mail here:
        # every bound user was created by the import
        return self.bindings('openproject.res.users').mapped('odoo_id')

    def test_imported_users_have_no_password_nor_group(self):
        users = self.imported_users()
        self.assertTrue(users)
        self.env.cr.execute(
            "SELECT id, COALESCE(password, '') FROM res_users "
            "WHERE id IN %s", (tuple(users.ids),))
        passwords = dict(self.env.cr.fetchall())
        self.assertEqual(set(passwords), set(users.ids))
        for user in users:
            self.assertEqual(passwords[user.id], u'', user.login)
            self.assertFalse(user.groups_id, user.login)

    def test_imported_users_cannot_authenticate(self):
        users = self.imported_users().filtered('active')
        self.assertTrue(users)
        dbname = self.env.cr.dbname
        for user in users:
            # Odoo's entry points (login form, XML-RPC login, every RPC
            # call) refuse the empty password of a user who has none
            self.assertFalse(self.env['res.users']._login(
                dbname, user.login, u''))
            self.assertFalse(self.env['res.users'].authenticate(
                dbname, user.login, u'', {}))
            with self.assertRaises(AccessDenied):
                self.env['res.users'].check(dbname, user.id, u'')
            # and no password works (check_credentials('') is not tried:
            # with auth_crypt it accepts '' for every user, the admin
            # included; the entry points above never call it with '')
            for password in (user.login, user.name, u'admin', u'False',
                             u'openproject', u' '):
                with self.assertRaises(AccessDenied):
                    self.env['res.users'].sudo(user).check_credentials(
                        password)

    def test_administrator_decides(self):
        """Once an administrator gives a password (and groups), the user
        can log in: the refusal above comes from the import's choices."""
        user = self.imported_users().filtered('active')[0]
        user.write({'password': u'chosen-by-the-admin',
                    'groups_id': [(4, self.env.ref('base.group_user').id)]})
        self.env['res.users'].sudo(user).check_credentials(
            u'chosen-by-the-admin')

    def test_deleted_records_listed_on_the_backend(self):
        backend = self.backend
        self.assertEqual(backend.deleted_count, 0)
        self.assertFalse(backend.deleted_task_ids)
        bot = self.dataset.bot_id()
        # the simulator says what it deleted (the work package, its
        # descendants and their time entries); the key sees some of them
        answer = self.control('DELETE', '/work_packages/%s' % TASK_TO_DELETE)
        wps = sorted(set(answer['deleted']['work_packages']) &
                     set(self.dataset.visible_work_packages(bot)))
        entries = sorted(set(answer['deleted']['time_entries']) &
                         set(self.dataset.visible_time_entries(bot)))
        self.assertIn(TASK_TO_DELETE, wps)
        self.assertTrue(entries, 'demo.json: work package 1 has time '
                                 'entries')
        report = self.full_sync(from_scratch=True)
        self.assertNoJobFailure(report)
        backend.invalidate_cache()
        # the lists of the report
        self.assertEqual(sorted(int(ext) for ext in
                                backend.deleted_task_ids.mapped(
                                    'external_id')), wps)
        self.assertIn(self.dataset.work_packages[TASK_TO_DELETE]['subject'],
                      backend.deleted_task_ids.mapped('name'))
        self.assertFalse(any(backend.deleted_task_ids.mapped('active')))
        self.assertEqual(
            sorted(int(ext) for ext in
                   backend.deleted_timesheet_ids.mapped('external_id')),
            entries)
        self.assertEqual(backend.deleted_count, len(wps) + len(entries) + len(
            backend.deleted_message_ids) + len(backend.deleted_project_ids) +
            len(backend.deleted_user_ids))
        self.assertIn(u'%s' % len(entries), backend.deleted_summary)
        # the smart button opens the report with those lists
        action = backend.action_view_deleted()
        self.assertEqual(action['res_model'], 'openproject.backend')
        self.assertEqual(action['res_id'], backend.id)
        view_id = action['views'][0][0]
        view = self.env['openproject.backend'].fields_view_get(
            view_id=view_id, view_type='form')
        for name in ('deleted_project_ids', 'deleted_task_ids',
                     'deleted_timesheet_ids', 'deleted_message_ids',
                     'deleted_user_ids'):
            self.assertIn(name, view['fields'])
        # the button is on the backend form, shown when there is something
        form = etree.fromstring(self.env['openproject.backend']
                                .fields_view_get(view_type='form')['arch'])
        buttons = form.xpath("//button[@name='action_view_deleted']")
        self.assertEqual(len(buttons), 1)
        self.assertEqual(json.loads(buttons[0].get('modifiers'))['invisible'],
                         [['deleted_count', '=', 0]])
