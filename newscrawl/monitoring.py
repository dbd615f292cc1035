"""The add-on behind ``NEWSCRAWL_SPIDERMON``, and the checks of the monitoring settings.

It imports neither ``spidermon`` nor ``prometheus_client``: it is enabled in every crawl, and a
base install (without the ``monitoring`` extra) must run every command that does not ask for
monitoring. ``newscrawl.monitors`` (Spidermon) and ``newscrawl.extensions.prometheus`` (the
textfile) are imported only when their setting is on.
"""

from __future__ import annotations

import importlib.util

from scrapy.settings import BaseSettings

from newscrawl.distributed.addon import MissingExtraError

# NEWSCRAWL_SPIDERMON_ACTIONS keys: when Spidermon runs the actions listed under each
ACTION_STEPS = ("finished", "passed", "failed")
RUN_MONITOR_SUITE = "newscrawl.monitors.RunMonitorSuite"
_EXTRA = "install the extra with pip install 'newscrawl[monitoring]'"


def _missing(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is None
    except (ImportError, ValueError):  # a broken install counts as none
        return True


def monitoring_problem(settings: BaseSettings) -> str | None:
    """Why the monitoring settings cannot be used (one line), or None."""
    if settings.getbool("NEWSCRAWL_SPIDERMON") and _missing("spidermon"):
        return f"NEWSCRAWL_SPIDERMON is on but spidermon is not installed: {_EXTRA}"
    if textfile := settings.get("NEWSCRAWL_PROMETHEUS_TEXTFILE"):
        if _missing("prometheus_client"):
            return (
                f"NEWSCRAWL_PROMETHEUS_TEXTFILE is set but prometheus_client is not "
                f"installed: {_EXTRA}"
            )
        if not str(textfile).endswith(".prom"):  # the only files node-exporter reads
            return f"NEWSCRAWL_PROMETHEUS_TEXTFILE={textfile}: name a *.prom file"
    return _actions_problem(settings) or _labels_problem(settings)


def _actions_problem(settings: BaseSettings) -> str | None:
    expected = (
        'setting NEWSCRAWL_SPIDERMON_ACTIONS: expected {"failed": [action import '
        f"paths], ...}} with keys among {', '.join(ACTION_STEPS)}"
    )
    try:
        actions = settings.getdict("NEWSCRAWL_SPIDERMON_ACTIONS")
    except ValueError:
        return expected
    if set(actions) - set(ACTION_STEPS) or not all(
        isinstance(paths, list) and all(isinstance(p, str) for p in paths)
        for paths in actions.values()
    ):
        return expected
    return None


def _labels_problem(settings: BaseSettings) -> str | None:
    expected = (
        'setting NEWSCRAWL_PROMETHEUS_LABELS: expected {"name": "value", ...}, '
        "without 'spider' (every metric has it)"
    )
    try:
        labels = settings.getdict("NEWSCRAWL_PROMETHEUS_LABELS")
    except ValueError:
        return expected
    if "spider" in labels or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in labels.items()
    ):
        return expected
    return None


class MonitoringAddon:
    """Scrapy add-on: ``NEWSCRAWL_SPIDERMON = True`` turns Spidermon on with newscrawl's
    monitor suite, run on the final run report (``newscrawl.monitors``);
    ``NEWSCRAWL_PROMETHEUS_TEXTFILE`` turns the textfile writer on
    (``newscrawl.extensions.prometheus``)."""

    def update_settings(self, settings: BaseSettings) -> None:
        if settings.get("NEWSCRAWL_PROMETHEUS_TEXTFILE"):
            _require("prometheus_client", "NEWSCRAWL_PROMETHEUS_TEXTFILE is set")
            from newscrawl.extensions.prometheus import PrometheusTextfile

            settings.set_in_component_priority_dict("EXTENSIONS", PrometheusTextfile, 800)
        if settings.getbool("NEWSCRAWL_SPIDERMON"):
            _require("spidermon", "NEWSCRAWL_SPIDERMON is on")
            _enable_spidermon(settings)


def _require(module: str, why: str) -> None:
    """For a crawl started from a script, without the crawl command's settings check."""
    if _missing(module):
        raise MissingExtraError(f"{why} but {module} is not installed: {_EXTRA}")


def _enable_spidermon(settings: BaseSettings) -> None:
    if problem := _actions_problem(settings):  # a crawl started without the settings check
        raise ValueError(problem)
    from spidermon.contrib.scrapy.extensions import Spidermon

    from newscrawl.monitors import ReportSpidermon

    settings.set("SPIDERMON_ENABLED", True, "addon")
    # Spidermon's own extension, if the project lists it, gives way to the one that runs the
    # spider-close suites on the final report (both would run them otherwise)
    settings.set_in_component_priority_dict("EXTENSIONS", Spidermon, None)
    settings.set_in_component_priority_dict("EXTENSIONS", ReportSpidermon, 500)
    if not settings.getlist("SPIDERMON_SPIDER_CLOSE_MONITORS"):
        settings.set("SPIDERMON_SPIDER_CLOSE_MONITORS", [RUN_MONITOR_SUITE], "addon")
