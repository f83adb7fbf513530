"""The DuckDB baseline: ``read_json`` of a JSONL file and a GROUP BY day of its tokens, in a fresh
in-memory database. Prints one JSON object: ``{"query_s": …, "rows": [{"day": …, …}]}``.

Run as its own process by ``generic_ingest.py`` so its wall time and peak RSS are measured the same
way as ours: ``python bench/duckdb_days.py FILE``.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import duckdb

QUERY = """
SELECT CAST(CAST("timestamp" AS TIMESTAMPTZ) AS DATE)::VARCHAR AS day,
       count(*) AS calls,
       sum(input_tokens) AS input_tokens,
       sum(output_tokens) AS output_tokens,
       sum(cache_read_tokens) AS cache_read_tokens,
       sum(cache_write_tokens) AS cache_write_tokens,
       sum(cost_usd) AS cost_usd
FROM read_json(?, format = 'newline_delimited')
GROUP BY day
ORDER BY day
"""


def day_sums(path: str) -> list[dict[str, Any]]:
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    cursor = con.execute(QUERY, [path])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        raise SystemExit("usage: duckdb_days.py FILE.jsonl")
    start = time.perf_counter()
    rows = day_sums(argv[0])
    elapsed = time.perf_counter() - start
    print(json.dumps({"duckdb": duckdb.__version__, "query_s": elapsed, "rows": rows}))


if __name__ == "__main__":
    main(sys.argv[1:])
