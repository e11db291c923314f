"""Behaviour of the simulated API, asserted against what the real server gives for the demo dataset.

Expected values are computed from datasets/demo.json with the permission rules of the real server
(roles -> permissions, membership, archived projects), not read back from the simulator's code.
"""
import json
import sys

import pytest

if sys.version_info[0] < 3:  # pragma: no cover
    pytest.skip('simulator tests need Python 3', allow_module_level=True)

from op_simulator.testing import Api, demo_data, fjson  # noqa: E402
from op_simulator.util import parse_datetime  # noqa: E402

DATA = demo_data()
ERR = 'urn:openproject-org:api:v3:errors:'
UNDISCLOSED = 'urn:openproject-org:api:v3:undisclosed'
BOT = 2
ROLE_PERMS = {  # the default roles (DATASET.md)
    'Project admin': {'view_project', 'view_work_packages', 'view_time_entries', 'add_work_package_notes'},
    'Member': {'view_project', 'view_work_packages', 'view_time_entries', 'add_work_package_notes'},
    'Reader': {'view_project', 'view_work_packages'},
}
CLOSED = {'Closed', 'Rejected'}


def perms(user, project):
    if not project.get('active', True):
        return set()
    groups = [g['id'] for g in DATA['groups'] if user in g['members']]
    out = set()
    for m in project['members']:
        if m['principal'] == user or m['principal'] in groups:
            for r in m['roles']:
                out |= ROLE_PERMS[r]
    return out


PROJECTS = {p['id']: p for p in DATA['projects']}
WPS = {w['id']: w for w in DATA['work_packages']}
TES = {t['id']: t for t in DATA['time_entries']}
BOT_WP_PROJECTS = {pid for pid, p in PROJECTS.items() if 'view_work_packages' in perms(BOT, p)}
BOT_TE_PROJECTS = {pid for pid, p in PROJECTS.items() if 'view_time_entries' in perms(BOT, p)}
BOT_WPS = sorted(w for w, d in WPS.items() if d['project'] in BOT_WP_PROJECTS)
BOT_OPEN_WPS = sorted(w for w in BOT_WPS if WPS[w]['status'] not in CLOSED)


def te_project(t):
    return t.get('project') or WPS[t['work_package']]['project']


BOT_TES = sorted(t for t, d in TES.items() if te_project(d) in BOT_TE_PROJECTS)


def wp_updated(wid):
    times = [parse_datetime(WPS[wid]['created_at'])]
    times += [parse_datetime(a['created_at']) for a in DATA['activities'] if a['work_package'] == wid]
    return max(times)


def ids(coll):
    return [e['id'] for e in coll['_embedded']['elements']]


@pytest.fixture
def bot(simulator):
    return Api(simulator.url, simulator.api_key)


@pytest.fixture
def admin(simulator):
    return Api(simulator.url, simulator.admin_key)


def all_ids(api, path, params=None):
    elements, total = api.all_elements(path, params, page_size=100)
    assert len(elements) == total
    return [e['id'] for e in elements]


# ------------------------------------------------------------------------------------ auth
def test_no_key_is_401_with_error_json(simulator):
    resp = Api(simulator.url, None).get('/api/v3/work_packages')
    assert resp.status == 401
    assert resp.json()['errorIdentifier'] == ERR + 'Unauthenticated'
    assert resp.headers['WWW-Authenticate'].startswith('Basic')
    assert resp.headers['Content-Type'].startswith('application/hal+json')


def test_wrong_key_and_wrong_user_name_are_401(simulator):
    assert Api(simulator.url, 'nope').get('/api/v3/projects').status == 401
    import base64
    header = 'Basic ' + base64.b64encode(('admin:' + simulator.api_key).encode()).decode()
    assert Api(simulator.url, None).get('/api/v3/projects', headers={'Authorization': header}).status == 401


def test_bearer_only_in_current(simulator_factory):
    cur = simulator_factory(profile='current')
    assert Api(cur.url, cur.api_key, bearer=True).get('/api/v3/users/me').status == 200
    old = simulator_factory(profile='12')
    assert Api(old.url, old.api_key, bearer=True).get('/api/v3/users/me').status == 401


def test_locked_key_user_gets_401(simulator, bot):
    simulator.control('POST', '/_control/users/%d/lock' % BOT)
    assert bot.get('/api/v3/users/me').status == 401
    simulator.control('POST', '/_control/users/%d/unlock' % BOT)
    assert bot.get('/api/v3/users/me').status == 200


# ------------------------------------------------------------------------------------ visibility
def test_projects_visible_to_bot_and_admin(bot, admin):
    expected_bot = sorted(pid for pid, p in PROJECTS.items() if perms(BOT, p))
    assert all_ids(bot, '/api/v3/projects') == expected_bot
    coll = admin.get_json('/api/v3/projects')
    assert ids(coll) == sorted(PROJECTS)
    archived = [e for e in coll['_embedded']['elements'] if not e['active']]
    assert [e['id'] for e in archived] == [p['id'] for p in DATA['projects'] if p.get('active') is False]


@pytest.mark.parametrize('path', ['/api/v3/projects/4', '/api/v3/projects/5', '/api/v3/work_packages/10',
                                  '/api/v3/work_packages/11', '/api/v3/time_entries/5',
                                  '/api/v3/time_entries/7', '/api/v3/work_packages/10/activities',
                                  '/api/v3/activities/107', '/api/v3/projects/hr-secret'])
def test_invisible_is_404(bot, path):
    resp = bot.get(path)
    assert resp.status == 404
    assert resp.json()['errorIdentifier'] == ERR + 'NotFound'


def test_archived_project_content_hidden_even_for_admin(admin):
    assert admin.get('/api/v3/work_packages/11').status == 404
    assert 11 not in all_ids(admin, '/api/v3/work_packages', {'filters': '[]'})
    assert admin.get_json('/api/v3/projects/5')['active'] is False


def test_work_packages_visible(bot):
    assert all_ids(bot, '/api/v3/work_packages', {'filters': '[]'}) == BOT_WPS
    assert all_ids(bot, '/api/v3/work_packages') == BOT_OPEN_WPS


def test_time_entries_visible(bot):
    assert sorted(all_ids(bot, '/api/v3/time_entries')) == BOT_TES
    assert 5 not in BOT_TES  # project 2: the bot is a Reader (no view_time_entries)


def test_users_list_needs_admin(bot, admin):
    resp = bot.get('/api/v3/users')
    assert resp.status == 403
    assert resp.json()['errorIdentifier'] == ERR + 'MissingPermission'
    expected = sorted(u['id'] for u in DATA['users'] if u.get('status') != 'deleted')
    assert all_ids(admin, '/api/v3/users') == expected


def test_hidden_user_fields_for_non_admin(bot, admin):
    alice = bot.get_json('/api/v3/users/3')
    for field in ('login', 'firstName', 'lastName', 'status', 'admin'):
        assert field not in alice
    assert alice['name'] == 'Alice Martin'
    assert alice['email'] == 'alice@example.com'
    bob = bot.get_json('/api/v3/users/4')
    assert 'email' not in bob                  # hide_mail
    full = admin.get_json('/api/v3/users/4')
    assert full['email'] == 'bob.private@example.com' and full['login'] == 'bob'
    assert admin.get_json('/api/v3/users/5')['status'] == 'locked'
    assert admin.get_json('/api/v3/users/6')['status'] == 'invited'
    me = bot.get_json('/api/v3/users/me')
    assert me['id'] == BOT and me['login'] == 'odoo-bot' and me['name'] == 'Odoo Bot'


def test_same_display_name_different_users(bot):
    wp6 = bot.get_json('/api/v3/work_packages/6')['_links']['assignee']
    wp7 = bot.get_json('/api/v3/work_packages/7')['_links']['assignee']
    assert wp6 == {'href': '/api/v3/users/8', 'title': 'Alex Smith'}
    assert wp7 == {'href': '/api/v3/users/9', 'title': 'Alex Smith'}


def test_deleted_user_references(simulator, bot):
    deleted_id = simulator.control('GET', '/_control/info')['deleted_user_id']
    wp5 = bot.get_json('/api/v3/work_packages/5')
    assert wp5['_links']['author'] == {'href': '/api/v3/users/%d' % deleted_id, 'title': 'Deleted user'}
    assert wp5['_links']['assignee']['href'] == '/api/v3/users/%d' % deleted_id
    du = bot.get_json('/api/v3/users/%d' % deleted_id)
    assert du['_type'] == 'DeletedUser' and du['name'] == 'Deleted user'
    assert bot.get('/api/v3/users/7').status == 404
    te9 = bot.get_json('/api/v3/time_entries/9')
    assert te9['_links']['user']['href'] == '/api/v3/users/%d' % deleted_id


def test_undisclosed_parent(bot):
    wp12 = bot.get_json('/api/v3/work_packages/12')
    assert wp12['_links']['parent']['href'] == UNDISCLOSED
    assert wp12['_links']['ancestors'][0]['href'] == UNDISCLOSED
    wp6 = bot.get_json('/api/v3/work_packages/6')
    assert wp6['_links']['parent'] == {'href': '/api/v3/work_packages/1', 'title': 'Set up staging server'}
    children = bot.get_json('/api/v3/work_packages/1')['_links']['children']
    assert [c['href'] for c in children] == ['/api/v3/work_packages/6']


def test_null_links(bot):
    wp3 = bot.get_json('/api/v3/work_packages/3')['_links']
    for name in ('assignee', 'responsible', 'version', 'category', 'parent'):
        assert wp3[name] == {'href': None}
    te3 = bot.get_json('/api/v3/time_entries/3')
    assert te3['_links']['workPackage'] == {'href': None}
    assert te3['_links']['project']['href'] == '/api/v3/projects/1'


# ------------------------------------------------------------------------------------ collections
def test_pagination_offsets_are_pages(bot):
    total = len(BOT_WPS)
    seen = []
    pages = -(-total // 3)
    for offset in range(1, pages + 1):
        page = bot.get_json('/api/v3/work_packages', {'filters': '[]', 'pageSize': 3, 'offset': offset})
        assert page['total'] == total and page['pageSize'] == 3 and page['offset'] == offset
        assert page['count'] == min(3, total - (offset - 1) * 3)
        assert ('nextByOffset' in page['_links']) == (offset < pages)
        assert ('previousByOffset' in page['_links']) == (offset > 1)
        if offset < pages:
            assert 'offset=%d' % (offset + 1) in page['_links']['nextByOffset']['href']
        seen += ids(page)
    assert seen == BOT_WPS
    beyond = bot.get_json('/api/v3/work_packages', {'filters': '[]', 'pageSize': 3, 'offset': pages + 1})
    assert beyond['count'] == 0 and beyond['total'] == total and beyond['_embedded']['elements'] == []


def test_page_size_default_and_clamp(simulator_factory):
    sim = simulator_factory(dataset='S')
    api = Api(sim.url, sim.admin_key)
    default = api.get_json('/api/v3/work_packages', {'filters': '[]'})
    assert default['pageSize'] == 20 and default['count'] == 20
    big = api.get_json('/api/v3/work_packages', {'filters': '[]', 'pageSize': 5000})
    assert big['pageSize'] == 1000
    assert big['count'] == min(1000, big['total'])
    follow = api.get_json(default['_links']['nextByOffset']['href'].replace('/api', sim.url + '/api', 1))
    assert follow['offset'] == 2


def test_unpaginated_collections(bot):
    for path, key in (('/api/v3/statuses', None), ('/api/v3/types', None), ('/api/v3/priorities', None),
                      ('/api/v3/work_packages/1/activities', None)):
        coll = bot.get_json(path)
        assert coll['_type'] == 'Collection'
        assert 'pageSize' not in coll and 'offset' not in coll
        assert coll['total'] == coll['count'] == len(coll['_embedded']['elements'])
    statuses = bot.get_json('/api/v3/statuses')['_embedded']['elements']
    assert [s['name'] for s in statuses] == ['New', 'In progress', 'On hold', 'Closed', 'Rejected']
    assert [s['isClosed'] for s in statuses] == [False, False, False, True, True]
    assert [t['isMilestone'] for t in bot.get_json('/api/v3/types')['_embedded']['elements']] == \
        [False, True, False, False]
    assert bot.get_json('/api/v3/priorities')['total'] == 4


# ------------------------------------------------------------------------------------ filters
def test_closed_filter_and_snake_camel_names(bot):
    closed = sorted(w for w in BOT_WPS if WPS[w]['status'] in CLOSED)
    for name in ('status', 'status_id', 'statusId'):
        assert all_ids(bot, '/api/v3/work_packages',
                       {'filters': fjson([{name: {'operator': 'c', 'values': []}}])}) == closed


def test_updated_at_between_on_work_packages(bot):
    lo, hi = '2024-05-04T00:00:00Z', '2024-05-05T23:59:59Z'
    expected = [w for w in BOT_WPS if parse_datetime(lo) <= wp_updated(w) <= parse_datetime(hi)]
    assert expected  # the dataset has some
    for name in ('updated_at', 'updatedAt'):
        got = all_ids(bot, '/api/v3/work_packages',
                      {'filters': fjson([{name: {'operator': '<>d', 'values': [lo, hi]}}])})
        assert got == expected
    # date-only upper bound = end of that day
    got = all_ids(bot, '/api/v3/work_packages',
                  {'filters': fjson([{'updated_at': {'operator': '<>d', 'values': ['2024-05-04', '2024-05-05']}}])})
    assert got == expected


def test_filters_are_anded(bot):
    expected = [w for w in BOT_OPEN_WPS if WPS[w]['project'] == 1 and WPS[w]['type'] == 'Task']
    got = all_ids(bot, '/api/v3/work_packages', {'filters': fjson([
        {'status': {'operator': 'o', 'values': []}}, {'project': {'operator': '=', 'values': ['1']}},
        {'type': {'operator': '=', 'values': ['1']}}])})
    assert got == expected


def test_none_and_any_and_not(bot):
    unassigned = [w for w in BOT_WPS if WPS[w].get('assignee') is None]
    assert all_ids(bot, '/api/v3/work_packages',
                   {'filters': fjson([{'assignee': {'operator': '!*', 'values': []}}])}) == unassigned
    assigned = [w for w in BOT_WPS if WPS[w].get('assignee') is not None]
    assert all_ids(bot, '/api/v3/work_packages',
                   {'filters': fjson([{'assignee': {'operator': '*', 'values': []}}])}) == assigned
    not_p1 = [w for w in BOT_WPS if WPS[w]['project'] != 1]
    assert all_ids(bot, '/api/v3/work_packages',
                   {'filters': fjson([{'project': {'operator': '!', 'values': ['1']}}])}) == not_p1


@pytest.mark.parametrize('filters', [
    [{'nope': {'operator': '=', 'values': ['1']}}],
    [{'project': {'operator': '=', 'values': ['abc']}}],
    [{'project': {'operator': '=', 'values': ['4']}}],          # invisible project
    [{'updated_at': {'operator': '<>d', 'values': ['yesterday', '']}}],
    [{'updated_at': {'operator': '~', 'values': ['x']}}],       # operator not allowed
    [{'status': {'operator': '=', 'values': ['99']}}],
    {'not': 'an array'},
    'not json',
])
def test_bad_filters_are_400_invalid_query(bot, filters):
    raw = filters if isinstance(filters, str) else fjson(filters)
    resp = bot.get('/api/v3/work_packages', {'filters': raw})
    assert resp.status == 400
    assert resp.json()['errorIdentifier'] == ERR + 'InvalidQuery'


def test_sort_by(bot):
    got = all_ids(bot, '/api/v3/work_packages',
                  {'filters': '[]', 'sortBy': fjson([['updated_at', 'desc']])})
    assert got == sorted(BOT_WPS, key=lambda w: (-wp_updated(w), w))
    got = all_ids(bot, '/api/v3/work_packages', {'filters': '[]', 'sortBy': fjson([['id', 'desc']])})
    assert got == sorted(BOT_WPS, reverse=True)
    resp = bot.get('/api/v3/work_packages', {'sortBy': fjson([['bogus', 'asc']])})
    assert resp.status == 400 and resp.json()['errorIdentifier'] == ERR + 'InvalidQuery'


def test_project_scoped_work_packages(bot):
    # like the real server's default, a project's list includes its subprojects' work packages
    subtree = {1} | {pid for pid, p in PROJECTS.items() if p.get('parent') == 1}
    expected = [w for w in BOT_WPS if WPS[w]['project'] in subtree]
    assert all_ids(bot, '/api/v3/projects/1/work_packages', {'filters': '[]'}) == expected
    only = [w for w in BOT_WPS if WPS[w]['project'] == 1]
    assert all_ids(bot, '/api/v3/projects/1/work_packages',
                   {'filters': fjson([{'project': {'operator': '=', 'values': ['1']}}])}) == only
    assert all_ids(bot, '/api/v3/projects/1/work_packages') == [w for w in expected if w in BOT_OPEN_WPS]
    assert bot.get('/api/v3/projects/4/work_packages').status == 404


def test_time_entry_filters(bot):
    def te_ids(filters, **params):
        return sorted(all_ids(bot, '/api/v3/time_entries', dict(params, filters=fjson(filters))))
    assert te_ids([{'project': {'operator': '=', 'values': ['1']}}]) == \
        sorted(t for t in BOT_TES if te_project(TES[t]) == 1)
    assert te_ids([{'work_package': {'operator': '=', 'values': ['1']}}]) == \
        sorted(t for t in BOT_TES if TES[t].get('work_package') == 1)
    assert te_ids([{'user': {'operator': '=', 'values': ['me']}}]) == \
        sorted(t for t in BOT_TES if TES[t]['user'] == BOT)
    assert te_ids([{'spent_on': {'operator': '<>d', 'values': ['2024-05-03', '2024-05-07']}}]) == \
        sorted(t for t in BOT_TES if '2024-05-03' <= TES[t]['spent_on'] <= '2024-05-07')
    assert te_ids([{'workPackage': {'operator': '!*', 'values': []}}]) == \
        sorted(t for t in BOT_TES if TES[t].get('work_package') is None)


def updated_te(t):
    return parse_datetime(TES[t].get('updated_at') or TES[t]['created_at'])


@pytest.mark.parametrize('profile', ['9', '12', 'current'])
def test_time_entries_updated_at_supported(simulator_factory, profile):
    sim = simulator_factory(profile=profile)
    api = Api(sim.url, sim.api_key)
    lo, hi = '2024-05-15T00:00:00Z', '2024-05-31T00:00:00Z'
    expected = sorted(t for t in BOT_TES if parse_datetime(lo) <= updated_te(t) <= parse_datetime(hi))
    assert expected == [4, 10]
    for name in ('updated_at', 'updatedAt'):
        got = all_ids(api, '/api/v3/time_entries', {'filters': fjson([{name: {'operator': '<>d', 'values': [lo, hi]}}])})
        assert sorted(got) == expected


def test_time_entries_updated_at_rejected_by_7_3(simulator_factory):
    sim = simulator_factory(profile='7.3')
    api = Api(sim.url, sim.api_key)
    for name in ('updated_at', 'updatedAt'):
        resp = api.get('/api/v3/time_entries', {'filters': fjson([{name: {'operator': '<>d',
                                                                           'values': ['2024-01-01', '']}}])})
        assert resp.status == 400 and resp.json()['errorIdentifier'] == ERR + 'InvalidQuery'
    # created_at still works there
    assert api.get('/api/v3/time_entries', {'filters': fjson([{'created_at': {'operator': '<>d',
                                                                              'values': ['2024-01-01', '']}}])}).status == 200


def test_time_entry_default_sort_is_spent_on(bot):
    got = all_ids(bot, '/api/v3/time_entries')
    assert got == sorted(BOT_TES, key=lambda t: (TES[t]['spent_on'], t))


# ------------------------------------------------------------------------------------ shapes
def test_work_package_shape(bot):
    wp = bot.get_json('/api/v3/work_packages/2')
    assert wp['_type'] == 'WorkPackage' and wp['id'] == 2
    assert wp['estimatedTime'] == 'P1DT12H'          # 36 h
    assert '<script>' in wp['description']['raw'] and 'onerror=' in wp['description']['raw']
    assert wp['description']['format'] == 'markdown'
    assert wp['_links']['assignee'] == {'href': '/api/v3/groups/20', 'title': 'Developers'}
    assert wp['_links']['responsible'] == {'href': '/api/v3/users/4', 'title': 'Bob Stone'}
    assert wp['_links']['status']['title'] == 'In progress'
    assert wp['_links']['priority']['title'] == 'High'
    assert wp['lockVersion'] == len([a for a in DATA['activities'] if a['work_package'] == 2])
    assert wp['createdAt'] == '2024-05-02T10:00:00.000Z'
    wp1 = bot.get_json('/api/v3/work_packages/1')
    assert wp1['spentTime'] == 'PT3H30M'   # 2 h + 1.5 h
    assert wp1['startDate'] == '2024-05-02' and wp1['dueDate'] == '2024-05-10'


def test_milestone_has_date(bot):
    ms = bot.get_json('/api/v3/work_packages/3')
    assert ms['date'] == '2024-07-01'
    assert 'startDate' not in ms and 'dueDate' not in ms


@pytest.mark.parametrize('profile,expected', [('9', {'href': None}),
                                              ('12', {'href': '/api/v3/placeholder_users/30',
                                                      'title': 'Future designer'})])
def test_placeholder_assignee_from_12(simulator_factory, profile, expected):
    sim = simulator_factory(profile=profile)
    api = Api(sim.url, sim.api_key)
    assert api.get_json('/api/v3/work_packages/4')['_links']['assignee'] == expected
    assert api.get('/api/v3/placeholder_users/30').status == (200 if profile == '12' else 404)


def test_profile_7_3_textile_and_plain_comment(simulator_factory):
    sim = simulator_factory(profile='7.3')
    api = Api(sim.url, sim.api_key)
    wp = api.get_json('/api/v3/work_packages/1')
    assert wp['description']['format'] == 'textile'
    assert wp['createdAt'] == '2024-05-01T09:00:00Z'
    te = api.get_json('/api/v3/time_entries/1')
    assert te['comment'] == 'Configured nginx'
    assert te['hours'] == 'PT2H'


def test_time_entry_shape_from_9(simulator_factory):
    sim = simulator_factory(profile='9')
    api = Api(sim.url, sim.api_key)
    te = api.get_json('/api/v3/time_entries/4')
    assert te['comment']['format'] == 'plain' and te['comment']['raw'] == 'Debugging the login <b>form</b>'
    assert te['hours'] == 'P1DT2H'   # 26 h
    assert te['spentOn'] == '2024-05-07'
    assert te['_links']['activity'] == {'href': '/api/v3/time_entries/activities/3', 'title': 'Development'}
    assert te['_links']['workPackage']['href'] == '/api/v3/work_packages/2'
    assert te['updatedAt'] == '2024-05-20T08:00:00Z'


def test_activities(bot):
    acts = bot.get_json('/api/v3/work_packages/1/activities')['_embedded']['elements']
    mine = sorted((a for a in DATA['activities'] if a['work_package'] == 1), key=lambda a: a['created_at'])
    assert len(acts) == 1 + len(mine)     # creation journal + the dataset's
    assert [a['version'] for a in acts] == list(range(1, len(acts) + 1))
    assert acts[0]['_type'] == 'Activity' and acts[0]['createdAt'] == '2024-05-01T09:00:00.000Z'
    assert acts[1]['_type'] == 'Activity::Comment'
    assert acts[1]['comment']['raw'] == mine[0]['comment']
    assert acts[2]['_type'] == 'Activity' and acts[2]['comment']['raw'] == ''
    assert [d['raw'] for d in acts[2]['details']] == mine[1]['details']
    assert acts[1]['_links']['user'] == {'href': '/api/v3/users/3', 'title': 'Alice Martin'}
    single = bot.get_json('/api/v3/activities/%d' % acts[1]['id'])
    assert single['id'] == acts[1]['id'] == 101


def test_root_core_version_only_for_admin(bot, admin):
    assert 'coreVersion' not in bot.get_json('/api/v3')
    assert admin.get_json('/api/v3')['coreVersion'] == '17.3.0'
    assert bot.get_json('/api/v3')['_links']['user']['href'] == '/api/v3/users/%d' % BOT
    assert bot.get_json('/api/v3/root')['_type'] == 'Root'


def test_post_comment_via_api(bot):
    before = bot.get_json('/api/v3/work_packages/1')
    resp = bot.request('POST', '/api/v3/work_packages/1/activities', body={'comment': {'raw': 'From the API'}})
    assert resp.status == 201
    act = resp.json()
    assert act['_type'] == 'Activity::Comment' and act['comment']['raw'] == 'From the API'
    after = bot.get_json('/api/v3/work_packages/1')
    assert after['lockVersion'] == before['lockVersion'] + 1
    assert after['updatedAt'] > before['updatedAt']
    assert bot.request('PATCH', '/api/v3/work_packages/1', body={}).status == 405
