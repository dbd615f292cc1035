"""MinHash signatures and LSH band keys for near-duplicate bodies, as datasketch computes them.

datasketch's ``MinHashLSH`` keeps its hash tables in process memory, or in Redis under its own
random-named pickled layout, so it can serve neither a SQLite file nor our staged two-phase commit,
key prefix and TTL. We therefore take the MinHash, the Jaccard estimate and the (b, r) choice from
datasketch and only re-derive ``MinHashLSH``'s band keys here, for the backends to store.

datasketch itself is not imported at run time: its package imports scipy (for the (b, r)
choice), ~0.9 s and ~60 MB in each process. Its MinHash values are computed here with numpy
(``body_signature``, in the extraction workers), the (b, r) of the default threshold is known,
the Jaccard estimate is its formula on the values; tests check all three against datasketch.
A threshold other than the default still asks datasketch for its (b, r).

A signature is the bytes of its hash values (little-endian 32-bit words, as stored): the band
keys and the Jaccard estimate need no numpy, which the crawl process, where they are computed,
then does not import (~11 MiB, 0.2 s).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from array import array
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

# The hash values, little-endian 32-bit words (``NUM_PERM`` of them): as the stores keep them.
Signature = bytes

# Pinned rather than left to datasketch's defaults (2.0 changed them): stored signatures must
# stay comparable across upgrades.
SEED = 1
SCHEME = "affine32"
SHINGLE_WORDS = 5
NUM_PERM = 128  # the stores' default; the extraction workers sketch bodies with it
BAND_KEY_BYTES = 8
_WORD = re.compile(r"\w+")
_WORD_TYPE: Final = "I"  # an array's 32-bit word: a hash value
assert array(_WORD_TYPE).itemsize == 4


def band_hash(band: bytes) -> bytes:
    """The ``hashfunc`` we would give ``MinHashLSH``: an r*4-byte band shrunk to 8 bytes.

    A rare collision only adds a candidate, which the Jaccard check then rejects.
    """
    return hashlib.blake2b(band, digest_size=BAND_KEY_BYTES).digest()


def _word_grams(text: str) -> list[bytes]:
    """Word 5-grams of the lowercased NFC text in order, repeats included (a shorter text is one
    gram): the shingles without the set, for hashing, where a repeat cannot change a minimum."""
    words = _WORD.findall(unicodedata.normalize("NFC", text).lower())
    if len(words) <= SHINGLE_WORDS:
        return [" ".join(words).encode()] if words else []
    grams = zip(*(words[i:] for i in range(SHINGLE_WORDS)), strict=False)  # stops at the last
    return list(map(str.encode, map(" ".join, grams)))


def shingles(text: str) -> set[bytes]:
    """Word 5-grams of the lowercased NFC text (a shorter text is one shingle)."""
    return set(_word_grams(text))


# Missing a copy costs more than a spare candidate, which the stored signature then rejects:
# weights (false positive, false negative) as in MinHashLSH(weights=(0.1, 0.9)). At 0.8/128
# that is 14 bands of 9 rows: a copy at Jaccard 0.8 is a candidate with p=0.87 (0.40 with
# equal weights), at 0.86 with p=0.98.
_WEIGHTS = (0.1, 0.9)


# (bands, rows) that datasketch's choice gives for the project's default parameters
# (NEWSCRAWL_NEAR_DUPLICATE_THRESHOLD, 128 permutations); a test checks them against it.
KNOWN_LSH_PARAMS = {(0.8, 128): (14, 9)}


@lru_cache
def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) as ``MinHashLSH(threshold, num_perm, weights=(0.1, 0.9))`` picks them."""
    if (threshold, num_perm) in KNOWN_LSH_PARAMS:
        return KNOWN_LSH_PARAMS[threshold, num_perm]
    from datasketch.lsh import _optimal_param  # private, but it is how MinHashLSH picks (b, r)

    bands, rows = _optimal_param(threshold, num_perm, *_WEIGHTS)
    return int(bands), int(rows)


# MurmurHash3's 32-bit finalizer, which datasketch's affine32 scheme applies to each input hash
# before the permutations.
_FMIX32 = (16, 0x85EBCA6B, 13, 0xC2B2AE35, 16)


@lru_cache
def _permutations(num_perm: int) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]]:
    """(a, b) of datasketch's affine32 permutations h -> a*h + b mod 2^32 for ``SEED``, drawn
    as ``MinHash(num_perm, seed=SEED, scheme="affine32")`` draws them."""
    import numpy as np

    generator = np.random.RandomState(SEED)
    a = generator.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def body_signature(text: str, num_perm: int = NUM_PERM) -> Signature | None:
    """MinHash hash values of the text's shingles; None for a text without words.

    The values of datasketch's ``MinHash(num_perm, seed=SEED, scheme="affine32")`` updated with
    the shingles (sha1_hash32, then the finalizer, then the permutations; a test checks them
    bit for bit), computed here because importing datasketch imports scipy: ~0.9 s and ~60 MB
    in every process of the pool."""
    import numpy as np

    grams = _word_grams(text)
    if not grams:
        return None
    little_endian = np.dtype("<u4")
    # sha1_hash32: the first four bytes of each SHA-1 digest, little-endian (every fifth
    # 32-bit word of the joined 20-byte digests)
    digests = b"".join([hashlib.sha1(gram).digest() for gram in grams])
    hashes = np.frombuffer(digests, dtype=little_endian)[::5].astype(np.uint32)
    shift1, multiply1, shift2, multiply2, shift3 = map(np.uint32, _FMIX32)
    hashes ^= hashes >> shift1
    hashes *= multiply1
    hashes ^= hashes >> shift2
    hashes *= multiply2
    hashes ^= hashes >> shift3
    a, b = _permutations(num_perm)
    permuted = np.multiply.outer(hashes, a)
    permuted += b
    signature: bytes = permuted.min(axis=0).astype(little_endian, copy=False).tobytes()
    return signature


@dataclass(frozen=True, eq=False)
class Sketch:
    """What the near-duplicate checks need of a body, computed once by ``NearDuplicateHasher``."""

    signature: Signature | None  # None for a body without words
    band_keys: tuple[bytes, ...]  # one a band; () without a signature
    params: str  # the ``NearDuplicateHasher.params`` it was made with


class NearDuplicateHasher:
    """Signatures, band keys and the confirming Jaccard estimate for one threshold/num_perm."""

    def __init__(self, threshold: float = 0.8, num_perm: int = NUM_PERM) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"near-duplicate threshold must be in (0, 1], got {threshold}")
        if num_perm < 2:
            raise ValueError(f"num_perm must be at least 2, got {num_perm}")
        self.threshold = threshold
        self.num_perm = num_perm
        bands, rows = lsh_params(threshold, num_perm)
        self.hashranges = [(i * rows, (i + 1) * rows) for i in range(bands)]
        # Stored beside the data: band keys made with other parameters never match.
        self.params = (
            f"datasketch {SCHEME} seed={SEED} num_perm={num_perm} bands={bands}x{rows} "
            f"shingles={SHINGLE_WORDS}w key=blake2b-{BAND_KEY_BYTES}"
        )

    @property
    def bands(self) -> int:
        return len(self.hashranges)

    def signature(self, text: str) -> Signature | None:
        """MinHash hash values of the text's shingles; None for a text without words."""
        return body_signature(text, self.num_perm)

    def sketch(self, text: str, signature: bytes | None = None) -> Sketch:
        """The text's signature and band keys; ``signature``: the text's, computed elsewhere
        (``body_signature(text, num_perm)``, b"" for a text without words)."""
        found = self.signature(text) if signature is None else (signature or None)
        return Sketch(found, self.band_keys(found), self.params)

    def band_keys(self, signature: Signature | None) -> tuple[bytes, ...]:
        """One key per band, as ``MinHashLSH._H`` with ``hashfunc=band_hash`` makes them: of
        the band's values big-endian (its ``byteswap()`` on a little-endian host)."""
        if signature is None:
            return ()
        words = array(_WORD_TYPE)
        words.frombytes(signature)
        words.byteswap()  # the stored little-endian words, big-endian on any host
        big_endian = words.tobytes()
        return tuple(band_hash(big_endian[start * 4 : end * 4]) for start, end in self.hashranges)

    def similarity(self, first: Signature, second: Signature) -> float:
        """datasketch's Jaccard estimate between two signatures (``MinHash.jaccard``: the
        share of equal hash values), without importing it."""
        if len(first) != len(second):
            raise ValueError("cannot compare signatures of different numbers of permutations")
        mine, theirs = memoryview(first).cast(_WORD_TYPE), memoryview(second).cast(_WORD_TYPE)
        return sum(a == b for a, b in zip(mine, theirs, strict=True)) / len(mine)

    def best_match(self, signature: Signature, candidates: Mapping[str, Signature]) -> str | None:
        """The most similar candidate at or above the threshold (ties: the least URL)."""
        scored = [(-self.similarity(signature, other), url) for url, other in candidates.items()]
        matches = [match for match in scored if -match[0] >= self.threshold]
        return min(matches)[1] if matches else None
