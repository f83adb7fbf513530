"""Price overrides from a TOML file: negotiated rates, private models, and names to map.

```toml
[[price]]
model = "acme-internal-llm-v2"   # the model name as logged (case-insensitive)
provider = "self-hosted"         # optional: only rows from this provider
from = 2025-01-01                # optional: first day the price applies (UTC)
until = 2026-01-01               # optional: first day it no longer applies
input = 0.40                     # USD per million tokens
output = 1.20
cache_read = 0.04                # optional; default: the input rate
cache_write_5m = 0.50            # optional; default: the input rate
cache_write_1h = 0.80            # optional; default: the 5m write rate

[[price]]
model = "claude-sonnet-4-5"      # a listed model: keep its rates (tiers too) but apply a discount
discount = 0.15                  # 15% off list
from = 2025-07-01

[[alias]]
name = "arn:aws:bedrock:eu-west-1:000000000000:application-inference-profile/abc"
model = "eu.anthropic.claude-sonnet-4-6"
```
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from tokentrail.pricing.rates import Rate, Rates

_PRICE_KEYS = {
    "model",
    "provider",
    "from",
    "until",
    "input",
    "output",
    "cache_read",
    "cache_write_5m",
    "cache_write_1h",
    "discount",
}


class OverrideError(ValueError):
    """The override file is not valid; the message names the entry and the problem."""


@dataclass(frozen=True, slots=True)
class PriceOverride:
    model: str
    provider: str | None
    start: date | None
    end: date | None
    rates: dict[str, float]
    discount: float | None

    def applies(self, model: str, provider: str | None, day: date) -> bool:
        if self.model != model.strip().lower():
            return False
        if self.provider is not None and (provider or "").lower() != self.provider:
            return False
        return (self.start is None or day >= self.start) and (self.end is None or day < self.end)

    def own_rates(self) -> Rates:
        inp = Rate(self.rates["input"])
        w5 = Rate(self.rates.get("cache_write_5m", self.rates["input"]))
        return Rates(
            model_id=f"override:{self.model}",
            input=inp,
            cache_read=Rate(self.rates.get("cache_read", self.rates["input"])),
            cache_write_5m=w5,
            cache_write_1h=Rate(self.rates.get("cache_write_1h", w5.base)),
            output=Rate(self.rates["output"]),
            notes=("price override",),
        )


@dataclass(frozen=True, slots=True)
class Overrides:
    prices: tuple[PriceOverride, ...] = ()
    aliases: tuple[tuple[str, str], ...] = ()

    def alias(self, model: str) -> str | None:
        key = model.strip().lower()
        return next((target for name, target in self.aliases if name == key), None)

    def find(self, model: str, provider: str | None, when: datetime) -> PriceOverride | None:
        day = when.date()
        # Later entries win, so a file reads top to bottom as a history of price changes.
        return next((p for p in reversed(self.prices) if p.applies(model, provider, day)), None)


def _day(value: Any, where: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        raise OverrideError(f"{where}: prices change on whole days: give a date (YYYY-MM-DD), not {value.isoformat()}")
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise OverrideError(f"{where}: bad date {value!r} (use YYYY-MM-DD)") from None


def _price(entry: dict[str, Any], where: str) -> PriceOverride:
    unknown = set(entry) - _PRICE_KEYS
    if unknown:
        raise OverrideError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    if not isinstance(entry.get("model"), str) or not entry["model"].strip():
        raise OverrideError(f"{where}: 'model' is required")
    rates: dict[str, float] = {}
    for key in ("input", "output", "cache_read", "cache_write_5m", "cache_write_1h"):
        if key in entry:
            value = entry[key]
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1e6:
                raise OverrideError(
                    f"{where}: '{key}' must be a non-negative number below 1,000,000 (USD per million tokens)"
                )
            rates[key] = float(value)
    discount = entry.get("discount")
    if discount is not None and (
        isinstance(discount, bool) or not isinstance(discount, int | float) or not 0 <= discount < 1
    ):
        raise OverrideError(f"{where}: 'discount' must be a fraction between 0 and 1")
    if discount is None and not {"input", "output"} <= rates.keys():
        raise OverrideError(f"{where}: give 'input' and 'output' rates, or a 'discount' on list price")
    if discount is not None and rates:
        raise OverrideError(f"{where}: give either rates or a discount, not both")
    start, end = _day(entry.get("from"), where), _day(entry.get("until"), where)
    if start and end and end <= start:
        raise OverrideError(f"{where}: 'until' must be after 'from'")
    provider = entry.get("provider")
    return PriceOverride(
        entry["model"].strip().lower(),
        provider.lower() if provider else None,
        start,
        end,
        rates,
        float(discount) if discount is not None else None,
    )


def load_overrides(path: Path) -> Overrides:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise OverrideError(f"price-override file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise OverrideError(f"cannot read price-override file {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise OverrideError(f"{path}: not valid TOML: {exc}") from None
    unknown = set(data) - {"price", "alias"}
    if unknown:
        raise OverrideError(f"{path}: unknown section(s) {', '.join(sorted(unknown))}; use [[price]] and [[alias]]")
    prices = tuple(_price(e, f"{path}: [[price]] #{i + 1}") for i, e in enumerate(data.get("price", [])))
    _check_overlaps(prices, path)
    aliases = []
    for i, entry in enumerate(data.get("alias", [])):
        if set(entry) != {"name", "model"}:
            raise OverrideError(f"{path}: [[alias]] #{i + 1} needs exactly 'name' and 'model'")
        aliases.append((str(entry["name"]).strip().lower(), str(entry["model"]).strip()))
    return Overrides(prices, tuple(aliases))


def _check_overlaps(prices: tuple[PriceOverride, ...], path: Path) -> None:
    """Two entries for the same model and provider may not both apply on one day: which one wins would
    depend on the order of the file, and a contract rate could be silently ignored."""
    for i, a in enumerate(prices):
        for j in range(i + 1, len(prices)):
            b = prices[j]
            if (a.model, a.provider) != (b.model, b.provider):
                continue
            starts_before_b_ends = a.start is None or b.end is None or a.start < b.end
            b_starts_before_a_ends = b.start is None or a.end is None or b.start < a.end
            if starts_before_b_ends and b_starts_before_a_ends:
                raise OverrideError(
                    f"{path}: [[price]] #{i + 1} and #{j + 1} both apply to {a.model!r} on some days; "
                    "make their from/until ranges disjoint"
                )
