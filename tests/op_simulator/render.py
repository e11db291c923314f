"""HAL+JSON representations, per profile and per viewer."""
from .util import format_datetime, format_duration, render_markup, render_plain

UNDISCLOSED = 'urn:openproject-org:api:v3:undisclosed'
API = '/api/v3'

PROFILES = {
    '7.3': dict(name='7.3', core_version='7.3.2', markup='textile', te_comment_formattable=False,
                te_updated_filter=False, placeholders=False, bearer=False, millis=False, css=False,
                wp_v12=False, wp_current=False, activity_updated=False, activity_internal=False,
                project_status=False, project_current=False, te_ongoing=False, users_list_perms=()),
    '9': dict(name='9', core_version='9.0.4', markup='markdown', te_comment_formattable=True,
              te_updated_filter=True, placeholders=False, bearer=False, millis=False, css=False,
              wp_v12=False, wp_current=False, activity_updated=False, activity_internal=False,
              project_status=False, project_current=False, te_ongoing=False, users_list_perms=()),
    '12': dict(name='12', core_version='12.5.8', markup='markdown', te_comment_formattable=True,
               te_updated_filter=True, placeholders=True, bearer=False, millis=True, css=False,
               wp_v12=True, wp_current=False, activity_updated=True, activity_internal=False,
               project_status=True, project_current=False, te_ongoing=False, users_list_perms=()),
    'current': dict(name='current', core_version='17.3.0', markup='markdown', te_comment_formattable=True,
                    te_updated_filter=True, placeholders=True, bearer=True, millis=True, css=True,
                    wp_v12=True, wp_current=True, activity_updated=True, activity_internal=True,
                    project_status=True, project_current=True, te_ongoing=True,
                    users_list_perms=('manage_members',)),
}

PROJECT_STATUS_TITLES = {'on_track': 'On track', 'at_risk': 'At risk', 'off_track': 'Off track',
                         'not_started': 'Not started', 'finished': 'Finished', 'discontinued': 'Discontinued'}


def link(href, title=None, **extra):
    out = {'href': href}
    if title is not None:
        out['title'] = title
    out.update(extra)
    return out


NULL_LINK = {'href': None}


class Renderer(object):
    """Renders store objects as seen by `viewer_id` under `profile` (dict from PROFILES)."""

    def __init__(self, store, profile, viewer_id):
        self.store = store
        self.p = profile
        self.viewer = viewer_id
        user = store.principals.get(viewer_id)
        self.admin = bool(user is not None and user.kind == 'User' and user.admin)

    # ------------------------------------------------------------ helpers
    def dt(self, ts):
        return format_datetime(ts, self.p['millis'])

    def formattable(self, raw):
        raw = raw or ''
        if self.p['markup'] == 'textile':
            return {'format': 'textile', 'raw': raw, 'html': render_markup(raw, textile=True)}
        return {'format': 'markdown', 'raw': raw, 'html': render_markup(raw, css=self.p['css'])}

    def plain(self, raw):
        raw = raw or ''
        return {'format': 'plain', 'raw': raw, 'html': render_plain(raw)}

    def principal_link(self, pid):
        if pid is None:
            return dict(NULL_LINK)
        p = self.store.principals.get(pid)
        if p is None:
            return dict(NULL_LINK)
        if p.kind == 'Group':
            return link('%s/groups/%d' % (API, pid), p.name)
        if p.kind == 'PlaceholderUser':
            if not self.p['placeholders']:
                return dict(NULL_LINK)
            return link('%s/placeholder_users/%d' % (API, pid), p.name)
        return link('%s/users/%d' % (API, pid), p.name)

    def project_link(self, pid, need='view_project'):
        if pid is None:
            return dict(NULL_LINK)
        proj = self.store.projects[pid]
        if not self.store.allowed(self.viewer, pid, need):
            return link(UNDISCLOSED, 'Undisclosed - The selected project is invisible because of lacking '
                                     'permissions.')
        return link('%s/projects/%d' % (API, pid), proj.name)

    # ------------------------------------------------------------ resources
    def work_package(self, wp):
        s = self.store
        p = self.p
        perms = s.permissions(self.viewer, wp.project_id)
        typ = s.types[wp.type_id]
        status = s.statuses[wp.status_id]
        prio = s.priorities[wp.priority_id]
        proj = s.projects[wp.project_id]
        wid = wp.id
        href = '%s/work_packages/%d' % (API, wid)
        d = {
            '_type': 'WorkPackage',
            'id': wid,
            'lockVersion': wp.lock_version,
            'subject': wp.subject,
            'description': self.formattable(wp.description),
            'scheduleManually': wp.schedule_manually,
        }
        if typ.is_milestone:
            d['date'] = wp.due_date
        else:
            d['startDate'] = wp.start_date
            d['dueDate'] = wp.due_date
        d['derivedStartDate'] = None
        d['derivedDueDate'] = None
        if p['wp_v12']:
            d['readonly'] = bool(status.is_readonly)
            d['ignoreNonWorkingDays'] = False
            d['duration'] = (None if typ.is_milestone or not (wp.start_date and wp.due_date)
                             else 'P%dD' % _days_between(wp.start_date, wp.due_date))
        d['estimatedTime'] = format_duration(wp.estimated)
        d['derivedEstimatedTime'] = format_duration(wp.estimated)
        if p['wp_current']:
            d['remainingTime'] = format_duration(wp.remaining)
            d['derivedRemainingTime'] = format_duration(wp.remaining)
        if 'view_time_entries' in perms:
            d['spentTime'] = format_duration(wp.spent)
        d['percentageDone'] = wp.done_ratio
        if p['wp_current']:
            d['derivedPercentageDone'] = wp.done_ratio
        d['createdAt'] = self.dt(wp.created)
        d['updatedAt'] = self.dt(wp.updated)
        links = {
            'self': link(href, wp.subject),
            'schema': link('%s/work_packages/schemas/%d-%d' % (API, wp.project_id, wp.type_id)),
        }
        if 'edit_work_packages' in perms:
            links['update'] = link(href + '/form', method='post')
            links['updateImmediately'] = link(href, method='patch')
        if 'delete_work_packages' in perms:
            links['delete'] = link(href, method='delete')
        if 'log_time' in perms:
            links['logTime'] = link('%s/time_entries' % API, 'Log time on work package', method='post')
        if 'add_work_package_notes' in perms:
            links['addComment'] = link(href + '/activities', 'Add comment', method='post')
        links['attachments'] = link(href + '/attachments')
        links['activities'] = link(href + '/activities')
        links['relations'] = link(href + '/relations')
        links['revisions'] = link(href + '/revisions')
        links['watchers'] = link(href + '/watchers')
        links['project'] = link('%s/projects/%d' % (API, proj.id), proj.name)
        links['type'] = link('%s/types/%d' % (API, typ.id), typ.name)
        links['status'] = link('%s/statuses/%d' % (API, status.id), status.name)
        links['priority'] = link('%s/priorities/%d' % (API, prio.id), prio.name)
        links['author'] = self.principal_link(wp.author_id)
        links['assignee'] = self.principal_link(wp.assignee_id)
        links['responsible'] = self.principal_link(wp.responsible_id)
        ver = s.versions.get(wp.version_id) if wp.version_id else None
        links['version'] = link('%s/versions/%d' % (API, ver.id), ver.name) if ver else dict(NULL_LINK)
        cat = s.categories.get(wp.category_id) if wp.category_id else None
        links['category'] = link('%s/categories/%d' % (API, cat.id), cat.name) if cat else dict(NULL_LINK)
        ancestors = []
        cur = wp.parent_id
        while cur is not None and cur in s.wps:
            anc = s.wps[cur]
            if s.wp_visible(self.viewer, anc):
                ancestors.append(link('%s/work_packages/%d' % (API, anc.id), anc.subject))
            else:
                ancestors.append(link(UNDISCLOSED, 'Undisclosed - The selected parent is invisible because '
                                                   'of lacking permissions.'))
            cur = anc.parent_id
        ancestors.reverse()
        links['parent'] = ancestors[-1] if ancestors else dict(NULL_LINK)
        links['ancestors'] = ancestors
        children = []
        for cid in s.children.get(wid, ()):
            child = s.wps.get(cid)
            if child is not None and s.wp_visible(self.viewer, child):
                children.append(link('%s/work_packages/%d' % (API, cid), child.subject))
        links['children'] = children
        d['_links'] = links
        return d

    def time_entry(self, te):
        s = self.store
        perms = s.permissions(self.viewer, te.project_id)
        href = '%s/time_entries/%d' % (API, te.id)
        d = {'_type': 'TimeEntry', 'id': te.id}
        d['comment'] = self.plain(te.comment) if self.p['te_comment_formattable'] else (te.comment or '')
        d['spentOn'] = te.spent_on
        d['hours'] = format_duration(te.hours)
        if self.p['te_ongoing']:
            d['ongoing'] = te.ongoing
        d['createdAt'] = self.dt(te.created)
        d['updatedAt'] = self.dt(te.updated)
        act = s.te_activities[te.activity_id]
        links = {'self': link(href)}
        if 'edit_time_entries' in perms or (te.user_id == self.viewer and 'log_time' in perms):
            links['updateImmediately'] = link(href, method='patch')
            links['update'] = link(href + '/form', method='post')
            links['delete'] = link(href, method='delete')
        links['schema'] = link('%s/time_entries/schema' % API)
        proj = s.projects[te.project_id]
        links['project'] = link('%s/projects/%d' % (API, proj.id), proj.name)
        if te.wp_id is None:
            links['workPackage'] = dict(NULL_LINK)
        else:
            wp = s.wps[te.wp_id]
            if 'view_work_packages' in s.permissions(self.viewer, wp.project_id):
                links['workPackage'] = link('%s/work_packages/%d' % (API, wp.id), wp.subject)
            else:
                links['workPackage'] = link(UNDISCLOSED, 'Undisclosed - The selected work package is invisible '
                                                         'because of lacking permissions.')
        links['user'] = self.principal_link(te.user_id)
        links['activity'] = link('%s/time_entries/activities/%d' % (API, act.id), act.name)
        d['_links'] = links
        return d

    def project(self, proj):
        s = self.store
        href = '%s/projects/%d' % (API, proj.id)
        d = {'_type': 'Project', 'id': proj.id, 'identifier': proj.identifier, 'name': proj.name,
             'active': proj.active, 'public': proj.public, 'description': self.formattable(proj.description)}
        if self.p['project_current']:
            d['favorited'] = False
        if self.p['project_status']:
            d['statusExplanation'] = self.formattable(proj.status_explanation)
        d['createdAt'] = self.dt(proj.created)
        d['updatedAt'] = self.dt(proj.updated)
        links = {'self': link(href, proj.name)}
        if self.admin:
            links['update'] = link(href + '/form', method='post')
            links['updateImmediately'] = link(href, method='patch')
            links['delete'] = link(href, method='delete')
        if s.allowed(self.viewer, proj.id, 'add_work_packages'):
            links['createWorkPackage'] = link(href + '/work_packages/form', method='post')
            links['createWorkPackageImmediately'] = link(href + '/work_packages', method='post')
        links['categories'] = link(href + '/categories')
        links['types'] = link(href + '/types')
        links['versions'] = link(href + '/versions')
        links['memberships'] = link('%s/memberships?filters=%%5B%%7B%%22project%%22%%3A%%7B%%22operator%%22%%3A'
                                    '%%22%%3D%%22%%2C%%22values%%22%%3A%%5B%%22%d%%22%%5D%%7D%%7D%%5D' % (API, proj.id))
        links['workPackages'] = link(href + '/work_packages')
        links['parent'] = self.project_link(proj.parent_id) if proj.parent_id else dict(NULL_LINK)
        if self.p['project_status']:
            links['status'] = link('%s/project_statuses/%s' % (API, proj.status_code),
                                   PROJECT_STATUS_TITLES.get(proj.status_code, proj.status_code))
        if self.p['project_current']:
            anc = []
            cur = proj.parent_id
            while cur is not None:
                anc.append(self.project_link(cur))
                cur = s.projects[cur].parent_id
            anc.reverse()
            links['ancestors'] = anc
        d['_links'] = links
        return d

    def principal(self, p):
        if p.kind == 'User':
            return self.user(p)
        href_kind = {'Group': 'groups', 'PlaceholderUser': 'placeholder_users', 'DeletedUser': 'users'}[p.kind]
        href = '%s/%s/%d' % (API, href_kind, p.id)
        d = {'_type': p.kind, 'id': p.id, 'name': p.name}
        if p.kind != 'DeletedUser':
            d['createdAt'] = self.dt(p.created)
            d['updatedAt'] = self.dt(p.updated)
        links = {'self': link(href, p.name)}
        if p.kind == 'Group':
            members = [self.store.principals[m] for m in p.members if m in self.store.principals]
            links['members'] = [link('%s/users/%d' % (API, m.id), m.name) for m in members]
            d['_embedded'] = {'members': [self.user(m) for m in members]}
            if self.admin:
                links['updateImmediately'] = link(href, method='patch')
                links['delete'] = link(href, method='delete')
        if p.kind != 'DeletedUser':
            links['memberships'] = link('%s/memberships?filters=%%5B%%7B%%22principal%%22%%3A%%7B%%22operator%%22'
                                        '%%3A%%22%%3D%%22%%2C%%22values%%22%%3A%%5B%%22%d%%22%%5D%%7D%%7D%%5D'
                                        % (API, p.id))
        d['_links'] = links
        return d

    def user(self, u):
        href = '%s/users/%d' % (API, u.id)
        full = self.admin or u.id == self.viewer
        d = {'_type': 'User', 'id': u.id, 'name': u.name, 'avatar': ''}
        if full:
            d['login'] = u.login
            d['firstName'] = u.firstname
            d['lastName'] = u.lastname
        if full or not u.hide_mail:
            d['email'] = u.email
        if self.admin:
            d['admin'] = u.admin
        if full:
            d['status'] = u.status
            d['language'] = u.language
            d['identityUrl'] = None
        d['createdAt'] = self.dt(u.created)
        d['updatedAt'] = self.dt(u.updated)
        links = {'self': link(href, u.name)}
        if u.status != 'locked':
            links['showUser'] = link('/users/%d' % u.id, type='text/html')
        if self.admin:
            links['updateImmediately'] = link(href, 'Update %s' % u.login, method='patch')
            if u.status == 'locked':
                links['unlock'] = link(href + '/lock', 'Set lock on %s' % u.login, method='delete')
            else:
                links['lock'] = link(href + '/lock', 'Set lock on %s' % u.login, method='post')
            links['delete'] = link(href, 'Delete %s' % u.login, method='delete')
        links['memberships'] = link('%s/memberships?filters=%%5B%%7B%%22principal%%22%%3A%%7B%%22operator%%22'
                                    '%%3A%%22%%3D%%22%%2C%%22values%%22%%3A%%5B%%22%d%%22%%5D%%7D%%7D%%5D'
                                    % (API, u.id))
        d['_links'] = links
        return d

    def activity(self, j):
        s = self.store
        wp = s.wps[j.wp_id]
        href = '%s/activities/%d' % (API, j.id)
        d = {'_type': 'Activity::Comment' if j.comment else 'Activity', 'id': j.id, 'version': j.version,
             'comment': self.formattable(j.comment),
             'details': [self._detail(line) for line in j.details]}
        if self.p['activity_internal']:
            d['internal'] = j.internal
        d['createdAt'] = self.dt(j.created)
        if self.p['activity_updated']:
            d['updatedAt'] = self.dt(j.updated)
        links = {'self': link(href),
                 'workPackage': link('%s/work_packages/%d' % (API, wp.id), wp.subject),
                 'user': self.principal_link(j.user_id)}
        perms = s.permissions(self.viewer, wp.project_id)
        if j.comment and ('edit_work_package_notes' in perms or
                          (j.user_id == self.viewer and 'add_work_package_notes' in perms)):
            links['update'] = link(href, method='patch')
        d['_links'] = links
        return d

    def _detail(self, line):
        from html import escape
        return {'format': 'custom', 'raw': line, 'html': escape(line, quote=False)}

    def status(self, st):
        d = {'_type': 'Status', 'id': st.id, 'name': st.name, 'position': st.position,
             'isDefault': bool(st.is_default), 'isClosed': bool(st.is_closed),
             'isReadonly': bool(st.is_readonly), 'defaultDoneRatio': st.default_done_ratio,
             '_links': {'self': link('%s/statuses/%d' % (API, st.id), st.name)}}
        if self.p['wp_v12']:
            d['color'] = st.color
        return d

    def type(self, t):
        d = {'_type': 'Type', 'id': t.id, 'name': t.name}
        if self.p['wp_current']:
            d['ownName'] = t.name
        d.update({'color': t.color, 'position': t.position, 'isDefault': bool(t.is_default),
                  'isMilestone': bool(t.is_milestone), 'createdAt': self.dt(t.created),
                  'updatedAt': self.dt(t.updated),
                  '_links': {'self': link('%s/types/%d' % (API, t.id), t.name)}})
        return d

    def priority(self, pr):
        d = {'_type': 'Priority', 'id': pr.id, 'name': pr.name, 'position': pr.position}
        if self.p['wp_v12']:
            d['color'] = pr.color
        d.update({'isDefault': bool(pr.is_default), 'isActive': bool(pr.is_active),
                  '_links': {'self': link('%s/priorities/%d' % (API, pr.id), pr.name)}})
        return d

    def te_activity(self, a):
        return {'_type': 'TimeEntriesActivity', 'id': a.id, 'name': a.name, 'position': a.position,
                'default': bool(a.is_default),
                '_links': {'self': link('%s/time_entries/activities/%d' % (API, a.id), a.name),
                           'projects': link('%s/time_entries/activities/%d/projects' % (API, a.id))}}

    def version(self, v):
        proj = self.store.projects[v.project_id]
        return {'_type': 'Version', 'id': v.id, 'name': v.name, 'description': self.formattable(v.description),
                'startDate': v.start_date, 'endDate': v.end_date, 'status': v.status, 'sharing': v.sharing,
                'createdAt': self.dt(v.created), 'updatedAt': self.dt(v.updated),
                '_links': {'self': link('%s/versions/%d' % (API, v.id), v.name),
                           'schema': link('%s/versions/schema' % API),
                           'definingProject': self.project_link(proj.id),
                           'availableInProjects': link('%s/versions/%d/projects' % (API, v.id))}}

    def category(self, c):
        proj = self.store.projects[c.project_id]
        return {'_type': 'Category', 'id': c.id, 'name': c.name,
                '_links': {'self': link('%s/categories/%d' % (API, c.id), c.name),
                           'project': link('%s/projects/%d' % (API, proj.id), proj.name),
                           'defaultAssignee': dict(NULL_LINK)}}

    def root(self):
        me = self.store.principals[self.viewer]
        d = {'_type': 'Root', 'instanceName': self.store.instance_name}
        if self.admin:
            d['coreVersion'] = self.p['core_version']
        d['_links'] = {
            'self': link(API), 'configuration': link(API + '/configuration'),
            'memberships': link(API + '/memberships'), 'priorities': link(API + '/priorities'),
            'relations': link(API + '/relations'), 'statuses': link(API + '/statuses'),
            'time_entries': link(API + '/time_entries'), 'types': link(API + '/types'),
            'user': link('%s/users/%d' % (API, me.id), me.name),
            'userPreferences': link('%s/my_preferences' % API),
            'workPackages': link(API + '/work_packages'),
        }
        return d


def _days_between(a, b):
    from datetime import date
    da = date(*map(int, a.split('-')))
    db = date(*map(int, b.split('-')))
    return (db - da).days + 1
