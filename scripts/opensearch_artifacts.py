"""Maven Central artifacts of a local OpenSearch 2.19.1 + ML Commons node: fetch, verify, cache."""

from __future__ import annotations

import hashlib
import os
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

MAVEN = os.environ.get("MLGITOPS_MAVEN_URL", "https://repo1.maven.org/maven2").rstrip("/")
OPENSEARCH_VERSION = "2.19.1"
PLUGIN_VERSION = "2.19.1.0"


@dataclass(frozen=True)
class Artifact:
    group: str
    name: str
    version: str
    ext: str = "jar"
    sha256: str | None = None

    @property
    def filename(self) -> str:
        return f"{self.name}-{self.version}.{self.ext}"

    @property
    def url(self) -> str:
        return f"{MAVEN}/{self.group.replace('.', '/')}/{self.name}/{self.version}/{self.filename}"


SERVER = Artifact("org.opensearch.distribution.integ-test-zip", "opensearch", OPENSEARCH_VERSION, "zip")
# Maven Central serves no checksum files next to these plugin zips, so their SHA-256 is pinned here.
JOB_SCHEDULER = Artifact(
    "org.opensearch.plugin",
    "opensearch-job-scheduler",
    PLUGIN_VERSION,
    "zip",
    "a54e12582b88a4c173d6e58b16fbc609df12a04eff010ae30396905a1a882bf6",
)
ML_PLUGIN = Artifact(
    "org.opensearch.plugin",
    "opensearch-ml-plugin",
    PLUGIN_VERSION,
    "zip",
    "2324234d81109dcb2c488da5a6b2034cc0f78d9d08e40ce49ba59fc423a5df5f",
)
SECURITY = Artifact(
    "org.opensearch.plugin",
    "opensearch-security",
    PLUGIN_VERSION,
    "zip",
    "94a04f12ac6033902209fac1e4e512618d45beee604bbf0e42c3ed79c55220cf",
)

# Modules the integ-test distribution leaves out but the ML Commons lifecycle uses:
# Painless for pre/post-process scripts, reindex for delete-by-query when a model is deleted.
MODULES: dict[str, tuple[str, list[Artifact]]] = {
    "lang-painless": (
        "org.opensearch.painless.PainlessPlugin",
        [
            Artifact("org.opensearch.plugin", "lang-painless", OPENSEARCH_VERSION),
            Artifact("org.opensearch.plugin", "opensearch-scripting-painless-spi", OPENSEARCH_VERSION),
            Artifact("org.antlr", "antlr4-runtime", "4.13.1"),
            *(
                Artifact("org.ow2.asm", name, "9.7")
                for name in ("asm", "asm-analysis", "asm-commons", "asm-tree", "asm-util")
            ),
        ],
    ),
    "reindex": (
        "org.opensearch.index.reindex.ReindexPlugin",
        [
            Artifact("org.opensearch.plugin", "reindex-client", OPENSEARCH_VERSION),
            Artifact("org.opensearch.client", "opensearch-rest-client", OPENSEARCH_VERSION),
            Artifact("org.opensearch", "opensearch-ssl-config", OPENSEARCH_VERSION),
            Artifact("org.apache.httpcomponents", "httpclient", "4.5.14"),
            Artifact("org.apache.httpcomponents", "httpcore", "4.4.16"),
            Artifact("org.apache.httpcomponents", "httpasyncclient", "4.1.5"),
            Artifact("org.apache.httpcomponents", "httpcore-nio", "4.4.16"),
            Artifact("commons-codec", "commons-codec", "1.16.1"),
            Artifact("commons-logging", "commons-logging", "1.2"),
            Artifact("io.projectreactor", "reactor-core", "3.5.20"),
            Artifact("org.reactivestreams", "reactive-streams", "1.0.4"),
        ],
    ),
}


def cache_dir() -> Path:
    default = Path.home() / ".cache" / "mlgitops" / "opensearch"
    return Path(os.environ.get("MLGITOPS_OPENSEARCH_CACHE", default))


def _get(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 - fixed https Maven URL
            data: bytes = response.read()
    except OSError as err:
        raise SystemExit(f"error: cannot fetch {url}: {err}") from None
    return data


def _digest(path: Path, algorithm: str) -> str:
    digest = hashlib.new(algorithm)
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(artifact: Artifact) -> Path:
    """The cached file of ``artifact``, downloaded and checked against Maven Central's .sha1 once."""
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / artifact.filename
    verified = folder / f"{artifact.filename}.verified"
    if path.exists() and verified.exists():
        return path
    if artifact.sha256:
        algorithm, expected = "sha256", artifact.sha256
    else:
        algorithm, expected = "sha1", _get(f"{artifact.url}.sha1").decode().split()[0].strip().lower()
    if not path.exists() or _digest(path, algorithm) != expected:
        print(f"downloading {artifact.url}", file=sys.stderr)
        partial = path.with_suffix(path.suffix + ".part")
        with urllib.request.urlopen(artifact.url, timeout=600) as response, partial.open("wb") as out:  # noqa: S310
            for block in iter(lambda: response.read(1 << 20), b""):
                out.write(block)
        if _digest(partial, algorithm) != expected:
            partial.unlink()
            raise SystemExit(f"error: {artifact.url} does not match its {algorithm.upper()}; try again")
        partial.replace(path)
    verified.write_text(expected + "\n")
    return path


def all_artifacts(secure: bool) -> list[Artifact]:
    found = [SERVER, JOB_SCHEDULER, ML_PLUGIN]
    for _, jars in MODULES.values():
        found.extend(jars)
    if secure:
        found.append(SECURITY)
    return found
