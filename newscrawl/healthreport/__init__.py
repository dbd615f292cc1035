"""The run history as a static HTML health page: ``python -m newscrawl.healthreport``."""
