"""Session keys that sign requests between the workers of a cluster (KIP-507, the `sessioned` protocol).

The leader draws a random key, writes it to the config topic (`session-key`), and draws a new
one every `inter.worker.key.ttl.ms`; every worker reads it there. A worker signs the body of an
internal request with it (HMAC, base64 in `X-Connect-Authorization`, the algorithm in
`X-Connect-Request-Signature-Algorithm`); the receiver checks the signature before acting.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

from connect.errors import BadRequestException, ForbiddenException
from connect.runtime.herder import InternalRequestSignature
from connect.storage.configs.kafka import SessionKey

DIGESTS = {"HmacSHA256": hashlib.sha256, "HmacSHA384": hashlib.sha384, "HmacSHA512": hashlib.sha512}
SIGNATURE_HEADER = "X-Connect-Authorization"
ALGORITHM_HEADER = "X-Connect-Request-Signature-Algorithm"


def new_session_key(algorithm: str = "HmacSHA256") -> SessionKey:
    return SessionKey(secrets.token_bytes(32), algorithm, int(time.time() * 1000))


def expired(key: SessionKey | None, ttl_ms: int) -> bool:
    return key is None or int(time.time() * 1000) >= key.created_ms + ttl_ms


def _digest(key: SessionKey, algorithm: str, body: bytes) -> bytes:
    return hmac.new(key.key, body, DIGESTS[algorithm]).digest()


def sign(key: SessionKey, algorithm: str, body: bytes) -> dict[str, str]:
    """The headers that sign `body`."""
    return {SIGNATURE_HEADER: base64.b64encode(_digest(key, algorithm, body)).decode(), ALGORITHM_HEADER: algorithm}


def verify(key: SessionKey | None, signature: InternalRequestSignature | None) -> None:
    """Raise what Kafka Connect answers: 400 for a missing signature or unknown algorithm, 403 for a bad one."""
    if signature is None:
        raise BadRequestException("Internal request missing required signature")
    if signature.algorithm not in DIGESTS:
        raise BadRequestException(f"Signature algorithm {signature.algorithm} is not supported")
    if key is None or not hmac.compare_digest(_digest(key, signature.algorithm, signature.body), signature.signature):
        raise ForbiddenException("Internal request contained invalid signature")
