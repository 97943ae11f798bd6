"""Route one stand-in request: authenticate (Bearer key or SigV4) and build the provider's answer."""

import functools
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mlgitops.standin import models
from mlgitops.standin.sigv4 import SignatureError, verify_sigv4


@dataclass(frozen=True)
class Credentials:
    """What the stand-in accepts: one API key per Bearer provider and one AWS key pair."""

    api_keys: Mapping[str, str] = field(repr=False)
    aws_access_key: str
    aws_secret_key: str = field(repr=False)


@dataclass(frozen=True)
class Reply:
    """Status, JSON body and extra headers of an answer."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


_BEARER_ROUTES: dict[str, tuple[str, Callable[[dict[str, Any], int], Any]]] = {
    "/v1/chat/completions": ("openai", lambda body, _dim: models.openai_chat(body)),
    "/v1/embeddings": ("openai", models.openai_embeddings),
    "/v1/embed": ("cohere", models.cohere_embed),
    "/v1/chat": ("cohere", lambda body, _dim: models.cohere_chat(body)),
    "/v1/rerank": ("cohere", models.cohere_rerank),
}
_BEDROCK = re.compile(r"/model/(?P<model>[^/]+)/invoke")
_SAGEMAKER = re.compile(r"/endpoints/(?P<name>[^/]+)/invocations")


def _bearer_error(provider: str, presented: str) -> Reply:
    if provider == "openai":
        message = (
            f"Incorrect API key provided: {presented}. You can find your API key at the stand-in's docs."
        )
        error = {
            "message": message,
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_api_key",
        }
        return Reply(401, {"error": error})
    return Reply(401, {"message": "invalid api token"})


def _aws_error(status: int, message: str, error_type: str) -> Reply:
    return Reply(
        status, {"message": message}, {"x-amzn-ErrorType": f"{error_type}:http://internal.amazon.com/"}
    )


def _parse_json(body: bytes) -> Any:
    return json.loads(body.decode("utf-8")) if body.strip() else None


def _parse_json_or_none(body: bytes) -> Any:
    try:
        return _parse_json(body)
    except ValueError:
        return None


def route(
    method: str, raw_path: str, headers: Mapping[str, str], body: bytes, creds: Credentials, dimension: int
) -> Reply:
    """The answer to one request; ``headers`` has lower-case names."""
    path = raw_path.split("?", 1)[0]
    if method != "POST":
        return Reply(405, {"message": f"method {method} not allowed on {path}"})
    if path in _BEARER_ROUTES:
        provider, build = _BEARER_ROUTES[path]
        presented = headers.get("authorization", "").removeprefix("Bearer ").strip()
        if presented != creds.api_keys.get(provider):
            return _bearer_error(provider, presented)
        return _answer(lambda: build(_parse_json(body), dimension), lambda msg: Reply(400, {"message": msg}))
    for pattern, service in ((_BEDROCK, "bedrock"), (_SAGEMAKER, "sagemaker")):
        match = pattern.fullmatch(path)
        if match is None:
            continue
        try:
            verify_sigv4(
                method,
                raw_path,
                headers,
                body,
                access_key=creds.aws_access_key,
                secret_key=creds.aws_secret_key,
                service=service,
            )
        except SignatureError as exc:
            return _aws_error(403, str(exc), exc.error_type)
        return _answer(
            functools.partial(_aws_body, service, match.groupdict(), _parse_json_or_none(body), dimension),
            lambda msg: _aws_error(400, f"Malformed input request: {msg}", "ValidationException"),
        )
    return Reply(404, {"message": f"no stand-in route for {path}"})


def _aws_body(service: str, groups: dict[str, str], body: Any, dimension: int) -> Any:
    if service == "bedrock":
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object")
        return models.bedrock_invoke(groups["model"], body, dimension)
    return models.sagemaker_invoke(body, dimension)


def _answer(build: Callable[[], Any], invalid: Callable[[str], Reply]) -> Reply:
    try:
        return Reply(200, build())
    except (ValueError, TypeError, AttributeError) as exc:
        return invalid(str(exc))
