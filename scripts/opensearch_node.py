"""Start, stop and inspect a local single-node OpenSearch 2.19.1 with ML Commons for tests and demos.

    python scripts/opensearch_node.py start|stop|status [--secure] [--port N] [--dir DIR]

``start`` is idempotent and prints the base URL as its last line; DIR/node.json describes the
running node (URL, CA bundle, users) for test fixtures.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import pwd
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent / "src"))  # also run without the venv

import opensearch_assemble as assembly

from mlgitops.processes import is_running

NODE_USER = "mlgitops-opensearch"
HEAP = os.environ.get("MLGITOPS_OPENSEARCH_HEAP", "1g")
START_TIMEOUT = float(os.environ.get("MLGITOPS_OPENSEARCH_START_TIMEOUT", "240"))

SETTINGS = """\
cluster.name: mlgitops-test
node.name: node-1
network.host: 127.0.0.1
http.port: {port}
transport.port: {transport_port}
discovery.type: single-node
path.data: {dir}/data
path.logs: {dir}/logs
cluster.routing.allocation.disk.threshold_enabled: false
action.destructive_requires_name: false
plugins.ml_commons.only_run_on_ml_node: false
plugins.ml_commons.native_memory_threshold: 100
plugins.ml_commons.jvm_heap_memory_threshold: 100
plugins.ml_commons.disk_free_space_threshold: -1
plugins.ml_commons.trusted_connector_endpoints_regex:
  - '^https://api\\.openai\\.com/.*$'
  - '^https://api\\.cohere\\.ai/.*$'
  - '^https://bedrock-runtime\\..*[a-z0-9-]\\.amazonaws\\.com/.*$'
  - '^https://runtime\\.sagemaker\\..*[a-z0-9-]\\.amazonaws\\.com/.*$'
  - '^http://127\\.0\\.0\\.1(:[0-9]+)?/.*$'
  - '^http://localhost(:[0-9]+)?/.*$'
"""


def _default_dir(secure: bool) -> Path:
    return Path("/tmp/mlgitops-opensearch") / ("secure" if secure else "plain")


def _read_pid(node_dir: Path) -> int | None:
    try:
        pid = int((node_dir / "opensearch.pid").read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if is_running(pid) else None


def _describe(node_dir: Path) -> dict[str, object]:
    try:
        loaded: dict[str, object] = json.loads((node_dir / "node.json").read_text())
    except (OSError, ValueError):
        return {}
    return loaded


def _request(info: dict[str, object], path: str) -> tuple[int, bytes]:
    request = urllib.request.Request(f"{info['url']}{path}")
    context = None
    if info.get("secure"):
        context = ssl.create_default_context(cafile=str(info["ca_bundle"]))
        admin = info["users"]["admin"]  # type: ignore[index]
        token = base64.b64encode(f"{admin['username']}:{admin['password']}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=10, context=context) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()
    except (urllib.error.URLError, OSError):
        return 0, b""


def _ready(info: dict[str, object]) -> bool:
    status, _ = _request(info, "/_cluster/health?wait_for_status=yellow&timeout=5s")
    if status != 200:
        return False
    if info.get("secure"):
        status, _ = _request(info, "/_plugins/_security/authinfo")
        return status == 200
    return True


def _node_user() -> tuple[int, int] | None:
    """The uid/gid the node runs as: the caller, or (as root) an unprivileged user created once."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(NODE_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", NODE_USER],
            check=True,
        )
        entry = pwd.getpwnam(NODE_USER)
    return entry.pw_uid, entry.pw_gid


def _chown_tree(root: Path, ids: tuple[int, int]) -> None:
    for folder, dirs, files in os.walk(root):
        os.chown(folder, *ids)
        for name in [*dirs, *files]:
            os.lchown(os.path.join(folder, name), *ids)


def start(node_dir: Path, port: int, secure: bool) -> str:
    info = _describe(node_dir)
    if _read_pid(node_dir) is not None and info and _ready(info):
        return str(info["url"])
    if _read_pid(node_dir) is not None:
        stop(node_dir)
    node_dir.mkdir(parents=True, exist_ok=True)
    node_dir.chmod(0o755)
    home = node_dir / "home"
    assembly.assemble(home, secure)
    (node_dir / "data").mkdir(exist_ok=True)
    (node_dir / "logs").mkdir(exist_ok=True)
    settings = SETTINGS.format(port=port, transport_port=port + 100, dir=node_dir)
    info = {"url": f"http://127.0.0.1:{port}", "port": port, "secure": False, "dir": str(node_dir)}
    if secure:
        import opensearch_security as security

        settings += security.configure(home, node_dir)
        info.update(security.describe(node_dir, port))
    (home / "config" / "opensearch.yml").write_text(settings)
    ids = _node_user()
    if ids is not None:
        closed = [p for p in node_dir.parents if not p.stat().st_mode & 0o001]
        if closed:
            raise SystemExit(
                f"error: {closed[0]} is not searchable by {NODE_USER}; choose a --dir under /tmp"
            )
        _chown_tree(node_dir, ids)
    env = {
        **os.environ,
        "JAVA_HOME": str(assembly.java_home()),
        "OPENSEARCH_JAVA_OPTS": f"-Xms{HEAP} -Xmx{HEAP}",
        "OPENSEARCH_PATH_CONF": str(home / "config"),
    }
    env.pop("OPENSEARCH_JAVA_HOME", None)
    pid_file = node_dir / "opensearch.pid"
    pid_file.unlink(missing_ok=True)
    started = time.monotonic()
    with (node_dir / "console.log").open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 - fixed local executable
            [str(home / "bin" / "opensearch")],
            cwd=home,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            user=ids[0] if ids else None,
            group=ids[1] if ids else None,
            extra_groups=[] if ids else None,
        )
    pid_file.write_text(f"{process.pid}\n")
    (node_dir / "node.json").write_text(json.dumps(info, indent=2) + "\n")
    while not _ready(info):
        if process.poll() is not None:
            tail = (node_dir / "console.log").read_text(errors="replace").splitlines()[-30:]
            raise SystemExit("error: OpenSearch exited while starting:\n" + "\n".join(tail))
        if time.monotonic() - started > START_TIMEOUT:
            stop(node_dir)
            raise SystemExit(f"error: OpenSearch not healthy after {START_TIMEOUT:.0f}s; see {node_dir}/logs")
        time.sleep(0.5)
    print(f"OpenSearch ready in {time.monotonic() - started:.1f}s (pid {process.pid})", file=sys.stderr)
    return str(info["url"])


def stop(node_dir: Path) -> None:
    pid = _read_pid(node_dir)
    if pid is not None:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 60
        while is_running(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if is_running(pid):
            os.kill(pid, signal.SIGKILL)
    (node_dir / "opensearch.pid").unlink(missing_ok=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="opensearch.sh", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["start", "stop", "status"])
    parser.add_argument("--secure", action="store_true", help="TLS, basic auth and users (security plugin)")
    parser.add_argument("--port", type=int, help="HTTP port (default 9200, or 9201 with --secure)")
    parser.add_argument(
        "--dir", type=Path, help="node directory (default /tmp/mlgitops-opensearch/plain|secure)"
    )
    args = parser.parse_args(argv)
    node_dir = (args.dir or _default_dir(args.secure)).resolve()
    port = args.port or (9201 if args.secure else 9200)
    if args.command == "start":
        print(start(node_dir, port, args.secure))
        return 0
    if args.command == "stop":
        stop(node_dir)
        print(f"stopped {node_dir}")
        return 0
    info = _describe(node_dir)
    if _read_pid(node_dir) is not None and info and _ready(info):
        print(f"running {info['url']} ({node_dir})")
        return 0
    print(f"stopped ({node_dir})")
    return 3


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
