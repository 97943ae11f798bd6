"""AES-256-GCM for single credential values: fresh 12-byte nonce, associated data binds the owner."""

import base64
import binascii
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from mlgitops.errors import CredentialStoreError

KEY_BYTES = 32
NONCE_BYTES = 12
_FINGERPRINT_LABEL = b"mlgitops master key fingerprint v1"


def generate_key() -> bytes:
    """A random 32-byte AES-256 master key."""
    return os.urandom(KEY_BYTES)


def decode_key(text: str, source: str) -> bytes:
    """Decode a base64 master key; ``source`` names where it came from for the error message."""
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise CredentialStoreError(f"master key in {source} is not valid base64") from None
    if len(key) != KEY_BYTES:
        raise CredentialStoreError(f"master key in {source} must be {KEY_BYTES} bytes, got {len(key)}")
    return key


def encode_key(key: bytes) -> str:
    """The base64 text form of a master key."""
    return base64.b64encode(key).decode("ascii")


def fingerprint(key: bytes) -> str:
    """A short public identifier of a key (HMAC of a fixed label; reveals nothing about the key)."""
    return hmac.new(key, _FINGERPRINT_LABEL, hashlib.sha256).hexdigest()[:16]


def associated_data(owner_id: str, credential_key: str) -> bytes:
    """The AAD binding a ciphertext to its resource id and credential key."""
    return f"{owner_id}\x00{credential_key}".encode()


def encrypt(key: bytes, plaintext: str, aad: bytes) -> str:
    """Encrypt one value; returns base64(nonce || ciphertext || tag)."""
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode("utf-8"), aad)
    return base64.b64encode(nonce + sealed).decode("ascii")


def decrypt(key: bytes, token: str, aad: bytes, label: str) -> str:
    """Decrypt one value; tampering or a wrong key raises CredentialStoreError naming ``label``."""
    try:
        raw = base64.b64decode(token, validate=True)
        plain = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad)
        return plain.decode("utf-8")
    except (InvalidTag, binascii.Error, ValueError, UnicodeDecodeError):
        raise CredentialStoreError(
            f"credential {label} cannot be decrypted: "
            "the ciphertext was tampered with or the master key is wrong"
        ) from None
