"""The exact-duplicate key of an article body."""

from __future__ import annotations

import hashlib
import re

_WORDS = re.compile(r"\w+")


def body_fingerprint(body: str) -> str:
    """Stable across whitespace, case and punctuation edits of the same text."""
    words = " ".join(_WORDS.findall(body.casefold()))
    return hashlib.sha256(words.encode("utf-8")).hexdigest()[:32]
