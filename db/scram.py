"""A PostgreSQL SCRAM-SHA-256 password verifier computed on the client (RFC 5802 / RFC 7677).

A lead who creates a member's login sends ``CREATE ROLE ... PASSWORD 'SCRAM-SHA-256$...'``: the server stores
the verifier as given, so the plain password never travels to the server nor lands in its statement log
(the same thing psql's ``\\password`` does). Written here because neither psycopg nor the standard library
exposes libpq's ``PQencryptPasswordConn``; the hashing itself is ``hashlib.pbkdf2_hmac`` and ``hmac``.

`saslprep` follows PostgreSQL's own rule (``src/common/saslprep.c``): the password is normalised with
SASLprep (RFC 4013: non-ASCII spaces to a space, "mapped to nothing" characters removed, NFKC); when the
result holds a prohibited character the raw UTF-8 bytes are used instead, as the server does when it checks.
The bidirectional-text checks of RFC 3454 section 6 are not applied (a password failing them is used raw by
the server too, so the verifier still matches).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import stringprep
import unicodedata

ITERATIONS = 4096
"""PostgreSQL's default ``scram_iterations``."""

_PROHIBITED = (stringprep.in_table_c12, stringprep.in_table_c21_c22, stringprep.in_table_c3,
               stringprep.in_table_c4, stringprep.in_table_c5, stringprep.in_table_c6, stringprep.in_table_c7,
               stringprep.in_table_c8, stringprep.in_table_c9, stringprep.in_table_a1)


def saslprep(password: str) -> bytes:
    """The bytes PostgreSQL hashes for ``password`` (see the module docstring)."""
    if password.isascii():
        return password.encode()
    mapped = "".join(" " if stringprep.in_table_c12(ch) else ch for ch in password
                     if not stringprep.in_table_b1(ch))
    normal = unicodedata.normalize("NFKC", mapped)
    if not normal or any(check(ch) for ch in normal for check in _PROHIBITED):
        return password.encode()
    return normal.encode()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def scram_verifier(password: str, *, iterations: int = ITERATIONS, salt: bytes | None = None) -> str:
    """``SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`` for ``password`` (a fresh 16-byte salt
    unless one is given). An empty password is refused: PostgreSQL would store no password at all."""
    if not password:
        raise ValueError("an empty password cannot be stored")
    salt = os.urandom(16) if salt is None else salt
    salted = hashlib.pbkdf2_hmac("sha256", saslprep(password), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    return f"SCRAM-SHA-256${iterations}:{_b64(salt)}${_b64(stored_key)}:{_b64(server_key)}"
