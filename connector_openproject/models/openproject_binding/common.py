# -*- coding: utf-8 -*-
# Copyright 2026 connector_openproject contributors
# License AGPL-3.0 or later (http://www.gnu.org/licenses/agpl).

from odoo import _, api, fields, models
from odoo.addons.queue_job.job import identity_exact, job, related_action


class OpenProjectBinding(models.AbstractModel):
    """Abstract binding of an Odoo record to an OpenProject resource."""

    _name = 'openproject.binding'
    _inherit = 'external.binding'
    _description = 'OpenProject Binding (abstract)'

    #: part of the OpenProject UI URL of a record: '/work_packages/%s'
    _op_url_pattern = None
    #: human name of the OpenProject entity, for job descriptions
    _op_entity_label = 'record'
    _op_entity_label_plural = 'records'

    backend_id = fields.Many2one(
        comodel_name='openproject.backend',
        string='OpenProject Backend',
        required=True,
        readonly=True,
        ondelete='restrict',
    )
    external_id = fields.Char(
        string='OpenProject ID',
        readonly=True,
        index=True,
    )
    op_created_at = fields.Datetime(
        string='Created in OpenProject',
        readonly=True,
    )
    op_updated_at = fields.Datetime(
        string='Updated in OpenProject',
        readonly=True,
    )
    op_deleted = fields.Boolean(
        string='Deleted in OpenProject',
        readonly=True,
        help='The record no longer exists in OpenProject (or the API key '
             'can no longer see it). The Odoo record was archived, '
             'never deleted.',
    )
    op_url = fields.Char(
        string='OpenProject Link',
        compute='_compute_op_url',
    )

    _sql_constraints = [
        ('openproject_uniq', 'unique(backend_id, external_id)',
         'A binding already exists for this OpenProject record.'),
    ]

    @api.multi
    def _op_url_path(self):
        self.ensure_one()
        if self._op_url_pattern and self.external_id:
            return self._op_url_pattern % self.external_id
        return ''

    @api.multi
    @api.depends('backend_id.url', 'external_id')
    def _compute_op_url(self):
        for binding in self:
            path = binding._op_url_path()
            # only connector managers may read the backends: the link is
            # shown to everybody who sees the record
            base = (binding.backend_id.sudo().url or '').rstrip('/')
            binding.op_url = base + path if (base and path) else False

    @api.multi
    def _op_mark_deleted(self):
        """Flag the bindings as deleted upstream and archive the Odoo
        records when they can be archived. Overridden per model."""
        return self.write({'op_deleted': True})

    # -- jobs ----------------------------------------------------------------

    @api.model
    def _op_job_description(self, backend, method, external_id=None,
                            project=None):
        # "<backend>: ...", with "OpenProject" in front unless the name of
        # the backend already says it (no "OpenProject OpenProject: ...")
        name = backend.sudo().name or u''
        if not name.lower().startswith(u'openproject'):
            name = _('OpenProject %s') % name
        if method == 'import_record':
            return _('%(backend)s: import %(what)s %(id)s') % {
                'backend': name, 'what': self._op_entity_label,
                'id': external_id}
        if project:
            return _('%(backend)s: import the %(what)s of project '
                     '%(project)s') % {
                'backend': name, 'what': self._op_entity_label_plural,
                'project': project.name}
        return _('%(backend)s: import the %(what)s') % {
            'backend': name, 'what': self._op_entity_label_plural}

    @api.model
    def _op_quiet(self):
        # no "Queue Job created" chatter message nor follower per job
        return self.with_context(tracking_disable=True,
                                 mail_create_nolog=True,
                                 mail_create_nosubscribe=True)

    @api.model
    def _op_delay_import_record(self, backend, external_id, force=False,
                                priority=None):
        delayable = self._op_quiet().with_delay(
            priority=priority or 20,
            description=self._op_job_description(
                backend, 'import_record', external_id=external_id),
            identity_key=identity_exact,
        )
        return delayable.import_record(backend, external_id, force=force)

    @api.model
    def _op_delay_import_batch(self, backend, project=None,
                               from_scratch=False, priority=None):
        delayable = self._op_quiet().with_delay(
            priority=priority or 10,
            description=self._op_job_description(
                backend, 'import_batch', project=project),
            identity_key=identity_exact,
        )
        return delayable.import_batch(backend, project=project,
                                      from_scratch=from_scratch)

    @job(default_channel='root.openproject')
    @related_action(action='related_action_openproject')
    @api.model
    def import_batch(self, backend, project=None, from_scratch=False):
        """Import the collection of this entity (of ``project`` when the
        entity is per project), from the cursor's window or, with
        ``from_scratch``, everything."""
        with backend._op_job_guard() as allowed:
            if not allowed:
                return allowed.reason
            with backend.work_on(self._name) as work:
                importer = work.component(usage='batch.importer')
                return importer.run(project=project,
                                    from_scratch=from_scratch)

    @job(default_channel='root.openproject')
    @related_action(action='related_action_openproject')
    @api.model
    def import_record(self, backend, external_id, force=False):
        """Read one OpenProject record again and import it."""
        with backend._op_job_guard() as allowed:
            if not allowed:
                return allowed.reason
            with backend.work_on(self._name) as work:
                importer = work.component(usage='record.importer')
                return importer.run(external_id, force=force)
