"""The secured node: a generated CA and node certificate, basic auth, and three users of distinct roles."""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import shutil
import subprocess
from pathlib import Path

import opensearch_assemble as assembly

ORG = "mlgitops test"
NODE_DN = f"CN=node-1,OU=mlgitops,O={ORG}"
ADMIN_DN = f"CN=admin,OU=mlgitops,O={ORG}"

# Local test credentials of a throwaway loopback node (never a real cluster's).
USERS = {
    "admin": {"password": "Mlgitops-Adm1n-Local!", "backend_roles": ["admin"]},
    "alice": {"password": "Mlgitops-Al1ce-Local!", "backend_roles": ["team-a"]},
    "bob": {"password": "Mlgitops-B0b-Local!", "backend_roles": ["team-b"]},
}

SETTINGS = f"""\
plugins.security.ssl.transport.pemcert_filepath: certs/node.pem
plugins.security.ssl.transport.pemkey_filepath: certs/node-key.pem
plugins.security.ssl.transport.pemtrustedcas_filepath: certs/ca.pem
plugins.security.ssl.transport.enforce_hostname_verification: false
plugins.security.ssl.http.enabled: true
plugins.security.ssl.http.pemcert_filepath: certs/node.pem
plugins.security.ssl.http.pemkey_filepath: certs/node-key.pem
plugins.security.ssl.http.pemtrustedcas_filepath: certs/ca.pem
plugins.security.allow_default_init_securityindex: true
plugins.security.authcz.admin_dn: ["{ADMIN_DN}"]
plugins.security.nodes_dn: ["{NODE_DN}"]
plugins.security.audit.type: noop
plugins.security.restapi.roles_enabled: ["all_access"]
plugins.ml_commons.connector_access_control_enabled: true
"""

ROLES = """
mlgitops_state:
  reserved: false
  description: "mlgitops' own state index and the cluster reads a reconcile needs"
  cluster_permissions: ["cluster_monitor", "cluster_composite_ops"]
  index_permissions:
    - index_patterns: [".mlgitops*"]
      allowed_actions: ["indices_all"]
"""

ROLES_MAPPING = """\
_meta:
  type: "rolesmapping"
  config_version: 2
all_access:
  reserved: false
  backend_roles: ["admin"]
ml_full_access:
  reserved: false
  backend_roles: ["team-a", "team-b"]
mlgitops_state:
  reserved: false
  backend_roles: ["team-a", "team-b"]
"""


def _certificates(certs: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    def name(common: str) -> x509.Name:
        return x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORG),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "mlgitops"),
                x509.NameAttribute(NameOID.COMMON_NAME, common),
            ]
        )

    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = name("mlgitops test CA")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    def leaf(common: str, stem: str, sans: list[x509.GeneralName]) -> None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        builder = (
            x509.CertificateBuilder()
            .subject_name(name(common))
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=825))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                critical=False,
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
            )
        )
        if sans:
            builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        cert = builder.sign(ca_key, hashes.SHA256())
        (certs / f"{stem}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        (certs / f"{stem}-key.pem").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )

    leaf(
        "node-1",
        "node",
        [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))],
    )
    leaf("admin", "admin", [])
    (certs / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))


def _bcrypt(home: Path, password: str) -> str:
    tool = home / "plugins" / "opensearch-security" / "tools" / "hash.sh"
    env = {**os.environ, "JAVA_HOME": str(assembly.java_home())}
    done = subprocess.run([str(tool), "-p", password], env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()[-1]


def _security_config(home: Path) -> None:
    folder = home / "config" / "opensearch-security"
    users = ['_meta:\n  type: "internalusers"\n  config_version: 2\n']
    for user, spec in USERS.items():
        hashed = _bcrypt(home, str(spec["password"]))
        users.append(
            f'{user}:\n  hash: "{hashed}"\n  reserved: false\n  backend_roles: {json.dumps(spec["backend_roles"])}\n'
        )
    (folder / "internal_users.yml").write_text("".join(users))
    roles = (folder / "roles.yml").read_text()
    if "mlgitops_state:" not in roles:
        (folder / "roles.yml").write_text(roles + ROLES)
    (folder / "roles_mapping.yml").write_text(ROLES_MAPPING)


def configure(home: Path, node_dir: Path) -> str:
    """Certificates and security config once per home; returns the opensearch.yml security settings."""
    certs = home / "config" / "certs"
    if not (certs / "ca.pem").exists():
        certs.mkdir(parents=True, exist_ok=True)
        _certificates(certs)
        _security_config(home)
    shutil.copy(certs / "ca.pem", node_dir / "ca.pem")
    return SETTINGS


def describe(node_dir: Path, port: int) -> dict[str, object]:
    return {
        "url": f"https://127.0.0.1:{port}",
        "secure": True,
        "ca_bundle": str(node_dir / "ca.pem"),
        "users": {
            user: {"username": user, "password": spec["password"], "backend_roles": spec["backend_roles"]}
            for user, spec in USERS.items()
        },
    }
