"""Plan numbering: dependencies found by key lookup equal the every-pair definition."""

import random

from mlgitops.model.resources import Kind, ResourceKey
from mlgitops.plan.actions import Action, Verb
from mlgitops.plan.drafts import Draft
from mlgitops.plan.planning import _number


def _pairwise(drafts: list[Draft], references: dict[ResourceKey, set[ResourceKey]]) -> list[tuple[int, ...]]:
    ordered = [draft for _, draft in sorted(enumerate(drafts), key=lambda item: (item[1].phase, item[0]))]
    result: list[tuple[int, ...]] = []
    for index, draft in enumerate(ordered):
        depends = []
        for earlier_index, earlier in enumerate(ordered[:index]):
            if (
                earlier.key.kind == Kind.CLUSTER_SETTINGS
                or earlier.key == draft.key
                or earlier.key in references.get(draft.key, set())
                or draft.key in references.get(earlier.key, set())
            ):
                depends.append(earlier_index)
        result.append(tuple(depends))
    return result


def test_numbering_matches_the_pairwise_definition() -> None:
    rng = random.Random(7)
    groups = [ResourceKey(Kind.MODEL_GROUP, f"g{i}") for i in range(5)]
    connectors = [ResourceKey(Kind.CONNECTOR, f"c{i}") for i in range(40)]
    models = [ResourceKey(Kind.MODEL, f"m{i}") for i in range(120)]
    settings = ResourceKey(Kind.CLUSTER_SETTINGS, "cluster")
    references = {model: {rng.choice(groups), rng.choice(connectors)} for model in models}
    keys = [settings, *groups, *connectors, *models]
    drafts = [
        Draft(rng.randrange(10), rng.choice(list(Verb)), rng.choice(keys), "reason") for _ in range(600)
    ]
    actions = _number(drafts, references)
    assert [action.depends_on for action in actions] == _pairwise(drafts, references)
    assert [action.index for action in actions] == list(range(len(drafts)))
    assert all(isinstance(action, Action) for action in actions)
