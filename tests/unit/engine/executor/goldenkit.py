"""Predict cases over every blueprint, run on an in-memory network, reduced to comparable records.

Each case is a connector (the shared blueprints and the ML Commons documentation corpus, filled in),
a request and a canned model answer. Its record holds the requests as they went on the wire (minus
the SigV4 date and signature, which follow the clock) and the result or the error, as text. The
recorded digests (``tests/data/predict-golden.json``) are what the executor produced before its
fast paths were written; ``python tests/unit/engine/executor/goldenkit.py --record`` rewrites them.
"""

import hashlib
import json
import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpcore

TESTS = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(TESTS))

import blueprintkit  # noqa: E402
from mlgitops.engine.executor import run_predict  # noqa: E402
from mlgitops.engine.executor.pinning import RemotePools  # noqa: E402
from mlgitops.errors import MlGitOpsError  # noqa: E402

GOLDEN = TESTS / "data" / "predict-golden.json"
SHARED = Path("/work/shared/blueprints")
SETTINGS = {"plugins.ml_commons.trusted_connector_endpoints_regex": [".*"]}
_VOLATILE = {b"authorization", b"x-amz-date"}
_PLACEHOLDER = re.compile(r"\$\{parameters\.([^}:]+)")

ODD_FLOATS = (
    "0.0, -0.0, 1e-45, 1.4e-45, 1e-40, 1.17549435e-38, 3.4028234663852886e38, 3.5e38, 1e-50, 0.1, "
    "-0.123456789, 16777217, 1, -3, 9.999999e-5, 1e7, 1.5e-7, 5e-324, 0.5, 2.0e-20, 123456.7, 1e300"
)


def _vector(rng: random.Random, size: int) -> str:
    values = [repr(round(rng.uniform(-1, 1), rng.choice((4, 8, 17)))) for _ in range(size)]
    return ", ".join(values)


def answers(rng: random.Random) -> list[bytes]:
    """Answers every post-process shape can read something from, with odd and plain numbers."""
    odd, plain = f"[{ODD_FLOATS}]", f"[{_vector(rng, 12)}]"
    universal = (
        f'{{"data": [{{"embedding": {odd}}}, {{"embedding": {plain}}}], "embeddings": [{plain}, {odd}],'
        f' "embedding": {odd}, "results": [{{"index": 1, "relevance_score": 0.25, "relevanceScore": 3}},'
        ' {"index": 0, "relevance_score": 1e-40, "relevanceScore": 0.1}],'
        ' "choices": [{"message": {"content": "hello \\"x\\" \\u00e9"}}], "content": [{"text": "t"}],'
        ' "output": {"message": {"content": [{"text": "o"}]}}, "count": 3, "big": 1e300, "neg": -0.0,'
        ' "jobArn": "arn:aws:bedrock:us-east-1:1:job/abc"}'
    )
    special = '{"data": [{"embedding": [NaN, Infinity, -Infinity, 1]}], "embedding": [NaN], "x": NaN}'
    return [
        universal.encode(),
        f"[{odd}, {plain}]".encode(),
        special.encode(),
        b"not json at all \xc3\xa9",
    ]


def _parameter_names(connector: dict[str, Any]) -> list[str]:
    action = next(iter(connector.get("actions") or [{}]))
    text = json.dumps(action)
    return sorted({name.removesuffix(".toString()") for name in _PLACEHOLDER.findall(text)})


def requests(connector: dict[str, Any], rng: random.Random) -> list[dict[str, Any]]:
    """Plain strings, odd strings, JSON values, text_docs and an empty request."""
    names = [n for n in _parameter_names(connector) if n not in (connector.get("parameters") or {})]
    odd = 'quote " back \\ slash\nnew line \t tab é ü 中 ${parameters.model} $${x}'
    noise = "".join(rng.choice('ab"\\\n{}[]:,é ') for _ in range(20))
    return [
        {"parameters": {name: "plain text" for name in names}},
        {"parameters": {name: odd if i % 2 else noise for i, name in enumerate(names)}},
        {"parameters": {name: ["a", 'b"c', {"k": [1, 2.5]}] for name in names} | {"input": ["x", "y"]}},
        {"text_docs": ["doc one", 'doc "two"', "trois é"], "parameters": {"model": "m"}},
        {},
    ]


def connectors() -> Iterator[tuple[str, dict[str, Any]]]:
    """(name, filled-in connector) for the shared blueprints and the documentation corpus."""
    for path in sorted(SHARED.glob("*.json")) if SHARED.is_dir() else []:
        yield f"shared/{path.stem}", json.loads(blueprintkit.fill(path.read_text(encoding="utf-8")))
    for stem in blueprintkit.stems():
        yield f"corpus/{stem}", blueprintkit.body(stem, filled=True)


class _Stream(httpcore.NetworkStream):
    """One connection: records every complete request and answers it with the canned answer."""

    def __init__(self, network: "Network") -> None:
        self._network = network
        self._inbox = b""
        self._outbox = b""

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inbox += buffer
        while b"\r\n\r\n" in self._inbox:
            head, rest = self._inbox.split(b"\r\n\r\n", 1)
            lines = head.split(b"\r\n")
            length = next(
                (
                    int(v)
                    for k, _, v in (line.partition(b": ") for line in lines[1:])
                    if k.lower() == b"content-length"
                ),
                0,
            )
            if len(rest) < length:
                return
            self._inbox = rest[length:]
            kept = [line for line in lines[1:] if line.partition(b":")[0].lower() not in _VOLATILE]
            self._network.seen.append(
                (lines[0] + b"\n" + b"\n".join(kept) + b"\n\n" + rest[:length]).decode("utf-8", "replace")
            )
            answer = self._network.answer
            self._outbox += b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            self._outbox += b"Content-Length: %d\r\n\r\n" % len(answer) + answer

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        out, self._outbox = self._outbox[:max_bytes], self._outbox[max_bytes:]
        return out

    def close(self) -> None:
        pass

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> "_Stream":
        return self

    def get_extra_info(self, info: str) -> Any:
        return None


class Network(httpcore.NetworkBackend):
    """An in-memory network whose every server answers ``answer``."""

    def __init__(self) -> None:
        self.answer = b"{}"
        self.seen: list[str] = []

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        return _Stream(self)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("no unix sockets")

    def sleep(self, seconds: float) -> None:
        pass


def _credentials(connector: dict[str, Any]) -> dict[str, str]:
    names = set(connector.get("credential") or {}) | {"access_key", "secret_key"}
    return {name: f"secret-{name}-value" for name in sorted(names)}


def records() -> Iterator[tuple[str, str]]:
    """(case id, record text) for every case, in a fixed order."""
    rng = random.Random(20261202)
    network = Network()
    with RemotePools(network=network, resolver=lambda host, port: ["93.184.216.34"]) as pools:
        for name, connector in connectors():
            credentials = _credentials(connector)
            for r_index, request in enumerate(requests(connector, rng)):
                for a_index, answer in enumerate(answers(rng)):
                    network.answer, network.seen = answer, []
                    try:
                        result = run_predict(connector, credentials, request, settings=SETTINGS, pools=pools)
                        outcome = json.dumps(result)
                    except MlGitOpsError as exc:
                        outcome = f"{type(exc).__name__} {getattr(exc, 'status', '')}: {exc}"
                    yield f"{name}#{r_index}.{a_index}", "\n---\n".join([*network.seen, outcome])


def digest(text: str) -> str:
    """A short digest of a record."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


if __name__ == "__main__" and sys.argv[1:] == ["--record"]:
    GOLDEN.write_text(json.dumps({case: digest(text) for case, text in records()}, indent=0) + "\n")
