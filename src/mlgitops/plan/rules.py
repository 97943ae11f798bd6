"""The planning rules: per-resource steps and the ML Commons choreography (undeploy, replace, prune)."""

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from mlgitops.errors import PlanError
from mlgitops.model.resources import DEPENDENT_KINDS, Kind, ResourceKey
from mlgitops.plan.actions import Change, Verb
from mlgitops.plan.bluegreen import plan_blue_green
from mlgitops.plan.compare import Comparison, compare, is_deployed, model_state
from mlgitops.plan.dependents import (
    actual_references,
    compare_dependent,
    model_names,
    models_used,
    users_by_model,
)
from mlgitops.plan.diffing import build_changes, build_secret_changes, masked_change
from mlgitops.plan.drafts import (
    CREATE_PHASE,
    DEPLOYS,
    KNOWN_AFTER_APPLY,
    MODELS,
    PREPARE,
    PRUNE_PHASE,
    PRUNE_UNDEPLOY,
    SETTINGS,
    USERS,
    Draft,
    build_protection_change,
    build_references,
    build_update_body,
    sort_key,
)
from mlgitops.plan.normalize import normalize_setting, normalize_settings
from mlgitops.plan.state import ActualResource, ActualState, DesiredResource, OwnershipRecord

# The id backends record for the cluster settings (there is one per cluster).
SETTINGS_RESOURCE_ID = "_cluster"


def with_adopted(actual: ActualState, desired: Mapping[ResourceKey, DesiredResource]) -> ActualState:
    """``actual`` where the unowned look-alikes of desired resources count as owned already.

    Adopting them is planned like managing them: a model being adopted uses its connector, a pipeline
    being adopted names its model. Their credentials are taken as the manifests' (the digests of the
    values given are recorded; nothing is re-sent): ML Commons never returns a stored credential, so
    re-sending one would be a connector change (undeploying its models) just to take ownership.
    """
    adopted = {
        key: replace(item, record=OwnershipRecord(key, item.resource_id, desired[key].secret_digests))
        for key, item in actual.unowned.items()
        if key not in actual.resources and key in desired
    }
    return replace(actual, resources={**actual.resources, **adopted}) if adopted else actual


class Planner:
    """Collects the drafts for one plan; ``build()`` runs every rule once."""

    def __init__(
        self, desired: Sequence[DesiredResource], actual: ActualState, *, prune: bool, adopt: bool = False
    ) -> None:
        self.desired = {resource.key: resource for resource in desired}
        self.adopting = {key for key in actual.unowned if key not in actual.resources}
        self.adopt = adopt
        actual = with_adopted(actual, self.desired)
        self.actual = actual
        self.prune = prune
        self.drafts: list[Draft] = []
        self.warnings: list[str] = []
        self.kept: list[ResourceKey] = []
        self.model_names = model_names(actual)
        used_by_owned = actual_references(actual, self.model_names)
        self.references = build_references(desired, actual, used_by_owned)
        self.undeployed: set[ResourceKey] = set()
        self._users_by_connector: dict[str, list[ResourceKey]] | None = None
        # Models that get a new id in this plan (their users are repointed), and models whose steps a
        # blue/green connector change already planned.
        self.replaced_models: dict[ResourceKey, str] = {}
        self.handled: set[ResourceKey] = set()
        self.users = users_by_model(self.desired, used_by_owned)

    def build(self) -> tuple[list[Draft], list[str]]:
        """Every draft, in insertion order (numbering sorts them by phase), and the warnings."""
        for key in sorted(self.desired, key=sort_key):
            resource = self.desired[key]
            if key.kind == Kind.CLUSTER_SETTINGS:
                self._settings(resource)
            else:
                self._resource(resource)
        for key in sorted(self.actual.resources, key=sort_key):
            if key not in self.desired:
                self._removed(self.actual.resources[key])
        return self.drafts, self.warnings

    def add(self, phase: int, verb: Verb, key: ResourceKey, reason: str, **extra: Any) -> None:
        """Add a draft, with the record fields (digests, protection) of the resource."""
        desired = self.desired.get(key)
        actual = self.actual.resources.get(key)
        record = actual.record if actual is not None else None
        digests = desired.secret_digests if desired is not None else (record.secret_digests if record else {})
        protected = desired.protected if desired is not None else bool(record and record.protected)
        extra.setdefault("secret_digests", digests)
        extra.setdefault("protected", protected)
        self.drafts.append(Draft(phase, verb, key, reason, **extra))

    def _settings(self, resource: DesiredResource) -> None:
        """One step per document: the changed keys of every scope it sets, in one PUT body."""
        body: dict[str, dict[str, Any]] = {}
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        for scope, settings in resource.body.items():
            wanted = {key: normalize_setting(value) for key, value in settings.items()}
            current = normalize_settings(self.actual.settings, wanted)
            changed = [key for key in wanted if current.get(key) != wanted[key]]
            if changed:
                body[scope] = {key: settings[key] for key in changed}
                before.update((key, current.get(key)) for key in changed)
                after.update((key, wanted[key]) for key in changed)
        owned = self.actual.resources.get(resource.key)
        if not body:
            if self.adopt and owned is None:
                why = "adopted (--adopt): the target's settings already match"
                self.add(SETTINGS, Verb.ADOPT, resource.key, why, resource_id=SETTINGS_RESOURCE_ID)
            return
        verb = Verb.CREATE if owned is None else Verb.UPDATE  # a first change also takes ownership
        self.add(
            SETTINGS,
            verb,
            resource.key,
            "cluster settings differ",
            changes=build_changes(before, after),
            body=body,
            resource_id=None if owned is None else owned.resource_id,
        )

    def _resource(self, resource: DesiredResource) -> None:
        key = resource.key
        actual = self.actual.resources.get(key)
        if actual is not None and key in self.adopting:
            self.add(
                CREATE_PHASE[key.kind],
                Verb.ADOPT,
                key,
                "adopted (--adopt): exists, not yet managed",
                resource_id=actual.resource_id,
            )
        if key in self.handled:
            return
        if actual is None:
            self._create(resource)
        elif key.kind in DEPENDENT_KINDS:
            self._dependent(resource, actual)
        elif key.kind == Kind.MODEL:
            self._model(resource, actual)
        else:
            self._update(resource, actual)

    def _create(self, resource: DesiredResource) -> None:
        key = resource.key
        verb = Verb.REGISTER if key.kind in (Kind.MODEL, Kind.AGENT) else Verb.CREATE
        changes = tuple(
            masked_change([name], None, value)
            for name, value in sorted(resource.body.items())
            if value is not None
        )
        prefix = "connector.credential." if key.kind == Kind.MODEL else "credential."
        changes += build_secret_changes(prefix, {}, resource.secret_digests)
        self.add(CREATE_PHASE[key.kind], verb, key, "not on the target", changes=changes, body=resource.body)
        if key.kind == Kind.MODEL and resource.deployed:
            self.add(DEPLOYS, Verb.DEPLOY, key, "newly registered, desired deployed")

    def _update(self, resource: DesiredResource, actual: ActualResource) -> bool:
        """Plan the update (or replacement) of an existing resource; True when it is replaced."""
        key = resource.key
        comparison = compare(resource, actual, self.actual)
        changes = comparison.changes + build_protection_change(resource, actual)
        if not changes and not comparison.replace:
            return False
        server_change = bool(comparison.changes) or comparison.replace
        users = self._deployed_users(actual) if key.kind == Kind.CONNECTOR and server_change else []
        if users and plan_blue_green(self, resource, actual, comparison, users):
            return True
        for user in users:
            self._undeploy_for_connector(user, key)
        phase = CREATE_PHASE[key.kind]
        if comparison.replace:
            self._replace(resource, actual, comparison, phase)
        else:
            body = build_update_body(resource, comparison) if comparison.changes else None
            reason = "changed: " + ", ".join(change.path for change in changes)
            self.add(
                phase,
                Verb.UPDATE,
                key,
                reason,
                changes=changes,
                body=body,
                resource_id=actual.resource_id,
                disruptive=bool(users),
            )
        return comparison.replace

    def _replace(
        self, resource: DesiredResource, actual: ActualResource, comparison: Comparison, phase: int
    ) -> None:
        key = resource.key
        reason = "forces replacement: " + "; ".join(comparison.replace_reasons)
        if resource.protected or (actual.record is not None and actual.record.protected):
            raise PlanError(
                f"{key} is protected but this change {reason} (which deletes the current one); "
                "revert the change, or remove metadata.protected first"
            )
        self.add(
            phase, Verb.REPLACE, key, reason, changes=comparison.changes, body=resource.body,
            resource_id=actual.resource_id, disruptive=True,
        )  # fmt: skip
        if key.kind == Kind.MODEL:
            self.replaced_models[key] = actual.resource_id
        if key.kind == Kind.CONNECTOR:
            for model_key in self.models_using(actual):
                if model_key not in self.handled:
                    self.repoint(model_key, key, actual.resource_id)
        elif is_deployed(actual) and key not in self.undeployed:
            why = "the replaced model is undeployed before its deletion"
            self.add(PRUNE_UNDEPLOY, Verb.UNDEPLOY, key, why, resource_id=actual.resource_id)
        why = "replaced: the old resource is deleted"
        self.add(PRUNE_PHASE[key.kind], Verb.DELETE, key, why, resource_id=actual.resource_id)
        if key.kind == Kind.MODEL and resource.deployed:
            self.add(DEPLOYS, Verb.DEPLOY, key, "the replacement model is deployed")

    def repoint(self, model_key: ResourceKey, connector: ResourceKey, old_id: str) -> None:
        if model_key in self.desired and self.desired[model_key].body.get("connector") != connector.name:
            return  # its own update moves it to another connector
        if self._going_away(model_key):
            return
        change = Change("connector", f"id:{old_id}", KNOWN_AFTER_APPLY)
        self.add(
            MODELS,
            Verb.UPDATE,
            model_key,
            f"{connector} is replaced",
            changes=(change,),
            body={"connector": connector.name},
            resource_id=self.actual.resources[model_key].resource_id,
        )

    def _dependent(self, resource: DesiredResource, actual: ActualResource) -> None:
        """A pipeline (updated in place) or an agent (replaced); both follow replaced models."""
        key = resource.key
        comparison = compare_dependent(resource, actual, self.model_names)
        moved = [model for model in models_used(resource) if model in self.replaced_models]
        changes = comparison.changes + tuple(
            Change(f"model_id ({model})", f"id:{self.replaced_models[model]}", KNOWN_AFTER_APPLY)
            for model in moved
        )
        server_change = bool(changes)
        changes += build_protection_change(resource, actual)
        if not changes:
            return
        reasons = list(comparison.replace_reasons)
        if moved:
            reasons.append("moves to the replacement of " + ", ".join(str(model) for model in moved))
        if key.kind == Kind.AGENT and server_change:
            if moved and not comparison.replace_reasons:
                reasons.insert(0, "ML Commons has no agent update")
            self._replace(resource, actual, Comparison(changes, tuple(reasons)), USERS)
            return
        reason = "; ".join(reasons) if reasons else "changed: " + ", ".join(c.path for c in changes)
        self.add(
            USERS, Verb.UPDATE, key, reason, changes=changes,
            body=resource.body if server_change else None, resource_id=actual.resource_id,
        )  # fmt: skip

    def is_protected(self, key: ResourceKey) -> bool:
        desired = self.desired.get(key)
        actual = self.actual.resources.get(key)
        record = actual.record if actual is not None else None
        return bool(desired and desired.protected) or bool(record and record.protected)

    def _model(self, resource: DesiredResource, actual: ActualResource) -> None:
        if not self._update(resource, actual):
            self._deploy_state(resource.key, actual, want=bool(resource.deployed))

    def _deploy_state(self, key: ResourceKey, actual: ActualResource, *, want: bool) -> None:
        state = model_state(actual)
        if key in self.undeployed:
            if want:
                self.add(
                    DEPLOYS,
                    Verb.DEPLOY,
                    key,
                    "redeployed after its connector changed",
                    resource_id=actual.resource_id,
                    disruptive=True,
                )
        elif want and state == "DEPLOY_FAILED":
            self.add(
                DEPLOYS,
                Verb.DEPLOY,
                key,
                "the last deployment failed (DEPLOY_FAILED): redeploy",
                resource_id=actual.resource_id,
            )
        elif want and not is_deployed(actual):
            self.add(
                DEPLOYS,
                Verb.DEPLOY,
                key,
                f"desired deployed, is {state or 'not deployed'}",
                resource_id=actual.resource_id,
            )
        elif not want and is_deployed(actual):
            self.add(
                DEPLOYS,
                Verb.UNDEPLOY,
                key,
                "desired not deployed (deployed: false)",
                resource_id=actual.resource_id,
            )

    def _undeploy_for_connector(self, model_key: ResourceKey, connector: ResourceKey) -> None:
        self.undeployed.add(model_key)
        self.add(
            PREPARE,
            Verb.UNDEPLOY,
            model_key,
            f"{connector} changes and ML Commons refuses to update a connector used by a deployed model",
            resource_id=self.actual.resources[model_key].resource_id,
            disruptive=True,
        )

    def models_using(self, connector: ActualResource) -> list[ResourceKey]:
        if self._users_by_connector is None:
            users: dict[str, list[ResourceKey]] = {}
            for key in sorted(self.actual.resources, key=sort_key):
                if key.kind == Kind.MODEL:
                    connector_id = self.actual.resources[key].document.get("connector_id")
                    if isinstance(connector_id, str):
                        users.setdefault(connector_id, []).append(key)
            self._users_by_connector = users
        return list(self._users_by_connector.get(connector.resource_id, ()))

    def _deployed_users(self, connector: ActualResource) -> list[ResourceKey]:
        return [
            key
            for key in self.models_using(connector)
            if is_deployed(self.actual.resources[key]) and not self._going_away(key)
        ]

    def _going_away(self, key: ResourceKey) -> bool:
        if key in self.desired:
            return False
        record = self.actual.resources[key].record
        return self.prune and not (record is not None and record.protected)

    def _removed(self, actual: ActualResource) -> None:
        key = actual.key
        if key.kind == Kind.CLUSTER_SETTINGS:
            return
        if actual.record is not None and actual.record.protected:
            self.warnings.append(f"{key} is no longer in the manifests but is protected: kept")
            self.kept.append(key)
            self._restore_after_connector(key, actual)
            return
        if not self.prune:
            self.warnings.append(f"{key} is no longer in the manifests: kept (--prune deletes it)")
            self.kept.append(key)
            self._restore_after_connector(key, actual)
            return
        if key.kind == Kind.MODEL and is_deployed(actual):
            self.add(
                PRUNE_UNDEPLOY,
                Verb.UNDEPLOY,
                key,
                "deleting a deployed model: undeploy first",
                resource_id=actual.resource_id,
            )
        self.add(
            PRUNE_PHASE[key.kind],
            Verb.DELETE,
            key,
            "no longer in the manifests (--prune)",
            resource_id=actual.resource_id,
        )

    def _restore_after_connector(self, key: ResourceKey, actual: ActualResource) -> None:
        if key.kind == Kind.MODEL and key in self.undeployed:
            self._deploy_state(key, actual, want=True)
