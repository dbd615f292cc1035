"""trafilatura alone doing newscrawl's job, in one process: the pages of a directory to JSONL.

    python benchmarks/trafilatura_alone.py PAGES_DIR OUT.jsonl

``PAGES_DIR`` holds ``urls.txt`` (one ``<file name> <url>`` a line) and the pages' bytes as
served. Each page goes through ``trafilatura.bare_extraction`` with newscrawl's options and
``with_metadata=True`` (title, authors, date, description, canonical URL, language, image: the
fields newscrawl emits), and one JSON line a page is written. ``benchmarks/speed.py`` runs this
as a subprocess beside the crawl, so both are measured the same way (whole-tree CPU, wall).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import trafilatura

OPTIONS = {
    "include_comments": False,
    "include_tables": True,
    "include_images": False,
    "deduplicate": False,
    "with_metadata": True,
}
FIELDS = ("title", "author", "date", "description", "url", "language", "image", "text")


def main(pages_dir: Path, out: Path) -> int:
    extracted = 0
    with out.open("w", encoding="utf-8") as jsonl:
        for line in (pages_dir / "urls.txt").read_text("utf-8").splitlines():
            name, url = line.split(" ", 1)
            document = trafilatura.bare_extraction(
                (pages_dir / name).read_bytes(), url=url, **OPTIONS
            )
            if document is None:
                continue
            record = {key: getattr(document, key, None) for key in FIELDS}
            jsonl.write(json.dumps({"url": url, **record}, ensure_ascii=False) + "\n")
            extracted += 1
    print(extracted)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
