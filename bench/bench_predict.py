"""Benchmark: predict through the executor and the embedded engine vs a direct call to the stand-in."""

import contextlib
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
from benchkit import Case, Group, Row, measure, print_header, print_table

from mlgitops.engine import LocalEngine
from mlgitops.engine.executor import run_predict
from mlgitops.engine.executor.pinning import RemotePools
from mlgitops.engine.http.transport import EngineTransport
from mlgitops.standin import DEMO_OPENAI_KEY, StandinServer

ML = "/_plugins/_ml"
MODEL = "text-embedding-ada-002"
TEXTS = ["declarative ML connectors", "GitOps for OpenSearch"]
TRUSTED = "plugins.ml_commons.trusted_connector_endpoints_regex"
PRIVATE_IP = "plugins.ml_commons.connector.private_ip_enabled"
PAIRED_BLOCKS = 30
PAIRS_PER_BLOCK = 40
ENGINE_CASE = "engine REST _predict (in-process)"


def connector_body(url: str, credential: dict[str, str] | None = None) -> dict[str, Any]:
    """The official OpenAI embedding blueprint, pointed at the stand-in (stored form: no credential)."""
    body: dict[str, Any] = {
        "name": "OpenAI embedding (stand-in)",
        "description": "bench connector",
        "version": "1",
        "protocol": "http",
        "parameters": {"model": MODEL},
        "actions": [
            {
                "action_type": "predict",
                "method": "POST",
                "url": f"{url}/v1/embeddings",
                "headers": {"Authorization": "Bearer ${credential.openAI_key}"},
                "request_body": '{ "input": ${parameters.input}, "model": "${parameters.model}" }',
                "pre_process_function": "connector.pre_process.openai.embedding",
                "post_process_function": "connector.post_process.openai.embedding",
            }
        ],
    }
    if credential is not None:
        body["credential"] = credential
    return body


def settings_for(url: str) -> dict[str, Any]:
    """Cluster settings trusting exactly the stand-in and allowing its loopback address."""
    return {TRUSTED: [f"^{re.escape(url)}/.*$"], PRIVATE_IP: True}


def ok(response: httpx.Response) -> dict[str, Any]:
    """The JSON body of a 2xx response; stops the benchmark otherwise."""
    if not response.is_success:
        raise SystemExit(f"{response.request.method} {response.request.url}: {response.status_code}")
    body: dict[str, Any] = response.json()
    return body


def deploy_model(client: httpx.Client, url: str) -> str:
    """Settings, connector (credential encrypted by the engine), register and deploy; the model id."""
    ok(client.put("/_cluster/settings", json={"persistent": settings_for(url)}))
    body = connector_body(url, {"openAI_key": DEMO_OPENAI_KEY})
    connector_id = ok(client.post(f"{ML}/connectors/_create", json=body))["connector_id"]
    register = {"name": "bench-embedding", "function_name": "remote", "connector_id": connector_id}
    model_id = str(ok(client.post(f"{ML}/models/_register", json=register))["model_id"])
    ok(client.post(f"{ML}/models/{model_id}/_deploy"))
    return model_id


def embedding_count(result: dict[str, Any]) -> int:
    """How many embeddings a predict answer holds (sanity check of every path)."""
    return sum(len(item["output"]) for item in result["inference_results"])


def engine_client(stack: contextlib.ExitStack, engine: LocalEngine) -> httpx.Client:
    """An in-process client of ``engine`` (closed with ``stack``)."""
    return stack.enter_context(
        httpx.Client(transport=EngineTransport(engine), base_url="http://local-engine")
    )


def cases(
    url: str, remote: httpx.Client, pool: RemotePools, local: LocalEngine, engine: httpx.Client
) -> Group:
    """Baseline: the bare HTTP call the connector makes; then executor and engine paths."""
    connector = connector_body(url)
    credentials = {"openAI_key": DEMO_OPENAI_KEY}
    settings = settings_for(url)
    request = {"parameters": {"input": TEXTS}}
    model_id = deploy_model(engine, url)
    headers = {"Authorization": f"Bearer {DEMO_OPENAI_KEY}"}
    body = {"input": TEXTS, "model": MODEL}

    def direct() -> dict[str, Any]:
        return ok(remote.post(f"{url}/v1/embeddings", headers=headers, json=body))

    def direct_fresh_client() -> dict[str, Any]:
        with httpx.Client() as fresh:
            return ok(fresh.post(f"{url}/v1/embeddings", headers=headers, json=body))

    def executor_shared() -> dict[str, Any]:
        return run_predict(connector, credentials, request, settings=settings, pools=pool)

    def executor_own() -> dict[str, Any]:
        return run_predict(connector, credentials, request, settings=settings)

    def engine_predict() -> dict[str, Any]:
        return ok(engine.post(f"{ML}/models/{model_id}/_predict", json=request))

    def engine_predict_reread() -> dict[str, Any]:
        local.lifecycle.forget_reads()
        return engine_predict()

    if len(direct()["data"]) != len(TEXTS):
        raise SystemExit("the stand-in did not answer one embedding per text")
    for path in (executor_shared, executor_own, engine_predict, engine_predict_reread):
        if embedding_count(path()) != len(TEXTS):
            raise SystemExit(f"{path.__name__} did not return one embedding per text")
    return Group(
        len(TEXTS),
        Case("httpx.Client.post to stand-in (baseline)", direct),
        [
            Case("new httpx.Client per call + post", direct_fresh_client),
            Case("run_predict, shared pinned pool", executor_shared),
            Case("run_predict, pinned pool per call", executor_own),
            Case(ENGINE_CASE, engine_predict),
            Case("  same, store re-read every call", engine_predict_reread),
        ],
    )


@contextlib.contextmanager
def standin_process() -> Iterator[str]:
    """``mlgitops standin serve`` in its own process, as a real model endpoint is; yields its URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "mlgitops", "standin", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        if "listening on " not in line:
            raise SystemExit(f"the stand-in did not start: {line!r}")
        yield line.rsplit(" ", 1)[1]
    finally:
        process.terminate()
        process.wait(timeout=10)


def paired_ratio(baseline: Callable[[], object], other: Callable[[], object]) -> tuple[float, float, float]:
    """``other``'s time over ``baseline``'s with the two called alternately, call by call (which goes
    first alternates too): the median and quartiles over blocks of pairs. A busy machine slows both
    calls of a pair alike, so this ratio moves much less than the one of medians of separate rounds."""
    ratios = []
    for _ in range(PAIRED_BLOCKS):
        spent = [0.0, 0.0]
        for pair in range(PAIRS_PER_BLOCK):
            for which in (0, 1) if pair % 2 else (1, 0):
                start = time.perf_counter()
                (baseline, other)[which]()
                spent[which] += time.perf_counter() - start
        ratios.append(spent[1] / spent[0])
    q1, median, q3 = statistics.quantiles(ratios, n=4)
    return median, q1, q3


def measure_against(stack: contextlib.ExitStack, url: str, name: str) -> tuple[list[Row], str]:
    """Every case against the stand-in at ``url``, with a fresh engine and pools; then the engine
    case paired call by call with the baseline."""
    tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f"mlgitops-bench-{name}-")))
    remote = stack.enter_context(httpx.Client())
    pool = stack.enter_context(RemotePools())
    local = stack.enter_context(LocalEngine(tmp / "engine"))
    group = cases(url, remote, pool, local, engine_client(stack, local))
    rows = measure(group)
    engine = next(case for case in group.cases if case.name == ENGINE_CASE)
    median, q1, q3 = paired_ratio(group.baseline.run, engine.run)
    paired = (
        f"paired call by call ({PAIRED_BLOCKS} blocks of {PAIRS_PER_BLOCK} alternating pairs): "
        f"{ENGINE_CASE} / baseline = {median:.2f}x (quartiles {q1:.2f}-{q3:.2f})"
    )
    return rows, paired


NOTE = (
    "N = texts per request. run_predict adds templating + pre/post-processing; the engine adds "
    "REST routing and a database change check (model, settings, connector and decrypted\n"
    "credentials are read again only after a write; 're-read every call' reads and decrypts them "
    "each time), on its shared pinned pool (resolve once, address check, connect to the checked\n"
    "address); 'per call' pays a new TLS context, CA bundle and connection per predict. The stand-in's\n"
    "embedding values have 4 decimals, which keep their float32 form without a digit search; values\n"
    "printed from float32 (8-9 digits, as real models send) take a search of about two rounds each"
)


def main() -> None:
    """Measure against a stand-in in this process, then in its own; print one table each."""
    print_header("bench_predict: one OpenAI-embedding predict")
    with contextlib.ExitStack() as stack:
        rows, paired = measure_against(stack, stack.enter_context(StandinServer()).url, "thread")
    print_table("predict paths vs a direct POST to the stand-in (loopback, same process)", rows, note=NOTE)
    print(paired)
    with contextlib.ExitStack() as stack:
        rows, paired = measure_against(stack, stack.enter_context(standin_process()), "process")
    print_table(
        "predict paths vs a direct POST to the stand-in (loopback, its own process)",
        rows,
        note="The stand-in no longer shares this process's GIL, as a real model endpoint does not.",
    )
    print(paired)


if __name__ == "__main__":
    main()
