"""Text as PDFs give it, made regular for the statistics patterns, with a map back to the original offsets.

What PDFs do to statistics, and what `normalise` undoes (each output character remembers the offset of the
input character it came from, so a match can be highlighted in the original page text):

* line breaks (``\\r\\n``, ``\\n``), tabs, no-break and thin spaces become one space; a word hyphenated at a
  line end (``signifi-\\ncant``) is joined again;
* minus signs set as dashes or glyphs (U+2212, U+2013, U+2014, U+2012, U+FE63, U+FF0D) become ``-``;
* ligature glyphs (U+FB00..U+FB04) are spelled out; superscript two becomes ``2``; ``≤``/``≥`` stay.

This is written here because no library maps a normalised string back to source offsets for these cases
(``unicodedata.normalize`` would also change the string's length without a map).
"""

from __future__ import annotations

from dataclasses import dataclass

_MINUS = dict.fromkeys("\u2212\u2013\u2014\u2012\ufe63\uff0d\u2010\u2011", "-")
_LIGATURES = {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl"}
_SPACES = set(" \t\r\n\u00a0\u2009\u202f\u2002\u2003\u2007\u200a\x0c\x0b")
_ZERO_WIDTH = set("\u00ad\u200b\ufeff\x02\ufffe")
_OTHER = {"\u00b2": "2", "\u2082": "2", "\uff1d": "=", "\uff1c": "<", "\uff1e": ">"}


@dataclass(frozen=True)
class Mapped:
    """``text``: the normalised string; ``source[i]``: the input offset its character ``i`` came from."""

    text: str
    source: list[int]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The input offsets ``[a, b)`` covering normalised ``[start, end)`` (end > start)."""
        return self.source[start], self.source[end - 1] + 1


def normalise(text: str) -> Mapped:
    """See the module docstring. Linear in ``len(text)``."""
    out: list[str] = []
    src: list[int] = []
    n = len(text)
    i = 0
    while i < n:
        c = text[i]
        if c in _ZERO_WIDTH:
            i += 1
            continue
        if c in _SPACES:
            j = i
            while j < n and (text[j] in _SPACES or text[j] in _ZERO_WIDTH):
                j += 1
            broke = any(text[k] in "\r\n" for k in range(i, j))
            # "signifi-" + line break + "cant": a hyphenated word, joined (a letter on both sides)
            if broke and out and out[-1] == "-" and len(out) > 1 and out[-2].isalpha() and j < n \
                    and text[j].islower():
                out.pop()
                src.pop()
            elif out and out[-1] != " ":
                out.append(" ")
                src.append(i)
            i = j
            continue
        rep = _MINUS.get(c) or _LIGATURES.get(c) or _OTHER.get(c) or c
        for ch in rep:
            out.append(ch)
            src.append(i)
        i += 1
    return Mapped("".join(out), src)
