"""Every endpoint's responses validate against the official JSON schemas (../shared/openproject-api)."""
import os
import sys

import pytest

if sys.version_info[0] < 3:  # pragma: no cover
    pytest.skip('simulator tests need Python 3', allow_module_level=True)

jsonschema = pytest.importorskip('jsonschema')
pytest.importorskip('yaml')
pytest.importorskip('referencing')

from op_simulator.testing import Api, Schemas, SCHEMA_DIR  # noqa: E402

if not os.path.isdir(SCHEMA_DIR):  # pragma: no cover
    pytest.skip('spec not found at %s' % SCHEMA_DIR, allow_module_level=True)

PROFILES = ['7.3', '9', '12', 'current']
_schemas = {}


def schemas(profile):
    if profile not in _schemas:
        _schemas[profile] = Schemas(profile)
    return _schemas[profile]


@pytest.fixture(params=PROFILES)
def sim(request, simulator_factory):
    server = simulator_factory(profile=request.param)
    return server, Api(server.url, server.admin_key), Api(server.url, server.api_key), schemas(request.param)


def test_root(sim):
    server, admin, bot, sch = sim
    sch.check('root_model.yml', admin.get_json('/api/v3'))
    sch.check('root_model.yml', bot.get_json('/api/v3'))


def test_projects(sim):
    server, admin, bot, sch = sim
    for api in (admin, bot):
        coll = api.get_json('/api/v3/projects')
        sch.check('project_collection_model.yml', coll)
        sch.check('offset_paginated_collection_model.yml', coll)
        for p in coll['_embedded']['elements']:
            sch.check('project_model.yml', p)
            sch.check('project_model.yml', api.get_json('/api/v3/projects/%d' % p['id']))


def test_work_packages(sim):
    server, admin, bot, sch = sim
    for api in (admin, bot):
        coll = api.get_json('/api/v3/work_packages', {'filters': '[]', 'pageSize': 100})
        sch.check('work_packages_model.yml', coll)
        sch.check('offset_paginated_collection_model.yml', coll)
        assert coll['_embedded']['elements']
        for wp in coll['_embedded']['elements']:
            sch.check('work_package_model.yml', wp)
            sch.check('work_package_model.yml', api.get_json('/api/v3/work_packages/%d' % wp['id']))
            acts = api.get_json('/api/v3/work_packages/%d/activities' % wp['id'])
            sch.check('work_package_activities_model.yml', acts)
            sch.check('collection_model.yml', acts)
            for act in acts['_embedded']['elements']:
                sch.check('activity_model.yml', act)
                sch.check('activity_model.yml', api.get_json(act['_links']['self']['href']))
        proj = api.get_json('/api/v3/projects/1/work_packages', {'filters': '[]'})
        sch.check('work_packages_by_project_model.yml', proj)


def test_time_entries(sim):
    server, admin, bot, sch = sim
    for api in (admin, bot):
        coll = api.get_json('/api/v3/time_entries', {'pageSize': 100})
        sch.check('time_entry_collection_model.yml', coll)
        sch.check('offset_paginated_collection_model.yml', coll)
        for te in coll['_embedded']['elements']:
            sch.check('time_entry_model.yml', te)
            sch.check('time_entry_model.yml', api.get_json('/api/v3/time_entries/%d' % te['id']))
            sch.check('time_entry_activity_model.yml', api.get_json(te['_links']['activity']['href']))


def test_users_and_principals(sim):
    server, admin, bot, sch = sim
    coll = admin.get_json('/api/v3/users', {'pageSize': 100})
    sch.check('user_collection_model.yml', coll)
    sch.check('offset_paginated_collection_model.yml', coll)
    for u in coll['_embedded']['elements']:
        sch.check('user_model.yml', u)
        sch.check('user_model.yml', bot.get_json('/api/v3/users/%d' % u['id']))
    sch.check('user_model.yml', bot.get_json('/api/v3/users/me'))
    for api in (admin, bot):
        sch.check('group_model.yml', api.get_json('/api/v3/groups/20'))
    if server.profile in ('12', 'current'):
        sch.check('principal_model.yml', bot.get_json('/api/v3/placeholder_users/30'))


def test_reference_collections(sim):
    server, admin, bot, sch = sim
    for path, coll_schema, elem_schema in (('/api/v3/statuses', 'status_collection_model.yml', 'status_model.yml'),
                                           ('/api/v3/types', 'types_model.yml', 'type_model.yml'),
                                           ('/api/v3/priorities', 'priority_collection_model.yml',
                                            'priority_model.yml')):
        coll = bot.get_json(path)
        sch.check(coll_schema, coll)
        sch.check('collection_model.yml', coll)
        for e in coll['_embedded']['elements']:
            sch.check(elem_schema, e)
            sch.check(elem_schema, bot.get_json(e['_links']['self']['href']))
    sch.check('configuration_model.yml', bot.get_json('/api/v3/configuration'))
    sch.check('category_model.yml', bot.get_json('/api/v3/categories/1'))
    sch.check('version_read_model.yml', bot.get_json('/api/v3/versions/1'))
    sch.check('types_by_project_model.yml', bot.get_json('/api/v3/projects/1/types'))
    sch.check('categories_by_project_model.yml', bot.get_json('/api/v3/projects/1/categories'))
    sch.check('versions_by_project_model.yml', bot.get_json('/api/v3/projects/1/versions'))


def test_errors(sim):
    server, admin, bot, sch = sim
    nokey = Api(server.url, None)
    cases = [(nokey, '/api/v3/projects', None, 401), (bot, '/api/v3/users', None, 403),
             (bot, '/api/v3/work_packages/10', None, 404), (bot, '/api/v3/nothing/here', None, 404),
             (bot, '/api/v3/work_packages', {'filters': '[{"nope":{"operator":"=","values":["1"]}}]'}, 400)]
    for api, path, params, status in cases:
        resp = api.get(path, params)
        assert resp.status == status
        sch.check('error_response.yml', resp.json())


def test_validator_rejects_wrong_shapes():
    """The schema machinery is real: a broken work package must fail."""
    sch = schemas('current')
    assert sch.errors('work_package_model.yml', {'subject': 'x'})  # no _links
    assert sch.errors('error_response.yml', {'_type': 'Error'})
    assert sch.errors('formattable.yml', {'format': 'textile', 'raw': 'x'})
    assert not schemas('7.3').errors('formattable.yml', {'format': 'textile', 'raw': 'x'})
