"""The executor's per-call shortcuts give what the plain forms give, on many generated inputs."""

import contextlib
import json
import math
import random
from collections.abc import Mapping
from typing import Any

import executorkit as kit
import pytest

from mlgitops.engine.executor import jsonpath
from mlgitops.engine.executor.javafmt import escape_json, is_json_container, to_float32
from mlgitops.engine.executor.params import prepare_request_parameters, stringify
from mlgitops.engine.executor.pinning import RemotePools
from mlgitops.engine.executor.postprocess import postprocess
from mlgitops.engine.executor.predict import PreparedConnector
from mlgitops.errors import EngineError
from mlgitops.standin import StandinServer


def reference_read_path(document: Any, path: str) -> Any:
    """Jayway's walk, depth first: the definition the level-by-level walk must match."""
    steps = jsonpath.parse_path(path)

    def child(node: Any, step: object) -> Any:
        if isinstance(step, int) and isinstance(node, list) and -len(node) <= step < len(node):
            return node[step]
        if isinstance(step, str) and isinstance(node, dict) and step in node:
            return node[step]
        raise jsonpath.PathNotFoundError(step)

    if all(step is not jsonpath._WILDCARD for step in steps):
        for step in steps:
            document = child(document, step)
        return document
    out: list[Any] = []

    def walk(node: Any, rest: list[object]) -> None:
        if not rest:
            out.append(node)
        elif rest[0] is jsonpath._WILDCARD:
            children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else []
            for item in children:
                walk(item, rest[1:])
        else:
            with contextlib.suppress(jsonpath.PathNotFoundError):
                walk(child(node, rest[0]), rest[1:])

    walk(document, steps)
    return out


def random_document(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.choice("dlsn" if depth < 4 else "sn")
    if kind == "d":
        return {rng.choice("abc"): random_document(rng, depth + 1) for _ in range(rng.randint(0, 3))}
    if kind == "l":
        return [random_document(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return rng.choice(["x", 1, 2.5, None, True])


def random_path(rng: random.Random) -> str:
    steps = [rng.choice([".a", ".b", ".c", "[*]", ".*", "[0]", "[1]", "[-1]", "['a']"]) for _ in range(3)]
    return "$" + "".join(steps[: rng.randint(0, 3)])


def test_json_paths_match_the_depth_first_walk() -> None:
    rng = random.Random(7)
    for _ in range(5000):
        document, path = random_document(rng), random_path(rng)
        try:
            expected: Any = reference_read_path(document, path)
        except jsonpath.PathNotFoundError:
            expected = jsonpath.PathNotFoundError
        try:
            got: Any = jsonpath.read_path(document, path)
        except jsonpath.PathNotFoundError:
            got = jsonpath.PathNotFoundError
        assert got == expected, (document, path)


def reference_request_parameters(raw: Mapping[str, Any], connector: Mapping[str, Any]) -> dict[str, str]:
    """Stringify, then escape whatever does not parse as a JSON array or object (or is listed raw)."""
    strings = {str(key): stringify(value) for key, value in raw.items()}
    listed = strings.get("no_escape_params", str(connector.get("no_escape_params", "")))
    raw_names = {name.strip() for name in listed.split(",") if name.strip()}
    return {
        key: value if key in raw_names or is_json_container(value) else escape_json(value)
        for key, value in strings.items()
    }


def random_value(rng: random.Random) -> Any:
    return rng.choice(
        [
            "plain",
            " [1, 2] ",
            '{"a": 1}',
            "[not json",
            'quote " and \\ and \n',
            ["a", 'b"c', {"k": [1.5, None]}],
            {"nested": {"x": [math.nan, math.inf]}},
            [],
            {},
            3,
            2.5,
            True,
            None,
            "é中",
        ]
    )


def test_request_parameters_match_the_plain_form() -> None:
    rng = random.Random(11)
    for _ in range(3000):
        raw = {
            rng.choice(["input", "texts", "model", "x"]): random_value(rng) for _ in range(rng.randint(0, 4))
        }
        connector: dict[str, Any] = {}
        if rng.random() < 0.3:
            raw["no_escape_params"] = rng.choice(["input", "input, texts", "", " x ,model"])
        if rng.random() < 0.3:
            connector["no_escape_params"] = rng.choice(["texts", "input,x"])
        assert prepare_request_parameters(raw, connector) == reference_request_parameters(raw, connector)


def test_a_post_process_function_with_a_placeholder_follows_each_request(
    standin: StandinServer, settings: dict[str, Any]
) -> None:
    connector = kit.openai_embedding(standin.url)
    connector["actions"][0]["post_process_function"] = "connector.post_process.${parameters.kind}.embedding"
    prepared = PreparedConnector(connector, kit.OPENAI_CREDS)
    with RemotePools() as pools:
        embedding = {"parameters": {"input": ["a"], "kind": "openai"}}
        first = prepared.run(embedding, settings=settings, pools=pools)
        cohere = {"parameters": {"input": ["a"], "kind": "cohere"}}  # reads $.embeddings: not there
        with pytest.raises(EngineError, match="Post process function input is not a List"):
            prepared.run(cohere, settings=settings, pools=pools)
    assert first["inference_results"][0]["output"][0]["name"] == "sentence_embedding"


@pytest.mark.parametrize("sizes", [(3,), (8, 8), (1, 60, 2), (50, 50)])
def test_embeddings_are_rounded_vector_by_vector(sizes: tuple[int, ...]) -> None:
    rng = random.Random(sum(sizes))
    vectors = [[rng.uniform(-2, 2) for _ in range(size)] for size in sizes]
    answer = json.dumps({"data": [{"embedding": vector} for vector in vectors]})
    tensors = postprocess("connector.post_process.openai.embedding", answer, {})
    assert [tensor["data"] for tensor in tensors] == [[to_float32(v) for v in vector] for vector in vectors]
    assert [tensor["shape"] for tensor in tensors] == [[size] for size in sizes]
