"""Streams config: defaults follow the guarantee, bad values are named, client prefixes pass through."""

import pytest

from connect.errors import ConfigException
from streams.config import StreamsConfig

BASE = {"application.id": "app", "bootstrap.servers": "k:9092"}


def test_commit_interval_defaults_follow_the_guarantee():
    assert StreamsConfig.parse(BASE).commit_interval_ms == 30000
    eos = StreamsConfig.parse({**BASE, "processing.guarantee": "exactly_once"})
    assert eos.exactly_once and eos.guarantee == "exactly_once_v2" and eos.commit_interval_ms == 100


def test_client_prefixes_pass_through():
    cfg = StreamsConfig.parse({**BASE, "consumer.session.timeout.ms": "6000", "producer.linger.ms": 1})
    assert cfg.consumer == {"session.timeout.ms": "6000"} and cfg.producer == {"linger.ms": 1}


@pytest.mark.parametrize(
    ("props", "key"),
    [
        ({"bootstrap.servers": "k:9092"}, "application.id"),
        ({**BASE, "processing.guarantee": "twice"}, "processing.guarantee"),
        ({**BASE, "commit.interval.ms": "0"}, "commit.interval.ms"),
        ({**BASE, "errors.tolerance": "some"}, "errors.tolerance"),
    ],
)
def test_a_bad_value_names_its_key(props, key):
    with pytest.raises(ConfigException, match=key.replace(".", r"\.")):
        StreamsConfig.parse(props)
