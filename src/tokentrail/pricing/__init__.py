"""Pricing: fills ``model_id``, ``cost_usd`` and ``priced`` on event rows.

Cost = Σ over buckets (uncached input, cache read, 5m write, 1h write, output) of tokens × the
bucket's rate per million, at the prices in force on the request's day, with the long-context
tier decided per request on its whole input (cache included; exceeding the threshold, not
reaching it), and the price modifiers the source recorded. An unknown model leaves ``cost_usd``
null and ``priced`` false: its tokens still count, its cost is never shown as $0.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from tokentrail.events import total_tokens
from tokentrail.pricing.names import ResolvedName, resolve_name
from tokentrail.pricing.overrides import OverrideError, Overrides, load_overrides
from tokentrail.pricing.rates import Rates
from tokentrail.pricing.table import PRICE_DATA, PriceTable

__all__ = ["PRICE_DATA", "OverrideError", "Overrides", "Pricer", "load_overrides", "resolve_name"]

PRICED_KINDS = frozenset({"llm", "embedding", "usage_bucket", "event", "agent", "retrieval", "tool"})


class Pricer:
    def __init__(self, overrides: Overrides | None = None) -> None:
        self.overrides = overrides or Overrides()
        self.table = PriceTable()
        self._names: dict[tuple[str, str | None], ResolvedName] = {}
        for name, target in self.overrides.aliases:
            priced_by_override = any(p.model == target.lower() for p in self.overrides.prices)
            if not priced_by_override and self.table.find(resolve_name(target)) is None:
                raise OverrideError(f"[[alias]] {name!r} points at {target!r}, which has no price: fix the model name")

    def resolve(self, model: str, provider: str | None) -> ResolvedName:
        key = (model, provider)
        name = self._names.get(key)
        if name is None:
            target = self.overrides.alias(model)
            name = self._names[key] = resolve_name(target or model, provider)
        return name

    def rates_for(self, model: str, provider: str | None, when: datetime, modifiers: tuple[str, ...]) -> Rates | None:
        override = self.overrides.find(model, provider, when)
        if override is not None and override.discount is None:
            return override.own_rates()
        name = self.resolve(model, provider)
        if name.note:
            return None
        rates = self.table.rates(name, when, modifiers)
        if rates is not None and override is not None and override.discount is not None:
            rates = rates.scaled(1 - override.discount, f"negotiated discount {override.discount:.0%}")
        return rates

    def price_row(self, row: dict[str, Any]) -> None:
        """Price one event row in place."""
        model = row.get("model")
        billed = total_tokens(row)
        if not model or model == "<synthetic>":
            # Nothing to price: a tool call or a local event costs no tokens of its own.
            row["model_id"], row["cost_usd"], row["priced"] = (
                None,
                (0.0 if billed == 0 else None),
                billed == 0,
            )
            if billed:
                _flag(row, "unpriced_no_model")
            return
        mods = tuple(sorted(m for m in (row.get("price_modifiers") or "").split(",") if m))
        rates = self.rates_for(model, row.get("provider"), row["started_at"], mods)
        if rates is None:
            row["model_id"], row["cost_usd"], row["priced"] = None, None, False
            _flag(row, "unpriced_model")
            return
        row["model_id"] = rates.model_id
        row["cost_usd"] = rates.cost(
            row["input_tokens"],
            row["cache_read_tokens"],
            row["cache_write_5m_tokens"],
            row["cache_write_1h_tokens"],
            row["output_tokens"],
        )
        row["priced"] = True
        reported = row.get("cost_reported_usd")
        if reported == 0 and billed > 0:
            _flag(row, "cost_reported_zero")

    def price_rows(self, rows: Iterable[dict[str, Any]]) -> None:
        for row in rows:
            self.price_row(row)

    def unpriced_reason(self, model: str, provider: str | None) -> str:
        name = self.resolve(model, provider)
        return name.note or "model not in the price table; add it to a price-override file"


def _flag(row: dict[str, Any], flag: str) -> None:
    flags = row.get("flags") or []
    if flag not in flags:
        row["flags"] = [*flags, flag]


def pricer_from(path: Path | None) -> Pricer:
    return Pricer(load_overrides(path) if path else None)
