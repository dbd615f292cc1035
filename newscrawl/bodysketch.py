"""What the publication step needs of an article body, computed where the text is (the
extraction worker, which has the cleaned body in hand, in parallel with the other pages) and
carried with the article to the publication step (the crawl process, one page after another,
most of it after the crawl): the body's MinHash signature, its exact-duplicate fingerprint and
the furniture key of each of its lines. The publication step then only derives band keys from
the signature instead of hashing every shingle, and neither fingerprints nor keys the lines
again unless the body changes.

It travels as an attribute of the item outside its fields, so no exporter writes it, and it is
used only for the very body it was computed from: a later step that changes the body (the
site's furniture stripped) computes what it needs of the new body itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

_ATTRIBUTE = "_newscrawl_body_digest"


@dataclass(frozen=True)
class BodyDigest:
    body: str
    num_perm: int
    signature: bytes  # ``minhash.body_signature``; b"" for a body without words
    fingerprint: str  # ``state.fingerprint.body_fingerprint``
    line_keys: tuple[str | None, ...]  # ``cleaning.furniture.keys_by_line``


def body_digest(body: str, num_perm: int) -> BodyDigest:
    """Computes what a ``BodyDigest`` holds; imports the MinHash (numpy) on first use."""
    from newscrawl.cleaning.furniture import keys_by_line
    from newscrawl.state.fingerprint import body_fingerprint
    from newscrawl.state.minhash import body_signature

    return BodyDigest(
        body,
        num_perm,
        body_signature(body, num_perm) or b"",
        body_fingerprint(body),
        keys_by_line(body),
    )


def attach(item: Any, digest: BodyDigest) -> None:
    setattr(item, _ATTRIBUTE, digest)


def attached(item: Any, body: str, num_perm: int) -> BodyDigest:
    """The digest carried by ``item`` if it was computed from ``body`` with ``num_perm``
    permutations, else ``body``'s computed now."""
    found = getattr(item, _ATTRIBUTE, None)
    if isinstance(found, BodyDigest) and found.num_perm == num_perm and found.body == body:
        return found
    return body_digest(body, num_perm)


def detach(item: Any) -> None:
    """Drop the carried digest (once used: it is not needed in the held article's copy)."""
    if hasattr(item, _ATTRIBUTE):
        delattr(item, _ATTRIBUTE)
