"""Encoding text as windows-1258, the legacy Vietnamese code page.

cp1258 has precomposed base letters (â, ê, ô, ơ, ư, ă, đ and a few toned vowels) but writes most
tone marks as combining characters, so NFC text such as "ệ" must be split into "ê" + U+0323
before Python's charmap codec accepts it. Decoding and NFC-normalising gives the text back.
"""

import unicodedata
from functools import lru_cache

TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")  # grave, acute, tilde, hook, dot below


def encode_cp1258(text: str) -> bytes:
    return b"".join(_encode_char(char) for char in unicodedata.normalize("NFC", text))


@lru_cache(maxsize=1024)
def _encode_char(char: str) -> bytes:
    try:
        return char.encode("cp1258")
    except UnicodeEncodeError:
        pass
    decomposed = unicodedata.normalize("NFD", char)
    base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_MARKS))
    tones = "".join(c for c in decomposed if c in TONE_MARKS)
    try:
        return (base + tones).encode("cp1258")
    except UnicodeEncodeError:
        # Outside Vietnamese: an HTML character reference still decodes to the right text.
        return f"&#{ord(char)};".encode("ascii")
