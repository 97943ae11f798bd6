"""Secret-leak audit: the whole product run as a user runs it; no credential value anywhere it writes."""

import base64
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from mlgitops.engine import LocalEngine
from mlgitops.standin import StandinServer

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 30.0  # seconds, per subprocess

# Distinctive values (AWS-like secret with '/' and '+' so URL-encoded forms differ from the raw one).
OPENAI_OLD = "sk-e2eLEAK-openai-Qw7Zr4TnV9"
OPENAI_NEW = "sk-e2eLEAK-rotated-Hv3Kp8MdX2"
SECRETS = {
    "OPENAI_API_KEY": OPENAI_OLD,
    "COHERE_API_KEY": "co-e2eLEAK-cohere-Jd6Wm1RsF5",
    "AWS_ACCESS_KEY_ID": "AKIAE2ELEAKACCESS7Q3Z",
    "AWS_SECRET_ACCESS_KEY": "e2eLEAK/aws+Secret/Key9Tq2Lb8Pz",
}
LITERAL = "sk-e2eLEAK-literal-Bx5Nc2LqY7"
LITERAL_CREDENTIAL = "sk-e2eLEAK-credential-Gm4Hs9VbK1"
ALL_SECRETS = [*SECRETS.values(), OPENAI_NEW, LITERAL, LITERAL_CREDENTIAL]

BROKEN = f"""\
apiVersion: mlgitops/v1
kind: Connector
metadata:
  name: leaky
spec:
  name: Leaky Connector
  description: a literal key in a header
  version: "1"
  protocol: http
  parameters:
    endpoint: api.openai.com
  credential:
    openAI_key: {{env: OPENAI_API_KEY}}
  actions:
    - action_type: predict
      method: POST
      url: https://${{parameters.endpoint}}/v1/embeddings
      headers:
        Authorization: Bearer {LITERAL}
      request_body: '{{ "input": ${{parameters.input}} }}'
"""


PLAINTEXT = (
    BROKEN.replace("leaky", "plaintext")
    .replace("{env: OPENAI_API_KEY}", LITERAL_CREDENTIAL)
    .replace(f"Bearer {LITERAL}", "Bearer ${credential.openAI_key}")
)


def encoded_forms(value: str) -> set[str]:
    """The raw value, a core fragment, and its JSON-escaped, URL-encoded, hex and base64 forms."""
    forms = {
        value,
        value[4:-4],
        json.dumps(value)[1:-1],
        urllib.parse.quote(value, safe=""),
        urllib.parse.quote_plus(value),
        value.encode().hex(),
    }
    for pad in range(3):  # base64 of the value at every alignment inside a larger blob
        encoded = base64.b64encode(b"\0" * pad + value.encode()).decode()
        core = encoded[4 if pad else 0 : -4]
        forms |= {core, core.replace("+", "-").replace("/", "_")}
    return forms


def leaks_in(data: bytes) -> list[str]:
    """The forms of any secret found in ``data`` (case-insensitive, so hex/base64 casing cannot hide)."""
    lowered = data.lower()
    found = []
    for secret in ALL_SECRETS:
        found += [form for form in encoded_forms(secret) if form.lower().encode() in lowered]
    return found


@dataclass
class Session:
    """Runs ``mlgitops`` in subprocesses in one project directory and keeps every output."""

    project: Path
    state: Path
    environ: dict[str, str]
    outputs: list[tuple[str, str]] = field(default_factory=list)

    def run(self, *argv: str, expect: int = 0) -> tuple[str, str]:
        """``mlgitops -vv ARGV``; asserts the exit code; returns stdout and stderr."""
        done = subprocess.run(
            [sys.executable, "-m", "mlgitops", "-vv", *argv],
            cwd=self.project,
            env=self.environ,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        self.outputs.append((" ".join(argv), done.stdout + done.stderr))
        assert done.returncode == expect, f"mlgitops {' '.join(argv)} -> {done.returncode}\n{done.stderr}"
        return done.stdout, done.stderr

    def env(self, *argv: str, expect: int = 0) -> tuple[str, str]:
        """Like ``run`` with ``--env demo --target local:STATE`` appended."""
        return self.run(*argv, "--env", "demo", "--target", f"local:{self.state}", expect=expect)


@pytest.fixture
def standin(caplog: pytest.LogCaptureFixture) -> Iterator[StandinServer]:
    """The stand-in on a free port, accepting the rotated OpenAI key and the distinctive others."""
    caplog.set_level(logging.DEBUG, logger="mlgitops.standin")
    server = StandinServer(
        aws_access_key=SECRETS["AWS_ACCESS_KEY_ID"],
        aws_secret_key=SECRETS["AWS_SECRET_ACCESS_KEY"],
        api_keys={"openai": OPENAI_NEW, "cohere": SECRETS["COHERE_API_KEY"]},
    )
    with server:
        yield server


@pytest.fixture
def session(tmp_path: Path, standin: StandinServer) -> Session:
    """A copy of the example project whose ``demo`` environment points at the stand-in's port."""
    project = tmp_path / "project"
    shutil.copytree(REPO / "manifests", project / "manifests")
    port = standin.url.rsplit(":", 1)[1]
    config = (REPO / "mlgitops.yaml").read_text()
    assert config.count("8765") >= 5, "the demo environment no longer points at 127.0.0.1:8765"
    (project / "mlgitops.yaml").write_text(config.replace("8765", port))
    skip = {"MLGITOPS_DIGEST_KEY", "MLGITOPS_MASTER_KEY"}
    environ = {k: v for k, v in os.environ.items() if k not in skip and not k.startswith("AWS_")}
    return Session(project, tmp_path / "state", {**environ, **SECRETS})


def embedding_of(stdout: str) -> list[float]:
    """The first embedding in a ``predict`` result."""
    data: list[float] = json.loads(stdout)["inference_results"][0]["output"][0]["data"]
    assert data and all(isinstance(x, float) for x in data), stdout
    return data


def validate_and_plan(s: Session) -> None:
    for output in ("text", "json", "github"):
        s.run("validate", "--env", "demo", "--output", output)
    for output in ("text", "json", "markdown"):
        s.env("plan", "--output", output, "--detailed-exitcode", expect=2)
    s.env("plan", "--out", "plan.json")
    assert (s.project / "plan.json").stat().st_size > 0


def reconcile_and_replan(s: Session) -> None:
    report = json.loads(s.env("reconcile", "--output", "json")[0])
    assert report["ok"] and report["totals"]["done"] >= 12 and report["not_converged"] == [], report
    out, _ = s.env("reconcile")
    assert "No changes" in out
    s.env("plan", "--detailed-exitcode")


def rotate_openai_key(s: Session) -> None:
    s.environ["OPENAI_API_KEY"] = OPENAI_NEW
    for output in ("text", "json", "markdown"):
        out, err = s.env("plan", "--output", output, "--detailed-exitcode", expect=2)
        assert "(sensitive value changed)" in out + err
    s.env("plan", "--out", "rotated.json", expect=0)
    report = json.loads(s.env("reconcile", "--plan", "rotated.json", "--output", "json")[0])
    assert report["ok"] and report["steps"], report
    s.env("plan", "--detailed-exitcode")


def predictions(s: Session, standin: StandinServer) -> None:
    assert embedding_of(s.env("predict", "openai-embedding", "--text-docs", "hello")[0])
    assert standin.requests[-1].headers["authorization"] == f"Bearer {OPENAI_NEW}"
    assert embedding_of(s.env("predict", "bedrock-titan-embedding", "--text-docs", "signed")[0])
    assert f"Credential={SECRETS['AWS_ACCESS_KEY_ID']}/" in standin.requests[-1].headers["authorization"]
    standin.fail_next(400)
    _, err = s.env("predict", "openai-embedding", "--text-docs", "boom", expect=1)
    assert "injected failure 400" in err, err


def engine_commands(s: Session) -> None:
    info = json.loads(s.run("engine", "info", "--dir", str(s.state))[0])
    assert info["connectors"] == 5 and info["models"] == 5 and info["credentials"] == 7, info
    assert info["sealed_document_fields"] == 1, info
    s.run("engine", "rotate-key", "--dir", str(s.state))
    assert embedding_of(s.env("predict", "bedrock-titan-embedding", "--text-docs", "after rotation")[0])
    out, _ = s.run("engine", "check", "--dir", str(s.state))
    assert out == f"all 7 stored credential value(s) of {s.state} decrypt\n"


def served_engine(s: Session) -> str:
    """``engine serve`` as a user runs it: a client with the token, one without; returns the token."""
    server = subprocess.Popen(
        [sys.executable, "-m", "mlgitops", "-vv", "engine", "serve", "--dir", str(s.state), "--port", "0"],
        cwd=s.project,
        env=s.environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip().rsplit(" ", 1)[1]
        assert "api.token" in server.stdout.readline()
        token = (s.state / "api.token").read_text().strip()
        assert (s.state / "api.token").stat().st_mode & 0o777 == 0o600
        connectors = "/_plugins/_ml/connectors/_search"
        with httpx.Client(base_url=url, timeout=TIMEOUT) as client:
            assert client.get(connectors).status_code == 401
            found = client.get(connectors, headers={"Authorization": f"Bearer {token}"})
            assert found.status_code == 200 and found.json()["hits"]["total"]["value"] == 5
        environ = {**s.environ, "MLGITOPS_TOKEN": token}
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "mlgitops",
                "-vv",
                "predict",
                "openai-embedding",
                "--text-docs",
                "served",
                "--target",
                url,
            ],
            cwd=s.project,
            env=environ,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=True,
        )
        s.outputs.append(("predict over engine serve", out.stdout + out.stderr))
        assert embedding_of(out.stdout)
    finally:
        server.terminate()
        stdout, stderr = server.communicate(timeout=TIMEOUT)
        s.outputs.append(("engine serve", stdout + stderr))
    assert server.returncode == 0, stderr
    return token


def digest_key_of(state: Path) -> str:
    """The target's credential-digest key, read through the document API as mlgitops reads it."""
    with LocalEngine(state) as engine:
        status, document = engine.documents.get(".mlgitops", "digest-key")
    assert status == 200
    return str(document["_source"]["key"])


def broken_manifest(s: Session) -> None:
    broken = s.project / "broken"
    broken.mkdir()
    (broken / "leaky.yaml").write_text(BROKEN)
    out, err = s.run("validate", "broken", expect=1)
    assert "leaky.yaml:19" in out + err and "holds a literal value" in out + err
    s.run("validate", "broken", "--output", "json", expect=1)
    s.run("validate", "broken", "--allow-plaintext-credentials")
    out, _ = s.run("plan", "broken", "--allow-plaintext-credentials", "--target", f"local:{s.state}")
    assert "+ Connector/leaky (create)" in out
    out, _ = s.run(
        "plan", "broken", "-o", "json", "--allow-plaintext-credentials", "--target", f"local:{s.state}"
    )
    assert '"Authorization": "(sensitive value)"' in out


def plaintext_credential(s: Session) -> None:
    """A literal credential value (allowed explicitly) goes through a saved plan into the engine."""
    (s.project / "plaintext").mkdir()
    (s.project / "plaintext" / "plaintext.yaml").write_text(PLAINTEXT)
    out, err = s.run("validate", "plaintext", expect=1)
    assert "plaintext.yaml:13" in out + err and "is a literal value" in out + err
    allow = ["--allow-plaintext-credentials", "--target", f"local:{s.state}"]
    s.run("plan", "plaintext", "--out", "plaintext-plan.json", *allow)
    s.run("reconcile", "plaintext", "--plan", "plaintext-plan.json", *allow)
    s.run("plan", "plaintext", "--detailed-exitcode", *allow)


def written_files(root: Path, project: Path) -> Iterator[Path]:
    """Every file under ``root`` except the manifests the test itself wrote."""
    mine = {project / name for name in ("manifests", "broken", "plaintext", "mlgitops.yaml")}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not any(path == m or m in path.parents for m in mine):
            yield path


def test_no_secret_leaks_anywhere(
    session: Session, standin: StandinServer, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    s = session
    validate_and_plan(s)
    reconcile_and_replan(s)
    # An idle reader keeps SQLite's -wal and -shm files in place after each subprocess exits.
    with closing(sqlite3.connect(s.state / "engine.db")) as reader:
        reader.execute("SELECT count(*) FROM sqlite_master").fetchall()
        # The provider now takes only the rotated key; the engine still holds the old one, so the
        # stand-in answers 401 and echoes the key it was given, as OpenAI does.
        _, err = s.env("predict", "openai-embedding", "--text-docs", "stale key", expect=1)
        assert "401" in err and OPENAI_OLD in json.dumps(standin.requests[-1].headers)
        rotate_openai_key(s)
        predictions(s, standin)
        engine_commands(s)
        token = served_engine(s)
        broken_manifest(s)
        plaintext_credential(s)
        files = list(written_files(tmp_path, s.project))
        assert (s.state / "engine.db-wal").stat().st_size > 0
        found = {str(path): leaks_in(path.read_bytes()) for path in files}
        # The engine's own secrets: the digest key appears nowhere in clear, the token only in its file.
        own = {"digest key": digest_key_of(s.state), "api token": token}
        found |= {
            f"{what} in {path}": [value] if value.encode() in path.read_bytes() else []
            for path in files
            for what, value in own.items()
            if path.name != "api.token" or what != "api token"
        }
    names = {path.name for path in files}
    assert {"plan.json", "rotated.json", "plaintext-plan.json", "engine.db-wal", "engine.db-shm"} <= names
    assert {"api.token", "master.key", "engine.db"} <= names
    found |= {f"#{i} {name}": leaks_in(text.encode()) for i, (name, text) in enumerate(s.outputs)}
    found |= {
        f"{what} in #{i} {name}": [value] if value in text else []
        for i, (name, text) in enumerate(s.outputs)
        for what, value in own.items()
    }
    found["stand-in log"] = leaks_in(caplog.text.encode())
    assert caplog.text, "the stand-in logged nothing: its log was not audited"
    assert {where: forms for where, forms in found.items() if forms} == {}


def test_forms_catch_encoded_secrets() -> None:
    """The detector itself: each encoding of a secret, embedded in other text, is found."""
    secret = SECRETS["AWS_SECRET_ACCESS_KEY"]
    blobs = [
        json.dumps({"k": secret}),
        urllib.parse.urlencode({"k": secret}),
        base64.b64encode(b"xy" + secret.encode() + b"z").decode(),
        base64.urlsafe_b64encode(b"x" + secret.encode()).decode(),
        secret.encode().hex().upper(),
        "masked " + secret[2:-2],
    ]
    assert all(leaks_in(f"before {blob} after".encode()) for blob in blobs)
    assert leaks_in(b"sk-e2eLEAK... nothing else") == []
