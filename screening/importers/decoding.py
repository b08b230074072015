"""Turn an export's bytes into text: BOMs, UTF-8, UTF-16 (EndNote writes it), cp1252/latin-1.

Order: a BOM decides; then strict UTF-8 (most exports); then UTF-16 without a BOM when every other
byte is NUL; then cp1252 (what Western exports that are not UTF-8 almost always are), unless charset-normalizer
recognises a non-Latin legacy encoding; latin-1 as the last resort (every byte decodes).
"""

from __future__ import annotations

import codecs

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


def decode_bytes(data: bytes, name: str = "") -> tuple[str, str]:
    """Decode ``data`` and return (text, encoding). Raises `InputError` for undecodable bytes."""
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
    if b"\x00" not in sample:
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
