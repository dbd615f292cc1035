"""Signals of newscrawl's own, beside Scrapy's."""

# A page or request given up before it became an item: kwargs url, reason, evidence, site,
# source (a sitemap, feed or listing page) and redirected_from (the URLs that redirected
# to ``url``, the first one as requested).
page_rejected = object()

# The run's output is in place and its emitted articles are recorded in the state store.
state_committed = object()

# The run's end is settled: its output published and recorded, or left unpublished. The run's
# health is judged after this, so that a failed publication counts.
run_settled = object()

# The run report is final (kwargs report: the dict written to ``<feed stem>.report.json``, path:
# where it was written, or None when it could not be): for components that keep a history of
# runs or export their figures to monitoring.
report_written = object()
