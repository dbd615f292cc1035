"""Body signatures computed in the extraction worker and carried to the publication step; the
crawl process's near-duplicate checks without datasketch (and so without scipy)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from datasketch import LeanMinHash, MinHash
from datasketch.lsh import _optimal_param

from newscrawl.bodysketch import BodyDigest, attach, attached, body_digest, detach
from newscrawl.cleaning.chain import CleaningOptions, SiteContext
from newscrawl.cleaning.furniture import line_key
from newscrawl.extraction import extract, extract_and_sketch
from newscrawl.items import Article
from newscrawl.state.fingerprint import body_fingerprint
from newscrawl.state.minhash import (
    KNOWN_LSH_PARAMS,
    NUM_PERM,
    SCHEME,
    SEED,
    NearDuplicateHasher,
    body_signature,
    lsh_params,
    shingles,
)

BODY = " ".join(f"Đoạn văn thứ {n} nói về giá lúa ở đồng bằng sông Cửu Long." for n in range(40))
PAGE = (
    f"<html><head><title>Giá lúa</title></head><body><article><h1>Giá lúa</h1>"
    f"{''.join(f'<p>{line}.</p>' for line in BODY.split('.') if line.strip())}"
    "</article></body></html>"
)


@pytest.mark.parametrize(("threshold", "num_perm"), sorted(KNOWN_LSH_PARAMS))
def test_known_lsh_params_are_datasketchs_choice(threshold: float, num_perm: int) -> None:
    assert KNOWN_LSH_PARAMS[threshold, num_perm] == _optimal_param(threshold, num_perm, 0.1, 0.9)


def test_other_lsh_params_still_come_from_datasketch() -> None:
    assert lsh_params(0.7, 64) == _optimal_param(0.7, 64, 0.1, 0.9)


def _texts() -> list[str]:
    """Short and long, Latin and Vietnamese, one word to thousands of shingles."""
    words = BODY.split()
    generator = np.random.RandomState(7)
    return [
        "Một",
        "năm chữ trong một câu",
        BODY,
        BODY.upper(),
        *(" ".join(generator.choice(words, size)) for size in (6, 50, 400, 3000)),
    ]


@pytest.mark.parametrize("num_perm", [128, 64, 7])
def test_body_signatures_are_datasketchs_minhash_values(num_perm: int) -> None:
    """Stored signatures must stay comparable with those datasketch computed before."""
    for text in _texts():
        minhash = MinHash(num_perm=num_perm, seed=SEED, scheme=SCHEME)
        minhash.update_batch(shingles(text))
        ours = body_signature(text, num_perm)
        assert ours is not None and len(ours) == num_perm * 4
        assert np.array_equal(_values(ours), minhash.hashvalues)
    assert body_signature("... !!", num_perm) is None


def test_similarity_is_datasketchs_jaccard_estimate() -> None:
    hasher = NearDuplicateHasher()
    first = hasher.signature(BODY)
    second = hasher.signature(BODY.replace("giá lúa", "giá gạo", 10))
    assert first is not None and second is not None
    expected = LeanMinHash(seed=SEED, hashvalues=_values(first), scheme=SCHEME).jaccard(
        LeanMinHash(seed=SEED, hashvalues=_values(second), scheme=SCHEME)
    )
    assert 0 < expected < 1
    assert hasher.similarity(first, second) == expected


def _values(signature: bytes) -> np.ndarray:
    """A stored signature's hash values, as datasketch holds them."""
    return np.frombuffer(signature, dtype="<u4").astype(np.uint32)


def test_neither_the_crawl_process_nor_the_workers_import_datasketch_or_scipy() -> None:
    code = (
        "import sys, newscrawl.state, newscrawl.pipelines.publish, "
        "newscrawl.pipelines.extract, newscrawl.extraction.warmup; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'datasketch', 'scipy'}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    assert out.strip() == "[]"


def _extract_args() -> dict[str, object]:
    return {
        "timezone": None,
        "site": SiteContext(language="vi"),
        "options": CleaningOptions(check_language=False),
    }


def test_the_worker_digest_is_the_one_the_crawl_process_would_compute() -> None:
    found, cleaned, digest = extract_and_sketch(
        PAGE, "http://127.0.0.1/a.html", num_perm=NUM_PERM, **_extract_args()
    )
    assert (found, cleaned) == extract(PAGE, "http://127.0.0.1/a.html", **_extract_args())
    assert digest.body == cleaned.body
    assert digest.fingerprint == body_fingerprint(cleaned.body)
    assert digest.line_keys == tuple(line_key(line) for line in cleaned.body.split("\n"))
    hasher = NearDuplicateHasher()
    carried = hasher.sketch(cleaned.body, digest.signature)
    computed = hasher.sketch(cleaned.body)
    assert computed.signature is not None and carried.signature == computed.signature
    assert carried.band_keys == computed.band_keys and carried.params == computed.params
    assert digest.signature == computed.signature


def test_a_body_without_words_is_sketched_without_a_signature() -> None:
    hasher = NearDuplicateHasher()
    assert hasher.sketch("...", b"").signature is None
    assert hasher.sketch("...").signature is None


def test_a_carried_signature_is_used_only_for_its_own_body_and_permutations() -> None:
    article = Article(url="http://127.0.0.1/a.html", site="demo", articleBody=BODY)
    signature = np.arange(NUM_PERM, dtype="<u4").tobytes()
    digest = BodyDigest(BODY, NUM_PERM, signature, "fingerprint", ("key", None))
    attach(article, digest)
    assert attached(article, BODY, NUM_PERM) == digest
    # otherwise the body's own, computed: not the carried one
    changed = BODY + " Furniture line."
    assert attached(article, changed, NUM_PERM) == body_digest(changed, NUM_PERM)  # body changed
    assert attached(article, BODY, 64) == body_digest(BODY, 64)
    detach(article)
    assert attached(article, BODY, NUM_PERM) == body_digest(BODY, NUM_PERM) != digest
    assert "_newscrawl" not in repr(article)
