"""Rates from the bundled genai-prices data (offline; its auto-update is never started).

The table is date-effective: a request is priced at the prices in force on its day. Price
modifiers the logs record are applied through the table's own variants where it has them (batch,
priority, fast), and otherwise through the provider's published multipliers, each named in the
rates' notes so a reader can see why a figure differs from list price.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from importlib.metadata import version
from typing import Any

from genai_prices import types as gp_types
from genai_prices.data_snapshot import get_snapshot

from tokentrail.pricing.names import ResolvedName
from tokentrail.pricing.rates import Rate, Rates

PRICE_DATA = f"genai-prices {version('genai-prices')}"

# Context keys the price table uses for request variants, by the modifier the logs record.
_VARIANT_CONTEXT = {
    "service_tier=batch": {"processing": "batch"},
    "service_tier=priority": {"service_tier": "priority"},
    "service_tier=flex": {"service_tier": "flex"},
    "speed=fast": {"speed": "fast"},
}
# Published multipliers for modifiers the table has no variant for (Anthropic's pricing page:
# Message Batches 50% off; fast mode 6x on Opus 4.6; US-only inference 1.1x).
_FALLBACK_FACTOR = {
    "service_tier=batch": 0.5,
    "speed=fast": 6.0,
    "inference_geo=us": 1.1,
}


def _rate(value: Decimal | gp_types.TieredPrices | None, fallback: Rate | None = None) -> Rate | None:
    if value is None:
        return fallback
    if isinstance(value, gp_types.TieredPrices):
        return Rate(float(value.base), tuple((t.start, float(t.price)) for t in value.tiers))
    return Rate(float(value))


def _has_time_of_day(model: gp_types.ModelInfo) -> bool:
    prices = model.prices if isinstance(model.prices, list) else []
    return any(isinstance(p.constraint, gp_types.TimeOfDateConstraint) for p in prices)


class PriceTable:
    """Looks models up once, then hands out cached rates per (model, day, modifiers)."""

    def __init__(self) -> None:
        self._snapshot = get_snapshot()
        self._models: dict[tuple[str | None, str], tuple[gp_types.Provider, gp_types.ModelInfo] | None] = {}
        self._rates: dict[tuple[Any, ...], Rates] = {}

    def find(self, name: ResolvedName) -> tuple[gp_types.Provider, gp_types.ModelInfo] | None:
        key = (name.provider, name.model_ref)
        if key not in self._models:
            try:
                found = self._snapshot.find_provider_model(name.model_ref, None, name.provider, None)
            except LookupError:
                found = None
            self._models[key] = found
        return self._models[key]

    def rates(self, name: ResolvedName, when: datetime, modifiers: tuple[str, ...] = ()) -> Rates | None:
        found = self.find(name)
        if found is None:
            return None
        provider, model = found
        # Day-level caching, except for models whose price changes with the time of day.
        slot = when.replace(second=0, microsecond=0) if _has_time_of_day(model) else when.date()
        key = (provider.id, model.id, slot, modifiers)
        cached = self._rates.get(key)
        if cached is None:
            cached = self._rates[key] = self._build(provider, model, when, modifiers)
        return cached

    def _build(
        self,
        provider: gp_types.Provider,
        model: gp_types.ModelInfo,
        when: datetime,
        modifiers: tuple[str, ...],
    ) -> Rates:
        standard = model.get_prices(when)
        context: dict[str, str] = {}
        for mod in modifiers:
            context.update(_VARIANT_CONTEXT.get(mod, {}))
        prices = model.get_prices(when, context) if context else standard
        rates = _to_rates(f"{provider.id}:{model.id}", prices)
        for mod in modifiers:
            variant = _VARIANT_CONTEXT.get(mod)
            applied = variant is not None and model.get_prices(when, variant) != standard
            if applied:
                rates = Rates(
                    rates.model_id,
                    rates.input,
                    rates.cache_read,
                    rates.cache_write_5m,
                    rates.cache_write_1h,
                    rates.output,
                    (*rates.notes, f"{mod} (price table)"),
                )
            elif mod in _FALLBACK_FACTOR:
                rates = rates.scaled(_FALLBACK_FACTOR[mod], f"{mod} x{_FALLBACK_FACTOR[mod]:g}")
            else:
                rates = Rates(
                    rates.model_id,
                    rates.input,
                    rates.cache_read,
                    rates.cache_write_5m,
                    rates.cache_write_1h,
                    rates.output,
                    (*rates.notes, f"{mod} has no price; list used"),
                )
        return rates


def _to_rates(model_id: str, prices: gp_types.ModelPrice) -> Rates:
    input_rate = _rate(prices.input_mtok) or Rate(0.0)
    write_5m = _rate(prices.cache_write_mtok)
    # Providers that charge for cache writes charge 2x input for the 1-hour TTL (Anthropic's rule);
    # providers without write prices bill cached-prefix creation as ordinary input.
    write_1h_default = input_rate.scaled(2.0) if write_5m is not None else input_rate
    return Rates(
        model_id=model_id,
        input=input_rate,
        cache_read=_rate(prices.cache_read_mtok, input_rate) or input_rate,
        cache_write_5m=write_5m or input_rate,
        cache_write_1h=_rate(prices.cache_write_1h_mtok, write_1h_default) or write_1h_default,
        output=_rate(prices.output_mtok) or Rate(0.0),
    )
