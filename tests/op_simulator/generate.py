"""Deterministic generated datasets S, M and L (see README.md, "Datasets").

Objects are built directly (no per-record dataset parsing) so that L (50 000 work packages,
200 000 time entries, 150 000 activities) loads in a few seconds.
"""
import random

from .model import Obj, DEFAULT_ROLES
from .util import date_of

SIZES = {
    #      projects users  wps    tes     activities (incl. one creation journal per wp)
    'S': (5, 20, 500, 2000, 1500),
    'M': (20, 200, 5000, 20000, 15000),
    'L': (200, 2000, 50000, 200000, 150000),
}
BASE_TIME = 1717243200.0  # 2024-06-01T12:00:00Z, fixed so that datasets are reproducible
FIRST = ['Anna', 'Ben', 'Clara', 'David', 'Eva', 'Felix', 'Greta', 'Hugo', 'Ida', 'Jonas', 'Karla', 'Leo',
         'Mia', 'Noah', 'Olga', 'Paul', 'Rita', 'Sven', 'Tara', 'Uwe']
LAST = ['Berg', 'Conrad', 'Dietz', 'Engel', 'Fuchs', 'Graf', 'Hahn', 'Jung', 'Klein', 'Lang', 'Meyer',
        'Neumann', 'Otto', 'Peters', 'Roth', 'Schulz']
WORDS = ['install', 'server', 'invoice', 'report', 'migrate', 'database', 'login', 'page', 'export',
         'import', 'review', 'design', 'customer', 'meeting', 'budget', 'release', 'fix', 'crash',
         'translate', 'backup']


def generate(store, size, seed):
    n_proj, n_users, n_wps, n_tes, n_acts = SIZES[size]
    rng = random.Random('%s-%s' % (size, seed))
    store.loaded = False
    store.base_time = BASE_TIME
    store.instance_name = 'OpenProject (generated %s, seed %s)' % (size, seed)
    store.load({'now': '2024-06-01T12:00:00Z', 'instance_name': store.instance_name,
                'users': [{'id': 1, 'login': 'admin', 'firstname': 'OpenProject', 'lastname': 'Admin',
                           'admin': True},
                          {'id': 2, 'login': 'odoo-bot', 'firstname': 'Odoo', 'lastname': 'Bot', 'bot': True}],
                'roles': DEFAULT_ROLES, 'deleted_user_id': 999999})
    store.loaded = False
    principals = store.principals
    # users 3..n_users
    uid_list = []
    for uid in range(3, n_users + 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        login = '%s.%s%d' % (first.lower(), last.lower(), uid)
        status = 'active'
        if uid % 17 == 0:
            status = 'locked'
        elif uid % 23 == 0:
            status = 'invited'
        created = BASE_TIME - rng.randint(400, 900) * 86400
        principals[uid] = Obj(id=uid, kind='User', login=login, firstname=first, lastname=last,
                              name='%s %s' % (first, last), email='%s@example.com' % login,
                              hide_mail=(uid % 5 == 0), admin=False, status=status, language='en', groups=[],
                              created=created, updated=created + 86400)
        store.logins[login] = uid
        uid_list.append(uid)
    nid = n_users + 1
    groups, placeholders = [], []
    for i in range(max(1, n_users // 100)):
        members = rng.sample(uid_list, min(5, len(uid_list)))
        principals[nid] = Obj(id=nid, kind='Group', name='Team %d' % (i + 1), members=members, status='active',
                              groups=[], admin=False, created=BASE_TIME - 500 * 86400,
                              updated=BASE_TIME - 500 * 86400)
        for m in members:
            principals[m].groups.append(nid)
        groups.append(nid)
        nid += 1
    for i in range(max(1, n_users // 100)):
        principals[nid] = Obj(id=nid, kind='PlaceholderUser', name='Future hire %d' % (i + 1), status='active',
                              groups=[], admin=False, created=BASE_TIME - 300 * 86400,
                              updated=BASE_TIME - 300 * 86400)
        placeholders.append(nid)
        nid += 1
    # projects: the last one is archived, the one before is invisible to the bot, every 7th the bot
    # only reads work packages (no time entries)
    member_role, reader_role = 4, 5
    proj_members = {}
    for pid in range(1, n_proj + 1):
        created = BASE_TIME - (700 - pid) * 86400
        proj = Obj(id=pid, identifier='project-%d' % pid, name='Project %d %s' % (pid, rng.choice(WORDS).title()),
                   description='Project **%d** generated.' % pid, public=False, active=(pid != n_proj),
                   parent_id=(pid - 1 if pid % 5 == 2 else None), members={}, status_code='on_track',
                   status_explanation='', created=created, updated=created + 3600)
        users = rng.sample(uid_list, min(20, len(uid_list)))
        for u in users:
            proj.members[u] = [member_role]
        if pid != n_proj - 1:
            proj.members[2] = [reader_role if pid % 7 == 0 else member_role]
        if groups and pid % 3 == 0:
            proj.members[groups[pid % len(groups)]] = [member_role]
        store.projects[pid] = proj
        store.wps_by_project[pid] = []
        store.tes_by_project[pid] = []
        proj_members[pid] = [u for u in users if principals[u].status != 'invited'] or [1]
    store.next_ids['project'] = n_proj + 1
    # work packages
    open_statuses = [1, 2, 3]
    type_ids = [1, 1, 1, 3, 3, 4]
    wps, journals_by_wp = store.wps, store.journals_by_wp
    span = 600 * 86400
    for wid in range(1, n_wps + 1):
        pid = rng.randint(1, n_proj)
        members = proj_members[pid]
        created = BASE_TIME - span + (wid * span) / (n_wps + 1) + rng.randint(0, 3600)
        r = rng.random()
        status = rng.choice(open_statuses) if r < 0.6 else (4 if r < 0.9 else 5)
        type_id = 2 if wid % 20 == 0 else rng.choice(type_ids)
        a = rng.random()
        if a < 0.2:
            assignee = None
        elif a < 0.25 and placeholders:
            assignee = placeholders[wid % len(placeholders)]
        elif a < 0.3 and groups:
            assignee = groups[wid % len(groups)]
        else:
            assignee = rng.choice(members)
        start = date_of(created + rng.randint(0, 30) * 86400)
        due = date_of(created + rng.randint(31, 90) * 86400)
        if type_id == 2:
            start = due
        wps[wid] = Obj(id=wid, project_id=pid, type_id=type_id, status_id=status, priority_id=rng.choice((7, 8, 8, 9, 10)),
                       subject='%s %s %d' % (rng.choice(WORDS).title(), rng.choice(WORDS), wid),
                       description='Generated *description* of work package %d.' % wid if wid % 3 else '',
                       author_id=rng.choice(members), assignee_id=assignee,
                       responsible_id=rng.choice(members) if wid % 4 == 0 else None,
                       version_id=None, category_id=None, parent_id=None, start_date=start, due_date=due,
                       estimated=float(rng.randint(1, 40)) if wid % 2 else None, remaining=None,
                       done_ratio=rng.choice((0, 10, 50, 90, 100)), schedule_manually=False, created=created,
                       updated=created, lock_version=0, spent=0.0)
        store.wps_by_project[pid].append(wid)
        journals_by_wp[wid] = []
    for wid in range(10, n_wps + 1, 10):   # some parent/child pairs inside a project
        wp = wps[wid]
        parent = wps.get(wid - 1)
        if parent is not None and parent.project_id == wp.project_id:
            wp.parent_id = parent.id
            store.children.setdefault(parent.id, []).append(wid)
    store.next_ids['wp'] = n_wps + 1
    # journals: one creation journal per work package, the rest spread randomly
    journals = store.journals
    jid = 1
    for wid in range(1, n_wps + 1):
        wp = wps[wid]
        journals[jid] = Obj(id=jid, wp_id=wid, user_id=wp.author_id, version=1, comment='', details=[],
                            internal=False, created=wp.created, updated=wp.created)
        journals_by_wp[wid].append(jid)
        jid += 1
    extra = [rng.randint(1, n_wps) for _ in range(max(0, n_acts - n_wps))]
    extra.sort()
    status_names = {s.id: s.name for s in store.statuses.values()}
    for wid in extra:
        wp = wps[wid]
        jl = journals_by_wp[wid]
        last = journals[jl[-1]].created
        created = min(BASE_TIME - 60, last + rng.randint(600, 20 * 86400))
        if rng.random() < 0.5:
            comment, details = 'Comment %d on #%d: %s the %s.' % (len(jl), wid, rng.choice(WORDS),
                                                                   rng.choice(WORDS)), []
        else:
            comment, details = '', ['% Complete changed from {} to {}'.format(rng.randint(0, 50),
                                                                               rng.randint(51, 100))]
            if rng.random() < 0.3:
                details.append('Status changed from %s to %s' % (status_names[1], status_names[wp.status_id]))
        journals[jid] = Obj(id=jid, wp_id=wid, user_id=rng.choice(proj_members[wp.project_id]),
                            version=len(jl) + 1, comment=comment, details=details, internal=False,
                            created=created, updated=created)
        jl.append(jid)
        wp.lock_version += 1
        if created > wp.updated:
            wp.updated = created
        jid += 1
    store.next_ids['journal'] = jid
    # time entries
    tes, tes_by_wp = store.tes, store.tes_by_wp
    entries = []
    for tid in range(1, n_tes + 1):
        if tid % 10 == 0:
            wp = None
            pid = rng.randint(1, n_proj)
        else:
            wp = wps[rng.randint(1, n_wps)]
            pid = wp.project_id
        created = BASE_TIME - span + (tid * span) / (n_tes + 1)
        hours = rng.randint(1, 32) * 0.25
        te = Obj(id=tid, project_id=pid, wp_id=wp.id if wp else None, user_id=rng.choice(proj_members[pid]),
                 activity_id=rng.randint(1, 4), hours=hours,
                 comment='Worked on %s' % rng.choice(WORDS) if tid % 4 else '',
                 spent_on=date_of(created - rng.randint(0, 3) * 86400), ongoing=False,
                 created=created, updated=created + (rng.randint(0, 5) * 86400 if tid % 6 == 0 else 0))
        tes[tid] = te
        entries.append(te)
        store.tes_by_project[pid].append(tid)
        if wp is not None:
            tes_by_wp.setdefault(wp.id, []).append(tid)
            wp.spent += hours
    store.next_ids['te'] = n_tes + 1
    store.next_ids['principal'] = nid
    store.loaded = True
    store.touch()
    return store
