"""Signals of newscrawl's own, beside Scrapy's."""

# A page or request given up before it became an item: kwargs url, reason, evidence, site.
page_rejected = object()

# The run's output is in place and its emitted articles are recorded in the state store.
state_committed = object()

# The run's end is settled: its output published and recorded, or left unpublished. The run's
# health is judged after this, so that a failed publication counts.
run_settled = object()
