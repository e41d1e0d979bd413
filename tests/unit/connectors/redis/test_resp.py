"""The RESP packer: the same bytes redis-py would send, for everything the sink sends."""

from __future__ import annotations

import pytest
from redis._parsers.encoders import Encoder
from redis.connection import PythonRespSerializer
from redis.exceptions import DataError

from connectors.redis.resp import RespPacker

REDIS_PY = PythonRespSerializer(6000, Encoder("utf-8", "strict", False).encode)


@pytest.mark.parametrize(
    "command",
    [
        ("DEL", "k"),
        ("HSET", "orders:1", "id", 1, "price", 2.5, "raw", b"\x00\xff\r\n", "name", "Zoë", "empty", ""),
        ("SET", b"\x01key", b'{"a":1}', "EX", 60),
        ("XADD", "s", "MAXLEN", "~", 1000, "*", "f", "v"),
        ("ZADD", "z", -1.5e-10, "m"),
        ("COMMAND INFO", "JSON.SET"),
        ("SET", "big", "x" * 100_000),
    ],
)
def test_packs_the_bytes_redis_py_would(command):
    assert b"".join(RespPacker().pack(*command)) == b"".join(REDIS_PY.pack(*command))


@pytest.mark.parametrize("value", [True, None, 1j, object()])
def test_refuses_what_redis_py_refuses(value):
    with pytest.raises(DataError, match="Invalid input of type"):
        RespPacker().pack("SET", "k", value)
