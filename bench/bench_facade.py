"""Benchmark: request bodies through the engine facade vs a plain ``json.loads`` of the same bytes."""

import json
import tempfile
import threading
from pathlib import Path

import httpx
from benchkit import Case, Group, measure, print_header, print_table

from mlgitops.engine import LocalEngine
from mlgitops.engine.http import bodies, jsonbody
from mlgitops.engine.http.server import make_server

SIZES_MB = (1, 8, 30)  # the facade takes bodies up to 32 MiB
TOKEN = "bench-token-0123456789abcdefghijklmnopqrstuvwxyz"


def body_of(megabytes: int) -> bytes:
    """A search body padded with connector-like objects (URLs hold '/', as real bodies do)."""
    item = {
        "name": "OpenAI embeddings",
        "url": "https://api.openai.com/v1/embeddings",
        "headers": {"Authorization": "Bearer ${credential.openAI_key}"},
        "values": [1, 2.5, True, None, "x"],
    }
    size = len(json.dumps(item)) + 2
    items = [item] * (megabytes * 1_000_000 // size)
    return json.dumps({"query": {"match_all": {}}, "size": 0, "ext": items}).encode()


def with_comment(body: bytes) -> bytes:
    """The same body with one comment, which sends the parser to its comment-stripping path."""
    return b"/* a comment */ " + body


def handle(body: bytes) -> object:
    """What the facade does with a body it has read: bound its depth, then parse it."""
    if bodies.check_depth(body) is not None:
        raise SystemExit("the benchmark body was refused as too deep")
    return jsonbody.parse(body)


def main() -> None:
    """Serve an engine on loopback, measure, print one table."""
    print_header("bench_facade: request bodies (parse, and POST through engine serve)")
    rows = []
    with tempfile.TemporaryDirectory(prefix="mlgitops-bench-") as tmp, LocalEngine(Path(tmp)) as engine:
        server = make_server(engine, "127.0.0.1", 0, token_value=TOKEN)
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
        try:
            with httpx.Client(base_url=server.url, headers=headers, timeout=120) as client:
                for megabytes in SIZES_MB:
                    body = body_of(megabytes)
                    commented = with_comment(body)
                    group = Group(
                        megabytes,
                        Case("json.loads (baseline)", lambda b=body: json.loads(b)),
                        [
                            Case("depth check + parse", lambda b=body: handle(b)),
                            Case("depth check + parse, with a comment", lambda b=commented: handle(b)),
                            Case(
                                "POST through engine serve",
                                lambda b=body: client.post("/bench/_search", content=b),
                            ),
                        ],
                    )
                    rows.extend(measure(group))
        finally:
            server.shutdown()
            server.server_close()
            thread.join()
    print_table(
        "request bodies vs json.loads of the same bytes (N = body size in MB)",
        rows,
        note="ratio = time / json.loads of the same body (cost of depth check, duplicate-key check, "
        "comments, HTTP)",
    )


if __name__ == "__main__":
    main()
