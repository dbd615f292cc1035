"""A user's sites file, added to by ``scrapy addsite --append``: checked before anything is
fetched, then written whole once the result loads with the registry's own loader."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from newscrawl.registry import RegistryError, parse_registry


def read_sites_file(path: Path) -> str:
    """The file's text ("" when it does not exist yet); ``RegistryError`` when it cannot be read
    or does not load."""
    if not path.exists():
        return ""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RegistryError(f"cannot read sites file {str(path)!r}: {exc}") from exc
    parse_registry(text, str(path))
    return text


def check_new_key(path: Path, key: str) -> None:
    if key in parse_registry(read_sites_file(path), str(path)):
        raise RegistryError(f"{path} already has a site {key!r}; choose another --name")


def append_entry(path: Path, entry: str, key: str) -> None:
    """``entry`` (one TOML table, ``key``) added at the end of the sites file, which is read
    again now (it may have changed while the site was probed) and replaced by a rename: a cron
    run reading it meanwhile sees the old file or the new one, never half an entry."""
    check_new_key(path, key)
    existing = read_sites_file(path)
    trailing = len(existing) - len(existing.rstrip("\n"))
    separator = "\n" * max(0, 2 - trailing) if existing else ""  # one blank line between tables
    text = existing + separator + entry
    parse_registry(text, str(path))
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
        if path.exists():  # keep the file's permissions, not mkstemp's 0600
            os.chmod(temporary, path.stat().st_mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
