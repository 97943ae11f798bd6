"""${vars.NAME} substitution."""

from manifest_helpers import CONNECTOR, Loader, messages

from mlgitops.manifests.variables import substitute_variables


def test_exact_placeholder_takes_the_variable_type() -> None:
    data, undefined = substitute_variables(
        {"a": "${vars.flag}", "b": ["${vars.list}"]}, {"flag": True, "list": [1]}
    )
    assert data == {"a": True, "b": [[1]]}
    assert undefined == []


def test_placeholders_inside_text_are_formatted() -> None:
    variables = {"scheme": "http", "port": 8765, "on": False, "obj": {"a": 1}}
    data, _ = substitute_variables("${vars.scheme}://h:${vars.port}/${vars.on}/${vars.obj}", variables)
    assert data == 'http://h:8765/false/{"a":1}'


def test_double_dollar_escapes_a_placeholder() -> None:
    data, undefined = substitute_variables("$${vars.x} and ${vars.x}", {"x": "1"})
    assert data == "${vars.x} and 1"
    assert undefined == []


def test_undefined_variables_are_reported_with_their_path() -> None:
    _, undefined = substitute_variables({"spec": {"url": "http://${vars.hots}/x"}}, {"host": "h"})
    assert undefined == [(("spec", "url"), "hots")]


def test_undefined_variable_is_a_located_error_with_a_suggestion(load_text: Loader) -> None:
    text = CONNECTOR.replace("model: gpt-4o-mini", "model: ${vars.modle}")
    result = load_text(text, variables={"model": "gpt-4o"})
    assert not result.ok
    issue = result.errors[0]
    assert (issue.line, issue.column) == (10, 5)
    assert "undefined variable '${vars.modle}'; did you mean 'model'?" in issue.message
    assert messages(result) == [issue.message]


def test_variables_fill_before_validation(load_text: Loader) -> None:
    text = CONNECTOR.replace("https://api.openai.com", "${vars.base}")
    assert load_text(text, variables={"base": "https://api.openai.com"}).ok
    result = load_text(text, variables={"base": "https://evil.example.com"})
    assert "matches no trusted_connector_endpoints_regex" in messages(result)[0]
