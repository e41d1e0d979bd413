"""TLS to the Schema Registry from Confluent's `schema.registry.ssl.*` keys, as an `ssl.SSLContext`.

Key and trust stores may be PEM or PKCS12 files (Java's default store format since Java 9; a
store typed JKS that is really PKCS12 is read too, as Java reads it), or PEM given inline
(`ssl.keystore.key` + `ssl.keystore.certificate.chain`, `ssl.truststore.certificates`). A
truststore replaces the system's CAs, as it does in Java. Legacy JKS stores cannot be read
by Python: the error says how to convert them.
"""

from __future__ import annotations

import os
import secrets
import ssl
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from connect.config import ConfigDef, Importance, Type, ValidString
from connect.errors import ConfigException

PREFIX = "schema.registry."
_JKS_MAGIC = b"\xfe\xed\xfe\xed"
_PROTOCOLS = {"TLSv1.2": ssl.TLSVersion.TLSv1_2, "TLSv1.3": ssl.TLSVersion.TLSv1_3}
_STORE_TYPES = ("JKS", "PKCS12", "PEM")


def define_tls(config: ConfigDef) -> ConfigDef:
    """Add the `schema.registry.ssl.*` keys to `config`."""
    p = PREFIX + "ssl."
    return (
        config.define(
            p + "truststore.location",
            Type.STRING,
            None,
            Importance.MEDIUM,
            "File of the CA certificates to trust for the registry's HTTPS (PEM or PKCS12); instead of the system's.",
        )
        .define(p + "truststore.password", Type.PASSWORD, None, Importance.MEDIUM, "Password of a PKCS12 truststore.")
        .define(
            p + "truststore.type",
            Type.STRING,
            "JKS",
            Importance.MEDIUM,
            "Format of the truststore file: PEM or PKCS12 (JKS, Java's old default, is read when the file is PKCS12).",
            validator=ValidString.in_(*_STORE_TYPES),
        )
        .define(
            p + "truststore.certificates",
            Type.PASSWORD,
            None,
            Importance.MEDIUM,
            "The trusted CA certificates as PEM text, instead of a truststore file.",
        )
        .define(
            p + "keystore.location",
            Type.STRING,
            None,
            Importance.MEDIUM,
            "File holding the client's key and certificate chain for mutual TLS (PEM or PKCS12).",
        )
        .define(p + "keystore.password", Type.PASSWORD, None, Importance.MEDIUM, "Password of the keystore file.")
        .define(
            p + "keystore.type",
            Type.STRING,
            "JKS",
            Importance.MEDIUM,
            "Format of the keystore file: PEM or PKCS12 (JKS is read when the file is PKCS12).",
            validator=ValidString.in_(*_STORE_TYPES),
        )
        .define(
            p + "key.password",
            Type.PASSWORD,
            None,
            Importance.MEDIUM,
            "Password of the private key (in a PEM keystore, or `keystore.key`).",
        )
        .define(
            p + "keystore.key",
            Type.PASSWORD,
            None,
            Importance.MEDIUM,
            "The client's private key as PEM text (with `keystore.certificate.chain`), instead of a keystore file.",
        )
        .define(
            p + "keystore.certificate.chain",
            Type.PASSWORD,
            None,
            Importance.MEDIUM,
            "The client's certificate chain as PEM text, with `keystore.key`.",
        )
        .define(
            p + "endpoint.identification.algorithm",
            Type.STRING,
            "https",
            Importance.LOW,
            "`https` checks that the registry's certificate names its host; empty turns that check off (the "
            "certificate is still verified against the trusted CAs).",
        )
        .define(
            p + "enabled.protocols",
            Type.LIST,
            "TLSv1.2,TLSv1.3",
            Importance.LOW,
            "TLS versions allowed with the registry.",
            validator=_protocols,
        )
    )


def _protocols(name: str, value: Any) -> None:
    unknown = [v for v in value or () if v not in _PROTOCOLS]
    if unknown or not value:
        raise ConfigException(name, value, f"Must be a list of {', '.join(_PROTOCOLS)}")


def _secret(parsed: Mapping[str, Any], key: str) -> str | None:
    value = parsed.get(PREFIX + "ssl." + key)
    return None if value is None else value.value


def tls_context(parsed: Mapping[str, Any]) -> ssl.SSLContext:
    """The TLS context the parsed `schema.registry.ssl.*` settings describe."""
    p = PREFIX + "ssl."
    context = ssl.create_default_context()
    trust = _trusted_pem(parsed)
    if trust is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        try:
            context.load_verify_locations(cadata=trust)
        except ssl.SSLError as exc:
            inline = parsed.get(p + "truststore.certificates") is not None
            name = p + ("truststore.certificates" if inline else "truststore.location")
            shown = "[hidden]" if inline else parsed.get(name)
            raise ConfigException(name, shown, f"Not a usable CA certificate: {exc}") from None
    protocols = sorted(_PROTOCOLS[v] for v in parsed[p + "enabled.protocols"])
    context.minimum_version, context.maximum_version = protocols[0], protocols[-1]
    if not (parsed[p + "endpoint.identification.algorithm"] or "").strip():
        context.check_hostname = False
    _load_client_key(context, parsed)
    return context


def _trusted_pem(parsed: Mapping[str, Any]) -> str | None:
    p = PREFIX + "ssl."
    inline = _secret(parsed, "truststore.certificates")
    if inline is not None:
        return inline
    location = parsed.get(p + "truststore.location")
    if location is None:
        return None
    data = _read(p + "truststore.location", location)
    if _is_pem(data, parsed[p + "truststore.type"]):
        return data.decode("ascii", errors="replace")
    _, cert, extra = _pkcs12(p + "truststore", location, data, _secret(parsed, "truststore.password"))
    certs = ([cert] if cert is not None else []) + list(extra)
    if not certs:
        raise ConfigException(p + "truststore.location", location, "The truststore holds no certificate")
    return "".join(_pem_cert(c) for c in certs)


def _load_client_key(context: ssl.SSLContext, parsed: Mapping[str, Any]) -> None:
    p = PREFIX + "ssl."
    key_pem, chain_pem = _secret(parsed, "keystore.key"), _secret(parsed, "keystore.certificate.chain")
    password = _secret(parsed, "key.password")
    location = parsed.get(p + "keystore.location")
    if key_pem is None and location is None:
        return
    if key_pem is not None:
        if chain_pem is None:
            raise ConfigException(p + "keystore.certificate.chain", None, "Needed with ssl.keystore.key")
        key_and_chain = key_pem + "\n" + chain_pem
    else:
        assert location is not None  # no inline key: the keystore file
        data = _read(p + "keystore.location", location)
        if _is_pem(data, parsed[p + "keystore.type"]):
            key_and_chain = data.decode("ascii", errors="replace")
            password = password or _secret(parsed, "keystore.password")
        else:
            key, cert, extra = _pkcs12(p + "keystore", location, data, _secret(parsed, "keystore.password"))
            if key is None or cert is None:
                raise ConfigException(p + "keystore.location", location, "The keystore holds no key and certificate")
            password = secrets.token_urlsafe(24)  # the key travels encrypted through the temporary file
            key_and_chain = _pem_key(key, password) + "".join(_pem_cert(c) for c in [cert, *extra])
    with _private_file(key_and_chain) as path:
        try:
            context.load_cert_chain(path, password=password)
        except (ssl.SSLError, ValueError) as exc:
            name = p + ("keystore.key" if key_pem is not None else "keystore.location")
            shown = "[hidden]" if key_pem is not None else location
            raise ConfigException(name, shown, f"Cannot load the client key and certificate: {exc}") from None


def _read(name: str, location: str) -> bytes:
    try:
        with open(location, "rb") as f:
            return f.read()
    except OSError as exc:
        raise ConfigException(name, location, f"Cannot read the file: {exc.strerror}") from None


def _is_pem(data: bytes, declared: str) -> bool:
    return declared.upper() == "PEM" or data.lstrip().startswith(b"-----BEGIN")


def _pkcs12(name: str, location: str, data: bytes, password: str | None) -> tuple[Any, Any, list[Any]]:
    if data.startswith(_JKS_MAGIC):
        raise ConfigException(
            name + ".location",
            location,
            "A JKS store cannot be read here: convert it to PKCS12 (keytool -importkeystore -srckeystore "
            f"{location} -destkeystore store.p12 -deststoretype PKCS12) or PEM",
        )
    from cryptography.hazmat.primitives.serialization import pkcs12

    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, password.encode() if password else None)
    except ValueError as exc:
        raise ConfigException(name + ".location", location, f"Not a readable PKCS12 store ({exc})") from None
    return key, cert, extra


def _pem_cert(cert: Any) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding

    return cert.public_bytes(Encoding.PEM).decode("ascii")


def _pem_key(key: Any, password: str) -> str:
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, Encoding, PrivateFormat

    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, BestAvailableEncryption(password.encode())).decode()


@contextmanager
def _private_file(text: str) -> Iterator[str]:
    """A temporary file only this user can read, removed after use (ssl loads keys from files only)."""
    fd, path = tempfile.mkstemp(prefix="sluice-registry-", suffix=".pem")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        yield path
    finally:
        os.unlink(path)
