"""The remote call on the wire: framed as httpx frames it, answers decoded as httpx decodes them."""

import gzip
import json
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar

import executorkit as kit
import httpx
import pytest

from mlgitops import __version__
from mlgitops.engine.executor import run_predict
from mlgitops.engine.executor.pinning import RemotePools
from serverkit import loopback_server

ANSWER = {"object": "list", "data": [{"object": "embedding", "index": 0, "embedding": [0.25, -0.5]}]}


class Recorder(BaseHTTPRequestHandler):
    """Records each request's header lines and body; answers ``reply`` (body, extra headers)."""

    seen: ClassVar[list[tuple[list[tuple[str, str]], bytes]]] = []
    reply: ClassVar[tuple[bytes, dict[str, str]]] = (b"{}", {})

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.seen.append((list(self.headers.items()), body))
        payload, headers = self.reply
        self.send_response(200)
        for name, value in {"Content-Type": "application/json", **headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


CHAT_PATH = "/v1/chat?api-version=2"


def call(connector: dict[str, Any], settings: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    with RemotePools() as pools:
        return run_predict(connector, kit.COHERE_CREDS, request, settings=settings, pools=pools)


@pytest.fixture(autouse=True)
def fresh_recorder() -> None:
    Recorder.seen = []
    Recorder.reply = (json.dumps(ANSWER).encode(), {})


def test_the_request_is_framed_as_httpx_frames_it(settings) -> None:
    with loopback_server(Recorder) as base:
        call(kit.cohere_chat(base, CHAT_PATH), settings, {"parameters": {"message": "hi"}})
        (ours, our_body) = Recorder.seen[0]
        given = {name: value for name, value in ours if name not in ("Host", "Content-Length")}
        with httpx.Client() as client:
            client.send(httpx.Request("POST", base + CHAT_PATH, headers=given, content=our_body))
    theirs, their_body = Recorder.seen[1]
    assert ours == theirs
    assert our_body == their_body == b'{ "message": "hi", "model": "command" }'
    assert ours[0] == ("Host", base.removeprefix("http://"))
    assert ("Content-Length", "39") in ours
    assert ("User-Agent", f"mlgitops/{__version__}") in ours
    assert ("Authorization", f"Bearer {kit.COHERE_CREDS['cohere_key']}") in ours


def test_a_gzip_answer_is_decoded(settings) -> None:
    Recorder.reply = (gzip.compress(json.dumps(ANSWER).encode()), {"Content-Encoding": "gzip"})
    with loopback_server(Recorder) as base:
        result = call(kit.openai_embedding(base), settings, {"text_docs": ["x"]})
    assert result["inference_results"][0]["output"][0]["data"] == [0.25, -0.5]


def test_the_answer_text_follows_its_charset_else_utf8_with_replacement(settings) -> None:
    Recorder.reply = ("caf\u00e9".encode("latin-1"), {"Content-Type": "text/plain; charset=latin-1"})
    with loopback_server(Recorder) as base:
        latin = call(kit.cohere_chat(base, CHAT_PATH), settings, {"parameters": {"message": "m"}})
        Recorder.reply = (b"bad \xff byte", {"Content-Type": "text/plain"})
        broken = call(kit.cohere_chat(base, CHAT_PATH), settings, {"parameters": {"message": "m"}})
    assert latin["inference_results"][0]["output"][0]["dataAsMap"] == {"response": "caf\u00e9"}
    assert broken["inference_results"][0]["output"][0]["dataAsMap"] == {"response": "bad \ufffd byte"}
