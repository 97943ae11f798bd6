"""A throwaway CA and an HTTPS embedding server on loopback that records the SNI name and Host header."""

import datetime
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from serverkit import JSONHandler, loopback_server

EMBEDDING_ANSWER = {"object": "list", "data": [{"object": "embedding", "index": 0, "embedding": [0.25]}]}


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@dataclass(frozen=True)
class TestCA:
    """A CA certificate and a server certificate it signed for one DNS name (no IP address SAN)."""

    ca_file: Path
    cert_file: Path
    key_file: Path

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_file))


def make_ca(directory: Path, server_name: str) -> TestCA:
    """Write a CA and a certificate for ``server_name`` under ``directory``."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("mlgitops test CA"))
        .issuer_name(_name("mlgitops test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(server_name))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(server_name)]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    files = TestCA(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    files.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key_file.write_bytes(_pem_key(key))
    return files


@dataclass
class Seen:
    """What the HTTPS server saw: SNI names of handshakes and Host headers of requests."""

    sni: list[str | None] = field(default_factory=list)
    hosts: list[str | None] = field(default_factory=list)


class _EmbeddingHandler(JSONHandler):
    seen: Seen

    def on_post(self, body: Any) -> None:
        self.seen.hosts.append(self.headers.get("Host"))
        self.send_json(200, EMBEDDING_ANSWER)


@contextmanager
def https_server(ca: TestCA) -> Iterator[tuple[int, Seen]]:
    """Serve embeddings over TLS on 127.0.0.1 (port 0); yields the port and what was seen."""
    seen = Seen()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(ca.cert_file), str(ca.key_file))
    context.sni_callback = lambda _sock, name, _ctx: seen.sni.append(name)  # type: ignore[assignment,func-returns-value]
    handler = type("Handler", (_EmbeddingHandler,), {"seen": seen})
    with loopback_server(handler, tls=context) as url:
        yield int(url.rsplit(":", 1)[1]), seen
