"""``add_all_backend_roles``: the roles the server grants from the creator are its answer, not drift."""

from plan_states import (
    CONN,
    GROUP,
    desired_connector,
    desired_group,
    owned,
    server_connector,
    server_group,
    state,
)

from mlgitops.plan.compare import compare


def changed_fields(desired, document, key):
    actual = owned(key, "id-1", document)
    changes = compare(desired, actual, state(actual)).changes
    return [change.path for change in changes if not change.path.startswith("credential.")]


def test_a_connector_granted_its_creators_roles_is_unchanged():
    granted = server_connector(backend_roles=["team-a"], access="restricted")
    assert changed_fields(desired_connector(add_all_backend_roles=True), granted, CONN) == []


def test_a_connector_whose_roles_differ_from_the_manifest_still_changes():
    granted = server_connector(backend_roles=["team-b"], access="restricted")
    desired = desired_connector(backend_roles=["team-a"], access_mode="restricted")
    assert "backend_roles" in " ".join(changed_fields(desired, granted, CONN))


def test_roles_appearing_without_add_all_backend_roles_are_drift():
    granted = server_connector(backend_roles=["team-a"], access="restricted")
    assert "backend_roles" in " ".join(changed_fields(desired_connector(), granted, CONN))


def test_a_model_group_granted_its_creators_roles_is_unchanged():
    granted = server_group(backend_roles=["team-a"], access="restricted")
    assert changed_fields(desired_group(add_all_backend_roles=True), granted, GROUP) == []
