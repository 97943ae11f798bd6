"""``mlgitops engine serve|rotate-key|info``: the local engine's HTTP facade and maintenance."""

import argparse
import json
from pathlib import Path

from mlgitops.cli import options, serving, wiring
from mlgitops.engine import LocalEngine
from mlgitops.engine.http.server import make_server
from mlgitops.errors import ConfigError

DEFAULT_DIR = Path(".mlgitops")


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add ``engine`` and its subcommands."""
    parser = subparsers.add_parser(
        "engine",
        help="the embedded ML Commons engine",
        description="Serve, inspect or re-key the embedded engine (the local:DIR target).",
        epilog="Example: mlgitops engine serve --dir .mlgitops --port 9200",
    )
    commands = parser.add_subparsers(dest="engine_command", metavar="SUBCOMMAND", required=True)
    serve = commands.add_parser(
        "serve",
        help="serve the ML Commons REST API for the engine directory",
        description="Serve the engine in --dir over the ML Commons REST API (loopback only by default) "
        "until Ctrl-C or SIGTERM.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument(
        "--port", type=options.port_number, default=9200, help="port (default 9200; 0 picks a free one)"
    )
    serve.add_argument("--allow-remote", action="store_true", help="allow binding a non-loopback address")
    serve.set_defaults(handler=_serve)
    rotate = commands.add_parser(
        "rotate-key",
        help="re-encrypt every credential under a new master key",
        description="Generate a new master key for the engine in --dir and re-encrypt every credential.",
    )
    rotate.set_defaults(handler=_rotate)
    info = commands.add_parser(
        "info",
        help="resource counts and the master key fingerprint",
        description="Print the engine's resource counts and master key fingerprint as JSON.",
    )
    info.set_defaults(handler=_info)
    for sub in (serve, rotate, info):
        sub.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="engine directory (default .mlgitops)")


def require_engine(directory: Path) -> None:
    """Raise ConfigError when ``directory`` holds no engine (commands that only read must not create one)."""
    if wiring.is_missing_engine_dir(directory):
        raise ConfigError(f"no engine at {directory} (reconcile creates it)")


def _serve(args: argparse.Namespace) -> int:
    with LocalEngine(args.dir, background_tasks=True) as engine:
        server = make_server(engine, args.host, args.port, allow_remote=args.allow_remote)
        # On SIGTERM leave serve_forever like ^C does, so queued tasks finish and the database closes.
        try:
            print(f"serving ML Commons API for {args.dir} on {server.url}", flush=True)
            serving.serve_until_terminated(server.serve_forever)
        finally:
            server.server_close()
    return 0


def _rotate(args: argparse.Namespace) -> int:
    require_engine(args.dir)
    with LocalEngine(args.dir) as engine:
        fingerprint = engine.rotate_key()
    print(f"master key rotated for {args.dir}; new fingerprint {fingerprint}")
    return 0


def _info(args: argparse.Namespace) -> int:
    require_engine(args.dir)
    with LocalEngine(args.dir) as engine:
        print(json.dumps(engine.info(), indent=2))
    return 0
