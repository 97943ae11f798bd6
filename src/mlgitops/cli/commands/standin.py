"""``mlgitops standin serve``: run the stand-in model server (OpenAI, Cohere, Bedrock, SageMaker)."""

import argparse
import os
import sys

from mlgitops.cli import options, serving
from mlgitops.errors import ConfigError
from mlgitops.standin import (
    DEMO_AWS_ACCESS_KEY,
    DEMO_AWS_SECRET_KEY,
    DEMO_COHERE_KEY,
    DEMO_OPENAI_KEY,
    StandinServer,
)

DEFAULT_PORT = 8765


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add ``standin serve``."""
    parser = subparsers.add_parser(
        "standin",
        help="local stand-in model server for tests and the demo",
        description="A local stand-in for OpenAI, Cohere, Bedrock and SageMaker endpoints.",
        epilog="Example: mlgitops standin serve --port 8765",
    )
    actions = parser.add_subparsers(dest="standin_command", metavar="ACTION", required=True)
    serve = actions.add_parser(
        "serve",
        help="serve until ^C / SIGTERM",
        description=(
            "Answer like OpenAI (/v1/chat/completions, /v1/embeddings), Cohere (/v1/embed, /v1/chat, "
            "/v1/rerank), Bedrock (/model/{id}/invoke, SigV4) and SageMaker (/endpoints/{name}/invocations, "
            "SigV4). Keys come from OPENAI_API_KEY, COHERE_API_KEY, AWS_ACCESS_KEY_ID and "
            f"AWS_SECRET_ACCESS_KEY; unset ones default to the demo values ({DEMO_OPENAI_KEY}, "
            f"{DEMO_COHERE_KEY}, {DEMO_AWS_ACCESS_KEY}, and the demo secret in scripts/demo.sh)."
        ),
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument(
        "--port",
        type=options.port_number,
        default=DEFAULT_PORT,
        help=f"port (default {DEFAULT_PORT}; 0 = any)",
    )
    serve.set_defaults(handler=run_serve)


def build_server(host: str, port: int) -> StandinServer:
    """A server with keys from the environment (demo defaults when unset)."""
    try:
        return StandinServer(
            host,
            port,
            aws_access_key=os.environ.get("AWS_ACCESS_KEY_ID") or DEMO_AWS_ACCESS_KEY,
            aws_secret_key=os.environ.get("AWS_SECRET_ACCESS_KEY") or DEMO_AWS_SECRET_KEY,
            api_keys={
                "openai": os.environ.get("OPENAI_API_KEY") or DEMO_OPENAI_KEY,
                "cohere": os.environ.get("COHERE_API_KEY") or DEMO_COHERE_KEY,
            },
        )
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc


def run_serve(args: argparse.Namespace) -> int:
    """Serve until interrupted; SIGTERM exits 0."""
    server = build_server(args.host, args.port)
    print(f"stand-in model server listening on {server.url}", flush=True)
    try:
        if serving.serve_until_terminated(server.serve_forever):
            print("stand-in model server stopped", file=sys.stderr)
    finally:
        server.stop()
    return 0
