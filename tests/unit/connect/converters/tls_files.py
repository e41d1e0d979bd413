"""A throwaway CA, a server certificate for 127.0.0.1 and a client certificate, as PEM and PKCS12 files."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    NoEncryption,
    PrivateFormat,
    pkcs12,
)
from cryptography.x509.oid import NameOID

PASSWORD = "store-secret"


@dataclass(frozen=True)
class TlsFiles:
    ca_pem: Path
    ca_p12: Path  # a truststore: the CA certificate only
    client_pem: Path  # key (encrypted with PASSWORD) + certificate
    client_p12: Path
    client_key: str  # PEM text, unencrypted
    client_chain: str
    server: ssl.SSLContext  # serves 127.0.0.1, asks for a client certificate signed by the CA


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject: str, key, issuer_name: str, issuer_key, ca: bool, san: str | None = None) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if san is not None:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(san))]), False)
    return builder.sign(issuer_key, hashes.SHA256())


def make_tls_files(folder: Path, server_ip: str = "127.0.0.1") -> TlsFiles:
    ca_key, server_key, client_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    ca = _cert("test CA", ca_key, "test CA", ca_key, ca=True)
    server = _cert("registry", server_key, "test CA", ca_key, ca=False, san=server_ip)
    client = _cert("client", client_key, "test CA", ca_key, ca=False)
    pem = Encoding.PEM
    (folder / "ca.pem").write_bytes(ca.public_bytes(pem))
    (folder / "ca.p12").write_bytes(
        pkcs12.serialize_key_and_certificates(None, None, None, [ca], BestAvailableEncryption(PASSWORD.encode()))
    )
    key_text = client_key.private_bytes(pem, PrivateFormat.PKCS8, NoEncryption()).decode()
    chain_text = client.public_bytes(pem).decode()
    encrypted = client_key.private_bytes(pem, PrivateFormat.PKCS8, BestAvailableEncryption(PASSWORD.encode()))
    (folder / "client.pem").write_bytes(encrypted + client.public_bytes(pem))
    (folder / "client.p12").write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"client", client_key, client, None, BestAvailableEncryption(PASSWORD.encode())
        )
    )
    (folder / "server.pem").write_bytes(
        server_key.private_bytes(pem, PrivateFormat.PKCS8, NoEncryption()) + server.public_bytes(pem)
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "server.pem")
    context.load_verify_locations(folder / "ca.pem")
    context.verify_mode = ssl.CERT_REQUIRED
    return TlsFiles(
        folder / "ca.pem",
        folder / "ca.p12",
        folder / "client.pem",
        folder / "client.p12",
        key_text,
        chain_text,
        context,
    )
