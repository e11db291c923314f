# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).
"""Pure tests of openproject_client.hal and .errors (no server)."""
from __future__ import absolute_import, unicode_literals

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), 'connector_openproject'))

from openproject_client import errors, hal  # noqa: E402
from openproject_client.client import (  # noqa: E402
    OpenProjectClient, parse_retry_after)

WP = {
    '_type': 'WorkPackage', 'id': 7,
    '_links': {
        'self': {'href': '/api/v3/work_packages/7', 'title': 'Fix it'},
        'assignee': {'href': None},
        'responsible': {'href': hal.UNDISCLOSED, 'title': 'Undisclosed'},
        'author': {'href': 'http://op.example/sub/api/v3/users/12',
                   'title': 'Ann'},
        'project': {'href': '/api/v3/projects/3', 'title': 'Demo'},
        'group': {'href': '/api/v3/groups/4'},
        'ph': {'href': '/api/v3/placeholder_users/9'},
        'status': {'href': '/api/v3/project_statuses/on_track'},
        'children': [{'href': '/api/v3/work_packages/8'},
                     {'href': '/api/v3/work_packages/9'}],
    },
    '_embedded': {'project': {'_type': 'Project', 'id': 3}},
}


def test_id_from_href():
    assert hal.id_from_href('/api/v3/users/5') == ('users', 5)
    assert hal.id_from_href('https://x.org/op/api/v3/work_packages/42') == \
        ('work_packages', 42)
    assert hal.id_from_href('/api/v3/time_entries/activities/3') == \
        ('time_entries/activities', 3)
    assert hal.id_from_href('/api/v3/projects/3?x=1') == ('projects', 3)
    for bad in (None, hal.UNDISCLOSED, '/api/v3/users/me', '/foo/5',
                '/api/v3/work_packages/schemas/1-2'):
        with pytest.raises(ValueError):
            hal.id_from_href(bad)


def test_links():
    assert hal.link_id(WP, 'author') == 12
    assert hal.link_kind(WP, 'author') == 'users'
    assert hal.link_title(WP, 'author') == 'Ann'
    assert hal.link_id(WP, 'assignee') is None
    assert hal.link_href(WP, 'assignee') is None
    assert hal.link_id(WP, 'responsible') is None
    assert hal.link_kind(WP, 'responsible') is None
    assert hal.is_undisclosed(WP, 'responsible')
    assert not hal.is_undisclosed(WP, 'assignee')
    assert hal.link_id(WP, 'missing') is None
    assert hal.link_kind(WP, 'group') == 'groups'
    assert hal.link_kind(WP, 'ph') == 'placeholder_users'
    assert hal.link_ids(WP, 'children') == [8, 9]
    assert hal.link_href(WP, 'children') is None
    with pytest.raises(ValueError):
        hal.link_id(WP, 'status')


def test_embedded():
    assert hal.embedded(WP, 'project')['id'] == 3
    assert hal.embedded(WP, 'nothing') is None
    assert hal.elements({'_embedded': {'elements': [1, 2]}}) == [1, 2]
    assert hal.elements({}) == []
    assert hal.embedded(None, 'x') is None


def test_error_classes():
    assert errors.class_for(401, 'urn:openproject-org:api:v3:errors:Unauthenticated') \
        is errors.Unauthenticated
    assert errors.class_for(403, None) is errors.MissingPermission
    assert errors.class_for(404, 'NotFound') is errors.NotFound
    assert errors.class_for(400, 'urn:openproject-org:api:v3:errors:InvalidQuery') \
        is errors.InvalidQuery
    assert errors.class_for(409, 'urn:openproject-org:api:v3:errors:UpdateConflict') \
        is errors.Conflict
    assert errors.class_for(429) is errors.RateLimited
    assert errors.class_for(503) is errors.ServerError
    assert errors.class_for(422, 'PropertyConstraintViolation') is \
        errors.OpenProjectError
    assert errors.RateLimited('x').transient
    assert errors.ServerError('x').transient
    assert errors.ConnectionFailed('x').transient
    assert not errors.TLSFailed('x').transient
    assert not errors.NotFound('x').transient
    assert not errors.BadResponse('x').transient
    exc = errors.NotFound('Gone ✓', status=404,
                          identifier='urn:openproject-org:api:v3:errors:NotFound',
                          url='/api/v3/projects/9')
    assert exc.identifier == 'NotFound'
    assert 'NotFound' in repr(exc) and '/api/v3/projects/9' in repr(exc)
    assert str(exc)  # works with non-ASCII on Python 2 too
    assert '%s' % exc == 'Gone ✓'


def test_parse_retry_after():
    assert parse_retry_after('1') == 1
    assert parse_retry_after(None) is None
    assert parse_retry_after('garbage') is None
    assert parse_retry_after('Wed, 21 Oct 2015 07:28:00 GMT',
                             now=1445412470) == 10


def test_client_url_handling_and_repr():
    client = OpenProjectClient('https://op.example.org/sub/api/v3/', 's3cr3t-KEY')
    assert client.base_url == 'https://op.example.org/sub'
    assert client.url_for('/api/v3/users/me') == \
        'https://op.example.org/sub/api/v3/users/me'
    assert client.url_for('/sub/api/v3/users/me') == \
        'https://op.example.org/sub/api/v3/users/me'
    assert client.url_for('https://op.example.org/sub/api/v3/x?a=1') == \
        'https://op.example.org/sub/api/v3/x?a=1'
    with pytest.raises(errors.BadResponse) as info:
        client.url_for('https://evil.example.com/api/v3/users/me')
    assert 'evil.example.com' in '%s' % info.value
    assert 's3cr3t-KEY' not in repr(client)
    assert 's3cr3t-KEY' not in repr(client.session.auth)
    assert 's3cr3t-KEY' not in repr(vars(client.session.auth))
    assert client.session.verify is True
    assert client.session.headers['User-Agent'].startswith(
        'connector_openproject/')
    assert client.redact('x s3cr3t-KEY y') == 'x *** y'


def test_client_rejects_bad_config():
    for url in ('', 'ftp://x', 'op.example.org', 'https://apikey:k@op.example.org'):
        with pytest.raises(ValueError) as info:
            OpenProjectClient(url, 'k3y-value')
        assert 'k3y-value' not in '%s' % info.value
    with pytest.raises(ValueError):
        OpenProjectClient('https://op.example.org', '')


def test_ca_bundle_and_timeouts():
    client = OpenProjectClient('https://op.example.org', 'k', ca_bundle='/etc/ca.pem',
                               timeout=20)
    assert client.session.verify == '/etc/ca.pem'
    assert client.timeout == (10, 20)
    client = OpenProjectClient('https://op.example.org', 'k', verify=False,
                               timeout=(3, 40))
    assert client.session.verify is False
    assert client.timeout == (3, 40)


def test_retry_policy():
    client = OpenProjectClient('https://op.example.org', 'k', retries=2)
    retry = client.session.get_adapter('https://op.example.org').max_retries
    assert retry.total == 2
    assert set(retry.status_forcelist) == {429, 502, 503, 504}
    methods = getattr(retry, 'allowed_methods', None) or \
        getattr(retry, 'method_whitelist')
    assert 'GET' in methods and 'POST' not in methods and 'PATCH' not in methods
    assert retry.respect_retry_after_header
    copy = retry.new(total=1)
    assert copy.on_retry == retry.on_retry
    assert copy.max_retry_after == retry.max_retry_after
