"""``mlgitops engine serve|rotate-key|info``: the local engine's HTTP facade and maintenance."""

import argparse
import json
import sys
from pathlib import Path

from mlgitops.cli import options, serving, wiring
from mlgitops.cli.errors import EXIT_ERROR
from mlgitops.cli.localbackend import LocalEngineBackend, unmanaged_warning
from mlgitops.engine import LocalEngine
from mlgitops.engine.http import token
from mlgitops.engine.http.server import EngineServer, TlsFiles, is_loopback, make_server
from mlgitops.engine.resources.integrity import UnreadableValue
from mlgitops.errors import ConfigError, MlGitOpsError

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
    serve.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="also answer requests whose Host header is NAME (loopback names and the bound address "
        "always are; others are refused, against DNS rebinding); repeatable",
    )
    serve.add_argument("--tls-cert", type=Path, metavar="PEM", help="serve HTTPS with this certificate chain")
    serve.add_argument("--tls-key", type=Path, metavar="PEM", help="the private key of --tls-cert")
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
    check = commands.add_parser(
        "check",
        help="find stored credentials that no longer decrypt",
        description="Decrypt every stored credential value of the engine in --dir (without showing any) and "
        "name the resource of each one that fails, with how to re-apply it. Exit 0 when all decrypt, 1 "
        "otherwise.",
    )
    check.set_defaults(handler=_check)
    for sub in (serve, rotate, info, check):
        sub.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="engine directory (default .mlgitops)")


def require_engine(directory: Path) -> None:
    """Raise ConfigError when ``directory`` holds no engine (commands that only read must not create one)."""
    if wiring.is_missing_engine_dir(directory):
        raise ConfigError(f"no engine at {directory} (reconcile creates it)")


def _tls_files(args: argparse.Namespace) -> TlsFiles | None:
    if (args.tls_cert is None) != (args.tls_key is None):
        raise ConfigError("--tls-cert and --tls-key go together: give both, or neither for plain HTTP")
    return None if args.tls_cert is None else TlsFiles(args.tls_cert, args.tls_key)


def _serve(args: argparse.Namespace) -> int:
    tls = _tls_files(args)
    with LocalEngine(args.dir, background_tasks=True) as engine:
        server = make_server(
            engine,
            args.host,
            args.port,
            allow_remote=args.allow_remote,
            allowed_hosts=args.allow_host,
            tls=tls,
        )
        # On SIGTERM leave serve_forever like ^C does, so queued tasks finish and the database closes.
        # The lines are printed once that handler is in place: a client may signal as soon as it reads them.
        try:
            serving.serve_until_terminated(lambda: _announce_and_serve(server, args, tls is not None))
        finally:
            server.server_close()
    return 0


def _announce_and_serve(server: EngineServer, args: argparse.Namespace, tls: bool) -> None:
    path = token.token_path(args.dir)
    print(f"serving ML Commons API for {args.dir} on {server.url}", flush=True)
    print(
        f"clients must send Authorization: Bearer <token>; the token is in {path} "
        f'(mlgitops: export {token.TOKEN_ENV}="$(cat {path})")',
        flush=True,
    )
    if not tls and not is_loopback(args.host):
        print(
            f"warning: {server.url} is plain HTTP: the token crosses the network in clear; "
            "use --tls-cert and --tls-key",
            file=sys.stderr,
            flush=True,
        )
    server.serve_forever()


def _rotate(args: argparse.Namespace) -> int:
    require_engine(args.dir)
    with LocalEngine(args.dir) as engine:
        fingerprint = engine.rotate_key()
    print(f"master key rotated for {args.dir}; new fingerprint {fingerprint}")
    return 0


def _check(args: argparse.Namespace) -> int:
    require_engine(args.dir)
    target = f"{wiring.LOCAL_PREFIX}{args.dir}"
    with wiring.open_local_backend(target) as backend:
        broken = backend.engine.unreadable_values()
        if not broken:
            total = backend.engine.info()["credentials"]
            print(f"all {total} stored credential value(s) of {args.dir} decrypt")
            return 0
        lines = _check_lines(backend, broken, f"re-apply it: mlgitops reconcile --target {target}")
    for line in lines:
        print(line)
    print(f"error: {len(broken)} stored credential value(s) of {args.dir} no longer decrypt", file=sys.stderr)
    return EXIT_ERROR


def _check_lines(backend: LocalEngineBackend, broken: list[UnreadableValue], fix: str) -> list[str]:
    """One line per unreadable value, naming the managed resource (and ``fix``) when the records allow."""
    if any(value.kind == "document" for value in broken):  # the records cannot be read then
        return [unmanaged_warning(value) for value in broken]
    try:
        backend.read_state_marking([], broken, fix)
    except MlGitOpsError:  # e.g. the records cannot be read: name the engine's resources only
        return [unmanaged_warning(value) for value in broken]
    return list(backend.warnings)


def _info(args: argparse.Namespace) -> int:
    require_engine(args.dir)
    with LocalEngine(args.dir) as engine:
        print(json.dumps(engine.info(), indent=2))
    return 0
