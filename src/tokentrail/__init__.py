"""tokentrail: LLM session-log forensics. Ingest logs, normalise them, price every call, report.

The Python API does what the command line does::

    from tokentrail import Store, ingest, cost_report
    with Store.open("usage.duckdb") as store:
        ingest(store, [Path("~/.claude/projects").expanduser()])
        report = cost_report(store.events(), by=["day"], tz="UTC")
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tokentrail")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"

from tokentrail.analyses.cost import CostReport, cost_report  # noqa: E402
from tokentrail.events import EVENT_SCHEMA, SCHEMA_VERSION  # noqa: E402
from tokentrail.pipeline import IngestSummary, ingest, reprice  # noqa: E402
from tokentrail.pricing import Pricer, load_overrides  # noqa: E402
from tokentrail.store import Store  # noqa: E402

__all__ = [
    "EVENT_SCHEMA",
    "SCHEMA_VERSION",
    "CostReport",
    "IngestSummary",
    "Pricer",
    "Store",
    "__version__",
    "cost_report",
    "ingest",
    "load_overrides",
    "reprice",
]
