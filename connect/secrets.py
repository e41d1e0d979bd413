"""What counts as a secret, and masking it: one place for REST responses, traces, logs, metrics and dead letters.

A value is secret when its key is declared a password, or its name looks like one
(`*.password`, `*.passwd`, `*secret*`, `*.token`, `*.sasl.jaas.config`, `*.private.key`, ...),
and a URL's user-info (`http://user:pw@host`) is secret wherever it appears. Secret values the
runtime has seen (config values, resolved provider references, URL passwords) are remembered, so
a log line or stack trace that quotes one verbatim is masked too.

>>> mask_text("connect to http://app:s3cret@db:5432/x failed")
'connect to http://app:[hidden]@db:5432/x failed'
>>> mask_config({"connection.url": "http://app:s3cret@es:9200", "aws.secret.access.key": "k", "topic": "t"})
{'connection.url': 'http://app:[hidden]@es:9200', 'aws.secret.access.key': '[hidden]', 'topic': 't'}
"""

from __future__ import annotations

import logging
import re
import threading
import traceback
from collections.abc import Collection, Mapping
from typing import Any

MASK = "[hidden]"
MIN_REMEMBERED = 6  # shorter values would mask ordinary words in log lines
MAX_REMEMBERED = 512  # the newest; bounds the memory and the per-log-line cost whatever requests come in


class Password(str):
    """A secret string: printing it shows `[hidden]`, `.value` gives the secret."""

    __slots__ = ()

    @property
    def value(self) -> str:
        return str.__str__(self)

    def __repr__(self) -> str:
        return MASK

    def __str__(self) -> str:
        return MASK

    def __format__(self, spec: str) -> str:
        return MASK


# -- which keys hold secrets ------------------------------------------------------------------
_SECRET_WORDS = frozenset({"password", "passwd", "pwd", "secret", "secrets", "credential", "credentials", "jaas"})
_SECRET_WORDS |= {"passphrase", "apikey"}
_SECRET_SUFFIXES = ("password", "passwd", "secret")
_SECRET_ENDINGS = frozenset(
    {("private", "key"), ("api", "key"), ("user", "info"), ("keystore", "key"), ("certificate", "chain")}
)


def is_secret_key(name: str) -> bool:
    """Whether a config key's name says it holds a secret (when its definition does not say)."""
    words = [w for w in re.split(r"[._\-]", name.lower()) if w]
    if not words:
        return False
    if any(w in _SECRET_WORDS or w.endswith(_SECRET_SUFFIXES) for w in words):
        return True
    # `sasl.oauthbearer.token.endpoint.url` is not a token; `*.token` and `*.accesstoken` are
    return words[-1].endswith("token") or tuple(words[-2:]) in _SECRET_ENDINGS


def is_reference(value: Any) -> bool:
    """A config-provider reference such as `${file:/path:key}`: shown as written, it reveals no secret."""
    return isinstance(value, str) and value.startswith("${") and value.endswith("}")


# -- secrets inside text ------------------------------------------------------------------------
# The user-info runs to the last `@` before the host: a password may hold an unencoded `@`.
_URL_USERINFO = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.\-]*://)(?P<userinfo>[^\s/?#\[\]\"'<>]+)@")
_KEY = r"[\w.\-]*(?:password|passwd|pwd|secret|token|apikey|api_key|credentials?)[\w.\-]*"
_ASSIGNED = re.compile(rf"(?i)(?P<key>\b{_KEY})(?P<sep>\s*=\s*)(?P<value>\"[^\"]*\"|'[^']*'|[^\s&;,\"']+)")
_QUOTED = re.compile(rf"(?i)(?P<key>([\"']){_KEY}\2)(?P<sep>\s*:\s*)(?P<value>\"[^\"]*\"|'[^']*')")

_remembered: tuple[str, ...] = ()  # longest first, so a secret holding another is masked whole
_recent: dict[str, None] = {}  # the same values, oldest first
_remember_lock = threading.Lock()


def _userinfo(match: re.Match[str]) -> str:
    user, colon, password = match["userinfo"].partition(":")
    if password == MASK:
        return match[0]
    # With a password, the user name stays readable; a bare user-info is often a token (https://TOKEN@host).
    return f"{match['scheme']}{user}:{MASK}@" if colon else f"{match['scheme']}{MASK}@"


def _assigned(match: re.Match[str]) -> str:
    value = match["value"]
    quote = value[0] if value[:1] in ("'", '"') else ""
    return f"{match['key']}{match['sep']}{quote}{MASK}{quote}"


def mask_text(text: str, remembered: bool = True) -> str:
    """`text` with URL passwords, `password=...`-style assignments and (unless told not to) remembered secret
    values masked."""
    if not text:
        return text
    if "@" in text:
        text = _URL_USERINFO.sub(_userinfo, text)
    if "=" in text:
        text = _ASSIGNED.sub(_assigned, text)
    if ":" in text:
        text = _QUOTED.sub(_assigned, text)
    for secret in _remembered if remembered else ():
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def format_exception(exc: BaseException) -> str:
    """A traceback fit for a status trace, a log or a dead-letter header: secrets masked."""
    return mask_text("".join(traceback.format_exception(exc)))


# -- configs --------------------------------------------------------------------------------------
def _is_secret(name: str, value: Any, password_keys: Collection[str]) -> bool:
    return isinstance(value, Password) or name in password_keys or is_secret_key(name)


def mask_value(name: str, value: Any, password_keys: Collection[str] = ()) -> Any:
    """One config value as it may be shown: secrets replaced by `[hidden]`, references kept as written."""
    if value is None or is_reference(value):
        return value
    if _is_secret(name, value, password_keys):
        return MASK
    # Not the remembered values: a config value equal to some password ("kafka") would be shown wrong.
    return mask_text(value, remembered=False) if isinstance(value, str) else value


def mask_config(props: Mapping[str, Any], password_keys: Collection[str] = ()) -> dict[str, Any]:
    """Props fit to show: see `mask_value`. `password_keys` are the keys declared as passwords."""
    return {name: mask_value(name, value, password_keys) for name, value in props.items()}


def restore_masked(
    incoming: Mapping[str, Any], stored: Mapping[str, Any], password_keys: Collection[str] = ()
) -> dict[str, Any]:
    """`incoming` with every value that is the masked form of the stored one put back to the stored value,
    so a config read from the API (masked) and written back unchanged keeps its secrets."""
    out = dict(incoming)
    for name, value in incoming.items():
        masked_stored = isinstance(value, str) and MASK in value and name in stored
        if masked_stored and mask_value(name, stored[name], password_keys) == value:
            out[name] = stored[name]
    return out


def remember(*values: Any) -> None:
    """Remember secret values so that `mask_text` masks them wherever they are quoted."""
    texts = (v.value if isinstance(v, Password) else v for v in values if isinstance(v, str))
    found = [v for v in dict.fromkeys(texts) if len(v) >= MIN_REMEMBERED and v != MASK and not is_reference(v)]
    global _remembered
    if all(v in _recent for v in found):
        return
    with _remember_lock:
        for value in found:
            _recent.pop(value, None)
            _recent[value] = None
        while len(_recent) > MAX_REMEMBERED:
            del _recent[next(iter(_recent))]
        _remembered = tuple(sorted(_recent, key=len, reverse=True))


def remember_config(props: Mapping[str, Any], password_keys: Collection[str] = ()) -> None:
    """Remember the secrets of a config: its secret values and the passwords in its URLs."""
    found: list[Any] = []
    for name, value in props.items():
        if _is_secret(name, value, password_keys):
            found.append(value)
        if isinstance(value, str) and "@" in value:
            found += [m["userinfo"].partition(":")[2] or m["userinfo"] for m in _URL_USERINFO.finditer(value)]
    remember(*found)


# -- logs -----------------------------------------------------------------------------------------
_installed = False


def install_log_masking() -> None:
    """Mask secrets in every log record of this process, whichever handler writes it (idempotent)."""
    global _installed
    with _remember_lock:
        if _installed:
            return
        _installed = True
        previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _mask_record(record)
        return record

    logging.setLogRecordFactory(factory)


def _mask_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a malformed call: logging reports it when the record is emitted
        return
    masked = mask_text(message)
    if masked != message:
        record.msg, record.args = masked, None
    if record.exc_info and record.exc_info[1] is not None:
        text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        masked = mask_text(text)
        if masked != text:
            record.exc_text = masked  # formatters use it instead of formatting the exception again
