"""Per-bucket token rates, and the cost of one request under them.

Rates are plain floats in USD per million tokens, taken once per (provider, model, day, modifiers)
from the price table, so pricing an event is a few multiplications.
"""

from __future__ import annotations

from dataclasses import dataclass, field

BUCKETS = ("input", "cache_read", "cache_write_5m", "cache_write_1h", "output")


@dataclass(frozen=True, slots=True)
class Rate:
    """A per-million-token rate, with optional long-context tiers ``((start, price), ...)``.

    A request whose whole input (cache included) *exceeds* a tier's start pays that tier's price
    on all of the bucket's tokens; exactly at the start it does not.
    """

    base: float
    tiers: tuple[tuple[int, float], ...] = ()

    def at(self, request_input: int) -> float:
        for start, price in reversed(self.tiers):
            if request_input > start:
                return price
        return self.base

    def scaled(self, factor: float) -> Rate:
        return Rate(self.base * factor, tuple((s, p * factor) for s, p in self.tiers))


@dataclass(frozen=True, slots=True)
class Rates:
    model_id: str
    input: Rate
    cache_read: Rate
    cache_write_5m: Rate
    cache_write_1h: Rate
    output: Rate
    notes: tuple[str, ...] = field(default=())

    @property
    def has_tier(self) -> bool:
        return any(getattr(self, b).tiers for b in BUCKETS)

    def cost(self, input_: int, cache_read: int, cache_write_5m: int, cache_write_1h: int, output: int) -> float:
        """USD for one request. The tier is decided on the request's whole input, cache included."""
        request_input = input_ + cache_read + cache_write_5m + cache_write_1h
        return (
            input_ * self.input.at(request_input)
            + cache_read * self.cache_read.at(request_input)
            + cache_write_5m * self.cache_write_5m.at(request_input)
            + cache_write_1h * self.cache_write_1h.at(request_input)
            + output * self.output.at(request_input)
        ) / 1_000_000

    def scaled(self, factor: float, note: str) -> Rates:
        return Rates(
            self.model_id,
            *(getattr(self, b).scaled(factor) for b in BUCKETS),
            notes=(*self.notes, note),
        )
