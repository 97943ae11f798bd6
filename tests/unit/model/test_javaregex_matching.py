"""Java regex full-match semantics used for trusted connector endpoints."""

import pytest

from mlgitops.model.javaregex import JavaRegexError, compile_java, full_match, matches_any

BEDROCK = r"^https://bedrock-runtime\..*[a-z0-9-]\.amazonaws\.com/.*$"


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        (BEDROCK, "https://bedrock-runtime.us-east-1.amazonaws.com/model/x/invoke", True),
        (BEDROCK, "https://bedrock-runtime.<PLEASE ADD YOUR AWS REGION HERE>.amazonaws.com/model", False),
        (r"^https://api\.openai\.com/.*$", "https://api.openai.com.evil.com/v1", False),
        (r"https://api\.openai\.com/v1", "https://api.openai.com/v1/extra", False),
        (r"\Qhttps://a.b/\E.*", "https://a.b/x", True),
        (r"\Qhttps://a.b/\E.*", "https://aXb/x", False),
        (r"^https://(?<host>[a-z]+)\.example\.com/.*$", "https://api.example.com/", True),
        (r"^https://\p{Alpha}+\.com/$", "https://abc.com/", True),
        (r"^https://\p{Alpha}+\.com/$", "https://a1c.com/", False),
        (r"^https://[\p{Alpha}.]+/.*$", "https://api.example.com/v1", True),
        (r"^https://[\p{Alnum}-]+\.example\.com/.*$", "https://a_b.example.com/", False),
        (r"^https://a\.com/.*\z", "https://a.com/x", True),
        (r"^https://a\.com/.*\Z", "https://a.com/x", True),
        (r"^https://a\.com/\\p{Alpha}$", "https://a.com/\\p{Alpha}", True),
        (r"^https://[--a]\.com$", "https://-.com", True),
    ],
)
def test_full_match(pattern: str, text: str, expected: bool) -> None:
    assert full_match(pattern, text) is expected


def test_invalid_pattern_raises_and_never_matches() -> None:
    with pytest.raises(JavaRegexError):
        compile_java("^https://(unclosed$")
    assert matches_any(["^https://(unclosed$", r"^https://ok\.com/.*$"], "https://ok.com/x")
    assert not matches_any(["^https://(unclosed$"], "https://ok.com/x")


def test_unsupported_class_is_reported() -> None:
    with pytest.raises(JavaRegexError, match="unsupported character class"):
        compile_java(r"\p{InGreek}")


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        (r"^https://(?P<h>a)\.com/.*$", "is Python syntax"),
        (r"^https://[a-z/.*$", "unclosed character class"),
        (r"^https://[a-z&&[^b]]\.com$", "nested classes and && inside"),
    ],
)
def test_syntax_python_and_java_read_differently_is_reported(pattern: str, reason: str) -> None:
    with pytest.raises(JavaRegexError, match=reason):
        compile_java(pattern)
