"""The state store, on both backends: two-phase commit, lookups, exact and near duplicates."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import asdict, replace
from pathlib import Path

import pytest
from datasketch import MinHash, MinHashLSH
from redis_server import redis_server_url  # noqa: F401  (fixture, requested by name below)

from newscrawl.state import Emitted, StateConfigError, StateStore, open_state_store
from newscrawl.state.minhash import SCHEME, SEED, NearDuplicateHasher, band_hash, shingles

PROJECT = Path(__file__).resolve().parents[1]

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
COPY = ARTICLE.replace(
    "cho biết đây là lần thứ ba trong tháng gia đình ông phải dọn đồ chạy lũ.",
    "cho biết đây đã là lần thứ tư trong năm nay gia đình ông phải dọn đồ chạy lũ.",
) + "Tải ứng dụng Tin Nhanh 24h, nhận quà hấp dẫn mỗi ngày!\n"

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


def test_staged_records_are_invisible_to_other_stores_until_commit(open_store):
    writer, reader = open_store(), open_store()
    first, second = article(1), article(2, canonical_url=None, modified=None)
    writer.stage(first, ARTICLE)
    writer.stage(second, OTHER)

    assert writer.lookup(first.url) == first
    assert reader.lookup(first.url) is None
    assert reader.lookup(second.url) is None
    assert reader.first_with_fingerprint(first.fingerprint) is None
    assert reader.near_duplicate_of(COPY) is None
    assert reader.stats()["articles"] == 0

    assert writer.commit() == 2
    assert reader.lookup(first.url) == first
    assert reader.lookup(second.url) == second  # None fields round-trip as None
    assert reader.first_with_fingerprint(first.fingerprint) == first.url
    assert reader.near_duplicate_of(COPY) == first.url
    assert writer.stats()["staged"] == 0


def test_rollback_discards_staged_records(open_store):
    writer, reader = open_store(), open_store()
    writer.stage(article(1), ARTICLE)
    writer.rollback()

    assert writer.lookup(article(1).url) is None
    assert writer.near_duplicate_of(COPY) is None
    assert writer.commit() == 0
    assert reader.lookup(article(1).url) is None
    assert reader.stats()["articles"] == 0


def test_a_killed_run_leaves_only_what_it_committed(uri, open_store):
    script = textwrap.dedent(f"""
        import os, signal
        from newscrawl.state import Emitted, open_state_store
        store = open_state_store({uri!r})
        store.stage(Emitted({article(1).url!r}, None, {"a" * 32!r}, "2025-10-28T09:00:00Z", None),
                    "committed body")
        store.commit()
        store.stage(Emitted({article(2).url!r}, None, {"b" * 32!r}, "2025-10-28T09:01:00Z", None),
                    "staged body")
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    run = subprocess.run([sys.executable, "-c", script], cwd=PROJECT, capture_output=True,
                         env={**os.environ, "PYTHONPATH": str(PROJECT)}, timeout=60)

    assert run.returncode == -signal.SIGKILL, run.stderr
    store = open_store()
    assert store.lookup(article(1).url) is not None
    assert store.lookup(article(2).url) is None
    assert store.first_with_fingerprint("b" * 32) is None


def test_lookup_by_url_or_canonical_url(open_store):
    writer = open_store()
    record = article(1)
    writer.stage(record, ARTICLE)
    assert writer.lookup(record.canonical_url) == record  # staged

    writer.commit()
    reader = open_store()
    assert reader.lookup(record.url) == record
    assert reader.lookup(record.canonical_url) == record
    assert reader.lookup("https://tin.example.vn/thoi-su/bai-2.html") is None


def test_first_with_fingerprint_keeps_the_first_url(open_store):
    store = open_store()
    first, copy = article(1), article(2, fingerprint=article(1).fingerprint)
    store.stage(first, ARTICLE)
    store.commit()
    store.stage(copy, ARTICLE)
    assert store.first_with_fingerprint(first.fingerprint) == first.url

    store.commit()
    store.stage(article(3), OTHER)
    assert store.first_with_fingerprint(article(3).fingerprint) == article(3).url  # staged
    assert open_store().first_with_fingerprint(first.fingerprint) == first.url
    assert store.first_with_fingerprint("f" * 32) is None


def test_near_duplicate_found_for_an_edited_copy_not_for_another_report(open_store):
    # The copy shares most but not all 5-word shingles: a real near-duplicate, not an identity.
    shared, other = shingles(ARTICLE), shingles(COPY)
    assert 0.85 < len(shared & other) / len(shared | other) < 0.95
    writer = open_store()
    writer.stage(article(1), ARTICLE)
    writer.commit()

    reader = open_store()
    assert reader.near_duplicate_of(COPY) == article(1).url
    assert reader.near_duplicate_of(OTHER) is None
    assert reader.near_duplicate_of(COPY, exclude_url=article(1).url) is None
    assert reader.near_duplicate_of("") is None


def test_duplicates_within_the_staged_overlay_are_found(open_store):
    store = open_store()
    record = article(1)
    store.stage(record, ARTICLE)

    assert store.lookup(record.canonical_url) == record
    assert store.first_with_fingerprint(record.fingerprint) == record.url
    assert store.near_duplicate_of(COPY) == record.url
    assert store.near_duplicate_of(OTHER) is None


MOVED = "https://tin.example.vn/thoi-su/da-chuyen.html"


def test_restaging_a_url_replaces_its_record_and_bands(open_store):
    store = open_store()
    old = article(1)
    new = article(1, canonical_url=MOVED, fingerprint=article(9).fingerprint, modified=None)
    store.stage(old, ARTICLE)
    store.commit()
    store.stage(new, OTHER)  # an update
    assert store.lookup(old.url) == new
    assert store.near_duplicate_of(COPY) is None  # the staged version hides the stored one

    assert store.commit() == 1
    reader = open_store()
    assert reader.lookup(old.url) == new  # no field of the old version survives
    assert reader.lookup(MOVED) == new
    assert reader.lookup(old.canonical_url) is None
    assert reader.near_duplicate_of(OTHER) == old.url
    assert reader.near_duplicate_of(COPY) is None
    stats = reader.stats()
    assert stats["articles"] == 1
    # The old body's band keys are gone, not merely outvoted by the signature check.
    assert stats.get("band_entries", stats.get("band_sets")) == NearDuplicateHasher().bands
    assert reader.first_with_fingerprint(old.fingerprint) == old.url  # history is kept


def test_restaging_within_a_run_keeps_one_record(open_store):
    store = open_store()
    store.stage(article(1), ARTICLE)
    store.stage(article(1, canonical_url=MOVED, modified=None), OTHER)

    assert store.lookup(article(1).canonical_url) is None
    assert store.near_duplicate_of(COPY) is None
    assert store.near_duplicate_of(OTHER) == article(1).url
    assert store.commit() == 1
    assert open_store().lookup(MOVED) == article(1, canonical_url=MOVED, modified=None)


def test_stats_and_reset(open_store):
    store = open_store()
    for n in range(3):
        store.stage(article(n), f"{ARTICLE} Cập nhật lần {n}.")
    store.commit()
    store.stage(article(3), OTHER)

    stats = store.stats()
    assert (stats["articles"], stats["fingerprints"], stats["staged"]) == (3, 3, 1)
    assert stats["bytes"] > 0

    store.reset()
    stats = store.stats()
    assert (stats["articles"], stats["fingerprints"], stats["staged"]) == (0, 0, 0)
    assert store.lookup(article(0).url) is None
    assert store.near_duplicate_of(ARTICLE) is None
    store.stage(article(4), ARTICLE)  # still usable
    assert store.commit() == 1


def test_changed_near_duplicate_settings_are_refused_until_reset(open_store):
    writer = open_store()
    writer.stage(article(1), ARTICLE)
    writer.commit()

    stricter = open_store(near_duplicate_threshold=0.9)
    assert stricter.lookup(article(1).url) == article(1)  # exact lookups still work
    with pytest.raises(StateConfigError, match="reset"):
        stricter.near_duplicate_of(COPY)
    with pytest.raises(StateConfigError):
        stricter.stage(article(2), OTHER)
    stricter.reset()
    stricter.stage(article(2), OTHER)
    assert stricter.commit() == 1


def test_stage_rejects_a_malformed_fingerprint(open_store):
    with pytest.raises(ValueError, match="fingerprint"):
        open_store().stage(article(1, fingerprint="not-a-hash"), ARTICLE)


def test_band_keys_are_those_of_datasketch_minhashlsh():
    hasher = NearDuplicateHasher(0.8, 128)
    lsh = MinHashLSH(threshold=0.8, num_perm=128, weights=(0.1, 0.9), hashfunc=band_hash)
    signature = hasher.signature(ARTICLE)
    minhash = MinHash(seed=SEED, scheme=SCHEME, hashvalues=signature)

    assert hasher.hashranges == lsh.hashranges
    assert hasher.band_keys(signature) == tuple(
        lsh._H(minhash.hashvalues[start:end]) for start, end in lsh.hashranges)
    lsh.insert("article", minhash)
    copy = MinHash(seed=SEED, scheme=SCHEME, hashvalues=hasher.signature(COPY))
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
        store.stage(article(1), ARTICLE)
        store.commit()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert db.execute("SELECT length(signature) FROM articles").fetchone() == (128 * 4,)


@pytest.mark.parametrize(("uri", "created"), [
    ("sqlite://{tmp}/abs/state.db", "abs/state.db"),  # sqlite:///tmp/...
    ("sqlite:rel/state.db", "rel/state.db"),
    ("{tmp}/plain.db", "plain.db"),
])
def test_sqlite_uri_forms(uri, created, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with open_state_store(uri.format(tmp=tmp_path)) as store:
        store.stage(article(1), ARTICLE)
        store.commit()
    assert (tmp_path / created).is_file()


def test_unsupported_uri_and_sqlite_ttl_are_errors(tmp_path):
    with pytest.raises(ValueError, match="unsupported"):
        open_state_store("ftp://example.com/state")
    with pytest.raises(ValueError, match="Redis"):
        open_state_store(str(tmp_path / "state.db"), ttl_days=7)


def test_redis_ttl_is_set_on_every_key_written(redis_server_url):  # noqa: F811
    import redis

    for prefix, ttl_days in (("ttl:", 2.0), ("forever:", None)):
        with open_state_store(redis_server_url, prefix=prefix, ttl_days=ttl_days) as store:
            store.stage(article(1), ARTICLE)
            store.stage(article(2, fingerprint=article(1).fingerprint), OTHER)
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
    return subprocess.run([sys.executable, "-m", "newscrawl.state", "--uri", uri, *args],
                          cwd=PROJECT, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(PROJECT)})


def test_cli_stats_lookup_reset(uri, open_store):
    store = open_store()
    store.stage(article(1), ARTICLE)
    store.stage(article(2), OTHER)
    store.commit()

    assert json.loads(_cli(uri, "stats").stdout)["articles"] == 2
    found = _cli(uri, "lookup", article(1).canonical_url)
    assert found.returncode == 0
    assert json.loads(found.stdout) == asdict(article(1))
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
