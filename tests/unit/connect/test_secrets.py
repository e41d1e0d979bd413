"""Secrets: which keys hold them, and masking them in configs, text, tracebacks and log records."""

from __future__ import annotations

import logging
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connect.secrets import (
    MASK,
    Password,
    format_exception,
    install_log_masking,
    is_secret_key,
    mask_config,
    mask_text,
    remember,
    remember_config,
    restore_masked,
)


@pytest.mark.parametrize(
    "name",
    [
        "connection.password",
        "ssl.key.password",
        "database.passwd",
        "aws.secret.access.key",
        "secret.key",
        "producer.override.sasl.jaas.config",
        "bearer.auth.token",
        "github.accesstoken",
        "api.key",
        "ssl.private.key",
        "basic.auth.user.info",
        "oauth.client.secret",
        "db_password",
        "gcp.credentials",
    ],
)
def test_secret_looking_keys(name):
    assert is_secret_key(name)


@pytest.mark.parametrize(
    "name",
    [
        "key.converter",
        "connection.url",
        "sasl.oauthbearer.token.endpoint.url",
        "aws.access.key.id",
        "topics",
        "tokens.max",
    ],
)
def test_ordinary_keys(name):
    assert not is_secret_key(name)


def test_url_user_info_is_masked_and_the_user_kept():
    assert mask_text("GET http://alice:pa:ss@es:9200/x failed") == f"GET http://alice:{MASK}@es:9200/x failed"
    assert mask_text("redis://:pw@cache:6379/0") == f"redis://:{MASK}@cache:6379/0"
    assert mask_text("https://ghp_TOKEN@github.com/org/repo") == f"https://{MASK}@github.com/org/repo"
    assert mask_text("postgresql://app:p@ss@db/x") == f"postgresql://app:{MASK}@db/x"  # an unencoded @ in it
    assert mask_text("mail me at a@b.org, see http://host/a@b") == "mail me at a@b.org, see http://host/a@b"


def test_assignments_and_quoted_pairs_are_masked():
    dsn = "host=db user=app password=hunter22 dbname=x"
    assert mask_text(dsn) == f"host=db user=app password={MASK} dbname=x"
    jaas = 'PlainLoginModule required username="u" password="p4ss";'
    assert mask_text(jaas) == f'PlainLoginModule required username="u" password="{MASK}";'
    assert (
        mask_text("jdbc:mysql://db/x?user=a&password=b&ssl=true")
        == f"jdbc:mysql://db/x?user=a&password={MASK}&ssl=true"
    )
    assert (
        mask_text("{'db.password': 'x1', \"api_token\": \"y2\"}")
        == f"{{'db.password': '{MASK}', \"api_token\": \"{MASK}\"}}"
    )
    # a message about a key, not an assignment, is left readable
    message = "Invalid value 'x' for configuration db.password: Missing required configuration"
    assert mask_text(message) == message


def test_remembered_secrets_are_masked_anywhere():
    remember("s3cret-value-remembered", "short")
    assert mask_text("login with s3cret-value-remembered failed") == f"login with {MASK} failed"
    assert mask_text("short stays") == "short stays"  # too short to mask everywhere


def test_config_masking_keeps_references_and_declared_passwords_hidden():
    props = {
        "connection.url": "http://u:pw@es:9200",
        "connection.password": "${file:/etc/secrets.properties:es}",
        "mine": "plain-declared-secret",
        "token": Password("tok"),
        "topics": "a,b",
        "tasks.max": 1,
        "nothing": None,
    }
    assert mask_config(props, {"mine"}) == {
        "connection.url": f"http://u:{MASK}@es:9200",
        "connection.password": "${file:/etc/secrets.properties:es}",
        "mine": MASK,
        "token": MASK,
        "topics": "a,b",
        "tasks.max": 1,
        "nothing": None,
    }


def test_a_masked_value_written_back_keeps_the_stored_secret():
    stored = {"connection.url": "http://u:pw@es:9200", "db.password": "hunter2", "topics": "a"}
    incoming = {**mask_config(stored), "topics": "b", "new.password": MASK}
    assert restore_masked(incoming, stored) == {**stored, "topics": "b", "new.password": MASK}
    changed = {"connection.url": f"http://other:{MASK}@es:9200"}  # another user: not the stored value
    assert restore_masked(changed, stored) == changed


def test_remember_config_learns_secret_values_and_url_passwords():
    remember_config({"x.url": "http://u:url-password-1@h", "x.token": "token-value-22", "topic": "topic-name-3"})
    assert mask_text("url-password-1 token-value-22 topic-name-3") == f"{MASK} {MASK} topic-name-3"


def test_tracebacks_are_masked():
    try:
        raise ConnectionError("cannot reach http://app:trace-pw@db:5432")
    except ConnectionError as exc:
        trace = format_exception(exc)
    assert "trace-pw" not in trace and f"http://app:{MASK}@db:5432" in trace


def test_log_records_are_masked_whichever_handler_writes_them(caplog):
    install_log_masking()
    install_log_masking()  # idempotent
    log = logging.getLogger("tests.secrets")
    with caplog.at_level(logging.INFO, logger="tests.secrets"):
        log.info("connecting to %s", "http://app:log-pw@es:9200")
        try:
            raise RuntimeError("password=log-pw-2 rejected")
        except RuntimeError:
            log.exception("failed")
    text = caplog.text
    assert "log-pw" not in text and f"http://app:{MASK}@es:9200" in text and f"password={MASK}" in text


_SECRETS = st.text(string.ascii_letters + string.digits + "!$%^*()_+-~.", min_size=1, max_size=30)


@given(user=st.text(string.ascii_letters, max_size=8), password=_SECRETS, host=st.sampled_from(["db", "10.0.0.1:5432"]))
def test_no_url_password_survives_masking(user, password, host):
    text = f"error at postgresql://{user}:{password}@{host}/x: timeout"
    masked = mask_text(text)
    assert f":{password}@" not in masked and masked.endswith(f"@{host}/x: timeout")


def test_remembered_secrets_are_bounded_newest_kept():
    from connect import secrets

    remember(*(f"flood-secret-{i:05d}" for i in range(secrets.MAX_REMEMBERED + 100)))
    assert len(secrets._remembered) == secrets.MAX_REMEMBERED
    newest = f"flood-secret-{secrets.MAX_REMEMBERED + 99:05d}"
    assert mask_text(newest) == MASK and mask_text("flood-secret-00000") == "flood-secret-00000"


def test_a_config_value_that_equals_a_remembered_password_is_shown_as_it_is():
    remember("kafka-common-word")
    assert mask_config({"topic": "kafka-common-word"}) == {"topic": "kafka-common-word"}
    assert mask_text("topic kafka-common-word") == f"topic {MASK}"  # in free text it is masked
