"""StringSubstitutor semantics of connector templates."""

import pytest

from mlgitops.model.templates import PARAMETERS, find_placeholders, substitute


@pytest.mark.parametrize(
    ("template", "values", "expected"),
    [
        ("https://${parameters.host}/v1", {"host": "api.openai.com"}, "https://api.openai.com/v1"),
        ("${parameters.missing}", {}, "${parameters.missing}"),
        ("${parameters.x:-fallback}", {}, "fallback"),
        ("${parameters.x:-fallback}", {"x": "set"}, "set"),
        ("$${parameters.x}", {"x": "set"}, "${parameters.x}"),
        ("${parameters.api}", {"api": "C_${parameters.v}", "v": "2"}, "C_2"),
        ("${parameters.loop}", {"loop": "<${parameters.loop}>"}, "<<${parameters.loop}>>"),
        ("${credential.key}", {"key": "secret"}, "${credential.key}"),
        ("unterminated ${parameters.x", {"x": "1"}, "unterminated ${parameters.x"),
    ],
)
def test_substitute_follows_string_substitutor(template: str, values: dict[str, str], expected: str) -> None:
    assert substitute(template, PARAMETERS, values) == expected


def test_find_placeholders_reports_namespace_name_and_default() -> None:
    found = find_placeholders("${parameters.a} $${parameters.skip} ${credential.b:-d}")
    assert [(p.namespace, p.name, p.default) for p in found] == [
        ("parameters", "a", None),
        ("credential", "b", "d"),
    ]
    assert found[1].text == "${credential.b:-d}"


def test_find_placeholders_filters_by_namespace() -> None:
    assert [p.name for p in find_placeholders("${parameters.a}${credential.b}", "credential")] == ["b"]
