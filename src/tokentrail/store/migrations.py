"""Append-only, numbered schema migrations. Never edit one that has shipped: add the next."""

from __future__ import annotations

import duckdb

MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (
        1,
        "events, quarantine and ingest runs",
        """
        CREATE TABLE events (
            event_id VARCHAR NOT NULL,  -- unique by construction (see Store.write_arrow), not by index
            source VARCHAR NOT NULL,
            source_ref VARCHAR,
            ingested_at TIMESTAMPTZ NOT NULL,
            session_id VARCHAR,
            trace_id VARCHAR,
            span_id VARCHAR,
            parent_span_id VARCHAR,
            kind VARCHAR NOT NULL,
            name VARCHAR,
            user_id VARCHAR,
            team_id VARCHAR,
            project VARCHAR,
            feature VARCHAR,
            environment VARCHAR,
            attributes MAP(VARCHAR, VARCHAR),
            provider VARCHAR,
            model VARCHAR,
            model_id VARCHAR,
            started_at TIMESTAMPTZ NOT NULL,
            ended_at TIMESTAMPTZ,
            latency_ms DOUBLE,
            time_to_first_token_ms DOUBLE,
            input_tokens BIGINT NOT NULL,
            cache_read_tokens BIGINT NOT NULL,
            cache_write_5m_tokens BIGINT NOT NULL,
            cache_write_1h_tokens BIGINT NOT NULL,
            output_tokens BIGINT NOT NULL,
            reasoning_tokens BIGINT NOT NULL,
            cost_usd DOUBLE,
            cost_reported_usd DOUBLE,
            priced BOOLEAN NOT NULL,
            price_modifiers VARCHAR,
            system_prompt_tokens BIGINT,
            system_prompt_hash VARCHAR,
            prompt_hash VARCHAR,
            retrieved_context_tokens BIGINT,
            tool_name VARCHAR,
            status VARCHAR,
            error_type VARCHAR,
            finish_reason VARCHAR,
            input_text VARCHAR,
            output_text VARCHAR,
            flags VARCHAR[]
        );
        CREATE TABLE quarantine (
            file VARCHAR NOT NULL,
            line BIGINT,
            raw_hash VARCHAR NOT NULL,
            source VARCHAR,
            reason VARCHAR NOT NULL,
            raw BLOB,
            quarantined_at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (file, raw_hash)
        );
        CREATE TABLE ingest_runs (
            run_id VARCHAR PRIMARY KEY,
            started_at TIMESTAMPTZ NOT NULL,
            finished_at TIMESTAMPTZ,
            paths VARCHAR,
            files BIGINT,
            records BIGINT,
            events_new BIGINT,
            events_updated BIGINT,
            duplicates BIGINT,
            quarantined BIGINT,
            tokentrail_version VARCHAR,
            price_data VARCHAR
        );
        CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR);
        """,
    ),
)


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply every migration the database has not seen; returns the schema version now in force."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, "
        "applied_at TIMESTAMPTZ DEFAULT current_timestamp)"
    )
    done = {v for (v,) in con.execute("SELECT version FROM schema_migrations").fetchall()}
    for version, name, sql in MIGRATIONS:
        if version in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [version, name])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    return max(v for v, _, _ in MIGRATIONS)
