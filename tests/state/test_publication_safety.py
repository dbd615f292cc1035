"""Failing disks and crashes at publication: the state records exactly what the published files
hold, a write that failed ends the run unhealthy, and a run killed between publishing and
recording is finished by the next one. Disk-full cases run on a small tmpfs (they need the
right to mount one, as root has on the CI machines)."""

from __future__ import annotations

import contextlib
import gzip
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import CrawlRun, collect, crawl, start_crawl, wait_for_articles

from newscrawl.demosite import DemoSite
from newscrawl.health import EXIT_OK, EXIT_UNHEALTHY, EXIT_USAGE
from newscrawl.journal import Journal, UnreadableOutputError, published_urls, replay
from newscrawl.state import open_state_store


@pytest.fixture
def site() -> Iterator[DemoSite]:
    with DemoSite("paper").start() as fresh:
        yield fresh


def _site_args(tmp_path: Path, site: DemoSite) -> tuple[str, ...]:
    registry = tmp_path / "sites.toml"
    registry.write_text(site.registry_toml("demo"), "utf-8")
    return ("-a", "site=demo", "-a", f"sites_file={registry}")


def _published(directory: Path) -> list[str]:
    """URLs of every published (not .part) JSONL line under ``directory``."""
    return [
        json.loads(line)["url"]
        for path in sorted(directory.rglob("*.jsonl"))
        if not path.name.endswith(".rejects.jsonl")
        for line in path.read_text("utf-8").splitlines()
    ]


def _recorded(data: Path) -> int:
    with open_state_store(f"sqlite:{data / 'state.sqlite'}") as store:
        return store.stats()["articles"]


# -- pure parts --------------------------------------------------------------------------------


def test_published_urls_reads_plain_and_gzipped_files(tmp_path: Path) -> None:
    plain, packed = tmp_path / "a.jsonl.part", tmp_path / "b.jsonl.gz.part"
    plain.write_text('{"url": "https://a.vn/1"}\n{"url": "https://a.vn/2"}\n', "utf-8")
    packed.write_bytes(gzip.compress(b'{"url": "https://a.vn/3"}\n'))
    assert published_urls([plain, packed]) == {"https://a.vn/1", "https://a.vn/2", "https://a.vn/3"}


def test_a_line_cut_short_makes_the_file_unreadable(tmp_path: Path) -> None:
    cut = tmp_path / "a.jsonl.part"
    cut.write_text('{"url": "https://a.vn/1"}\n{"url": "https://a.vn/2", "headl', "utf-8")
    with pytest.raises(UnreadableOutputError, match="line 2"):
        published_urls([cut])


def _left_by_a_dead_run(directory: Path, state: str, files: list[Path]) -> Path:
    """The journal of a run that died between its rename and its commit: written by another
    process, which exits (its lock goes with it)."""
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; "
            "from newscrawl.journal import Journal; "
            "Journal(Path(sys.argv[1]), sys.argv[2], 'dead02')"
            ".write([Path(p) for p in sys.argv[3:]])",
            str(directory),
            state,
            *map(str, files),
        ],
        check=True,
    )
    return Journal(directory, state, "dead02").path


def test_replay_records_the_renamed_files_only(tmp_path: Path) -> None:
    article = {
        "url": "https://a.vn/x-1",
        "canonicalUrl": None,
        "dateModified": None,
        "fingerprint": "0" * 32,
        "articleBody": "Một bài báo có nội dung.",
    }
    published = tmp_path / "run.jsonl"
    published.write_text(json.dumps(article) + "\n", "utf-8")
    journal = _left_by_a_dead_run(
        tmp_path / "journal", "sqlite:state", [published, tmp_path / "never-renamed.jsonl"]
    )
    (left_over,) = Journal(tmp_path / "journal", "sqlite:state", "new001").left_over()
    assert left_over == journal
    with open_state_store(f"sqlite:{tmp_path / 'state.sqlite'}") as store:
        assert replay(left_over, store) == 1
        store.commit()
        assert store.lookup("https://a.vn/x-1") is not None


def test_a_journal_is_left_over_only_once_its_run_is_gone(tmp_path: Path) -> None:
    """Workers sharing a data directory: a run starting while another publishes must not take
    the live run's journal for one left by a dead run."""
    directory, state = tmp_path / "journal", "redis://127.0.0.1/0"
    live = Journal(directory, state, "live01")
    live.write([tmp_path / "a.jsonl"])
    dead = _left_by_a_dead_run(directory, state, [tmp_path / "b.jsonl"])
    starting = Journal(directory, state, "new003")
    assert list(starting.left_over()) == [dead]
    live.remove()
    assert list(starting.left_over()) == [dead] and not live.path.exists()


# -- crawls ------------------------------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("output-under-a-file", "output directory"),
        ("empty-state", "is empty"),
        ("garbage-state", "is not a SQLite database"),
    ],
)
def test_unusable_locations_stop_the_run_at_start(
    tmp_path: Path, site: DemoSite, setup: str, message: str
) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    data.mkdir()
    extra: tuple[str, ...] = ()
    if setup == "output-under-a-file":
        (tmp_path / "file").write_text("", "utf-8")
        extra = ("-s", f"NEWSCRAWL_OUTPUT_DIR={tmp_path / 'file' / 'out'}")
    else:
        (data / "state.sqlite").write_bytes(b"" if setup == "empty-state" else b"not sqlite")
    run = crawl(out, *_site_args(tmp_path, site), *extra, data_dir=data, timeout=60)
    assert run.returncode == EXIT_USAGE
    errors = [line for line in run.stderr.splitlines() if line.startswith("newscrawl: ")]
    assert len(errors) == 1 and message in errors[0], run.stderr[-2000:]
    assert "Spider opened" not in run.stderr and site.requests == []


@pytest.mark.e2e
def test_a_rejects_file_that_cannot_be_written_makes_the_run_unhealthy(
    tmp_path: Path, site: DemoSite
) -> None:
    run = crawl(
        tmp_path / "out", *_site_args(tmp_path, site), "-s", "NEWSCRAWL_REJECTS_URI=/dev/full"
    )  # every write: ENOSPC
    assert run.returncode == EXIT_UNHEALTHY
    assert any("writes failed: rejects" in p for p in run.report["problems"])
    assert run.stderr.count("Cannot write the rejects file") == 1
    # the articles themselves were written: published and recorded
    assert len(run.items) == len(site.articles()) == _recorded(tmp_path / "out" / "data")


def _mount_tmpfs(mount: Path, size: str) -> None:
    mount.mkdir()
    if (
        shutil.which("mount") is None
        or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)], capture_output=True
        ).returncode
        != 0
    ):
        pytest.skip("cannot mount a tmpfs here (needs root)")


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """48 KiB: less than a run's output."""
    _mount_tmpfs(tmp_path / "small", "48k")
    yield tmp_path / "small"
    subprocess.run(["umount", "-l", str(tmp_path / "small")], check=False)


@pytest.fixture
def state_disk(tmp_path: Path) -> Iterator[Path]:
    """4 MiB for the state, filled during the run."""
    _mount_tmpfs(tmp_path / "state", "4m")
    yield tmp_path / "state"
    subprocess.run(["umount", "-l", str(tmp_path / "state")], check=False)


def _fill(disk: Path) -> None:
    with (disk / "filler").open("wb") as filler, contextlib.suppress(OSError):  # ENOSPC: full
        while True:
            filler.write(b"\0" * 65536)
            filler.flush()


@pytest.mark.e2e
def test_output_disk_full_records_only_what_was_published(
    tmp_path: Path, site: DemoSite, small_disk: Path
) -> None:
    """The 26 articles (~70 KB of JSONL) do not fit in 48 KB: the run ends unhealthy, the state
    records exactly the articles of a published file (none, if none was published), and the
    next run with room emits the rest: every article once."""
    data = tmp_path / "data"
    args = _site_args(tmp_path, site)
    full = crawl(small_disk, *args, data_dir=data)
    assert full.returncode == EXIT_UNHEALTHY
    assert _recorded(data) == len(_published(small_disk))
    roomy = tmp_path / "roomy"
    rest = crawl(roomy, *args, data_dir=data)
    assert rest.returncode == EXIT_OK
    every = _published(small_disk) + _published(roomy)
    assert sorted(every) == sorted({*every}) and len(every) == len(site.articles())


@pytest.mark.e2e
def test_state_disk_full_at_commit_is_finished_by_the_next_run(
    tmp_path: Path, state_disk: Path
) -> None:
    """The output is published, the commit fails (the state's disk filled up during the run):
    the run is unhealthy, and the next run records the published articles from the journal
    instead of emitting them again."""
    data, out = tmp_path / "data", tmp_path / "out"
    state = ("-s", f"NEWSCRAWL_STATE_URI=sqlite:{state_disk / 'state.sqlite'}")
    with DemoSite("paper", latency=0.3).start() as slow:
        args = _site_args(tmp_path, slow)
        run = start_crawl(out, *args, *state, data_dir=data)
        wait_for_articles(slow, 3)
        _fill(state_disk)
        _, stderr = run.communicate(timeout=180)
        first = collect(out, run.returncode, stderr)
        assert first.returncode == EXIT_UNHEALTHY, first.stderr[-3000:]
        assert any("writes failed: publication" in p for p in first.report["problems"])
        assert len(first.items) == len(slow.articles())  # published; not recorded
        assert list((data / "journal").glob("*.json"))
        (state_disk / "filler").unlink()
        retry = crawl(tmp_path / "retry", *args, *state, data_dir=data)
    assert retry.returncode == EXIT_OK
    assert "published by an interrupted run recorded" in retry.stderr
    assert retry.items == [] and not list((data / "journal").glob("*.json"))


@pytest.mark.e2e
def test_a_run_killed_between_rename_and_commit_is_recorded_by_the_next(
    tmp_path: Path, site: DemoSite
) -> None:
    """The state as a kill -9 right after the rename leaves it: the file published under its
    final name, the journal naming it, nothing committed."""
    args, data = _site_args(tmp_path, site), tmp_path / "data"
    first = crawl(tmp_path / "first", *args, data_dir=data)
    assert first.returncode == EXIT_OK and first.items
    (data / "state.sqlite").unlink()  # the commit that never happened
    (published,) = [
        p for p in (tmp_path / "first").glob("*.jsonl") if not p.name.endswith(".rejects.jsonl")
    ]
    journal = _left_by_a_dead_run(
        data / "journal", f"sqlite:{(data / 'state.sqlite').resolve()}", [published]
    )
    again: CrawlRun = crawl(tmp_path / "again", *args, data_dir=data)
    assert again.returncode == EXIT_OK
    assert again.items == []  # each article in exactly one file
    assert _recorded(data) == len(first.items)
    assert not journal.exists()
