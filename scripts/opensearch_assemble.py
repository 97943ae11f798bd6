"""Assemble an OpenSearch home: the integ-test server, Painless and reindex modules, ML Commons."""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import opensearch_artifacts as artifacts

DESCRIPTOR = """\
description={name} module for a local mlgitops test node
version={version}
name={name}
classname={classname}
java.version=11
opensearch.version={version}
extended.plugins=
has.native.controller=false
"""

POLICY = {
    "lang-painless": """\
grant {
  permission java.lang.RuntimePermission "createClassLoader";
  permission java.lang.RuntimePermission "getClassLoader";
};
""",
    "reindex": """\
grant {
  permission java.net.SocketPermission "*", "connect";
};
""",
}


def java_home() -> Path:
    """JAVA_HOME, or the JDK of ``java`` on PATH; installs a headless JRE 17 via apt as root if none."""
    if os.environ.get("JAVA_HOME"):
        return Path(os.environ["JAVA_HOME"])
    java = shutil.which("java")
    if java is None and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "openjdk-17-jre-headless"], check=True, env=env)
        java = shutil.which("java")
    if java is None:
        raise SystemExit(
            "error: Java 17+ not found; install it (e.g. apt-get install openjdk-17-jre-headless)"
        )
    return Path(java).resolve().parent.parent


def _unzip(archive: Path, target: Path, strip: str) -> None:
    with zipfile.ZipFile(archive) as zipped:
        for info in zipped.infolist():
            if not info.filename.startswith(strip):
                continue
            relative = info.filename[len(strip) :]
            if not relative:
                continue
            dest = target / relative
            if info.is_dir():
                dest.mkdir(parents=True, exist_ok=True)
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            with zipped.open(info) as source, dest.open("wb") as out:
                shutil.copyfileobj(source, out)
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                dest.chmod(mode)


def _module(home: Path, name: str) -> None:
    classname, jars = artifacts.MODULES[name]
    folder = home / "modules" / name
    folder.mkdir(parents=True, exist_ok=True)
    for jar in jars:
        if (home / "lib" / jar.filename).exists():
            continue
        shutil.copy(artifacts.fetch(jar), folder / jar.filename)
    (folder / "plugin-descriptor.properties").write_text(
        DESCRIPTOR.format(name=name, version=artifacts.OPENSEARCH_VERSION, classname=classname)
    )
    (folder / "plugin-security.policy").write_text(POLICY[name])


def install_plugin(home: Path, archive: Path) -> None:
    env = {**os.environ, "JAVA_HOME": str(java_home()), "OPENSEARCH_PATH_CONF": str(home / "config")}
    done = subprocess.run(
        [str(home / "bin" / "opensearch-plugin"), "install", "--batch", archive.resolve().as_uri()],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"error: installing {archive.name} failed:\n{done.stdout}{done.stderr}")


def assemble(home: Path, secure: bool) -> None:
    """Build ``home`` once (a marker file records which variant); a half-built home is rebuilt."""
    marker = home / ".mlgitops-assembled"
    variant = "secure" if secure else "plain"
    if marker.exists() and marker.read_text().strip() == variant:
        return
    if home.exists():
        shutil.rmtree(home)
    needed = artifacts.all_artifacts(secure)
    for artifact in needed:
        artifacts.fetch(artifact)
    _unzip(artifacts.fetch(artifacts.SERVER), home, f"opensearch-{artifacts.OPENSEARCH_VERSION}/")
    for name in artifacts.MODULES:
        _module(home, name)
    install_plugin(home, artifacts.fetch(artifacts.JOB_SCHEDULER))
    install_plugin(home, artifacts.fetch(artifacts.ML_PLUGIN))
    if secure:
        install_plugin(home, artifacts.fetch(artifacts.SECURITY))
        for tool in (home / "plugins" / "opensearch-security" / "tools").glob("*.sh"):
            tool.chmod(0o755)
    marker.write_text(variant + "\n")
