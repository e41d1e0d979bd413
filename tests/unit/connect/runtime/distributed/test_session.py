"""Internal requests are signed with the leader's session key: a missing signature is a 400, a wrong one a 403."""

from __future__ import annotations

import base64

import pytest

from connect.errors import BadRequestException, ForbiddenException
from connect.runtime.distributed.session import (
    ALGORITHM_HEADER,
    SIGNATURE_HEADER,
    expired,
    new_session_key,
    sign,
    verify,
)
from connect.runtime.herder import InternalRequestSignature


def signed(key, body: bytes, algorithm: str = "HmacSHA256") -> InternalRequestSignature:
    headers = sign(key, algorithm, body)
    return InternalRequestSignature(headers[ALGORITHM_HEADER], base64.b64decode(headers[SIGNATURE_HEADER]), body)


@pytest.mark.parametrize("algorithm", ["HmacSHA256", "HmacSHA384", "HmacSHA512"])
def test_a_signed_body_verifies(algorithm):
    key = new_session_key()
    verify(key, signed(key, b'[{"a": "b"}]', algorithm))


def test_a_missing_signature_is_a_bad_request():
    with pytest.raises(BadRequestException, match="missing required signature"):
        verify(new_session_key(), None)


def test_another_key_or_body_is_forbidden():
    key, other = new_session_key(), new_session_key()
    with pytest.raises(ForbiddenException):
        verify(key, signed(other, b"[]"))
    tampered = signed(key, b"[]")
    with pytest.raises(ForbiddenException):
        verify(key, InternalRequestSignature(tampered.algorithm, tampered.signature, b"[{}]"))
    with pytest.raises(ForbiddenException):
        verify(None, tampered)


def test_an_unknown_algorithm_is_a_bad_request():
    key = new_session_key()
    with pytest.raises(BadRequestException, match="not supported"):
        verify(key, InternalRequestSignature("HmacMD5", b"x", b""))


def test_keys_expire_after_their_ttl():
    key = new_session_key()
    assert not expired(key, 60_000) and expired(key, 0) and expired(None, 60_000)
