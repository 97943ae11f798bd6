"""``run_predict``: one ``_predict`` call through a connector, as ML Commons 2.19 executes it."""

import logging
from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import httpx

from mlgitops.engine.executor import payload, preprocess, remote, safety, sigv4, wire
from mlgitops.engine.executor.params import merge_parameters, prepare_request_parameters, stringify
from mlgitops.engine.executor.pinning import PoolSource, RemotePools
from mlgitops.engine.executor.postprocess import postprocess
from mlgitops.errors import EngineError
from mlgitops.model.mlcommons import PREDICT_METHODS_2_19
from mlgitops.model.templates import PARAMETERS, substitute

logger = logging.getLogger(__name__)

AWS_SIGV4 = "aws_sigv4"


def find_action(connector: Mapping[str, Any], action_type: str) -> Mapping[str, Any]:
    """The connector's action of ``action_type`` (case-insensitive)."""
    wanted = action_type.upper()
    for action in connector.get("actions") or []:
        if str(action.get("action_type", "")).upper() == wanted:
            return dict(action)
    raise EngineError(f"no {wanted} action found")


def _function_name(action: Mapping[str, Any], key: str, params: Mapping[str, str]) -> str | None:
    """The action's pre/post-process function, its ``${parameters.*}`` filled in."""
    name = action.get(key)
    if not name:
        return None
    text = str(name)
    return substitute(text, PARAMETERS, params) if "${" in text else text


def _processed_batches(
    prepared: "PreparedConnector", request: Mapping[str, Any], base: Mapping[str, str]
) -> list[dict[str, str]]:
    """Pre-process output parameters of every remote request this input needs."""
    function = _function_name(prepared.action, "pre_process_function", base)
    docs = request.get("text_docs")
    if docs is not None:
        if not isinstance(docs, list):
            raise EngineError("text_docs must be a list of strings")
        query = request.get("query_text")
        return preprocess.preprocess_text_docs(
            function, [stringify(doc) for doc in docs], None if query is None else str(query), base
        )
    return [preprocess.preprocess_parameters(function, request.get("parameters") or {}, base)]


def _uri_error(url: str) -> EngineError:
    return EngineError(
        "Encountered error when trying to create uri from endpoint in ml connector. "
        f"Please update the endpoint in connection configuration: {url}"
    )


def checked_url(url: str, settings: Mapping[str, Any]) -> str:
    """Validate scheme, host and the trusted-endpoint regex; returns the URL as it will be sent (and signed).

    The host's addresses are checked when the connection is made (``pinning``), not here.
    """
    return _checked_url(url, tuple(safety.trusted_patterns(settings)))


@lru_cache(maxsize=1024)
def _checked_url(url: str, trusted: tuple[str, ...]) -> str:
    """``checked_url`` for one URL and regex list: a pure function, so cached (refusals are not)."""
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise EngineError(f"Protocol is not http or https: {scheme}")
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        raise _uri_error(url) from None
    if not parsed.host:
        raise _uri_error(url)
    safety.check_trusted(url, trusted)
    return str(parsed)


def _encode(text: str, charset: str) -> bytes:
    try:
        return text.encode(charset)
    except LookupError:
        raise EngineError(f"Unsupported charset: {charset}") from None
    except UnicodeEncodeError as exc:
        raise EngineError(f"Cannot encode the payload with charset {charset}: {exc.reason}") from None


def _build_request(
    prepared: "PreparedConnector", params: Mapping[str, str], settings: Mapping[str, Any]
) -> remote.RemoteRequest:
    action, credentials = prepared.action, prepared.credentials
    body_text = payload.build_payload(action.get("request_body"), params)
    payload.validate_payload(body_text, params)
    method = str(action.get("method", "")).upper()
    if method not in PREDICT_METHODS_2_19:
        raise EngineError("unsupported http method")
    url = checked_url(payload.build_url(str(action.get("url", "")), params), settings)
    body = _encode(body_text, params.get("charset", "utf-8")) if body_text and method == "POST" else None
    if method == "POST" and not body:
        raise EngineError("Content-Length is 0. Aborting request to remote model")
    headers = prepared.headers()
    if not prepared.signed:
        return remote.RemoteRequest(method, url, headers, body, wire_headers=prepared.wire_headers())
    region, service = sigv4.signing_scope(prepared.params, credentials)

    def sign(unsigned: dict[str, str]) -> dict[str, str]:
        return sigv4.sign_headers(
            method, url, unsigned, body, credentials=credentials, region=region, service=service
        )

    return remote.RemoteRequest(method, url, headers, body, sign)


class PreparedConnector:
    """What every predict through one connector with one set of credentials shares, worked out once:
    the action, the stringified connector parameters, client_config, the secret redactor and the
    filled-in headers. Keep it as long as the connector and credentials it was made from."""

    def __init__(
        self, connector: Mapping[str, Any], credentials: Mapping[str, str], action_type: str = "PREDICT"
    ) -> None:
        """Raises EngineError for a connector without the action or with a bad client_config."""
        self.connector = connector
        self.credentials = credentials
        self.action = find_action(connector, action_type)
        self.params = {str(k): stringify(v) for k, v in (connector.get("parameters") or {}).items()}
        self.config = remote.ClientConfig.from_connector(connector.get("client_config"))
        self.redact = remote.build_redactor(str(value) for value in credentials.values())
        self.signed = str(connector.get("protocol", "")).lower() == AWS_SIGV4
        self._headers: dict[str, str] | None = None
        self._wire_headers: wire.Headers | None = None

    def __repr__(self) -> str:
        return f"PreparedConnector({self.connector.get('name')!r})"  # never the credentials

    def headers(self) -> dict[str, str]:
        """The action's headers with credentials and connector parameters filled in (built once)."""
        if self._headers is None:
            self._headers = payload.build_headers(self.action.get("headers"), self.credentials, self.params)
        return self._headers

    def wire_headers(self) -> wire.Headers:
        """``headers()`` with the default headers, encoded for the wire (built once)."""
        if self._wire_headers is None:
            self._wire_headers = wire.encode_headers(remote.with_defaults(self.headers()))
        return self._wire_headers

    def run(
        self, request: Mapping[str, Any], *, settings: Mapping[str, Any], pools: PoolSource
    ) -> dict[str, Any]:
        """One predict (see ``run_predict``)."""
        raw_params = self.connector.get("parameters")
        request_params = prepare_request_parameters(request.get("parameters") or {}, raw_params)
        base = merge_parameters(self.params, request_params, {})
        post_function = _function_name(self.action, "post_process_function", base)
        pool = pools.pool(allow_private=safety.allows_private(settings))
        results: list[dict[str, Any]] = []
        for processed in _processed_batches(self, request, base):
            params = merge_parameters(self.params, request_params, processed) if processed else base
            outgoing = _build_request(self, params, settings)
            logger.debug("predict: %s %s", outgoing.method, outgoing.url)
            response = remote.send(outgoing, self.config, self.redact, pool)
            output = postprocess(post_function, response.text, params)
            results.append({"output": output, "status_code": response.status})
        return {"inference_results": results}


def run_predict(
    connector: Mapping[str, Any],
    credentials: Mapping[str, str],
    request: Mapping[str, Any],
    *,
    settings: Mapping[str, Any],
    action_type: str = "PREDICT",
    pools: PoolSource | None = None,
) -> dict[str, Any]:
    """Run a predict through ``connector``; returns ``{"inference_results": [...]}``.

    Raises EngineError for request problems (400 unless stated) and RemoteModelError for remote
    failures; no credential value ever appears in either.

    Follows 2.19, except that the trusted-endpoint regex is also checked on the URL resolved with
    runtime parameters (ML Commons does that from 3.7), and that the private-address check refuses
    every special-use range and holds for the address actually connected to. ``pools`` are the
    shared connection pools (temporary ones when None). Later versions differ: 3.5 adds PUT/DELETE,
    3.7 fills header ``${parameters.*}`` from runtime parameters, 3.6 changes the default timeouts.
    """
    prepared = PreparedConnector(connector, credentials, action_type)
    if pools is None:
        with RemotePools() as own:
            return prepared.run(request, settings=settings, pools=own)
    return prepared.run(request, settings=settings, pools=pools)
