"""Equal connector bodies share their findings within a load, each reported in its own document."""

from pathlib import Path

from manifest_helpers import CONNECTOR, Loader

from mlgitops.manifests import load_manifests
from mlgitops.manifests.connector_checks import ConnectorContext, TrustedEndpoints, connector_findings
from mlgitops.manifests.connector_memo import ConnectorMemo, memo_key
from mlgitops.model.resources import ConnectorDocument, ConnectorSpec

UNTRUSTED = CONNECTOR.replace(
    "https://api.openai.com/v1/chat/completions", "https://evil.example/${parameters.x}"
)


def named(index: int, text: str = UNTRUSTED) -> str:
    return text.replace("name: openai", f"name: openai-{index}").replace(
        "name: OpenAI", f"name: OpenAI {index}"
    )


def spec_of(text: str, tmp_path: Path) -> ConnectorSpec:
    path = tmp_path / "one.yaml"
    path.write_text(text)
    (doc,) = load_manifests([path], allow_plaintext_credentials=True).documents
    assert isinstance(doc.document, ConnectorDocument)
    return doc.document.spec


def context(spec: ConnectorSpec, required: frozenset[str] = frozenset()) -> ConnectorContext:
    return ConnectorContext(spec, ("spec",), TrustedEndpoints(), False, False, required)


def test_connectors_differing_in_name_only_are_checked_once(tmp_path: Path) -> None:
    memo = ConnectorMemo()
    specs = [spec_of(named(index), tmp_path) for index in range(3)]
    found = [memo.findings(context(spec)) for spec in specs]
    assert len(memo) == 1
    assert found[0] and found == [connector_findings(context(spec)) for spec in specs]


def test_each_document_gets_its_own_located_issues(load_text: Loader) -> None:
    text = "---\n".join(named(index) for index in range(3))
    result = load_text(text)
    untrusted = [issue for issue in result.errors if "matches no trusted" in issue.message]
    url_lines = [
        number for number, line in enumerate(text.splitlines(), 1) if line.strip().startswith("url:")
    ]
    assert [(issue.line, issue.document) for issue in untrusted] == list(
        zip(url_lines, range(3), strict=True)
    )
    assert len({issue.line for issue in result.warnings}) == 3


def test_what_the_checks_read_besides_the_body_is_part_of_the_key(tmp_path: Path) -> None:
    memo = ConnectorMemo()
    spec = spec_of(named(0), tmp_path)
    supplied = memo.findings(context(spec, frozenset({"x"})))
    missing = memo.findings(context(spec))
    assert len(memo) == 2
    assert any("x} has no connector parameter" in message for _, message, _ in missing)
    assert not any("x} has no connector parameter" in message for _, message, _ in supplied)
    plaintext = ConnectorContext(spec, ("spec",), TrustedEndpoints(), True, False)
    assert memo_key(plaintext) != memo_key(context(spec))


def test_a_body_whose_json_text_could_stand_for_another_is_checked_alone(tmp_path: Path) -> None:
    """Non-finite floats all serialise as null, so such bodies never share findings."""
    texts = [named(0).replace("model: gpt-4o-mini", f"x: {value}") for value in (".nan", ".inf", "text")]
    specs = [spec_of(text, tmp_path) for text in texts]
    memo = ConnectorMemo()
    found = [memo.findings(context(spec)) for spec in specs]
    assert [memo_key(context(spec)) is None for spec in specs] == [True, True, False]
    urls = [next(message for _, message, _ in items if "matches no trusted" in message) for items in found]
    assert ["/NaN'" in urls[0], "/Infinity'" in urls[1], "/text'" in urls[2]] == [True, True, True]


def test_a_body_only_check_runs_once_per_equal_body(tmp_path: Path) -> None:
    memo = ConnectorMemo()
    specs = [spec_of(named(index), tmp_path) for index in range(3)]
    other = spec_of(named(3).replace("gpt-4o-mini", "gpt-4o"), tmp_path)
    calls: list[ConnectorSpec] = []

    def check(spec: ConnectorSpec) -> str:
        calls.append(spec)
        return str(spec.parameters)

    unseen = memo.of_body(specs[0], check)  # not keyed by findings yet: checked on its own
    for spec in (*specs, other):
        memo.findings(context(spec))
    shared = [memo.of_body(spec, check) for spec in (*specs, other, other)]
    assert shared == [check(spec) for spec in (*specs, other, other)]
    assert unseen == shared[0]
    assert len(calls) == 1 + 2 + 5  # the unseen call, one per distinct body, then the direct calls
