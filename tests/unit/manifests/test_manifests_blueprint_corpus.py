"""The 88 complete connector bodies of ML Commons' blueprint documents, against a real 2.19.1 node.

``tests/data/blueprints/mlcommons`` holds every ``connectors/_create`` body (and inline connector of a
``models/_register``) that parses as JSON in ``docs/remote_inference_blueprints`` (6 more are elided
with ``...``); ``mlcommons-real-2.19.1.json`` records how a real OpenSearch 2.19.1 + ML Commons
2.19.1.0 node answered creating each one with its placeholders filled in.
"""

import json
import re
from pathlib import Path
from typing import Any

import pytest

import blueprintkit
from mlgitops.manifests import ManifestSet, load_manifests
from mlgitops.manifests.positions import format_path

REAL = json.loads(blueprintkit.REAL_ANSWERS.read_text(encoding="utf-8"))["answers"]
STEMS = blueprintkit.stems()
# How the real node words each refusal, and the words validate's error uses for it.
REASONS = {
    "Connector URL is not matching the trusted connector endpoint regex": (
        "matches no trusted_connector_endpoints_regex"
    ),
    "Missing credential": "(ML Commons: Missing credential)",
    "Missing region": "(ML Commons: Missing region)",
}
# A simpler oracle than the validator's: anything in angle brackets with a capital letter or a '|',
# and {{name}} in a URL or credential.
ANGLE = re.compile(r"<[^<>\"]*[A-Z|][^<>\"]*>")


def validate(tmp_path: Path, stem: str, *, filled: bool) -> ManifestSet:
    path = tmp_path / "connector.yaml"
    path.write_text(json.dumps(blueprintkit.document(stem, filled=filled), indent=2), encoding="utf-8")
    return load_manifests([path], allow_plaintext_credentials=True)


def test_the_corpus_is_complete_and_every_body_has_a_real_answer() -> None:
    assert len(STEMS) == 88
    assert sorted(REAL) == STEMS
    for stem in STEMS:
        assert blueprintkit.source_of(stem).startswith("docs/remote_inference_blueprints/")
    assert len(blueprintkit.INDEX["skipped_not_json"]) == 6


@pytest.mark.parametrize("stem", STEMS)
def test_filled_in_body_errors_exactly_when_the_real_node_refuses_it(tmp_path: Path, stem: str) -> None:
    result = validate(tmp_path, stem, filled=True)
    answer = REAL[stem]
    if answer["status"] == 200:
        assert not result.errors, [e.message for e in result.errors]
        return
    wording = next(words for reason, words in REASONS.items() if answer["reason"].startswith(reason))
    assert any(wording in error.message for error in result.errors), [e.message for e in result.errors]


def _strings(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], str]]:
    if isinstance(value, dict):
        return [item for key, child in value.items() for item in _strings(child, (*path, key))]
    if isinstance(value, list):
        return [item for index, child in enumerate(value) for item in _strings(child, (*path, index))]
    return [(path, value)] if isinstance(value, str) else []


@pytest.mark.parametrize("stem", STEMS)
def test_pasted_body_reports_every_placeholder_where_it_is_written(tmp_path: Path, stem: str) -> None:
    result = validate(tmp_path, stem, filled=False)
    located = {issue.json_path for issue in result.errors}
    for path, text in _strings(blueprintkit.body(stem)):
        mustache = "{{" in text and (path[-1] == "url" or path[:1] == ("credential",))
        if ANGLE.search(text) or mustache:
            assert format_path(("spec", *path)) in located, (path, text)


def test_later_built_ins_warn_that_predict_fails_on_2_19(tmp_path: Path) -> None:
    result = validate(tmp_path, "bedrock_connector_nova_multimodal_model_blueprint--1", filled=True)
    assert result.ok
    messages = [w.message for w in result.warnings if "built-in of ML Commons" in w.message]
    assert messages == [
        "pre_process_function 'connector.pre_process.bedrock.nova.embedding' is a built-in of ML Commons "
        "3.5+: 2.19 creates the connector, but every predict fails there (2.19 runs an unknown name as a "
        "Painless script); target 3.5+ or write the processing as a Painless script",
        "post_process_function 'connector.post_process.bedrock.nova.embedding' is a built-in of ML Commons "
        "3.3.2+: 2.19 creates the connector, but every predict fails there (2.19 runs an unknown name as a "
        "Painless script); target 3.3.2+ or write the processing as a Painless script",
    ]


def test_secrets_manager_credential_warns_and_names_the_target_that_resolves_it(tmp_path: Path) -> None:
    result = validate(tmp_path, "openai_connector_embedding_blueprint--2", filled=True)
    assert result.ok
    (warning,) = [w for w in result.warnings if "Secrets Manager" in w.message]
    assert warning.json_path == "spec.actions[0].headers.Authorization"
    assert warning.message.startswith("${credential.secretArn.filled-in} reads key 'filled-in' of the AWS")
    assert "only Amazon OpenSearch Service (aws+https:// targets) resolves it" in warning.message
