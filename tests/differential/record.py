"""Record the real node's answers: ``PYTHONPATH=tests python -m differential.record --url URL``.

Starts a stand-in model server on loopback, runs the whole scenario against the node and writes the
normalised answers to ``tests/differential/recorded.json`` (the engine half of the test compares
against this file when no live node is given).
"""

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import httpx

from differential.runner import run_scenario
from mlgitops.standin.server import StandinServer

RECORDING = Path(__file__).with_name("recorded.json")


def versions(client: httpx.Client) -> dict[str, str]:
    """The node's OpenSearch version and its ML Commons plugin version."""
    number = client.get("/").json()["version"]["number"]
    plugins = client.get("/_cat/plugins", params={"format": "json"}).json()
    ml = next((p["version"] for p in plugins if p.get("component") == "opensearch-ml"), "unknown")
    return {"opensearch": number, "ml_commons": ml}


def record(url: str) -> dict[str, Any]:
    """Run the scenario against ``url``; the recording (versions and answers)."""
    with StandinServer() as standin, httpx.Client(base_url=url, timeout=120) as client:
        found = versions(client)
        answers = run_scenario(client, standin.url)
    return {"recorded_with": found, "answers": answers}


def main(argv: list[str] | None = None) -> int:
    """Record and write the file."""
    parser = argparse.ArgumentParser(
        prog="PYTHONPATH=tests python -m differential.record", description=__doc__
    )
    parser.add_argument("--url", required=True, help="the real node, e.g. http://127.0.0.1:9200")
    parser.add_argument("--out", type=Path, default=RECORDING)
    args = parser.parse_args(argv)
    recording = record(args.url)
    args.out.write_text(json.dumps(recording, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    sys.stdout.write(f"recorded {len(recording['answers'])} answers from {args.url} to {args.out}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
