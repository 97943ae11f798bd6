"""Semantic checks of one connector body (standalone or inline), following ML Commons 2.19."""

import difflib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from mlgitops.manifests.issues import Severity
from mlgitops.manifests.positions import JsonPath
from mlgitops.manifests.raw_checks import blueprint_placeholder, literal_credential_message
from mlgitops.manifests.redaction import SECRET_HEADERS, display_url, looks_secret
from mlgitops.model import addresses, javaregex, mlcommons
from mlgitops.model.resources import ConnectorAction, ConnectorSpec, EnvRef, FileRef
from mlgitops.model.templates import CREDENTIAL, PARAMETERS, find_placeholders, substitute

_TO_STRING = ".toString()"
# Auth scheme names, not secrets (bedrock_claude3_chat.json has "auth": "Sig_V4").
_NOT_SECRET_VALUES = frozenset(
    {"sigv4", "awssigv4", "basic", "bearer", "digest", "none", "oauth", "oauth2", "apikey", "iam", "ntlm"}
)


@dataclass(frozen=True)
class TrustedEndpoints:
    """The desired ``trusted_connector_endpoints_regex`` and where it comes from."""

    patterns: tuple[str, ...] = mlcommons.DEFAULT_TRUSTED_ENDPOINTS_2_19
    source: str = (
        "the ML Commons 2.19 defaults (no ClusterSettings manifest sets "
        "plugins.ml_commons.trusted_connector_endpoints_regex)"
    )


Finding = tuple[JsonPath, str, Severity]  # where in the document, what, how bad


def _finding(path: JsonPath, message: str, severity: Severity = "error") -> Finding:
    return path, message, severity


@dataclass(frozen=True)
class ConnectorContext:
    """One connector body to check and where it sits in its document.

    The document itself is not here: what is found depends on the body and the settings only, so
    equal bodies share their findings (``connector_memo``).
    """

    spec: ConnectorSpec
    prefix: JsonPath
    trusted: TrustedEndpoints | None  # None: the desired settings are unknown (broken ClusterSettings)
    allow_plaintext: bool
    private_ip_enabled: bool = False
    required_inputs: frozenset[str] = frozenset()  # predict parameters every using Model's interface requires


def parameter_text(value: Any) -> str:
    """A connector parameter as ML Commons stores it: strings as-is, anything else compact JSON."""
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def connector_findings(ctx: ConnectorContext) -> tuple[Finding, ...]:
    """Every semantic problem of one connector body, located by path inside its document."""
    found = list(_credential_values(ctx))
    found.extend(_aws_sigv4(ctx))
    found.extend(_client_config(ctx))
    found.extend(_parameter_values(ctx))
    for index, action in enumerate(ctx.spec.actions):
        at = (*ctx.prefix, "actions", index)
        found.extend(_action(ctx, action, at))
        found.extend(_templates(ctx, action, at))
    return tuple(found)


def _credential_values(ctx: ConnectorContext) -> Iterator[Finding]:
    if ctx.allow_plaintext:
        return
    for name, value in ctx.spec.credential.items():
        if isinstance(value, EnvRef | FileRef) or blueprint_placeholder(str(value), mustache=True):
            continue  # a blueprint placeholder is reported where it is written (raw_checks)
        yield _finding((*ctx.prefix, "credential", name), literal_credential_message(name))


def _aws_sigv4(ctx: ConnectorContext) -> Iterator[Finding]:
    spec = ctx.spec
    if spec.protocol != "aws_sigv4":
        return
    missing = [key for key in ("access_key", "secret_key") if key not in spec.credential]
    if missing:
        message = (
            f"aws_sigv4 connector needs credential {' and '.join(missing)} (ML Commons: Missing credential)"
        )
        yield _finding((*ctx.prefix, "credential"), message)
    for key, label in (("service_name", "service name"), ("region", "region")):
        if key not in spec.parameters and key not in spec.credential:
            message = f"aws_sigv4 connector needs parameters.{key} (ML Commons: Missing {label})"
            yield _finding((*ctx.prefix, "parameters"), message)


def _client_config(ctx: ConnectorContext) -> Iterator[Finding]:
    config = ctx.spec.client_config
    if config is None:
        return
    at = (*ctx.prefix, "client_config")
    policy = config.retry_backoff_policy
    if policy is not None and policy.lower() not in mlcommons.RETRY_BACKOFF_POLICIES:
        allowed = ", ".join(sorted(mlcommons.RETRY_BACKOFF_POLICIES))
        message = f"Unsupported retry backoff policy '{policy}' (one of {allowed})"
        yield _finding((*at, "retry_backoff_policy"), message)
    if config.skip_ssl_verification is not None:
        message = "client_config.skip_ssl_verification is ML Commons 3.5+; 2.19 ignores it"
        yield _finding((*at, "skip_ssl_verification"), message, "warning")


def _action(ctx: ConnectorContext, action: ConnectorAction, at: JsonPath) -> Iterator[Finding]:
    method = action.method.upper()
    if method in mlcommons.PREDICT_METHODS_3_5 - mlcommons.PREDICT_METHODS_2_19:
        message = f"method {action.method}: ML Commons 2.19 calls only POST or GET ({method} needs 3.5+)"
        yield _finding((*at, "method"), message)
    elif method not in mlcommons.PREDICT_METHODS_2_19:
        yield _finding((*at, "method"), f"method {action.method}: ML Commons calls only POST or GET")
    values = {key: parameter_text(value) for key, value in ctx.spec.parameters.items()}
    url = substitute(action.url, PARAMETERS, values)
    yield from _url_trusted(ctx, url, lambda: display_url(action.url, values), at)
    yield from _private_host(ctx, url, at)
    yield from _functions(action, at)
    yield from _headers(ctx, action, at)
    if action.supports_structured_output is not None:
        message = "supports_structured_output is ML Commons 3.7+; 2.19 ignores it"
        yield _finding((*at, "supports_structured_output"), message, "warning")
    if action.name is not None:
        yield _finding((*at, "name"), "action name is ML Commons 3.5+; 2.19 ignores it", "warning")


def _url_trusted(
    ctx: ConnectorContext, url: str, shown_url: Callable[[], str], at: JsonPath
) -> Iterator[Finding]:
    """Create-time check (section 2.1): the URL, filled from connector parameters, fully matches a regex.

    ``shown_url``: the URL as a message may quote it, made only when there is a message.
    """
    if ctx.trusted is None:
        return
    outcome = javaregex.match_any(ctx.trusted.patterns, url)
    if outcome.matched and not outcome.timed_out:
        return
    shown = shown_url()
    yield from _slow_patterns(ctx.trusted.source, outcome.timed_out, (shown, at))
    if outcome.matched or outcome.timed_out:
        return
    if blueprint_placeholder(url, mustache=True):
        return  # reported where the placeholder is written: the URL or the parameter it comes from
    hint = ""
    if find_placeholders(url, PARAMETERS):
        hint = " (a placeholder is left: only connector parameters are substituted at create)"
    message = (
        f"connector URL '{shown}' matches no trusted_connector_endpoints_regex of "
        f"{ctx.trusted.source}{hint}; "
        "ML Commons rejects it: Connector URL is not matching the trusted connector endpoint regex"
    )
    yield _finding((*at, "url"), message)


def _slow_patterns(source: str, patterns: tuple[str, ...], url: tuple[str, JsonPath]) -> Iterator[Finding]:
    """An error at the URL for each trusted regex whose match against it ran out of time."""
    shown, at = url
    for pattern in patterns:
        message = (
            f"trusted_connector_endpoints_regex '{pattern}' of {source} ran past its "
            f"{javaregex.MATCH_BUDGET_SECONDS:g} s matching budget on connector URL '{shown}': it "
            "backtracks catastrophically (nested quantifiers such as (a|aa)+ or (a+)+), and ML Commons "
            "would hang the same way; rewrite it without nested repetition"
        )
        yield _finding((*at, "url"), message)


def _private_host(ctx: ConnectorContext, url: str, at: JsonPath) -> Iterator[Finding]:
    """Predict-time check (section 2.7), for literal hosts only: no DNS lookups while validating."""
    if ctx.private_ip_enabled:
        return
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return
    if host is None or not _is_private(host):
        return
    message = (
        f"host {host} is a private address: ML Commons refuses it at predict unless "
        "plugins.ml_commons.connector.private_ip_enabled is true (2.15+)"
    )
    yield _finding((*at, "url"), message, "warning")


@lru_cache(maxsize=1024)  # thousands of connectors share a few hosts
def _is_private(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return addresses.is_special_use(host)
    except ValueError:
        return False


def _functions(action: ConnectorAction, at: JsonPath) -> Iterator[Finding]:
    checks = (
        ("pre_process_function", action.pre_process_function, mlcommons.PRE_PROCESS_PREFIX,
         mlcommons.BUILTIN_PRE_PROCESS_FUNCTIONS),
        ("post_process_function", action.post_process_function, mlcommons.POST_PROCESS_PREFIX,
         mlcommons.BUILTIN_POST_PROCESS_FUNCTIONS),
    )  # fmt: skip
    for field_name, value, prefix, builtins in checks:
        if value is None or not value.startswith(prefix) or "${" in value or value in builtins:
            continue
        later = mlcommons.LATER_BUILTIN_FUNCTIONS.get(value)
        if later is not None:
            message = (
                f"{field_name} '{value}' is a built-in of ML Commons {later}+: 2.19 creates the connector, "
                "but every predict fails there (2.19 runs an unknown name as a Painless script); "
                f"target {later}+ or write the processing as a Painless script"
            )
            yield _finding((*at, field_name), message, "warning")
            continue
        close = difflib.get_close_matches(value, sorted(builtins), n=1, cutoff=0.5)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        message = f"unknown built-in {field_name} '{value}' for ML Commons 2.19{hint}"
        yield _finding((*at, field_name), message)


def _headers(ctx: ConnectorContext, action: ConnectorAction, at: JsonPath) -> Iterator[Finding]:
    seen: dict[str, str] = {}
    for name, value in (action.headers or {}).items():
        lowered = name.lower()
        if looks_secret(name) and not ctx.allow_plaintext and not find_placeholders(value):
            message = (
                f"header '{name}' holds a literal value: put the secret under credential and write "
                "${credential.NAME} so no secret lives in git"
            )
            severity: Severity = "error" if lowered in SECRET_HEADERS else "warning"
            yield _finding((*at, "headers", name), message, severity)
        if lowered in seen:
            message = f"header '{name}' is given twice (also as '{seen[lowered]}'; header names ignore case)"
            yield _finding((*at, "headers", name), message)
        seen.setdefault(lowered, name)


def _templates(ctx: ConnectorContext, action: ConnectorAction, at: JsonPath) -> Iterator[Finding]:
    fields: list[tuple[JsonPath, str, bool]] = [((*at, "url"), action.url, False)]
    if action.request_body is not None:
        fields.append(((*at, "request_body"), action.request_body, False))
    fields.extend(((*at, "headers", k), v, True) for k, v in (action.headers or {}).items())
    supplied = _supplied_parameters(ctx.spec, action, ctx.required_inputs)
    for path, template, is_header in fields:
        yield from _credential_placeholders(ctx, path, template, allowed=is_header)
        if supplied is not None:
            yield from _parameter_placeholders(path, template, supplied)


def _parameter_values(ctx: ConnectorContext) -> Iterator[Finding]:
    for key, value in ctx.spec.parameters.items():
        if not isinstance(value, str):
            continue
        path = (*ctx.prefix, "parameters", key)
        yield from _credential_placeholders(ctx, path, value, allowed=False)
        if _secret_parameter(key, value) and not ctx.allow_plaintext and not find_placeholders(value):
            message = (
                f"parameter '{key}' looks like a secret and holds a literal value: connector parameters "
                "are stored in clear and returned by GET; put it under credential and use it in a header"
            )
            yield _finding(path, message, "warning")


def _secret_parameter(key: str, value: str) -> bool:
    """A secret-looking name holding what may be a secret: not ``auth`` alone, not an auth scheme word."""
    if not value or key.lower() == "auth" or not looks_secret(key):
        return False
    return re.sub(r"[-_ ]", "", value.lower()) not in _NOT_SECRET_VALUES


def _supplied_parameters(
    spec: ConnectorSpec, action: ConnectorAction, required: frozenset[str]
) -> set[str] | None:
    """Parameters known before predict; None when a Painless pre-process may produce any.

    ``required``: parameters the using Models' ``interface.input`` requires (ML Commons validates the
    predict input against it, so a request without them never reaches the connector).
    """
    function = action.pre_process_function
    if function is not None and function not in mlcommons.PRE_PROCESS_OUTPUT_PARAMETERS:
        return None
    produced = mlcommons.PRE_PROCESS_OUTPUT_PARAMETERS.get(function or "", frozenset())
    return set(spec.parameters) | set(produced) | set(required)


def _parameter_placeholders(path: JsonPath, template: str, supplied: set[str]) -> Iterator[Finding]:
    for placeholder in find_placeholders(template, PARAMETERS):
        name = placeholder.name.removesuffix(_TO_STRING)
        if placeholder.default is not None or name in supplied:
            continue
        message = (
            f"{placeholder.text} has no connector parameter and no ':-' default; "
            "the predict request must supply it"
        )
        yield _finding(path, message, "warning")


def _secret_arn(ctx: ConnectorContext, name: str) -> bool:
    """``secretArn.KEY`` with a ``secretArn`` credential: Amazon OpenSearch Service's Secrets Manager form."""
    arn = mlcommons.SECRET_ARN_CREDENTIAL
    return name.startswith(arn + ".") and len(name) > len(arn) + 1 and arn in ctx.spec.credential


def _secret_arn_message(text: str, name: str) -> str:
    key = name.split(".", 1)[1]
    return (
        f"{text} reads key '{key}' of the AWS Secrets Manager secret in credential.secretArn: only Amazon "
        "OpenSearch Service (aws+https:// targets) resolves it, through credential.roleArn; self-managed "
        "OpenSearch and the local engine create the connector but send the placeholder text unresolved"
    )


def _credential_placeholders(
    ctx: ConnectorContext, path: JsonPath, template: str, *, allowed: bool
) -> Iterator[Finding]:
    defined = sorted(ctx.spec.credential)
    for placeholder in find_placeholders(template, CREDENTIAL):
        if _secret_arn(ctx, placeholder.name):
            yield _finding(path, _secret_arn_message(placeholder.text, placeholder.name), "warning")
        elif placeholder.name not in ctx.spec.credential:
            close = difflib.get_close_matches(placeholder.name, defined, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            message = f"{placeholder.text} is not defined in credential ({hint}defined: {', '.join(defined)})"
            yield _finding(path, message)
        if not allowed:
            message = (
                f"{placeholder.text} is never filled here: ML Commons substitutes credentials only in headers"
            )
            yield _finding(path, message)
