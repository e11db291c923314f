# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).
"""HTTP client of the OpenProject API v3 (plain Python, no Odoo import).

One :class:`OpenProjectClient` per backend: it owns a ``requests.Session``
with HTTP Basic auth (user ``apikey``, password = the key), timeouts, TLS
verification and urllib3 retries of idempotent requests.  Every failure is
raised as one of the exceptions of :mod:`.errors`, whose messages never hold
the API key.
"""
from __future__ import absolute_import, unicode_literals

import base64
import calendar
import datetime
import email.utils
import json
import logging
import time

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import (
    MaxRetryError, ReadTimeoutError, ResponseError)
from urllib3.util.retry import Retry

from . import errors, hal
from . import query as query_builder

try:  # Python 3
    from urllib.parse import urlsplit, urlunsplit
except ImportError:  # pragma: no cover - Python 2
    from urlparse import urlsplit, urlunsplit

_logger = logging.getLogger(__name__)

__version__ = '10.0.1.0.0'
DEFAULT_USER_AGENT = 'connector_openproject/%s (+Odoo)' % __version__
API_PATH = '/api/v3'
REDACTED = '***'
#: statuses retried (for idempotent methods) by urllib3
RETRY_STATUSES = (429, 502, 503, 504)
#: idempotent methods retried on read errors and retry statuses
RETRY_METHODS = frozenset(['GET', 'HEAD', 'OPTIONS'])


class ApiKeyAuth(requests.auth.AuthBase):
    """HTTP Basic auth ``apikey:<key>`` whose repr never shows the key."""

    def __init__(self, api_key):
        self._header = 'Basic ' + base64.b64encode(
            ('apikey:%s' % api_key).encode('utf-8')).decode('ascii')

    def __call__(self, request):
        request.headers['Authorization'] = self._header
        return request

    def __eq__(self, other):
        return isinstance(other, ApiKeyAuth) and self._header == other._header

    def __ne__(self, other):
        return not self == other

    __hash__ = None

    def __repr__(self):
        return '<ApiKeyAuth apikey:%s>' % REDACTED


class OpenProjectRetry(Retry):
    """urllib3 Retry that reports each retry and does not wait for long.

    A ``Retry-After`` above ``max_retry_after`` seconds stops the retries:
    the 429/503 answer comes back and becomes RateLimited/ServerError, so a
    job can be postponed instead of blocking a worker.
    """

    max_retry_after = 30
    on_retry = None

    def new(self, **kw):
        result = super(OpenProjectRetry, self).new(**kw)
        result.max_retry_after = self.max_retry_after
        result.on_retry = self.on_retry
        return result

    def increment(self, method=None, url=None, response=None, error=None,
                  _pool=None, _stacktrace=None):
        if response is not None and self.max_retry_after is not None:
            wait = self.get_retry_after(response)
            if wait is not None and wait > self.max_retry_after:
                raise MaxRetryError(_pool, url, ResponseError(
                    'Retry-After of %s s is longer than %s s'
                    % (wait, self.max_retry_after)))
        result = super(OpenProjectRetry, self).increment(
            method=method, url=url, response=response, error=error,
            _pool=_pool, _stacktrace=_stacktrace)
        if self.on_retry is not None:
            self.on_retry(method, url, response, error)
        return result


def make_retry(retries, backoff_factor, on_retry=None, max_retry_after=30):
    """Build the Retry policy (``allowed_methods`` in urllib3 >= 1.26,
    ``method_whitelist`` before)."""
    kwargs = dict(total=retries, connect=retries, read=retries,
                  status=retries, redirect=0,
                  status_forcelist=RETRY_STATUSES,
                  backoff_factor=backoff_factor,
                  raise_on_status=False, raise_on_redirect=False,
                  respect_retry_after_header=True)
    try:
        retry = OpenProjectRetry(allowed_methods=RETRY_METHODS, **kwargs)
    except TypeError:  # urllib3 < 1.26
        retry = OpenProjectRetry(method_whitelist=RETRY_METHODS, **kwargs)
    retry.on_retry = on_retry
    retry.max_retry_after = max_retry_after
    return retry


def parse_retry_after(value, now=None):
    """Seconds to wait from a Retry-After header (seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return int(value)
    parsed = email.utils.parsedate_tz(value)
    if parsed is None:
        return None
    when = calendar.timegm(parsed[:9]) - (parsed[9] or 0)
    now = time.time() if now is None else now
    return max(0, int(round(when - now)))


class OpenProjectClient(object):
    """Client of one OpenProject instance, authenticated by one API key.

    :param url: base URL of the instance (``https://op.example.com`` or with
        a path prefix ``https://example.com/openproject``)
    :param api_key: the API token (never logged nor put in messages)
    :param timeout: read timeout in seconds (or a ``(connect, read)`` pair)
    :param connect_timeout: connect timeout (default ``min(10, timeout)``)
    :param verify: verify TLS certificates (keep True in production)
    :param ca_bundle: path of a CA bundle file used instead of the default
    :param page_size: default ``pageSize`` of paginated collections
    :param retries: immediate retries of idempotent requests on connection
        errors, 502/503/504 and 429
    :param backoff_factor: urllib3 backoff between retries
    :param user_agent: User-Agent header (default names the connector)
    :param debug: log every request (Authorization redacted) at INFO level
    :param max_retry_after: longest Retry-After (s) waited for in place
    """

    def __init__(self, url, api_key, timeout=30, verify=True, ca_bundle=None,
                 page_size=100, retries=3, backoff_factor=0.5,
                 user_agent=None, debug=False, connect_timeout=None,
                 max_retry_after=30, session=None):
        if not url:
            raise ValueError('The OpenProject URL is empty.')
        parts = urlsplit(url.strip())
        if parts.scheme not in ('http', 'https') or not parts.hostname:
            raise ValueError('The OpenProject URL must start with https:// '
                             'or http:// and name a host.')
        if parts.username or parts.password:
            raise ValueError('The OpenProject URL must not contain a user '
                             'name or password; put the API key in its own '
                             'field.')
        if not api_key:
            raise ValueError('The OpenProject API key is empty.')
        path = parts.path.rstrip('/')
        if path.endswith(API_PATH):
            path = path[:-len(API_PATH)]
        self.base_url = urlunsplit((parts.scheme, parts.netloc, path, '', ''))
        self._origin = (parts.scheme, parts.netloc.lower())
        self._prefix = path
        self._secrets = self._secret_forms(api_key)
        if isinstance(timeout, (tuple, list)):
            self.timeout = tuple(timeout)
        else:
            self.timeout = (connect_timeout or min(10, timeout), timeout)
        self.verify = ca_bundle if ca_bundle else bool(verify)
        self.page_size = int(page_size or 100)
        self.retries = retries
        self.debug = debug
        self.request_count = 0
        self._filter_support = {}
        self.session = session or requests.Session()
        self.session.auth = ApiKeyAuth(api_key)
        self.session.verify = self.verify
        self.session.headers.update({
            'User-Agent': user_agent or DEFAULT_USER_AGENT,
            'Accept': 'application/hal+json, application/json',
        })
        retry = make_retry(retries, backoff_factor, on_retry=self._on_retry,
                           max_retry_after=max_retry_after)
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount('https://', adapter)
        self.session.mount('http://', adapter)
        if not self.verify:
            _logger.warning('TLS certificate verification is disabled for '
                            '%s', self.base_url)

    # ------------------------------------------------------------------
    # representation, secrets

    def __repr__(self):
        return '<OpenProjectClient %s apikey:%s>' % (self.base_url, REDACTED)

    @staticmethod
    def _secret_forms(api_key):
        forms = [api_key]
        for text in ('apikey:%s' % api_key, api_key):
            forms.append(base64.b64encode(text.encode('utf-8'))
                         .decode('ascii'))
        return [form for form in forms if form]

    def redact(self, text):
        """``text`` with every form of the API key replaced by ``***``."""
        if text is None:
            return text
        if isinstance(text, bytes):
            text = text.decode('utf-8', 'replace')
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def close(self):
        self.session.close()

    # ------------------------------------------------------------------
    # URLs

    def url_for(self, path_or_href):
        """Absolute URL of an API path or a HAL href of this instance.

        Refuses absolute URLs of another host: the API key must only ever
        be sent to the configured instance."""
        if not path_or_href:
            raise ValueError('Empty OpenProject path')
        parts = urlsplit(path_or_href)
        if parts.scheme or parts.netloc:
            if (parts.scheme, parts.netloc.lower()) != self._origin:
                raise errors.BadResponse(
                    'Refusing to follow a link to another server (%s://%s); '
                    'the API key is only sent to %s.'
                    % (parts.scheme, parts.hostname, self.base_url),
                    url=parts.path)
            return path_or_href
        path = parts.path
        if not path.startswith('/'):
            path = '/' + path
        if self._prefix and not path.startswith(self._prefix + '/'):
            path = self._prefix + path
        return urlunsplit(self._origin + (path, '', '')) + (
            '?' + parts.query if parts.query else '')

    @staticmethod
    def _path(url):
        return urlsplit(url).path

    # ------------------------------------------------------------------
    # requests

    def _on_retry(self, method, url, response, error):
        self.request_count += 1
        if response is not None:
            why = 'HTTP %s' % response.status
        else:
            why = type(error).__name__ if error is not None else 'error'
        _logger.info('OpenProject: retrying %s %s after %s', method,
                     self._path(url or ''), why)

    def request(self, method, path_or_href, params=None, json_body=None):
        """Send a request, return the decoded JSON object (None for 204).

        Raises an :class:`~.errors.OpenProjectError` subclass on failure."""
        url = self.url_for(path_or_href)
        path = self._path(url)
        self.request_count += 1
        started = time.time()
        if self.debug:
            _logger.info('OpenProject request: %s %s params=%s headers=%s',
                         method, self.redact(url),
                         self.redact(json.dumps(params, sort_keys=True)),
                         self._redacted_headers())
        try:
            # verify per request: requests lets REQUESTS_CA_BUNDLE (or
            # CURL_CA_BUNDLE) of the process environment override the
            # session's own setting, which would silently ignore the
            # backend's CA bundle or its explicit "no verification"
            response = self.session.request(
                method, url, params=params, json=json_body,
                timeout=self.timeout, allow_redirects=True,
                verify=self.verify)
        except requests.exceptions.RequestException as exc:
            raise self._connection_error(exc, path)
        elapsed = time.time() - started
        log = _logger.info if self.debug else _logger.debug
        log('OpenProject: %s %s -> %s (%.0f ms, %d bytes)', method,
            self.redact(response.url), response.status_code,
            elapsed * 1000, len(response.content or b''))
        return self._decode(response, path)

    def _redacted_headers(self):
        headers = dict(self.session.headers)
        headers['Authorization'] = 'Basic %s' % REDACTED
        return self.redact(json.dumps(headers, sort_keys=True))

    @staticmethod
    def _reason(exc):
        """The innermost, short reason of a requests/urllib3 error."""
        reason = exc.args[0] if exc.args else exc
        reason = getattr(reason, 'reason', reason)
        text = '%s' % (reason,)
        marker = 'Failed to establish a new connection: '
        if marker in text:
            text = text.split(marker, 1)[1]
        # drop the closing parentheses and quotes of the exception reprs
        # around the reason, but not a parenthesis of the reason itself
        # ("... certificate verify failed (_ssl.c:727)")
        text = text.strip()
        while text and (text[-1] in '\'",' or (
                text[-1] == ')' and text.count(')') > text.count('('))):
            text = text[:-1].rstrip()
        return text

    def _connection_error(self, exc, path):
        detail = self.redact(self._reason(exc))
        where = self.base_url
        if isinstance(exc, requests.exceptions.SSLError):
            return errors.TLSFailed(
                'TLS verification of %s failed: %s. If the server uses a '
                'private certificate authority, set its CA bundle on the '
                'backend.' % (where, detail), url=path)
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return errors.ConnectionFailed(
                'Could not connect to OpenProject at %s within %s s (after '
                '%s retries). Check the URL and that the server is up.'
                % (where, self.timeout[0], self.retries), url=path)
        inner = exc.args[0] if exc.args else None
        inner = getattr(inner, 'reason', inner)
        if isinstance(exc, requests.exceptions.ReadTimeout) or isinstance(
                inner, ReadTimeoutError):
            return errors.ConnectionFailed(
                'OpenProject at %s did not answer %s within %s s (after %s '
                'retries). The server may be overloaded; try again later or '
                'raise the timeout.'
                % (where, path, self.timeout[1], self.retries), url=path)
        if isinstance(exc, requests.exceptions.TooManyRedirects):
            return errors.BadResponse(
                'OpenProject at %s redirected %s too many times; check the '
                'URL.' % (where, path), url=path)
        if isinstance(exc, requests.exceptions.RetryError):
            return errors.ServerError(
                'OpenProject at %s kept failing on %s: %s'
                % (where, path, detail), url=path)
        return errors.ConnectionFailed(
            'Could not reach OpenProject at %s (%s after %s retries): %s. '
            'Check the URL, the network and that the server is up.'
            % (where, path, self.retries, detail), url=path)

    def _decode(self, response, path):
        status = response.status_code
        if status == 204 or (status < 300 and not response.content):
            return None
        data, problem = self._json(response)
        if status >= 400:
            raise self._http_error(response, path, data, problem)
        if problem:
            raise errors.BadResponse(
                'OpenProject at %s answered %s with %s instead of the API\'s '
                'JSON. Check that the URL is the OpenProject root (without '
                '/api/v3) and that no proxy or login page is in between.'
                % (self.base_url, path, problem), status=status, url=path)
        return data

    @staticmethod
    def _json(response):
        """(object, None) or (None, description of what is wrong)."""
        ctype = (response.headers.get('Content-Type') or '').lower()
        body = response.content or b''
        if 'html' in ctype or body.lstrip()[:1] == b'<':
            return None, 'an HTML page (HTTP %s)' % response.status_code
        try:
            data = json.loads(body.decode('utf-8'))
        except (ValueError, UnicodeDecodeError):
            return None, 'a body that is not valid JSON (HTTP %s, %s)' % (
                response.status_code, ctype or 'no content type')
        if not isinstance(data, dict):
            return None, 'JSON that is not an object (HTTP %s)' % (
                response.status_code,)
        return data, None

    def _is_api_root(self, path):
        """True for the paths that exist on every OpenProject API v3 (the
        root and the key's own user): a 404 there means a wrong URL."""
        if self._prefix and path.startswith(self._prefix + '/'):
            path = path[len(self._prefix):]
        return path.rstrip('/') in (API_PATH, API_PATH + '/users/me')

    def _http_error(self, response, path, data, problem):
        status = response.status_code
        identifier = None
        server_message = ''
        if data is not None:
            identifier = errors.short_identifier(data.get('errorIdentifier'))
            server_message = data.get('message') or ''
            if isinstance(server_message, (list, tuple)):
                server_message = ' '.join('%s' % m for m in server_message)
            server_message = self.redact('%s' % server_message)
            nested = [e.get('message') for e in
                      (hal.embedded(data, 'errors') or [])
                      if isinstance(e, dict) and e.get('message')]
            if nested:
                server_message = ' '.join(
                    [server_message] + [self.redact('%s' % m) for m in nested]
                ).strip()
        elif status < 500 and status != 429:
            # A non-JSON 4xx comes from something else than the API (proxy,
            # wrong base URL): never report it as e.g. NotFound, which would
            # be taken for "the record was deleted".
            return errors.BadResponse(
                'OpenProject at %s answered %s with %s instead of the API\'s '
                'JSON error. Check the URL and any proxy in front of '
                'OpenProject.' % (self.base_url, path, problem),
                status=status, url=path)
        cls = errors.class_for(status, identifier)
        label = '%s %s' % (status, identifier) if identifier else '%s' % status
        said = (' OpenProject said: %s' % server_message
                if server_message else '')
        if cls is errors.Unauthenticated:
            message = ('OpenProject rejected the API key (401). Check the key '
                       'on the backend.%s' % said)
        elif cls is errors.MissingPermission:
            message = ('The API key\'s user is not allowed to read %s (%s). '
                       'Give that user the needed permission in OpenProject '
                       '(listing users needs an administrator) or use '
                       'another key.%s' % (path, label, said))
        elif cls is errors.NotFound and self._is_api_root(path):
            message = ('Nothing at %s (%s): the URL %s does not point at an '
                       'OpenProject API v3. Give the address of the '
                       'OpenProject instance itself (the one of its login '
                       'page, e.g. https://openproject.example.com), '
                       'without /api/v3.%s'
                       % (path, label, self.base_url, said))
        elif cls is errors.NotFound:
            message = ('OpenProject has nothing at %s visible to the API '
                       'key\'s user (%s): it was deleted, or that user is no '
                       'longer a member with the needed permissions.%s'
                       % (path, label, said))
        elif cls is errors.InvalidQuery:
            message = ('OpenProject refused the request to %s (%s); a filter '
                       'or parameter is not supported by this OpenProject '
                       'version.%s' % (path, label, said))
        elif cls is errors.Conflict:
            message = ('OpenProject reported a conflict on %s (%s): the '
                       'record changed meanwhile; reload and try again.%s'
                       % (path, label, said))
        elif cls is errors.RateLimited:
            retry_after = parse_retry_after(
                response.headers.get('Retry-After'))
            message = ('OpenProject is limiting the request rate (429) on '
                       '%s; retry %s.%s' % (
                           path, 'after %s s' % retry_after
                           if retry_after is not None else 'later', said))
            return errors.RateLimited(message, status=status,
                                      identifier=identifier, url=path,
                                      retry_after=retry_after)
        elif cls is errors.ServerError:
            what = ('' if data is not None else
                    ' (the answer was %s, probably from a proxy)' % problem)
            message = ('OpenProject failed on %s with HTTP %s%s even after '
                       '%s retries; it is probably down or overloaded, try '
                       'again later.%s' % (path, label, what, self.retries,
                                            said))
        else:
            message = ('OpenProject answered %s with HTTP %s.%s'
                       % (path, label, said))
        return cls(message, status=status, identifier=identifier, url=path)

    # ------------------------------------------------------------------
    # API

    def get(self, path_or_href, params=None):
        """GET a resource; returns its JSON object."""
        return self.request('GET', path_or_href, params=params)

    def post(self, path_or_href, body, params=None):
        return self.request('POST', path_or_href, params=params,
                            json_body=body)

    def patch(self, path_or_href, body, params=None):
        return self.request('PATCH', path_or_href, params=params,
                            json_body=body)

    def delete(self, path_or_href, params=None):
        return self.request('DELETE', path_or_href, params=params)

    def whoami(self):
        """The key's user (``/api/v3/users/me``)."""
        return self.get(API_PATH + '/users/me')

    def root(self):
        """The API root (``/api/v3``): instance name, version for admins."""
        return self.get(API_PATH)

    @staticmethod
    def query_params(filters=None, sort_by=None, params=None):
        """Merge ``filters``/``sortBy`` into a params dict.

        ``filters=None`` sends no filter (server default applies, for work
        packages: open only); ``filters=[]`` sends ``[]`` (no filter)."""
        result = dict(params or {})
        if filters is not None:
            result['filters'] = query_builder.filters(filters)
        if sort_by is not None:
            result['sortBy'] = query_builder.sort_by(sort_by)
        return result

    def iter_pages(self, path, filters=None, sort_by=None, page_size=None,
                   params=None):
        """Yield the pages (collection dicts) of a paginated collection.

        Pages are fetched one at a time as the caller iterates.  ``offset``
        is the 1-based page number; iteration stops when
        ``offset * pageSize >= total``, when there is no ``nextByOffset``
        link or when a page is empty.  If the server clamps the page size,
        the following pages are asked with the size it used."""
        query = self.query_params(filters, sort_by, params)
        size = int(page_size or query.pop('pageSize', None) or self.page_size)
        offset = int(query.pop('offset', 1) or 1)
        while True:
            query['offset'] = offset
            query['pageSize'] = size
            page = self.get(path, params=query)
            if page.get('_type') not in (None, 'Collection'):
                raise errors.BadResponse(
                    'OpenProject answered %s with a %s, not a collection.'
                    % (self._path(self.url_for(path)), page.get('_type')),
                    url=self._path(self.url_for(path)))
            yield page
            count = len(hal.elements(page))
            total = page.get('total')
            server_size = page.get('pageSize')
            if not count or not server_size or total is None:
                return
            if not hal.link_href(page, 'nextByOffset'):
                return
            server_offset = page.get('offset') or offset
            if server_offset * server_size >= total:
                return
            size = server_size
            offset = server_offset + 1

    def iter_elements(self, path, filters=None, sort_by=None, page_size=None,
                      params=None):
        """Yield the elements of a paginated collection, page by page."""
        for page in self.iter_pages(path, filters=filters, sort_by=sort_by,
                                    page_size=page_size, params=params):
            for element in hal.elements(page):
                yield element

    def get_collection(self, path, params=None, filters=None, sort_by=None):
        """All elements of a collection as a list.

        Meant for unpaginated collections (statuses, types, activities);
        follows the pages anyway if the server paginates it."""
        query = self.query_params(filters, sort_by, params)
        page = self.get(path, params=query)
        result = list(hal.elements(page))
        total = page.get('total')
        if (page.get('pageSize') and total is not None and len(result) < total
                and hal.link_href(page, 'nextByOffset')):
            query['pageSize'] = page['pageSize']
            query['offset'] = (page.get('offset') or 1) + 1
            for element in self.iter_elements(path, params=query):
                result.append(element)
        return result

    def count(self, path, filters=None, params=None):
        """``total`` of a collection (one request with ``pageSize=1``)."""
        query = self.query_params(filters, None, params)
        query.update(pageSize=1, offset=1)
        return self.get(path, params=query).get('total')

    def supports_filter(self, path, name, operator=None, values=None):
        """Whether ``path`` accepts filter ``name``: tries it with
        ``pageSize=1``; False on 400 InvalidQuery.  Cached per client.

        Without ``operator``, names ending in ``_at`` are tried with
        ``<>d`` and two datetimes, others with ``*``."""
        if operator is None:
            if name.endswith('_at') or name.endswith('At'):
                operator = '<>d'
                values = ['2000-01-01T00:00:00Z', '2000-01-02T00:00:00Z']
            else:
                operator = '*'
                values = []
        key = (path, name, operator, tuple(values or ()))
        if key not in self._filter_support:
            try:
                self.get(path, params={
                    'filters': query_builder.filters(
                        [(name, operator, values)]),
                    'pageSize': 1, 'offset': 1})
            except errors.InvalidQuery:
                _logger.info('OpenProject %s does not support filter %s on '
                             '%s', self.base_url, name, path)
                self._filter_support[key] = False
            else:
                self._filter_support[key] = True
        return self._filter_support[key]


def utcnow():
    """Naive UTC now (helper for callers building datetime filters)."""
    return datetime.datetime.utcnow().replace(microsecond=0)
