"""Fold the Unicode tricks of gambling spam ("𝐒𝐋𝐎𝐓 𝐆𝐀𝐂𝐎𝐑", "ＳＬＯＴ", "ⓢⓛⓞⓣ", Cyrillic "ѕlоt") to ASCII."""

from __future__ import annotations

import re
import unicodedata

# Cyrillic, Greek and other look-alikes that NFKC leaves alone, folded to the ASCII letter
# they imitate (lower case; upper-case forms are listed too because folding runs before lower()).
_HOMOGLYPHS = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d",
    "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l", "ɡ": "g", "ь": "b", "п": "n", "г": "r", "ц": "u",
    "А": "a", "В": "b", "Е": "e", "Ё": "e", "К": "k", "М": "m", "Н": "h", "О": "o", "Р": "p",
    "С": "c", "Т": "t", "У": "y", "Х": "x", "Ѕ": "s", "І": "i", "Ї": "i", "Ј": "j", "Ԁ": "d",
    "Ԛ": "q", "Ԝ": "w", "Һ": "h", "Ӏ": "l", "Г": "r", "П": "n",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "γ": "y", "ω": "w", "σ": "o", "ς": "s", "μ": "u",
    "Α": "a", "Β": "b", "Ε": "e", "Ζ": "z", "Η": "h", "Ι": "i", "Κ": "k", "Μ": "m", "Ν": "n",
    "Ο": "o", "Ρ": "p", "Τ": "t", "Υ": "y", "Χ": "x",
    # Latin look-alikes and IPA letters used by "fancy text" generators
    "ı": "i", "ȷ": "j", "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ŧ": "t", "ß": "ss",
    "ɑ": "a", "ɢ": "g", "ɪ": "i", "ʟ": "l", "ɴ": "n", "ʀ": "r", "ʏ": "y", "ʜ": "h", "ʙ": "b",
    "ɩ": "i", "ʋ": "u", "ɾ": "r", "ʂ": "s", "ƚ": "l", "ɓ": "b", "ɗ": "d", "ƒ": "f", "ɠ": "g",
    "ɦ": "h", "ƙ": "k", "ɱ": "m", "ɲ": "n", "ƥ": "p", "ʠ": "q", "ƭ": "t", "ⱳ": "w",
    "ƴ": "y", "ȥ": "z",
}
# Deleted: zero-width characters, soft hyphen, word joiner, BOM, variation selectors.
_INVISIBLE = "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e\u200f" \
             "\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068" \
             "\u2069\u206a\u206b\u206c\u206d\u206e\u206f\u3164\ufeff\uffa0"
# Blocks where letters hide under names like "NEGATIVE SQUARED LATIN CAPITAL LETTER A".
_NAMED_RANGES = ((0x1D00, 0x1DBF), (0x2100, 0x218F), (0x2460, 0x24FF), (0x1D400, 0x1D7FF),
                 (0x1F100, 0x1F1FF), (0xFF00, 0xFFEF), (0x00C0, 0x024F), (0x1E00, 0x1EFF),
                 (0xA720, 0xA7FF))
_NAME = re.compile(r"\bLATIN (?:CAPITAL |SMALL )?(?:LETTER )?(?:SMALL CAPITAL )?([A-Z])\b"
                   r"|\bDIGIT ([A-Z]+)\b")
_DIGITS = {"ZERO": "0", "ONE": "1", "TWO": "2", "THREE": "3", "FOUR": "4", "FIVE": "5",
           "SIX": "6", "SEVEN": "7", "EIGHT": "8", "NINE": "9"}


def _fold(ch: str) -> str | None:
    """The ASCII a fancy character stands for, or None when it stands for none."""
    nfkd = unicodedata.normalize("NFKD", ch)
    base = "".join(c for c in nfkd if not unicodedata.combining(c))
    if base and base.isascii() and base.isalnum():
        return base.lower()
    match = _NAME.search(unicodedata.name(ch, ""))
    if match and match.group(1):
        return match.group(1).lower()
    if match and match.group(2) in _DIGITS:
        return _DIGITS[match.group(2)]
    return None


def _build_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {ord(c): None for c in _INVISIBLE}
    for lo, hi in _NAMED_RANGES:
        for cp in range(lo, hi + 1):
            folded = _fold(chr(cp))
            if folded is not None:
                table[cp] = folded
    for cp in range(0x1F1E6, 0x1F200):  # regional indicator symbols 🇦..🇿
        table[cp] = chr(ord("a") + cp - 0x1F1E6)
    for cp in (*range(0x0300, 0x0370), *range(0x1AB0, 0x1B00), *range(0x1DC0, 0x1E00),
               *range(0x20D0, 0x2100), *range(0xFE00, 0xFE10), *range(0xFE20, 0xFE30)):
        table[cp] = None  # combining marks: strike-through, underline, keycap and enclosing circles
    for cp in range(0xE0100, 0xE01F0):
        table[cp] = None
    table.update({ord(k): v for k, v in _HOMOGLYPHS.items()})
    return table


_TABLE = _build_table()
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _char_class(codepoints: list[int]) -> str:
    ranges: list[list[int]] = []
    for cp in sorted(codepoints):
        if ranges and cp == ranges[-1][1] + 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
                   for a, b in ranges)


# Characters normalize_text folds, except plain accented Latin letters (é is not a trick).
_FANCY = re.compile(f"[{_char_class([cp for cp in _TABLE if not 0xC0 <= cp <= 0x24F])}]")


def _fold_run(match: re.Match[str]) -> str:
    folded = unicodedata.normalize("NFKC", match.group()).translate(_TABLE)
    if not folded.isascii():
        # NFKC may compose letter + mark pairs the table did not see as one character.
        folded = unicodedata.normalize("NFKD", folded).translate(_TABLE)
    return folded


def normalize_text(text: str) -> str:
    """NFKC, fancy letters and look-alikes folded to ASCII, invisible characters dropped, lower case."""
    if text.isascii():
        return text.lower()
    # Only the non-ASCII runs are folded: translate() is slow on characters its table lacks.
    return _NON_ASCII.sub(_fold_run, text).lower()


def has_fancy(text: str) -> bool:
    """True when the text holds characters normalize_text folds (not plain ASCII or plain accents)."""
    return not text.isascii() and _FANCY.search(text) is not None


__all__ = ["has_fancy", "normalize_text"]
