# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).

import logging

from odoo import fields, tools
from odoo.addons.component.core import AbstractComponent
from odoo.addons.connector.components.mapper import mapping

from ..exception import OpenProjectMappingError

_logger = logging.getLogger(__name__)

try:
    from ..openproject_client import hal
    from ..openproject_client import values as op_values
except ImportError:  # pragma: no cover - missing python dependency
    _logger.debug('Cannot import the OpenProject client')


#: kinds of principals a work package may be assigned to
PRINCIPAL_KINDS = ('users', 'groups', 'placeholder_users')


def record_label(record):
    """'OpenProject WorkPackage #12' - used in every error message."""
    record = record or {}
    return u'OpenProject %s #%s' % (record.get('_type') or 'record',
                                   record.get('id'))


def to_datetime_string(value):
    return fields.Datetime.to_string(value) if value else False


def to_date_string(value):
    return fields.Date.to_string(value) if value else False


class OpenProjectImportMapper(AbstractComponent):
    """Base import mapper.

    Reading a value goes through ``op_value`` / ``op_link_id`` so that a
    bad value raises an ``OpenProjectMappingError`` naming the record and
    the field, instead of a bare ValueError or KeyError.
    """

    _name = 'openproject.import.mapper'
    _inherit = ['base.import.mapper', 'base.openproject.connector']
    _usage = 'import.mapper'

    # -- helpers ---------------------------------------------------------

    def op_error(self, record, field, reason):
        return OpenProjectMappingError(record_label(record), field, reason)

    def op_value(self, record, field, parser=None, required=False):
        """Value of ``field`` of an OpenProject record, parsed.

        :param parser: callable raising ValueError on a bad value
        :param required: a missing or null value is an error
        """
        if not isinstance(record, dict):
            raise self.op_error(record, field, 'not a JSON object')
        value = record.get(field)
        if value is None or (required and value == ''):
            if required:
                raise self.op_error(record, field, 'missing value')
            return None
        if parser is None:
            return value
        try:
            return parser(value)
        except (ValueError, TypeError, AttributeError) as err:
            raise self.op_error(record, field, tools.ustr(err))

    def op_text(self, record, field, required=False):
        def parse(value):
            if not isinstance(value, basestring):
                raise ValueError('%r is not a text' % (value,))
            return value
        return self.op_value(record, field, parse, required=required)

    def op_datetime(self, record, field, required=False):
        return to_datetime_string(self.op_value(
            record, field, op_values.parse_datetime, required=required))

    def op_date(self, record, field, required=False):
        return to_date_string(self.op_value(
            record, field, op_values.parse_date, required=required))

    def op_link_id(self, record, name, required=False):
        """Id of the target of link ``name`` (None: null or undisclosed)."""
        try:
            ext_id = hal.link_id(record, name)
        except ValueError as err:
            raise self.op_error(record, '_links.%s' % name, tools.ustr(err))
        if ext_id is None and required:
            raise self.op_error(record, '_links.%s' % name, 'missing link')
        return ext_id

    def op_link_kind(self, record, name):
        try:
            return hal.link_kind(record, name)
        except ValueError as err:
            raise self.op_error(record, '_links.%s' % name, tools.ustr(err))

    def op_principal_link(self, record, name, kinds=PRINCIPAL_KINDS):
        """(kind, id) of a principal link (assignee, user, author...);
        a link to anything else than ``kinds`` is a mapping error."""
        kind = self.op_link_kind(record, name)
        if kind is not None and kind not in kinds:
            raise self.op_error(
                record, '_links.%s' % name,
                'links to a %s, expected one of: %s' % (
                    kind, ', '.join(kinds)))
        return kind, self.op_link_id(record, name)

    def binding_of(self, model_name, external_id):
        """Binding (maybe empty) of an already imported dependency."""
        if external_id is None:
            return self.env[model_name].browse()
        return self.binder_for(model_name).to_internal_cached(external_id)

    # -- mappings common to every binding --------------------------------

    @mapping
    def backend_id(self, record):
        return {'backend_id': self.backend_record.id}

    @mapping
    def op_timestamps(self, record):
        return {
            'op_created_at': self.op_datetime(record, 'createdAt'),
            'op_updated_at': self.op_datetime(record, 'updatedAt'),
            'op_deleted': False,
        }
