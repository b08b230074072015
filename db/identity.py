"""A person's identity from the name they type: one spelling per person, so one person is one reviewer.

``identity(" Ann  Smith ")`` == ``identity("ANN SMITH")`` == ``"ann smith"``: Unicode NFC, case-folded
(``"Straße"`` -> ``"strasse"``), trimmed, inner runs of white space made one space, NFC again (case folding
can undo composition). Names holding characters nobody sees (zero-width space and joiners, soft hyphen,
bidirectional controls, BOM, control characters, Hangul fillers, the blank braille cell) are refused:
``"ann\\u200b"`` would otherwise be a second reviewer who looks like ann. The standard library's
`unicodedata` does the Unicode work; the list of invisible-but-not-"format" code points is written here
because no library names them.
"""

from __future__ import annotations

import re
import unicodedata

from db.errors import InputError

_INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e\u034f")
"""Code points of other categories that render as nothing."""
_SPACE = re.compile(r"\s+")


def invisible_characters(text: str) -> list[str]:
    """The invisible characters in ``text`` as ``U+XXXX NAME`` (empty list: none)."""
    found = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in ("Cf", "Cc", "Co", "Cn", "Zl", "Zp") and ch not in "\t\n\r" or ch in _INVISIBLE_LETTERS:
            found.append(f"U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed')}")
    return found


def display(name: str) -> str:
    """The name as shown: NFC, trimmed, inner white space one space; refuses invisible characters."""
    text = unicodedata.normalize("NFC", str(name or ""))
    bad = invisible_characters(text)
    if bad:
        raise InputError(f"the name {text!r} holds characters nobody can see ({', '.join(bad)}); "
                         "type it again without them")
    text = _SPACE.sub(" ", text).strip()
    if not text:
        raise InputError("a member's name cannot be empty")
    return text


def identity(name: str) -> str:
    """The normalised identity of ``name`` (see the module docstring); `InputError` for a bad name."""
    return unicodedata.normalize("NFC", display(name).casefold())


def lenient_identity(name: str) -> str:
    """The identity of a name stored before identities existed: invisible characters are dropped instead
    of refused (used by the migration that builds the roster of an older review)."""
    text = "".join(ch for ch in unicodedata.normalize("NFC", str(name or "")) if not invisible_characters(ch))
    text = _SPACE.sub(" ", text).strip()
    return unicodedata.normalize("NFC", text.casefold()) if text else ""
