"""In-memory OpenProject model: entities, indexes, dataset loading and mutations.

All mutations go through Store methods that hold ``Store.lock`` (one lock for everything) and
bump ``Store.generation`` so that query and render caches drop stale entries.
"""
import bisect
import json
import os
import threading

from .util import parse_datetime, parse_date, parse_hours, utcnow

HERE = os.path.dirname(os.path.abspath(__file__))
DATASET_DIR = os.path.join(HERE, 'datasets')

ALL_PERMISSIONS = frozenset([
    'view_project', 'view_work_packages', 'add_work_packages', 'edit_work_packages',
    'delete_work_packages', 'add_work_package_notes', 'edit_work_package_notes',
    'view_time_entries', 'view_own_time_entries', 'log_time', 'edit_time_entries',
    'view_members', 'manage_members', 'manage_versions', 'edit_project',
])

DEFAULT_STATUSES = [
    {'id': 1, 'name': 'New', 'is_default': True, 'color': '#1A67A3'},
    {'id': 2, 'name': 'In progress', 'color': '#CC5DE8', 'default_done_ratio': 10},
    {'id': 3, 'name': 'On hold', 'color': '#F08C00'},
    {'id': 4, 'name': 'Closed', 'is_closed': True, 'color': '#868E96', 'default_done_ratio': 100},
    {'id': 5, 'name': 'Rejected', 'is_closed': True, 'color': '#C92A2A'},
]
DEFAULT_TYPES = [
    {'id': 1, 'name': 'Task', 'is_default': True, 'color': '#1A67A3'},
    {'id': 2, 'name': 'Milestone', 'is_milestone': True, 'color': '#35C53F'},
    {'id': 3, 'name': 'Bug', 'color': '#C92A2A'},
    {'id': 4, 'name': 'Feature', 'color': '#FF922B'},
]
DEFAULT_PRIORITIES = [
    {'id': 7, 'name': 'Low', 'color': '#C5F6FA'},
    {'id': 8, 'name': 'Normal', 'is_default': True, 'color': '#74C0FC'},
    {'id': 9, 'name': 'High', 'color': '#1C7ED6'},
    {'id': 10, 'name': 'Immediate', 'color': '#862E9C'},
]
DEFAULT_TE_ACTIVITIES = [
    {'id': 1, 'name': 'Management'},
    {'id': 2, 'name': 'Specification'},
    {'id': 3, 'name': 'Development', 'is_default': True},
    {'id': 4, 'name': 'Testing'},
]
DEFAULT_ROLES = [
    {'id': 3, 'name': 'Project admin', 'permissions': sorted(ALL_PERMISSIONS)},
    {'id': 4, 'name': 'Member', 'permissions': [
        'view_project', 'view_work_packages', 'add_work_packages', 'edit_work_packages',
        'add_work_package_notes', 'view_time_entries', 'log_time', 'view_members']},
    {'id': 5, 'name': 'Reader', 'permissions': ['view_project', 'view_work_packages']},
    {'id': 6, 'name': 'Time reader', 'permissions': ['view_project', 'view_time_entries']},
]


class DatasetError(ValueError):
    pass


class Obj(object):
    """A record: attribute bag with a revision counter (bumped on every change)."""
    __slots__ = ('__dict__',)

    def __init__(self, **kw):
        self.__dict__.update(kw)

    def get(self, name, default=None):
        return self.__dict__.get(name, default)


def _ts(value, default):
    if value is None:
        return default
    try:
        return parse_datetime(value)
    except ValueError as exc:
        raise DatasetError(str(exc))


class Store(object):
    """The whole OpenProject instance."""

    def __init__(self):
        self.lock = threading.RLock()
        self.generation = 0
        self.instance_name = 'OpenProject'
        self.now = None  # frozen clock (epoch) or None = wall clock
        self.clock_offset = 0.0
        self.principals = {}   # id -> Obj(kind='User'|'Group'|'PlaceholderUser'|'DeletedUser')
        self.logins = {}
        self.deleted_user_id = None
        self.bot_user_id = None
        self.admin_user_id = None
        self.projects = {}
        self.statuses = {}
        self.types = {}
        self.priorities = {}
        self.te_activities = {}
        self.roles = {}
        self.versions = {}
        self.categories = {}
        self.wps = {}
        self.tes = {}
        self.journals = {}
        self.wps_by_project = {}   # pid -> sorted list of wp ids
        self.tes_by_project = {}   # pid -> sorted list of te ids
        self.tes_by_wp = {}        # wpid -> sorted list of te ids
        self.journals_by_wp = {}   # wpid -> list of journal ids (version order)
        self.children = {}         # wpid -> sorted list of child wp ids
        self._perm_cache = {}
        self.next_ids = {}
        self.listeners = []        # callables(action, kind, obj) for webhooks

    # ------------------------------------------------------------------ clock
    def clock(self):
        if self.now is not None:
            return self.now
        return utcnow() + self.clock_offset

    def touch(self):
        self.generation += 1
        self._perm_cache = {}

    def new_id(self, kind, table):
        """A fresh id: never one that was used before, even by a deleted record (as the
        database sequences of the real server)."""
        nid = max(self.next_ids.get(kind, 1), max(table) + 1 if table else 1)
        self.next_ids[kind] = nid + 1
        return nid

    def take_id(self, kind, table, given):
        """The id a dataset or a control call gives, else a fresh one."""
        if given is None:
            return self.new_id(kind, table)
        given = int(given)
        self.next_ids[kind] = max(self.next_ids.get(kind, 1), given + 1)
        return given

    # ------------------------------------------------------------ permissions
    def permissions(self, user_id, project_id):
        """Permissions of a user in a project (frozenset); admins get all in active projects."""
        key = (user_id, project_id)
        cached = self._perm_cache.get(key)
        if cached is not None:
            return cached
        proj = self.projects.get(project_id)
        user = self.principals.get(user_id)
        perms = frozenset()
        if proj is not None and user is not None and user.kind == 'User':
            if user.admin:
                perms = ALL_PERMISSIONS
            else:
                acc = set()
                principals = {user_id} | set(user.groups)
                for pid, role_ids in proj.members.items():
                    if pid in principals:
                        for rid in role_ids:
                            acc.update(self.roles[rid].permissions)
                if not acc and proj.public:
                    acc.update(['view_project'])
                perms = frozenset(acc)
            if not proj.active:
                # archived projects: only admins still see the project itself, nothing inside
                perms = frozenset(['view_project']) if user.admin else frozenset()
        self._perm_cache[key] = perms
        return perms

    def allowed(self, user_id, project_id, perm):
        return perm in self.permissions(user_id, project_id)

    def project_ids_with(self, user_id, perm):
        return [pid for pid in sorted(self.projects) if perm in self.permissions(user_id, pid)]

    def wp_visible(self, user_id, wp):
        return self.allowed(user_id, wp.project_id, 'view_work_packages')

    def te_visible(self, user_id, te):
        perms = self.permissions(user_id, te.project_id)
        return 'view_time_entries' in perms or ('view_own_time_entries' in perms and te.user_id == user_id)

    # ---------------------------------------------------------------- lookups
    def ref(self, table, value, what, by_name=True):
        if value is None:
            return None
        if isinstance(value, bool):
            raise DatasetError('bad %s reference %r' % (what, value))
        if isinstance(value, int):
            if value not in table:
                raise DatasetError('unknown %s %r' % (what, value))
            return value
        if isinstance(value, str):
            if value.isdigit() and int(value) in table:
                return int(value)
            if by_name:
                for obj in table.values():
                    if getattr(obj, 'name', None) == value or getattr(obj, 'identifier', None) == value:
                        return obj.id
        raise DatasetError('unknown %s %r' % (what, value))

    def user_ref(self, value, what='user'):
        """A principal reference by id or login; deleted users map to the DeletedUser."""
        if value is None:
            return None
        if isinstance(value, str) and not value.isdigit():
            if value in self.logins:
                value = self.logins[value]
            else:
                for p in self.principals.values():
                    if p.name == value and p.kind in ('Group', 'PlaceholderUser'):
                        value = p.id
                        break
        try:
            pid = int(value)
        except (TypeError, ValueError):
            raise DatasetError('unknown %s %r' % (what, value))
        p = self.principals.get(pid)
        if p is None:
            raise DatasetError('unknown %s %r' % (what, value))
        if p.status == 'deleted':
            return self.deleted_user_id
        return pid

    # --------------------------------------------------------------- indexes
    @staticmethod
    def _idx_add(index, key, value):
        lst = index.get(key)
        if lst is None:
            index[key] = [value]
        elif not lst or lst[-1] < value:
            lst.append(value)
        else:
            pos = bisect.bisect_left(lst, value)
            if pos >= len(lst) or lst[pos] != value:
                lst.insert(pos, value)

    @staticmethod
    def _idx_remove(index, key, value):
        lst = index.get(key)
        if lst:
            pos = bisect.bisect_left(lst, value)
            if pos < len(lst) and lst[pos] == value:
                del lst[pos]

    # ------------------------------------------------------------- creation
    def add_principal(self, d, kind):
        pid = self.take_id('principal', self.principals, d.get('id'))
        if pid in self.principals:
            raise DatasetError('duplicate principal id %s' % pid)
        created = _ts(d.get('created_at'), self.base_time - 400 * 86400)
        if kind == 'User':
            first = d.get('firstname', d.get('first_name'))
            last = d.get('lastname', d.get('last_name'))
            login = d.get('login')
            if first is None and last is None:
                name = d.get('name') or login or ('User %d' % pid)
                parts = name.split(' ', 1)
                first, last = parts[0], (parts[1] if len(parts) > 1 else '')
            login = login or ('user%d' % pid)
            if login in self.logins:
                raise DatasetError('duplicate login %r' % login)
            status = d.get('status', 'active')
            if status not in ('active', 'locked', 'invited', 'registered', 'deleted'):
                raise DatasetError('bad user status %r' % status)
            obj = Obj(id=pid, kind='User', login=login, firstname=first or '', lastname=last or '',
                      name=('%s %s' % (first or '', last or '')).strip(),
                      email=d.get('email', '%s@example.com' % login), hide_mail=bool(d.get('hide_mail', False)),
                      admin=bool(d.get('admin', False)), status=status, language=d.get('language', 'en'),
                      groups=[], created=created, updated=_ts(d.get('updated_at'), created))
            self.logins[login] = pid
        elif kind == 'Group':
            obj = Obj(id=pid, kind='Group', name=d.get('name') or ('Group %d' % pid), members=[],
                      status='active', groups=[], admin=False, created=created,
                      updated=_ts(d.get('updated_at'), created))
        elif kind == 'PlaceholderUser':
            obj = Obj(id=pid, kind='PlaceholderUser', name=d.get('name') or ('Placeholder %d' % pid),
                      status='active', groups=[], admin=False, created=created,
                      updated=_ts(d.get('updated_at'), created))
        else:
            obj = Obj(id=pid, kind='DeletedUser', name='Deleted user', status='active', groups=[],
                      admin=False, created=created, updated=created)
        self.principals[pid] = obj
        return obj

    def add_project(self, d):
        pid = self.take_id('project', self.projects, d.get('id'))
        if pid in self.projects:
            raise DatasetError('duplicate project id %s' % pid)
        created = _ts(d.get('created_at'), self.base_time - 300 * 86400)
        ident = d.get('identifier') or ('project-%d' % pid)
        proj = Obj(id=pid, identifier=ident, name=d.get('name') or ident,
                   description=d.get('description', ''), public=bool(d.get('public', False)),
                   active=bool(d.get('active', True)), parent_id=None, members={},
                   status_code=d.get('status', 'on_track'), status_explanation=d.get('status_explanation', ''),
                   created=created, updated=_ts(d.get('updated_at'), created))
        self.projects[pid] = proj
        self.wps_by_project.setdefault(pid, [])
        self.tes_by_project.setdefault(pid, [])
        self._pending_parents.append((proj, d.get('parent')))
        self.set_members(proj, d.get('members', []))
        return proj

    def set_members(self, proj, members):
        proj.members = {}
        for m in members:
            if isinstance(m, int) or isinstance(m, str):
                m = {'principal': m}
            principal = self.user_ref(m.get('principal', m.get('user')), 'member')
            roles = m.get('roles') or ['Member']
            proj.members[principal] = [self.ref(self.roles, r, 'role') for r in roles]

    def add_wp(self, d, journal_user=None):
        wid = self.take_id('wp', self.wps, d.get('id'))
        if wid in self.wps:
            raise DatasetError('duplicate work package id %s' % wid)
        created = _ts(d.get('created_at'), None)
        if created is None:
            created = self.clock() if self.loaded else self.base_time - 200 * 86400 + wid * 60
        proj = self.ref(self.projects, d.get('project'), 'project')
        if proj is None:
            raise DatasetError('work package %s has no project' % wid)
        type_id = self.ref(self.types, d.get('type', self.default_of(self.types)), 'type')
        wp = Obj(id=wid, project_id=proj, type_id=type_id,
                 status_id=self.ref(self.statuses, d.get('status', self.default_of(self.statuses)), 'status'),
                 priority_id=self.ref(self.priorities, d.get('priority', self.default_of(self.priorities)),
                                      'priority'),
                 subject=d.get('subject') or ('Work package %d' % wid),
                 description=d.get('description', ''),
                 author_id=self.user_ref(d.get('author', self.admin_user_id), 'author'),
                 assignee_id=self.user_ref(d.get('assignee'), 'assignee'),
                 responsible_id=self.user_ref(d.get('responsible'), 'responsible'),
                 version_id=self.ref(self.versions, d.get('version'), 'version'),
                 category_id=self.ref(self.categories, d.get('category'), 'category'),
                 parent_id=None, start_date=None, due_date=None,
                 estimated=parse_hours(d.get('estimated_hours', d.get('estimated_time'))),
                 remaining=parse_hours(d.get('remaining_hours', d.get('remaining_time'))),
                 done_ratio=int(d.get('done_ratio', 0)), schedule_manually=bool(d.get('schedule_manually', False)),
                 created=created, updated=_ts(d.get('updated_at'), created), lock_version=0, spent=0.0)
        if self.types[type_id].is_milestone:
            date = d.get('date', d.get('due_date', d.get('start_date')))
            wp.start_date = wp.due_date = parse_date(date) if date else None
        else:
            wp.start_date = parse_date(d['start_date']) if d.get('start_date') else None
            wp.due_date = parse_date(d['due_date']) if d.get('due_date') else None
        self.wps[wid] = wp
        self._idx_add(self.wps_by_project, proj, wid)
        self.journals_by_wp[wid] = []
        if d.get('parent') is not None:
            self._pending_wp_parents.append((wp, d.get('parent')))
        # the creation journal (version 1)
        self.add_journal({'work_package': wid, 'user': journal_user or wp.author_id, 'created_at': None,
                          'details': d.get('creation_details', [])}, initial=True)
        if d.get('lock_version') is not None:
            wp.lock_version = int(d['lock_version'])
        if 'updated_at' in d and d['updated_at'] is not None:
            wp.updated = _ts(d['updated_at'], created)
        return wp

    def default_of(self, table):
        for obj in table.values():
            if obj.is_default:
                return obj.id
        return min(table) if table else None

    def add_journal(self, d, initial=False):
        wid = self.ref(self.wps, d.get('work_package'), 'work package')
        wp = self.wps[wid]
        jid = self.take_id('journal', self.journals, d.get('id'))
        if jid in self.journals:
            raise DatasetError('duplicate activity id %s' % jid)
        jl = self.journals_by_wp[wid]
        if initial:
            created = wp.created
        else:
            created = _ts(d.get('created_at'), None)
            if created is None:
                created = self.clock() if self.loaded else (
                    self.journals[jl[-1]].created + 3600 if jl else wp.created + 3600)
        details = d.get('details') or []
        if isinstance(details, str):
            details = [details]
        journal = Obj(id=jid, wp_id=wid, user_id=self.user_ref(d.get('user', wp.author_id)),
                      version=len(jl) + 1, comment=d.get('comment') or '', details=list(details),
                      internal=bool(d.get('internal', False)), created=created,
                      updated=_ts(d.get('updated_at'), created))
        self.journals[jid] = journal
        jl.append(jid)
        if not initial:
            wp.lock_version += 1
            if created > wp.updated:
                wp.updated = created
        return journal

    def add_te(self, d):
        tid = self.take_id('te', self.tes, d.get('id'))
        if tid in self.tes:
            raise DatasetError('duplicate time entry id %s' % tid)
        wid = self.ref(self.wps, d.get('work_package'), 'work package')
        proj = d.get('project')
        if proj is None:
            if wid is None:
                raise DatasetError('time entry %s needs a project or a work package' % tid)
            proj = self.wps[wid].project_id
        proj = self.ref(self.projects, proj, 'project')
        created = _ts(d.get('created_at'), None)
        if created is None:
            created = self.clock() if self.loaded else self.base_time - 100 * 86400 + tid * 30
        spent_on = d.get('spent_on')
        spent_on = parse_date(spent_on) if spent_on else self._date(created)
        hours = parse_hours(d.get('hours', 1))
        te = Obj(id=tid, project_id=proj, wp_id=wid,
                 user_id=self.user_ref(d.get('user', self.admin_user_id)),
                 activity_id=self.ref(self.te_activities, d.get('activity', self.default_of(self.te_activities)),
                                      'time entry activity'),
                 hours=hours, comment=d.get('comment') or '', spent_on=spent_on, ongoing=bool(d.get('ongoing')),
                 created=created, updated=_ts(d.get('updated_at'), created))
        self.tes[tid] = te
        self._idx_add(self.tes_by_project, proj, tid)
        if wid is not None:
            self._idx_add(self.tes_by_wp, wid, tid)
            self.wps[wid].spent += hours
        return te

    @staticmethod
    def _date(ts):
        from .util import date_of
        return date_of(ts)

    # -------------------------------------------------------------- loading
    def load(self, data):
        """Load a dataset dict (see DATASET.md)."""
        self.loaded = False
        self.base_time = _ts(data.get('now'), None) or utcnow()
        self.instance_name = data.get('instance_name', 'OpenProject')
        self._pending_parents = []
        self._pending_wp_parents = []

        def simple(table, items, defaults, fields):
            for d in (items if items is not None else defaults):
                obj = Obj(id=int(d['id']), name=d['name'])
                for f, dv in fields.items():
                    setattr(obj, f, d.get(f, dv))
                table[obj.id] = obj
            for pos, obj in enumerate(sorted(table.values(), key=lambda o: (o.get('position') or 0, o.id)), 1):
                if not obj.get('position'):
                    obj.position = pos

        simple(self.statuses, data.get('statuses'), DEFAULT_STATUSES,
               {'is_default': False, 'is_closed': False, 'is_readonly': False, 'default_done_ratio': 0,
                'color': None, 'position': 0})
        simple(self.types, data.get('types'), DEFAULT_TYPES,
               {'is_default': False, 'is_milestone': False, 'color': None, 'position': 0})
        simple(self.priorities, data.get('priorities'), DEFAULT_PRIORITIES,
               {'is_default': False, 'is_active': True, 'color': None, 'position': 0})
        simple(self.te_activities, data.get('time_entry_activities'), DEFAULT_TE_ACTIVITIES,
               {'is_default': False, 'position': 0})
        simple(self.roles, data.get('roles'), DEFAULT_ROLES, {'permissions': []})
        for role in self.roles.values():
            bad = set(role.permissions) - ALL_PERMISSIONS
            if bad:
                raise DatasetError('role %s: unknown permissions %s' % (role.name, sorted(bad)))
            role.permissions = frozenset(role.permissions)
        for tobj in self.types.values():
            tobj.created = tobj.updated = self.base_time - 500 * 86400
        for d in data.get('users', []):
            u = self.add_principal(d, 'User')
            if d.get('bot'):
                self.bot_user_id = u.id
        for d in data.get('groups', []):
            self.add_principal(d, 'Group')
        for d in data.get('placeholder_users', []):
            self.add_principal(d, 'PlaceholderUser')
        for d in data.get('groups', []):
            g = self.principals[int(d['id'])] if d.get('id') is not None else None
            if g is None:
                continue
            for m in d.get('members', []):
                uid = self.user_ref(m, 'group member')
                g.members.append(uid)
                self.principals[uid].groups.append(g.id)
        deleted = [p for p in self.principals.values() if p.status == 'deleted']
        did = data.get('deleted_user_id') or (max(self.principals) + 1 if self.principals else 1)
        self.deleted_user_id = did
        self.add_principal({'id': did}, 'DeletedUser')
        for p in deleted:
            del self.logins[p.login]
        admins = [p.id for p in self.principals.values() if p.kind == 'User' and p.admin and p.status == 'active']
        self.admin_user_id = data.get('admin_user') or (admins[0] if admins else None)
        if self.admin_user_id is None:
            self.admin_user_id = self.add_principal({'login': 'admin', 'firstname': 'OpenProject',
                                                     'lastname': 'Admin', 'admin': True}, 'User').id
        if data.get('bot_user') is not None:
            self.bot_user_id = self.user_ref(data['bot_user'])
        if self.bot_user_id is None:
            self.bot_user_id = self.add_principal({'login': 'odoo-bot', 'firstname': 'Odoo',
                                                   'lastname': 'Bot'}, 'User').id
        for d in data.get('projects', []):
            self.add_project(d)
        for proj, parent in self._pending_parents:
            proj.parent_id = self.ref(self.projects, parent, 'parent project')
        for d in data.get('versions', []):
            pid = self.ref(self.projects, d.get('project'), 'project')
            created = _ts(d.get('created_at'), self.base_time - 250 * 86400)
            self.versions[int(d['id'])] = Obj(
                id=int(d['id']), name=d['name'], project_id=pid, status=d.get('status', 'open'),
                sharing=d.get('sharing', 'none'), description=d.get('description', ''),
                start_date=d.get('start_date'), end_date=d.get('end_date'), created=created,
                updated=_ts(d.get('updated_at'), created))
        for d in data.get('categories', []):
            self.categories[int(d['id'])] = Obj(id=int(d['id']), name=d['name'],
                                                project_id=self.ref(self.projects, d.get('project'), 'project'))
        for d in data.get('work_packages', []):
            self.add_wp(d)
        for wp, parent in self._pending_wp_parents:
            wp.parent_id = self.ref(self.wps, parent, 'parent work package')
            self._idx_add(self.children, wp.parent_id, wp.id)
        for d in sorted(data.get('activities', []), key=lambda a: a.get('created_at') or ''):
            self.add_journal(d)
        for d in data.get('work_packages', []):
            # explicit values in the dataset win over the journal-derived ones
            if d.get('id') is not None:
                wp = self.wps[int(d['id'])]
                if d.get('lock_version') is not None:
                    wp.lock_version = int(d['lock_version'])
                if d.get('updated_at') is not None:
                    wp.updated = _ts(d['updated_at'], wp.created)
        for d in data.get('time_entries', []):
            self.add_te(d)
        del self._pending_parents, self._pending_wp_parents
        for p in deleted:  # users deleted in the file exist only as the DeletedUser from now on
            self.principals.pop(p.id, None)
            for proj in self.projects.values():
                proj.members.pop(p.id, None)
            for g in self.principals.values():
                if g.kind == 'Group' and p.id in g.members:
                    g.members.remove(p.id)
        self.loaded = True
        self.touch()

    # ------------------------------------------------------------ mutations
    def emit(self, action, obj):
        for listener in list(self.listeners):
            try:
                listener(action, obj)
            except Exception:  # pragma: no cover - webhook problems must not break mutations
                pass

    def _change_line(self, label, old, new):
        if old in (None, '') and new not in (None, ''):
            return '%s set to %s' % (label, new)
        if new in (None, ''):
            return '%s deleted (%s)' % (label, old)
        return '%s changed from %s to %s' % (label, old, new)

    def _name(self, table, oid):
        obj = table.get(oid) if oid is not None else None
        return obj.name if obj is not None else None

    def update_wp(self, wid, d):
        """Apply a change like the real server: one journal (or aggregated into the last), updatedAt
        and lockVersion bumped. Returns the work package."""
        wp = self.wps[wid]
        user = self.user_ref(d.get('user', self.admin_user_id))
        details = []
        refs = (('project', 'project_id', self.projects, 'Project'), ('type', 'type_id', self.types, 'Type'),
                ('status', 'status_id', self.statuses, 'Status'),
                ('priority', 'priority_id', self.priorities, 'Priority'),
                ('version', 'version_id', self.versions, 'Version'),
                ('category', 'category_id', self.categories, 'Category'))
        for key, attr, table, label in refs:
            if key in d:
                new = self.ref(table, d[key], key)
                old = getattr(wp, attr)
                if new != old:
                    if key == 'project':
                        if new is None:
                            raise DatasetError('project cannot be empty')
                        self._idx_remove(self.wps_by_project, old, wid)
                        self._idx_add(self.wps_by_project, new, wid)
                        # time entries move with the work package, as on the real server
                        for tid in self.tes_by_wp.get(wid, []):
                            te = self.tes[tid]
                            self._idx_remove(self.tes_by_project, te.project_id, tid)
                            te.project_id = new
                            self._idx_add(self.tes_by_project, new, tid)
                    setattr(wp, attr, new)
                    details.append(self._change_line(label, self._name(table, old), self._name(table, new)))
        for key, attr, label in (('assignee', 'assignee_id', 'Assignee'),
                                 ('responsible', 'responsible_id', 'Accountable'),
                                 ('author', 'author_id', 'Author')):
            if key in d:
                new = self.user_ref(d[key], key)
                old = getattr(wp, attr)
                if new != old:
                    setattr(wp, attr, new)
                    details.append(self._change_line(label, self._name(self.principals, old),
                                                     self._name(self.principals, new)))
        if 'parent' in d:
            new = self.ref(self.wps, d['parent'], 'parent')
            if new != wp.parent_id:
                if wp.parent_id is not None:
                    self._idx_remove(self.children, wp.parent_id, wid)
                if new is not None:
                    self._idx_add(self.children, new, wid)
                details.append(self._change_line('Parent', wp.parent_id and '#%s' % wp.parent_id,
                                                 new and '#%s' % new))
                wp.parent_id = new
        for key, attr, label in (('subject', 'subject', 'Subject'), ('description', 'description', None),
                                 ('done_ratio', 'done_ratio', '% Complete'),
                                 ('schedule_manually', 'schedule_manually', 'Manual scheduling')):
            if key in d and d[key] != getattr(wp, attr):
                old = getattr(wp, attr)
                setattr(wp, attr, d[key] if key != 'done_ratio' else int(d[key]))
                details.append('Description changed (Details)' if label is None
                               else self._change_line(label, old, d[key]))
        for key, attr, label in (('estimated_hours', 'estimated', 'Work'),
                                 ('remaining_hours', 'remaining', 'Remaining work')):
            if key in d:
                new = parse_hours(d[key])
                if new != getattr(wp, attr):
                    details.append(self._change_line(label, getattr(wp, attr), new))
                    setattr(wp, attr, new)
        date_keys = ('date',) if self.types[wp.type_id].is_milestone else ('start_date', 'due_date')
        for key in ('start_date', 'due_date', 'date'):
            if key in d:
                new = parse_date(d[key]) if d[key] else None
                if key == 'date' or (key in date_keys and self.types[wp.type_id].is_milestone):
                    if new != wp.due_date:
                        details.append(self._change_line('Date', wp.due_date, new))
                        wp.start_date = wp.due_date = new
                else:
                    attr = key
                    if new != getattr(wp, attr):
                        details.append(self._change_line(key.replace('_', ' ').capitalize(),
                                                         getattr(wp, attr), new))
                        setattr(wp, attr, new)
        comment = d.get('comment') or ''
        at = _ts(d.get('at'), None) or self.clock()
        jl = self.journals_by_wp[wid]
        last = self.journals[jl[-1]] if jl else None
        if d.get('aggregate') and last is not None and last.user_id == user:
            last.details.extend(details)
            if comment:
                last.comment = comment
            last.updated = at
            journal = last
        else:
            journal = self.add_journal({'work_package': wid, 'user': user, 'details': details,
                                        'comment': comment, 'created_at': None}, initial=True)
            journal.version = len(jl)
            journal.created = journal.updated = at
        wp.lock_version += 1
        wp.updated = max(at, wp.updated)
        self.touch()
        self.emit('work_package:updated', wp)
        return wp

    def comment_wp(self, wid, d):
        wp = self.wps[wid]
        at = _ts(d.get('at'), None) or self.clock()
        journal = self.add_journal({'work_package': wid, 'user': d.get('user', self.admin_user_id),
                                    'comment': d.get('comment', ''), 'internal': d.get('internal', False),
                                    'created_at': None}, initial=True)
        journal.version = len(self.journals_by_wp[wid])
        journal.created = journal.updated = at
        wp.lock_version += 1
        wp.updated = max(at, wp.updated)
        self.touch()
        self.emit('work_package:updated', wp)
        return journal

    def update_journal(self, jid, d):
        journal = self.journals[jid]
        at = _ts(d.get('at'), None) or self.clock()
        if 'comment' in d:
            journal.comment = d['comment'] or ''
        if 'details' in d:
            journal.details = list(d['details'])
        if 'internal' in d:
            journal.internal = bool(d['internal'])
        journal.updated = at
        if d.get('touch_work_package'):
            wp = self.wps[journal.wp_id]
            wp.lock_version += 1
            wp.updated = max(at, wp.updated)
        self.touch()
        return journal

    def delete_wp(self, wid):
        """Delete a work package, its descendants and their time entries."""
        deleted_wps, deleted_tes = [], []
        stack = [wid]
        while stack:
            cur = stack.pop()
            stack.extend(self.children.get(cur, []))
            wp = self.wps.pop(cur)
            deleted_wps.append(cur)
            self._idx_remove(self.wps_by_project, wp.project_id, cur)
            if wp.parent_id is not None:
                self._idx_remove(self.children, wp.parent_id, cur)
            self.children.pop(cur, None)
            for tid in list(self.tes_by_wp.pop(cur, [])):
                te = self.tes.pop(tid)
                self._idx_remove(self.tes_by_project, te.project_id, tid)
                deleted_tes.append(tid)
            for jid in self.journals_by_wp.pop(cur, []):
                self.journals.pop(jid, None)
        self.touch()
        return {'work_packages': sorted(deleted_wps), 'time_entries': sorted(deleted_tes)}

    def update_te(self, tid, d):
        te = self.tes[tid]
        if 'work_package' in d:
            new = self.ref(self.wps, d['work_package'], 'work package')
            if new != te.wp_id:
                if te.wp_id is not None:
                    self._idx_remove(self.tes_by_wp, te.wp_id, tid)
                    self.wps[te.wp_id].spent -= te.hours
                if new is not None:
                    self._idx_add(self.tes_by_wp, new, tid)
                    self.wps[new].spent += te.hours
                    if 'project' not in d:
                        d = dict(d, project=self.wps[new].project_id)
                te.wp_id = new
        if 'project' in d:
            new = self.ref(self.projects, d['project'], 'project')
            if new != te.project_id:
                self._idx_remove(self.tes_by_project, te.project_id, tid)
                self._idx_add(self.tes_by_project, new, tid)
                te.project_id = new
        if 'hours' in d:
            new = parse_hours(d['hours'])
            if te.wp_id is not None:
                self.wps[te.wp_id].spent += new - te.hours
            te.hours = new
        if 'user' in d:
            te.user_id = self.user_ref(d['user'])
        if 'activity' in d:
            te.activity_id = self.ref(self.te_activities, d['activity'], 'time entry activity')
        if 'comment' in d:
            te.comment = d['comment'] or ''
        if 'spent_on' in d:
            te.spent_on = parse_date(d['spent_on'])
        if 'ongoing' in d:
            te.ongoing = bool(d['ongoing'])
        te.updated = _ts(d.get('at'), None) or self.clock()
        self.touch()
        self.emit('time_entry:updated', te)
        return te

    def delete_te(self, tid):
        te = self.tes.pop(tid)
        self._idx_remove(self.tes_by_project, te.project_id, tid)
        if te.wp_id is not None:
            self._idx_remove(self.tes_by_wp, te.wp_id, tid)
            if te.wp_id in self.wps:
                self.wps[te.wp_id].spent -= te.hours
        self.touch()
        return te

    def set_user_status(self, uid, status):
        user = self.principals[uid]
        user.status = status
        user.updated = self.clock()
        self.touch()
        return user

    def delete_user(self, uid):
        """Delete a user: references are replaced by the DeletedUser, as the real server does."""
        user = self.principals[uid]
        did = self.deleted_user_id
        for wp in self.wps.values():
            for attr in ('author_id', 'assignee_id', 'responsible_id'):
                if getattr(wp, attr) == uid:
                    setattr(wp, attr, did)
        for te in self.tes.values():
            if te.user_id == uid:
                te.user_id = did
        for j in self.journals.values():
            if j.user_id == uid:
                j.user_id = did
        for proj in self.projects.values():
            proj.members.pop(uid, None)
        for gid in user.groups:
            grp = self.principals.get(gid)
            if grp is not None and uid in grp.members:
                grp.members.remove(uid)
        if user.kind == 'User':
            self.logins.pop(user.login, None)
        del self.principals[uid]
        self.touch()

    def update_project(self, pid, d):
        proj = self.projects[pid]
        for key in ('name', 'identifier', 'description', 'status_explanation'):
            if key in d:
                setattr(proj, key, d[key])
        if 'status' in d:
            proj.status_code = d['status']
        if 'public' in d:
            proj.public = bool(d['public'])
        if 'active' in d:
            proj.active = bool(d['active'])
        if 'parent' in d:
            proj.parent_id = self.ref(self.projects, d['parent'], 'parent project')
        if 'members' in d:
            self.set_members(proj, d['members'])
        proj.updated = _ts(d.get('at'), None) or self.clock()
        self.touch()
        self.emit('project:updated', proj)
        return proj


def load_dataset(name, seed=1):
    """Build a Store from 'demo', 'S', 'M', 'L' or a path to a JSON file."""
    store = Store()
    if name in ('S', 'M', 'L'):
        from .generate import generate
        generate(store, name, seed)
        return store
    path = name
    if name == 'demo' or (not os.path.exists(name) and os.path.exists(os.path.join(DATASET_DIR, name + '.json'))):
        path = os.path.join(DATASET_DIR, name + '.json')
    with open(path) as fh:
        data = json.load(fh)
    store.load(data)
    return store
