# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).
"""Exceptions raised by the OpenProject client.

Every exception carries a message a user can act on, the HTTP status, the
OpenProject ``errorIdentifier`` (short name, e.g. ``MissingPermission``) and
the URL path of the request.  None of them ever holds the API key: the client
builds the messages from the request path and the server's answer only.
"""
from __future__ import absolute_import, unicode_literals

import sys

PY2 = sys.version_info[0] == 2

ERROR_URN_PREFIX = 'urn:openproject-org:api:v3:errors:'


def short_identifier(identifier):
    """Strip the URN prefix of an ``errorIdentifier``: ``NotFound``."""
    if not identifier:
        return None
    if identifier.startswith(ERROR_URN_PREFIX):
        return identifier[len(ERROR_URN_PREFIX):]
    return identifier


class OpenProjectError(Exception):
    """Base class of every error raised by the client."""

    #: True when retrying the same request later may succeed.
    transient = False

    def __init__(self, message, status=None, identifier=None, url=None):
        super(OpenProjectError, self).__init__(message)
        self.message = message
        self.status = status
        self.identifier = short_identifier(identifier)
        self.url = url

    def __str__(self):
        if PY2:  # str() must give bytes on Python 2
            return self.message.encode('utf-8')
        return self.message

    def __unicode__(self):  # Python 2
        return self.message

    def __repr__(self):
        return '%s(%r, status=%r, identifier=%r, url=%r)' % (
            type(self).__name__, self.message, self.status,
            self.identifier, self.url)


class Unauthenticated(OpenProjectError):
    """401: the API key is missing, wrong, expired, or its user locked."""


class MissingPermission(OpenProjectError):
    """403: the key's user may not perform this request."""


class NotFound(OpenProjectError):
    """404: the resource does not exist or is invisible to the key's user."""


class InvalidQuery(OpenProjectError):
    """400: a filter, sort or other query parameter was refused."""


class Conflict(OpenProjectError):
    """409: e.g. ``UpdateConflict`` on a stale ``lockVersion``."""


class RateLimited(OpenProjectError):
    """429: too many requests; ``retry_after`` in seconds when known."""

    transient = True

    def __init__(self, message, status=429, identifier=None, url=None,
                 retry_after=None):
        super(RateLimited, self).__init__(
            message, status=status, identifier=identifier, url=url)
        self.retry_after = retry_after


class ServerError(OpenProjectError):
    """5xx: the server (or a proxy in front of it) failed."""

    transient = True


class BadResponse(OpenProjectError):
    """The answer is not the API's JSON: HTML page, broken JSON, wrong shape."""


class ConnectionFailed(OpenProjectError):
    """The server could not be reached or did not answer (after retries)."""

    transient = True


class TLSFailed(ConnectionFailed):
    """The TLS handshake or certificate verification failed.

    Not transient: it needs a fix of the server certificate or the CA bundle.
    """

    transient = False


#: errorIdentifier (short form) -> exception class
IDENTIFIER_CLASSES = {
    'Unauthenticated': Unauthenticated,
    'MissingPermission': MissingPermission,
    'NotFound': NotFound,
    'InvalidQuery': InvalidQuery,
    'InvalidRequestBody': InvalidQuery,
    'InvalidRenderContext': InvalidQuery,
    'InvalidSignal': InvalidQuery,
    'UpdateConflict': Conflict,
    'InternalServerError': ServerError,
}

#: HTTP status -> exception class, when the identifier says nothing better
STATUS_CLASSES = {
    400: InvalidQuery,
    401: Unauthenticated,
    403: MissingPermission,
    404: NotFound,
    409: Conflict,
    429: RateLimited,
}


def class_for(status, identifier=None):
    """Pick the exception class for an error answer."""
    cls = IDENTIFIER_CLASSES.get(short_identifier(identifier))
    if cls is None:
        cls = STATUS_CLASSES.get(status)
    if cls is None and status is not None and status >= 500:
        cls = ServerError
    if status == 429:
        cls = RateLimited
    return cls or OpenProjectError
