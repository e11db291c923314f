# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).
"""Helpers to read HAL+JSON resources of the OpenProject API v3.

A link is ``res['_links'][name] = {'href': ..., 'title': ...}``; ``href`` is
``None`` for "no value" (e.g. unassigned) and
``urn:openproject-org:api:v3:undisclosed`` when the target exists but is
hidden from the key's user.  Both give ``None`` from :func:`link_id`.
"""
from __future__ import absolute_import, unicode_literals

import re

UNDISCLOSED = 'urn:openproject-org:api:v3:undisclosed'

_API_PATH = re.compile(r'(?:^|/)api/v3/(?P<kind>[^?#]+?)/(?P<id>[^/?#]+)/?(?:[?#].*)?$')


def _link(res, name):
    links = (res or {}).get('_links') or {}
    link = links.get(name)
    if isinstance(link, dict):
        return link
    return None


def links(res, name):
    """All link objects under ``name`` (a list; one-element for plain links).

    Some links are arrays (``children``, ``ancestors``, custom fields of
    multi-value types)."""
    value = ((res or {}).get('_links') or {}).get(name)
    if value is None:
        return []
    if isinstance(value, dict):
        return [value]
    return [item for item in value if isinstance(item, dict)]


def link_href(res, name):
    """``href`` of link ``name`` or None (absent link or null href).

    The undisclosed URN is returned as is: use :func:`is_undisclosed`."""
    link = _link(res, name)
    if link is None:
        return None
    return link.get('href') or None


def link_title(res, name):
    """``title`` of link ``name`` (None when absent)."""
    link = _link(res, name)
    if link is None:
        return None
    return link.get('title')


def is_undisclosed(res, name):
    """True when link ``name`` points at a target hidden from the key."""
    return link_href(res, name) == UNDISCLOSED


def id_from_href(href):
    """``'/api/v3/users/5'`` -> ``('users', 5)``.

    Nested kinds keep their path: ``/api/v3/time_entries/activities/3`` ->
    ``('time_entries/activities', 3)``.  Absolute URLs and a path prefix
    before ``/api/v3`` are accepted.  Raises ValueError for hrefs that are
    not a resource with an integer id (null, undisclosed, ``/users/me``...).
    """
    if not href or href == UNDISCLOSED:
        raise ValueError('%r is not an OpenProject resource link' % (href,))
    match = _API_PATH.search(href)
    if not match:
        raise ValueError('%r is not an OpenProject API v3 resource link'
                         % (href,))
    raw_id = match.group('id')
    if not raw_id.isdigit():
        raise ValueError('%r does not end with a numeric id' % (href,))
    return match.group('kind'), int(raw_id)


def link_id(res, name):
    """Integer id of the target of link ``name``; None for null, absent or
    undisclosed links.  ValueError for a link without a numeric id."""
    href = link_href(res, name)
    if href is None or href == UNDISCLOSED:
        return None
    return id_from_href(href)[1]


def link_kind(res, name):
    """Kind of the target of link ``name``: ``'users'``, ``'groups'``,
    ``'placeholder_users'``...; None for null, absent or undisclosed links."""
    href = link_href(res, name)
    if href is None or href == UNDISCLOSED:
        return None
    return id_from_href(href)[0]


def link_ids(res, name):
    """Integer ids of every target of an array link (null/undisclosed
    skipped)."""
    result = []
    for link in links(res, name):
        href = link.get('href')
        if href and href != UNDISCLOSED:
            result.append(id_from_href(href)[1])
    return result


def embedded(res, name):
    """Embedded resource ``name`` (dict or list) or None."""
    return ((res or {}).get('_embedded') or {}).get(name)


def elements(collection):
    """The ``_embedded.elements`` list of a collection (empty list if none)."""
    return embedded(collection, 'elements') or []
