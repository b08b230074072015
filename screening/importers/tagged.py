"""Shared mechanics of the line-tagged formats (RIS, PubMed MEDLINE, Web of Science, Ovid).

All four are "TAG - value" lines with untagged continuation lines; they differ in the tag shape, the
record boundaries and how continuations join. rispy reads RIS only, maps tags to its own names and
drops what it does not know; the other three have no well-kept Python reader. So MetaSift keeps one
small tokenizer here and a declarative field map per format.
"""

from __future__ import annotations

import re

_NEWLINES = re.compile(r"\r\n?|\n")


def split_lines(text: str) -> list[str]:
    """Lines of ``text`` for CR, LF, CRLF or mixed endings (a final newline adds no empty line)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = _NEWLINES.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def add_value(fields: dict[str, list[str]], tag: str, value: str) -> None:
    """Append ``value`` to the values of ``tag``."""
    bucket = fields.get(tag)
    if bucket is None:
        fields[tag] = [value]
    else:
        bucket.append(value)


def raw_fields(fields: dict[str, list[str]]) -> dict[str, str | list[str]]:
    """Tag -> value (or list of values when the tag repeats), empty values dropped."""
    out: dict[str, str | list[str]] = {}
    for tag, values in fields.items():
        vals = [v for v in values if v]
        if not vals:
            continue
        out[tag] = vals[0] if len(vals) == 1 else vals
    return out
