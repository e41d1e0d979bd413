"""TLS to the Schema Registry from Confluent's schema.registry.ssl.* keys, against a registry that asks for a
client certificate: PEM and PKCS12 stores, inline PEM, hostname checks, and errors that say what to fix."""

from __future__ import annotations

import pytest

from connect.converters.avro import AvroConverter
from connect.data import INT32_SCHEMA, Schema
from connect.errors import ConfigException, RetriableException
from tests.unit.connect.converters.fake_registry import FakeRegistry, serving
from tests.unit.connect.converters.tls_files import PASSWORD, TlsFiles, make_tls_files

KEY = Schema.struct("shop.Key", [("id", INT32_SCHEMA)])
SSL = "schema.registry.ssl."


@pytest.fixture(scope="module")
def tls(tmp_path_factory) -> TlsFiles:
    return make_tls_files(tmp_path_factory.mktemp("tls"))


def write(url: str, **props: str) -> bytes | None:
    c = AvroConverter()
    c.configure({"schema.registry.url": url, **props}, False)
    try:
        return c.from_connect("t", KEY, {"id": 1})
    finally:
        c.close()


@pytest.mark.parametrize(
    "props",
    [
        pytest.param(
            lambda f: {
                SSL + "truststore.location": str(f.ca_pem),
                SSL + "truststore.type": "PEM",
                SSL + "keystore.location": str(f.client_pem),
                SSL + "keystore.type": "PEM",
                SSL + "key.password": PASSWORD,
            },
            id="PEM files",
        ),
        pytest.param(
            lambda f: {
                SSL + "truststore.location": str(f.ca_p12),
                SSL + "truststore.password": PASSWORD,
                SSL + "truststore.type": "PKCS12",
                SSL + "keystore.location": str(f.client_p12),
                SSL + "keystore.password": PASSWORD,
                SSL + "keystore.type": "PKCS12",
            },
            id="PKCS12 stores",
        ),
        pytest.param(
            lambda f: {  # typed JKS, as Java's default, but PKCS12 inside: read as Java reads it
                SSL + "truststore.location": str(f.ca_p12),
                SSL + "truststore.password": PASSWORD,
                SSL + "keystore.location": str(f.client_p12),
                SSL + "keystore.password": PASSWORD,
            },
            id="PKCS12 typed JKS",
        ),
        pytest.param(
            lambda f: {
                SSL + "truststore.certificates": f.ca_pem.read_text(),
                SSL + "keystore.key": f.client_key,
                SSL + "keystore.certificate.chain": f.client_chain,
            },
            id="inline PEM",
        ),
    ],
)
def test_mutual_tls(tls, props):
    with serving(FakeRegistry(), tls.server) as r:
        data = write(r.url, **props(tls))
        assert data is not None and data[0] == 0 and list(r.subjects) == ["t-value"]


def test_without_the_client_certificate_or_the_ca_the_registry_is_not_reached(tls):
    with serving(FakeRegistry(), tls.server) as r:
        with pytest.raises(RetriableException, match="unreachable"):
            write(r.url, **{SSL + "truststore.location": str(tls.ca_pem)})  # no client certificate
        with pytest.raises(RetriableException, match="CERTIFICATE_VERIFY_FAILED"):
            write(r.url, **{SSL + "keystore.location": str(tls.client_p12), SSL + "keystore.password": PASSWORD})
        assert r.requests == []


def test_hostname_check_can_be_turned_off_but_the_ca_still_counts(tmp_path):
    files = make_tls_files(tmp_path, server_ip="127.0.0.2")  # a certificate for another address
    client = {
        SSL + "truststore.location": str(files.ca_pem),
        SSL + "keystore.location": str(files.client_p12),
        SSL + "keystore.password": PASSWORD,
    }
    with serving(FakeRegistry(), files.server) as r:
        with pytest.raises(RetriableException, match=r"IP address mismatch|doesn.t match"):
            write(r.url, **client)
        assert write(r.url, **client, **{SSL + "endpoint.identification.algorithm": ""}) is not None


def test_store_problems_name_the_key_and_hide_secrets(tls, tmp_path):
    jks = tmp_path / "old.jks"
    jks.write_bytes(b"\xfe\xed\xfe\xed" + b"\x00" * 32)
    cases = [
        ({SSL + "truststore.location": str(jks)}, SSL + "truststore.location", "convert it to PKCS12"),
        ({SSL + "truststore.location": str(tmp_path / "missing.pem")}, SSL + "truststore.location", "Cannot read"),
        (
            {SSL + "keystore.location": str(tls.client_p12), SSL + "keystore.password": "wrong"},
            SSL + "keystore.location",
            "Not a readable PKCS12 store",
        ),
        ({SSL + "keystore.key": tls.client_key}, SSL + "keystore.certificate.chain", "Needed with"),
        ({SSL + "enabled.protocols": "TLSv1.1"}, SSL + "enabled.protocols", "TLSv1.2, TLSv1.3"),
    ]
    for props, key, message in cases:
        with pytest.raises(ConfigException, match=message) as err:
            write("https://127.0.0.1:1", **props)
        assert err.value.name == key
        assert PASSWORD not in str(err.value) and "wrong" not in str(err.value)


def test_certificates_that_are_not_certificates_name_their_key():
    with pytest.raises(ConfigException, match="Not a usable CA certificate") as err:
        write("https://127.0.0.1:1", **{SSL + "truststore.certificates": "-----BEGIN CERTIFICATE-----\nnope\n"})
    assert err.value.name == SSL + "truststore.certificates"
