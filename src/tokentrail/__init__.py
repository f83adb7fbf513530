"""tokentrail: LLM session-log forensics. Ingest logs, normalise them, price every call, report.

The Python API does what the command line does::

    from tokentrail import Store, ingest, cost_report
    with Store.open("usage.duckdb") as store:
        ingest(store, [Path("~/.claude/projects").expanduser()])
        report = cost_report(store.events(), by=["day"], tz="UTC")
"""

from tokentrail.analyses.cost import CostReport, cost_report
from tokentrail.events import EVENT_SCHEMA, SCHEMA_VERSION
from tokentrail.pipeline import IngestSummary, ingest, reprice
from tokentrail.pricing import Pricer, load_overrides
from tokentrail.store import Store
from tokentrail.version import __version__

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
