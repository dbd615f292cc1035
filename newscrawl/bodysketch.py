"""An article body's MinHash signature, computed where the text is (the extraction worker, which
has the cleaned body in hand) and carried with the article to the publication step, which then
only derives band keys from it instead of hashing every shingle in the crawl process.

It travels as an attribute of the item outside its fields, so no exporter writes it, and it is
used only for the very body it was computed from: a later step that changes the body (the
site's furniture stripped) computes the new body's signature itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

_ATTRIBUTE = "_newscrawl_body_signature"


@dataclass(frozen=True)
class BodySignature:
    body: str
    num_perm: int
    signature: bytes  # ``minhash.signature_to_bytes``; b"" for a body without words


def attach(item: Any, signature: BodySignature) -> None:
    setattr(item, _ATTRIBUTE, signature)


def attached(item: Any, body: str, num_perm: int) -> bytes | None:
    """The signature carried by ``item`` if it was computed from ``body`` with ``num_perm``
    permutations; None otherwise (then compute it)."""
    found = getattr(item, _ATTRIBUTE, None)
    if isinstance(found, BodySignature) and found.num_perm == num_perm and found.body == body:
        return found.signature
    return None


def detach(item: Any) -> None:
    """Drop the carried signature (once used: it is not needed in the held article's copy)."""
    if hasattr(item, _ATTRIBUTE):
        delattr(item, _ATTRIBUTE)
