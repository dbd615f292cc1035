"""Imported by the extraction pool's forkserver when the crawl checks the articles' language
(``NEWSCRAWL_CHECK_LANGUAGE``): loads py3langid's model (~0.8 s of CPU, ~70 MiB) once, before
the workers are forked, so that they share it instead of each loading a copy of its own on its
first page that is not plainly Vietnamese. A crawl that does not check languages never loads
it."""

from __future__ import annotations

from newscrawl.cleaning.quality import load_language_model

load_language_model()
