"""Turn an export's bytes into text: BOMs, UTF-8, UTF-16 (EndNote writes it), cp1252/latin-1.

Order: a BOM decides; then strict UTF-8 (most exports); then UTF-16 without a BOM when every other
byte is NUL; then UTF-8 *with a few damaged bytes* (see below); then cp1252 (what Western exports that are
not UTF-8 almost always are), unless charset-normalizer recognises a non-Latin legacy encoding; latin-1 as
the last resort (every byte decodes).

A file that is UTF-8 except for a few invalid bytes (a record pasted from elsewhere, a cut multi-byte
character) is never re-decoded whole as cp1252 or a CJK codec: that would turn every valid "été" of the
file into mojibake. Its valid text stays UTF-8 and only each run of invalid bytes is repaired: a lone byte
between letters that is a letter in cp1252 (``caf\xe9``) becomes that letter, anything else becomes
U+FFFD. The decision is per run of bad bytes, found by decoding with ``surrogateescape`` (no codec does
"UTF-8 with a per-run fallback"), and every repair is reported as a warning naming the lines.

NUL characters are removed from decoded text (PostgreSQL refuses them in text columns, and no export
means them) with a warning naming the lines.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from db.errors import InputError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


_NON_LATIN = frozenset({
    "cp1251", "koi8_r", "koi8_u", "iso8859_5", "mac_cyrillic", "cp866", "cp1253", "iso8859_7",
    "cp1255", "iso8859_8", "cp1256", "iso8859_6", "shift_jis", "cp932", "euc_jp", "iso2022_jp",
    "gb2312", "gbk", "gb18030", "cp936", "big5", "big5hkscs", "cp950", "euc_kr", "cp949", "johab",
    "tis_620", "cp874", "cp1258",
})


_BAD_RUN = re.compile("[\udc80-\udcff]+")
_NON_ASCII_OK = re.compile("[\x80-\udc7f\udd00-\U0010ffff]")


def line_numbers(text: str, positions: list[int], limit: int = 10) -> str:
    """"lines 3, 17 and 20" for character ``positions`` in ``text`` (at most ``limit`` named)."""
    lines: list[int] = []
    last_pos, last_line = 0, 1
    for pos in sorted(positions):
        last_line += text.count("\n", last_pos, pos) + (text.count("\r", last_pos, pos)
                                                        - text.count("\r\n", last_pos, pos))
        last_pos = pos
        if not lines or lines[-1] != last_line:
            lines.append(last_line)
    shown = ", ".join(str(n) for n in lines[:limit])
    more = f" and {len(lines) - limit} more" if len(lines) > limit else ""
    return f"line{'s' if len(lines) > 1 else ''} {shown}{more}"


def _repair_run(text: str, m: re.Match[str]) -> str:
    raw = bytes(ord(c) - 0xDC00 for c in m.group(0))
    before = text[m.start() - 1] if m.start() else ""
    after = text[m.end()] if m.end() < len(text) else ""
    if len(raw) == 1 and before.isascii() and before.isalpha() and (not after or after.isascii()):
        try:
            ch = raw.decode("cp1252")
        except UnicodeDecodeError:
            return "\ufffd"
        if ch.isalpha():
            return ch
    return "\ufffd"


def _utf8_with_damage(data: bytes, name: str, warnings: list[str] | None) -> str | None:
    """The text of ``data`` when it is UTF-8 with a few invalid bytes (more valid non-ASCII characters than
    invalid bytes), each run of bad bytes repaired; None when it does not look like damaged UTF-8."""
    text = data.decode("utf-8", errors="surrogateescape")
    runs = list(_BAD_RUN.finditer(text))
    n_bad = sum(len(m.group(0)) for m in runs)
    n_good = len(_NON_ASCII_OK.findall(text, 0, min(len(text), 4_000_000)))
    if not runs or n_good == 0 or n_bad > n_good:
        return None
    out: list[str] = []
    last = 0
    repaired = replaced = 0
    for m in runs:
        fix = _repair_run(text, m)
        out.append(text[last:m.start()])
        out.append(fix)
        last = m.end()
        if fix == "\ufffd":
            replaced += len(m.group(0))
        else:
            repaired += 1
    out.append(text[last:])
    if warnings is not None:
        what = []
        if replaced:
            what.append(f"{replaced} byte{'s' if replaced > 1 else ''} replaced by U+FFFD")
        if repaired:
            what.append(f"{repaired} read as cp1252 letter{'s' if repaired > 1 else ''}")
        warnings.append(f"{name}: {line_numbers(text, [m.start() for m in runs])}: {n_bad} byte"
                        f"{'s are' if n_bad > 1 else ' is'} not valid UTF-8 ({'; '.join(what)}); the rest of "
                        "the file was read as UTF-8")
    return "".join(out)


def strip_nul(text: str, name: str, warnings: list[str] | None) -> str:
    """``text`` without NUL characters, with a warning naming the lines that had them."""
    if "\x00" not in text:
        return text
    if warnings is not None:
        positions = [m.start() for m in re.finditer("\x00+", text)]
        n = text.count("\x00")
        warnings.append(f"{name}: {line_numbers(text, positions)}: {n} NUL character{'s' if n > 1 else ''} "
                        "removed (no export means them; they are often the sign of a damaged file)")
    return text.replace("\x00", "")


def decode_bytes(data: bytes, name: str = "", warnings: list[str] | None = None) -> tuple[str, str]:
    """Decode ``data`` and return (text, encoding). Raises `InputError` for undecodable bytes.

    Repairs (invalid UTF-8 bytes, NUL characters) are appended to ``warnings`` when it is given.
    """
    text, enc = _decode(data, name, warnings)
    return strip_nul(text, name, warnings), enc


def _decode(data: bytes, name: str, warnings: list[str] | None) -> tuple[str, str]:
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError as exc:
                raise InputError(f"starts with a {enc} byte-order mark but byte {exc.start} is not "
                                 f"valid {enc}", file=name) from exc
    sample = data[:4000]
    if len(sample) >= 4 and sample.count(0) > len(sample) // 5:
        # NUL bytes are valid UTF-8, so UTF-16 without a BOM must be recognised before trying UTF-8
        even_nul = sample[0::2].count(0) / max(1, len(sample[0::2]))
        odd_nul = sample[1::2].count(0) / max(1, len(sample[1::2]))
        for enc, cond in (("utf-16-le", odd_nul > 0.4 and even_nul < 0.1),
                          ("utf-16-be", even_nul > 0.4 and odd_nul < 0.1)):
            if cond:
                try:
                    return data.decode(enc), enc
                except UnicodeDecodeError:
                    pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    damaged = _utf8_with_damage(data, name, warnings)
    if damaged is not None:
        return damaged, "utf-8"
    if sample.count(0) <= len(sample) // 100:
        # Western exports that are not UTF-8 are nearly always cp1252; charset-normalizer is trusted
        # only when it recognises a non-Latin script (Cyrillic, Greek, CJK, ...), where cp1252 would
        # silently produce mojibake.
        best = from_bytes(data[:200_000]).best()
        if best is not None and best.encoding in _NON_LATIN:
            try:
                return data.decode(best.encoding), best.encoding
            except (UnicodeDecodeError, LookupError):
                pass
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            return data.decode("latin-1"), "latin-1"
    raise InputError("is not text in any encoding MetaSift reads (UTF-8, UTF-16, cp1252/latin-1)",
                     file=name)
