# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).
"""Exceptions of the OpenProject connector (Odoo side).

The messages are written for the person who reads the failed job in
Job Queue -> Jobs: they say which OpenProject record or what setting is
wrong.  They never contain the API key (the client never puts it in its
messages, and nothing here reads it).
"""

from odoo.addons.connector.exception import MappingError
from odoo.addons.queue_job.exception import (FailedJobError,
                                             RetryableJobError)


class OpenProjectKeyError(FailedJobError):
    """The API key as a whole was refused (401), or the backend has no
    usable URL or key.

    Retrying cannot help: the backend records the message in its
    ``last_error`` field and the sync stops until a connector manager fixed
    the key and used "Check connection".
    """


class OpenProjectMappingError(MappingError):
    """A value of an OpenProject record cannot be imported.

    The message names the OpenProject record and the field.
    """

    def __init__(self, record_label, field, reason):
        self.record_label = record_label
        self.field = field
        self.reason = reason
        message = u'%s, field "%s": %s' % (record_label, field, reason)
        super(OpenProjectMappingError, self).__init__(message)


class RecordLocked(RetryableJobError):
    """Another transaction is importing the same OpenProject record."""
