"""Passwords stay out of everything MetaSift writes or shows: settings, recent lists, logs, messages, JSON.

`redact` hides every form a password takes in text: the userinfo of a URL (``user:pw@host``, also a password
holding an unencoded ``@`` or ``/``: the host starts after the LAST ``@`` of the authority), a query or DSN
keyword (``?password=``, ``&password=``, ``password=x`` in a libpq keyword string, ``PGPASSWORD=x``).
`without_password` gives the URL a recent list may keep. Passwords themselves come from libpq's own
mechanisms (``~/.pgpass``, ``PGPASSFILE``, ``?service=`` with ``pg_service.conf``: psycopg reads them when the
URL carries no password), from a prompt, or, when the person asks, from the system keyring (`keyring`).

Written by hand because SQLAlchemy's ``make_url`` mis-reads an unencoded ``@`` in a password (it would show
the rest of the password as a host name) and no library redacts free text.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

MASK = "***"
PASSWORD_REFUSALS = ("no password supplied", "password authentication failed")
"""What libpq says when the server wants a password it was not given (or not this one)."""
KEYRING_SERVICE = "metasift"

_URL = re.compile(r"\b([a-zA-Z][a-zA-Z0-9+.\-]*)://(\S+)")
_QUERY_PASSWORD = re.compile(r"(?i)([?&])password=([^&#\s]*)(&?)")
_KEYWORD = re.compile(r"(?i)\b(password|passwd|pgpassword|pwd)(\s*[=:]\s*)('(?:[^'\\]|\\.)*'|\"[^\"]*\"|[^\s&;'\"]+)")


def _split_authority(rest: str) -> tuple[str, str, str]:
    """(userinfo, host part, tail) of what follows ``scheme://``. The userinfo ends at the last ``@`` before
    the path; a password may itself hold ``@``, ``/``, ``?`` or ``#`` unencoded, so when an ``@`` comes
    after the first ``/`` it still ends the userinfo unless the part after it cannot be a host."""
    at = rest.rfind("@")
    if at < 0:
        return "", "", rest
    after = rest[at + 1:]
    host = re.match(r"[^/?#\s]*", after)
    hostpart = host.group(0) if host else ""
    return rest[:at], hostpart, after[len(hostpart):]


def _redact_url(match: re.Match[str]) -> str:
    scheme, rest = match.group(1), match.group(2)
    userinfo, host, tail = _split_authority(rest)
    if userinfo and ":" in userinfo:
        user = userinfo.split(":", 1)[0]
        rest = f"{user}:{MASK}@{host}{tail}"
    elif userinfo:
        rest = f"{userinfo}@{host}{tail}"
    return f"{scheme}://{rest}"


def redact(text: object) -> str:
    """``text`` with every password replaced by ``***`` (URLs' userinfo, ``password=`` keywords)."""
    out = _KEYWORD.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", str(text))
    return _URL.sub(_redact_url, out)


def has_password(target: str) -> bool:
    """True when a review target (URL) carries a password anywhere."""
    return redact(target) != str(target)


def split_password(url: str) -> tuple[str, str | None]:
    """(``url`` without its password, the password or None). Handles ``user:pw@`` (also with unencoded
    ``@``) and ``?password=``; a non-URL (a file path) comes back unchanged."""
    m = _URL.match(url.strip())
    if not m:
        return url, None
    scheme, rest = m.group(1), m.group(2)
    password: str | None = None
    query = _QUERY_PASSWORD.search(rest)  # first: a query password may hold an @ of its own
    if query:
        password = unquote(query.group(2))
        rest = rest[:query.start()] + (query.group(1) if query.group(3) else "") + rest[query.end():]
        rest = rest.replace("?&", "?").rstrip("?")
    userinfo, host, tail = _split_authority(rest)
    if userinfo and ":" in userinfo:
        user, given = userinfo.split(":", 1)
        password = unquote(given)
        rest = f"{user}@{host}{tail}"
    return f"{scheme}://{rest}", password


def without_password(target: str) -> str:
    """What a recent list or settings file may keep of ``target``: the URL without its password."""
    return split_password(target)[0]


def with_password(url: str, password: str) -> str:
    """``url`` with ``password`` in its userinfo (percent-encoded); for handing to the driver only."""
    scheme, rest = url.split("://", 1)
    userinfo, host, tail = _split_authority(rest)
    user = userinfo.split(":", 1)[0] if userinfo else ""
    return f"{scheme}://{user}:{quote(password, safe='')}@{host}{tail}"


def keyring_key(url: str) -> str:
    """The keyring username under which ``url``'s password is kept: the URL without password."""
    return without_password(url)


def keyring_password(url: str) -> str | None:
    """The password kept in the system keyring for ``url``, or None (no keyring, no entry)."""
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        return None
    try:
        return keyring.get_password(KEYRING_SERVICE, keyring_key(url))
    except (KeyringError, RuntimeError, OSError):
        return None


def keep_in_keyring(url: str, password: str) -> bool:
    """Store ``password`` for ``url`` in the system keyring; False when no keyring is usable."""
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        return False
    try:
        keyring.set_password(KEYRING_SERVICE, keyring_key(url), password)
    except (KeyringError, RuntimeError, OSError):
        return False
    return True


def split_secret(target: str) -> tuple[str, dict[str, str]]:
    """(the target without password, driver arguments carrying the password out of every string shown).

    A password given in the URL, else one the person kept in the system keyring; without either, libpq
    finds it (``~/.pgpass``, ``PGPASSFILE``, a service file) or the server needs none. A file path (or a
    sqlite URL) comes back unchanged with no arguments."""
    if "://" not in target or target.startswith("sqlite"):
        return target, {}
    bare, password = split_password(target)
    password = password if password is not None else keyring_password(bare)
    return bare, ({"password": password} if password is not None else {})
