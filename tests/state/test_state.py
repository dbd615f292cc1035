"""The state store, on both backends: two-phase commit, lookups, exact and near duplicates."""

from __future__ import annotations

import gc
import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import pytest
from conftest import PROJECT
from datasketch import MinHash, MinHashLSH
from redis_server import redis_server_url  # noqa: F401  (fixture, requested by name below)

from newscrawl.state import Emitted, StateConfigError, StateStore, open_state_store
from newscrawl.state.minhash import SCHEME, SEED, NearDuplicateHasher, band_hash, shingles

ARTICLE = """\
Chiều 28/10, mưa lớn kéo dài nhiều ngày khiến mực nước trên các sông Thu Bồn và Vu Gia dâng \
cao, gây ngập sâu tại nhiều khu dân cư ở tỉnh Quảng Nam. Theo Ban chỉ huy phòng chống thiên tai \
và tìm kiếm cứu nạn tỉnh, đến 16 giờ cùng ngày, hơn 12.000 hộ dân tại các huyện Đại Lộc, Duy \
Xuyên, Điện Bàn và thành phố Hội An bị ngập, nhiều nơi nước sâu từ một đến hai mét.
Tại phố cổ Hội An, nước sông Hoài tràn vào các tuyến đường Bạch Đằng, Nguyễn Thái Học và Trần \
Phú, buộc chính quyền cấm phương tiện lưu thông. Các hộ kinh doanh ven sông đã kê cao hàng hóa \
từ đêm trước, nhiều du khách được hướng dẫn di chuyển đến khách sạn ở khu vực cao hơn. Ông \
Nguyễn Văn Sơn, chủ một cửa hàng lụa trên đường Nguyễn Thái Học, cho biết đây là lần thứ ba \
trong tháng gia đình ông phải dọn đồ chạy lũ.
Ở huyện Đại Lộc, lực lượng quân đội và công an đã dùng xuồng máy sơ tán khẩn cấp hơn 800 người \
dân ra khỏi vùng trũng thấp. Nhiều tuyến đường liên xã bị chia cắt, ngành điện phải tạm ngắt \
điện tại một số khu vực để bảo đảm an toàn. Chính quyền địa phương chuẩn bị sẵn mì tôm, nước \
uống và thuốc men tại các điểm tránh trú ở trường học và nhà văn hóa.
Trung tâm Dự báo khí tượng thủy văn quốc gia cho biết mưa lớn còn tiếp diễn trong hai ngày tới \
với tổng lượng phổ biến từ 200 đến 400 milimét, có nơi trên 500 milimét. Nguy cơ sạt lở đất tại \
các huyện miền núi Nam Trà My, Bắc Trà My và Phước Sơn ở mức rất cao. Cơ quan khí tượng khuyến \
cáo người dân không qua lại các ngầm tràn, không vớt củi trên sông và theo dõi chặt chẽ thông \
tin cảnh báo.
"""

# The same report as republished elsewhere: one sentence rewritten and a spam footer appended.
COPY = (
    ARTICLE.replace(
        "cho biết đây là lần thứ ba trong tháng gia đình ông phải dọn đồ chạy lũ.",
        "cho biết đây đã là lần thứ tư trong năm nay gia đình ông phải dọn đồ chạy lũ.",
    )
    + "Tải ứng dụng Tin Nhanh 24h, nhận quà hấp dẫn mỗi ngày!\n"
)

# Another paper's report on the same flood: same topic and names, different wording.
OTHER = """\
Sáng 30/10, nước lũ trên sông Thu Bồn bắt đầu rút chậm nhưng nhiều thôn ở huyện Đại Lộc và Duy \
Xuyên vẫn bị cô lập. Người dân phải dùng thuyền để đi lại, trẻ em chưa thể đến trường. Theo \
thống kê ban đầu của tỉnh Quảng Nam, mưa lũ đã làm hư hỏng gần 300 ngôi nhà, cuốn trôi hàng \
chục tấn lúa giống và gây sạt lở nghiêm trọng đường lên các xã vùng cao.
Tại Hội An, các tiểu thương khu chợ trung tâm tranh thủ dọn bùn đất ngay khi nước vừa rút khỏi \
mặt đường. Bà Lê Thị Hoa, bán rau ở chợ, kể rằng chỉ trong một đêm nước đã lên ngang ngực, hàng \
hóa không kịp mang đi. Ngành y tế tỉnh cử các đội lưu động phun thuốc khử trùng, cấp phát thuốc \
chữa bệnh ngoài da và nhắc người dân đun sôi nước trước khi uống.
Lãnh đạo tỉnh cho biết sẽ trích ngân sách dự phòng hỗ trợ khẩn cấp các gia đình có người bị \
thương và nhà bị sập, đồng thời đề nghị trung ương cấp bổ sung gạo cứu đói cho những huyện chịu \
thiệt hại nặng nhất trong đợt lũ này.
"""


def article(n: int, **changes: str | None) -> Emitted:
    base = Emitted(
        url=f"https://tin.example.vn/thoi-su/bai-{n}.html?utm_source=rss",
        canonical_url=f"https://tin.example.vn/thoi-su/bai-{n}.html",
        fingerprint=hashlib.md5(f"body {n}".encode()).hexdigest(),
        emitted_at="2025-10-28T09:00:00Z",
        modified="2025-10-28T08:45:00+07:00",
    )
    return replace(base, **changes)


@pytest.fixture(params=["sqlite", "redis"])
def uri(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite://{tmp_path}/state.db"
    url = request.getfixturevalue("redis_server_url")
    import redis

    with redis.Redis.from_url(url) as client:
        client.flushdb()
    return url


@pytest.fixture
def open_store(uri: str) -> Iterator[Callable[..., StateStore]]:
    """Opens stores on the test's URI (each a separate connection) and closes them afterwards."""
    stores: list[StateStore] = []

    def _open(**options: object) -> StateStore:
        stores.append(open_state_store(uri, **options))  # type: ignore[arg-type]
        return stores[-1]

    yield _open
    for store in stores:
        store.close()


def test_staged_records_are_invisible_to_other_stores_until_commit(uri, open_store):
    writer, reader = open_store(), open_store()
    first, second = article(1), article(2, canonical_url=None, modified=None)
    writer.stage(first, writer.sketch(ARTICLE))
    writer.stage(second, writer.sketch(OTHER))

    assert writer.lookup(first.url) == first
    assert reader.lookup(first.url) is None
    assert reader.lookup(second.url) is None
    assert reader.first_with_fingerprint(first.fingerprint) is None
    # on Redis a staged body is claimed at once, for the workers publishing at the same time
    claimed = first.url if uri.startswith("redis") else None
    assert reader.near_duplicate_of(reader.sketch(COPY)) == claimed
    assert reader.stats()["articles"] == 0

    assert writer.commit() == 2
    assert reader.lookup(first.url) == first
    assert reader.lookup(second.url) == second  # None fields round-trip as None
    assert reader.first_with_fingerprint(first.fingerprint) == first.url
    assert reader.near_duplicate_of(reader.sketch(COPY)) == first.url
    assert writer.stats()["staged"] == 0


def test_rollback_discards_staged_records(open_store):
    writer, reader = open_store(), open_store()
    writer.stage(article(1), writer.sketch(ARTICLE))
    writer.rollback()

    assert writer.lookup(article(1).url) is None
    assert writer.near_duplicate_of(writer.sketch(COPY)) is None
    assert writer.commit() == 0
    assert reader.lookup(article(1).url) is None
    assert reader.near_duplicate_of(reader.sketch(COPY)) is None  # no claim left (Redis)
    assert reader.stats()["articles"] == 0


def test_a_killed_run_leaves_only_what_it_committed(uri, open_store):
    script = textwrap.dedent(f"""
        import os, signal
        from newscrawl.state import Emitted, open_state_store
        store = open_state_store({uri!r})
        store.stage(Emitted({article(1).url!r}, None, {"a" * 32!r}, "2025-10-28T09:00:00Z", None),
                    store.sketch("committed body"))
        store.commit()
        store.stage(Emitted({article(2).url!r}, None, {"b" * 32!r}, "2025-10-28T09:01:00Z", None),
                    store.sketch("staged body"))
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    run = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(PROJECT)},
        timeout=60,
    )

    assert run.returncode == -signal.SIGKILL, run.stderr
    store = open_store()
    assert store.lookup(article(1).url) is not None
    assert store.lookup(article(2).url) is None
    assert store.first_with_fingerprint("b" * 32) is None


def test_lookup_by_url_or_canonical_url(open_store):
    writer = open_store()
    record = article(1)
    writer.stage(record, writer.sketch(ARTICLE))
    assert writer.lookup(record.canonical_url) == record  # staged

    writer.commit()
    reader = open_store()
    assert reader.lookup(record.url) == record
    assert reader.lookup(record.canonical_url) == record
    assert reader.lookup("https://tin.example.vn/thoi-su/bai-2.html") is None


def test_first_with_fingerprint_keeps_the_first_url(open_store):
    store = open_store()
    first, copy = article(1), article(2, fingerprint=article(1).fingerprint)
    store.stage(first, store.sketch(ARTICLE))
    store.commit()
    store.stage(copy, store.sketch(ARTICLE))
    assert store.first_with_fingerprint(first.fingerprint) == first.url

    store.commit()
    store.stage(article(3), store.sketch(OTHER))
    assert store.first_with_fingerprint(article(3).fingerprint) == article(3).url  # staged
    assert open_store().first_with_fingerprint(first.fingerprint) == first.url
    assert store.first_with_fingerprint("f" * 32) is None


def test_near_duplicate_found_for_an_edited_copy_not_for_another_report(open_store):
    # The copy shares most but not all 5-word shingles: a real near-duplicate, not an identity.
    shared, other = shingles(ARTICLE), shingles(COPY)
    assert 0.85 < len(shared & other) / len(shared | other) < 0.95
    writer = open_store()
    writer.stage(article(1), writer.sketch(ARTICLE))
    writer.commit()

    reader = open_store()
    assert reader.near_duplicate_of(reader.sketch(COPY)) == article(1).url
    assert reader.near_duplicate_of(reader.sketch(OTHER)) is None
    assert reader.near_duplicate_of(reader.sketch(COPY), exclude_url=article(1).url) is None
    assert reader.near_duplicate_of(reader.sketch("")) is None


def test_redis_near_duplicate_staged_by_a_concurrent_run_is_found(redis_server_url):
    """Two workers publishing at once: the second sees the first's article before its commit."""
    with (
        open_state_store(redis_server_url, prefix="race:") as first,
        open_state_store(redis_server_url, prefix="race:") as second,
    ):
        first.stage(article(1), first.sketch(ARTICLE))
        assert second.near_duplicate_of(second.sketch(COPY)) == article(1).url
        assert second.near_duplicate_of(second.sketch(OTHER)) is None
        first.rollback()


def test_duplicates_within_the_staged_overlay_are_found(open_store):
    store = open_store()
    record = article(1)
    store.stage(record, store.sketch(ARTICLE))

    assert store.lookup(record.canonical_url) == record
    assert store.first_with_fingerprint(record.fingerprint) == record.url
    assert store.near_duplicate_of(store.sketch(COPY)) == record.url
    assert store.near_duplicate_of(store.sketch(OTHER)) is None


MOVED = "https://tin.example.vn/thoi-su/da-chuyen.html"


def test_restaging_a_url_replaces_its_record_and_bands(open_store):
    store = open_store()
    old = article(1)
    new = article(1, canonical_url=MOVED, fingerprint=article(9).fingerprint, modified=None)
    store.stage(old, store.sketch(ARTICLE))
    store.commit()
    store.stage(new, store.sketch(OTHER))  # an update
    assert store.lookup(old.url) == new
    # the staged version hides the stored one
    assert store.near_duplicate_of(store.sketch(COPY)) is None

    assert store.commit() == 1
    reader = open_store()
    assert reader.lookup(old.url) == new  # no field of the old version survives
    assert reader.lookup(MOVED) == new
    assert reader.lookup(old.canonical_url) is None
    assert reader.near_duplicate_of(reader.sketch(OTHER)) == old.url
    assert reader.near_duplicate_of(reader.sketch(COPY)) is None
    stats = reader.stats()
    assert stats["articles"] == 1
    # The old body's band keys are gone, not merely outvoted by the signature check.
    assert stats.get("band_entries", stats.get("band_sets")) == NearDuplicateHasher().bands
    assert reader.first_with_fingerprint(old.fingerprint) == old.url  # history is kept


def test_restaging_within_a_run_keeps_one_record(open_store):
    store = open_store()
    store.stage(article(1), store.sketch(ARTICLE))
    store.stage(article(1, canonical_url=MOVED, modified=None), store.sketch(OTHER))

    assert store.lookup(article(1).canonical_url) is None
    assert store.near_duplicate_of(store.sketch(COPY)) is None
    assert store.near_duplicate_of(store.sketch(OTHER)) == article(1).url
    assert store.commit() == 1
    assert open_store().lookup(MOVED) == article(1, canonical_url=MOVED, modified=None)


def test_a_url_restaged_with_another_body_keeps_both_first_fingerprints(open_store):
    store = open_store()
    store.stage(article(1), store.sketch(ARTICLE))
    store.stage(article(1, fingerprint=article(9).fingerprint), store.sketch(OTHER))
    store.stage(article(2, fingerprint=article(9).fingerprint), store.sketch(OTHER))
    assert store.commit() == 2

    reader = open_store()
    assert reader.first_with_fingerprint(article(1).fingerprint) == article(1).url
    assert reader.first_with_fingerprint(article(9).fingerprint) == article(1).url


def test_stats_and_reset(open_store):
    store = open_store()
    for n in range(3):
        store.stage(article(n), store.sketch(f"{ARTICLE} Cập nhật lần {n}."))
    store.commit()
    store.stage(article(3), store.sketch(OTHER))

    stats = store.stats()
    assert (stats["articles"], stats["fingerprints"], stats["staged"]) == (3, 3, 1)
    assert stats["bytes"] > 0

    store.reset()
    stats = store.stats()
    assert (stats["articles"], stats["fingerprints"], stats["staged"]) == (0, 0, 0)
    assert store.lookup(article(0).url) is None
    assert store.near_duplicate_of(store.sketch(ARTICLE)) is None
    store.stage(article(4), store.sketch(ARTICLE))  # still usable
    assert store.commit() == 1


def test_changed_near_duplicate_settings_are_refused_until_reset(open_store):
    writer = open_store()
    writer.stage(article(1), writer.sketch(ARTICLE))
    writer.commit()

    stricter = open_store(near_duplicate_threshold=0.9)
    assert stricter.lookup(article(1).url) == article(1)  # exact lookups still work
    with pytest.raises(StateConfigError, match="reset"):
        stricter.near_duplicate_of(stricter.sketch(COPY))
    with pytest.raises(StateConfigError):
        stricter.stage(article(2), stricter.sketch(OTHER))
    stricter.reset()
    stricter.stage(article(2), stricter.sketch(OTHER))
    assert stricter.commit() == 1


def test_stage_rejects_a_malformed_fingerprint(open_store):
    store = open_store()
    with pytest.raises(ValueError, match="fingerprint"):
        store.stage(article(1, fingerprint="not-a-hash"), store.sketch(ARTICLE))


def test_band_keys_are_those_of_datasketch_minhashlsh():
    hasher = NearDuplicateHasher(0.8, 128)
    lsh = MinHashLSH(threshold=0.8, num_perm=128, weights=(0.1, 0.9), hashfunc=band_hash)
    signature = hasher.signature(ARTICLE)
    assert signature is not None
    minhash = MinHash(seed=SEED, scheme=SCHEME, hashvalues=np.frombuffer(signature, "<u4"))

    assert hasher.hashranges == lsh.hashranges
    assert hasher.band_keys(signature) == tuple(
        lsh._H(minhash.hashvalues[start:end]) for start, end in lsh.hashranges
    )
    lsh.insert("article", minhash)
    copy_signature = hasher.signature(COPY)
    assert copy_signature is not None
    copy = MinHash(seed=SEED, scheme=SCHEME, hashvalues=np.frombuffer(copy_signature, "<u4"))
    assert lsh.query(copy) == ["article"]


def test_only_candidates_at_or_above_the_threshold_are_reported():
    hasher = NearDuplicateHasher(0.8, 128)
    paragraphs = ARTICLE.splitlines()
    rewritten = "\n".join([*paragraphs[:2], OTHER])  # about half the shingles shared
    signature = hasher.signature(ARTICLE)
    candidates = {"copy": hasher.signature(COPY), "half": hasher.signature(rewritten)}
    assert 0.3 < hasher.similarity(signature, candidates["half"]) < 0.7

    assert hasher.best_match(signature, candidates) == "copy"
    assert hasher.best_match(signature, {"half": candidates["half"]}) is None
    assert hasher.best_match(signature, {"b": signature, "a": signature}) == "a"


def test_sqlite_file_is_wal_with_compact_signatures(tmp_path):
    path = tmp_path / "state.db"
    with open_state_store(str(path)) as store:
        store.stage(article(1), store.sketch(ARTICLE))
        store.commit()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert db.execute("SELECT length(signature) FROM articles").fetchone() == (128 * 4,)


@pytest.mark.parametrize(
    ("uri", "created"),
    [
        ("sqlite://{tmp}/abs/state.db", "abs/state.db"),  # sqlite:///tmp/...
        ("sqlite:rel/state.db", "rel/state.db"),
        ("{tmp}/plain.db", "plain.db"),
    ],
)
def test_sqlite_uri_forms(uri, created, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with open_state_store(uri.format(tmp=tmp_path)) as store:
        store.stage(article(1), store.sketch(ARTICLE))
        store.commit()
    assert (tmp_path / created).is_file()


def test_unsupported_uri_and_sqlite_ttl_are_errors(tmp_path):
    with pytest.raises(ValueError, match="unsupported"):
        open_state_store("ftp://example.com/state")
    with pytest.raises(ValueError, match="Redis"):
        open_state_store(str(tmp_path / "state.db"), ttl_days=7)


def test_redis_ttl_is_set_on_every_key_written(redis_server_url):
    import redis

    for prefix, ttl_days in (("ttl:", 2.0), ("forever:", None)):
        with open_state_store(redis_server_url, prefix=prefix, ttl_days=ttl_days) as store:
            store.stage(article(1), store.sketch(ARTICLE))
            store.stage(article(2, fingerprint=article(1).fingerprint), store.sketch(OTHER))
            store.commit()
    with redis.Redis.from_url(redis_server_url) as client:
        expiring = {key: client.ttl(key) for key in client.scan_iter(match="ttl:*")}
        lasting = {key: client.ttl(key) for key in client.scan_iter(match="forever:*")}
    kinds = {key.split(b":")[1] for key in expiring}
    assert kinds == {b"a", b"c", b"f", b"b", b"meta"}
    assert all(0 < ttl <= 2 * 86400 for ttl in expiring.values()), expiring
    assert len(lasting) == len(expiring)
    assert set(lasting.values()) == {-1}


def _cli(uri: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newscrawl.state", "--uri", uri, *args],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(PROJECT)},
    )


def test_cli_stats_lookup_reset(uri, open_store):
    store = open_store()
    store.stage(article(1), store.sketch(ARTICLE))
    store.stage(article(2), store.sketch(OTHER))
    store.commit()

    assert json.loads(_cli(uri, "stats").stdout)["articles"] == 2
    found = _cli(uri, "lookup", article(1).canonical_url)
    assert found.returncode == 0
    assert json.loads(found.stdout) == asdict(article(1))
    tracked = _cli(uri, "lookup", f"{article(1).canonical_url}?utm_source=facebook&utm_medium=x")
    assert tracked.returncode == 0, tracked.stderr  # normalized as the crawler requests URLs
    missing = _cli(uri, "lookup", "https://tin.example.vn/khong-co.html")
    assert missing.returncode == 1
    assert "not emitted" in missing.stderr
    reset = _cli(uri, "reset")
    assert reset.returncode == 0
    assert "forgot 2 articles" in reset.stdout
    assert json.loads(_cli(uri, "stats").stdout)["articles"] == 0


def test_cli_refuses_a_missing_sqlite_file(tmp_path):
    run = _cli(f"sqlite://{tmp_path}/missing.db", "stats")
    assert run.returncode == 2
    assert "no state database" in run.stderr
    assert not (tmp_path / "missing.db").exists()


def _traced_growth(operation: Callable[[], object]) -> tuple[int, int]:
    """(bytes still allocated after, peak bytes during) ``operation``, as tracemalloc sees them."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        operation()
        gc.collect()
        after, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return after - before, peak - before


def test_staged_records_are_not_held_in_python_memory(tmp_path):
    # The in-memory overlay this replaced kept ~5 KiB a record (the record, its signature array,
    # its band keys and their index entries): ~100 MB for these 20,000. What may stay on the
    # Python heap is O(1): 2 MB would already be 100 bytes a record. The overlay is the same
    # for both backends; SQLite's commit is one transaction fed by a stream, so it stays small.
    count = 20_000
    texts = [f"tin số {n} đã phát" for n in range(count)]  # one shingle: 14 band keys, cheaply
    records = [
        article(n, fingerprint=hashlib.md5(text.encode()).hexdigest())
        for n, text in enumerate(texts)
    ]
    store = open_state_store(str(tmp_path / "state.db"))
    sketches = [store.sketch(text) for text in texts]  # the caller's, allocated before tracing

    def stage_all() -> None:
        for record, sketch in zip(records, sketches, strict=True):
            store.stage(record, sketch)

    kept, _ = _traced_growth(stage_all)
    assert kept < 2 * 2**20, f"{kept / 2**20:.1f} MiB kept for {count} staged records"
    assert store.stats()["staged"] == count
    assert store.lookup(records[123].canonical_url) == records[123]
    assert store.first_with_fingerprint(records[456].fingerprint) == records[456].url
    assert store.near_duplicate_of(sketches[-1]) == records[-1].url

    kept, peak = _traced_growth(store.commit)
    assert peak < 2 * 2**20, f"{peak / 2**20:.1f} MiB at the peak of a {count}-record commit"
    assert store.stats()["articles"] == count
    assert store.lookup(records[-1].url) == records[-1]
    store.close()


def test_a_redis_commit_larger_than_a_batch_persists_every_record(
    redis_server_url,
    monkeypatch,
):
    from newscrawl.state.redis_store import RedisStateStore

    batches: list[int] = []
    persist_batch = RedisStateStore._persist_batch

    def counted(self: RedisStateStore, batch: list) -> None:
        batches.append(len(batch))
        persist_batch(self, batch)

    monkeypatch.setattr(RedisStateStore, "commit_batch", 3)
    monkeypatch.setattr(RedisStateStore, "_persist_batch", counted)
    texts = [f"bài số {n} về lũ" for n in range(8)]  # one shingle each
    records = [article(n) for n in range(7)] + [article(7, fingerprint=article(0).fingerprint)]
    with open_state_store(redis_server_url, prefix="batches:") as writer:
        for record, text in zip(records, texts, strict=True):
            writer.stage(record, writer.sketch(text))
        records[2] = article(2, canonical_url=MOVED)  # re-staged: still one record
        writer.stage(records[2], writer.sketch(texts[2]))
        assert writer.commit() == 8
    assert batches == [3, 3, 2]

    with open_state_store(redis_server_url, prefix="batches:") as reader:
        for record, text in zip(records, texts, strict=True):
            assert reader.lookup(record.url) == record
            assert reader.near_duplicate_of(reader.sketch(text)) == record.url
        assert reader.lookup(MOVED) == records[2]
        assert reader.first_with_fingerprint(article(0).fingerprint) == article(0).url
        assert reader.first_with_fingerprint(article(6).fingerprint) == article(6).url
        assert reader.stats()["band_sets"] == 8 * NearDuplicateHasher().bands


def test_a_sketch_is_only_accepted_by_a_store_with_its_parameters(open_store):
    store, stricter = open_store(), open_store(near_duplicate_threshold=0.9)
    with pytest.raises(ValueError, match="sketch"):
        stricter.near_duplicate_of(store.sketch(COPY))
    with pytest.raises(ValueError, match="sketch"):
        stricter.stage(article(1), store.sketch(ARTICLE))
    assert store.sketch("").signature is None
    assert store.sketch("").band_keys == ()


def test_a_second_run_publishes_after_the_first_commits(tmp_path: Path) -> None:
    """Two runs on one SQLite store (two cron entries with different arguments): the second
    waits at ``begin_publication`` until the first committed, then sees what it recorded."""
    uri = f"sqlite:{tmp_path}/state.sqlite"
    first = open_state_store(uri)
    first.begin_publication()
    first.stage(article(1), first.sketch(ARTICLE))
    seen: list[str | None] = []

    def publish_second() -> None:  # another run: its own connection
        with open_state_store(uri) as second:
            second.begin_publication()
            seen.append(second.first_with_fingerprint(article(1).fingerprint))

    waiting = threading.Thread(target=publish_second)
    waiting.start()
    waiting.join(timeout=0.5)
    assert waiting.is_alive() and seen == []  # blocked while the first publishes
    first.commit()
    waiting.join(timeout=10)
    assert seen == [article(1).url]
    first.close()
