"""The alias table, applied once per record *shape* instead of once per record.

Resolving a record means asking, for each of its keys, which canonical fields it may stand for and
whether it beats a name already seen: tens of lookups per record. Logs are highly regular (a file
usually holds a handful of distinct key sets), so :func:`resolve` applies
:func:`~tokentrail.sources.generic_fields.winners` once per shape and caches the result as a
:class:`Shape`; a record then costs a tuple of its keys, a dict lookup and, at most, a copy.

The cache is exact, never a guess: which name wins depends on the keys and on the values of a few
keys only (:data:`~tokentrail.sources.generic_fields.VALUE_DEPENDENT`), and those values' kinds are
part of the cache key. Every cache is bounded; past the bound, shapes are compiled per object
(correct, only as slow as resolving without a cache).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tokentrail.sources.generic_fields import (
    INCLUSIVE_MARKERS,
    VALUE_DEPENDENT,
    Found,
    TokenPlan,
    plan_tokens,
    winners,
)

__all__ = ["Shape", "resolve", "token_plan"]

# Bounds that keep the caches to a few MB whatever the input: real logs have a handful of shapes (plus
# those of their metadata objects); records with very many keys are rare and resolved uncached.
_MAX_KEY_SETS = 1024
_MAX_KEYS = 64
_MAX_SHAPES_PER_KEY_SET = 16
_MAX_TOKEN_PLANS = 1024


@dataclass(frozen=True, slots=True, eq=False)  # identity-hashed: shapes are cache keys
class Shape:
    """Where each known field of one kind of object is, and what follows from that alone."""

    names: dict[str, str]  # canonical → the name the object used (``parent.child`` when nested)
    aliased: tuple[tuple[str, str], ...]  # (canonical, key) for fields found under an alias
    nested: tuple[tuple[str, str, str], ...]  # (canonical, parent, child): obj[parent][child]
    inclusive_marker: bool  # has a key that says its input count includes cache tokens
    tokens: TokenPlan  # where a record of this shape keeps its counts when it has no usage object

    def read(self, obj: dict[str, Any]) -> Found:
        """``obj``'s known fields under their canonical names.

        A canonical name always wins over its aliases and is no other field's alias (a test pins
        this), so a field under its canonical name is found where it is: an object without aliases
        is its own Found (never written to). Unknown keys come along but are never asked for.
        """
        if not self.aliased and not self.nested:
            return obj
        found = obj.copy()
        for canonical, key in self.aliased:
            found[canonical] = obj[key]
        for canonical, parent, child in self.nested:
            found[canonical] = obj[parent][child]
        return found


def compile_shape(obj: dict[str, Any]) -> Shape:
    won = winners(obj)
    names = {c: key if child is None else f"{key}.{child}" for c, (_, key, child) in won.items()}
    marker = any(m in obj for m in INCLUSIVE_MARKERS)
    return Shape(
        names=names,
        aliased=tuple((c, key) for c, (_, key, child) in won.items() if child is None and key != c),
        nested=tuple((c, key, child) for c, (_, key, child) in won.items() if child is not None),
        inclusive_marker=marker,
        tokens=plan_tokens(((names, marker),)),
    )


def _value_kind(value: Any) -> Any:
    """What a value-dependent key's value adds to the cache key: its keys, or whether it counts."""
    if isinstance(value, dict):
        return tuple(value)  # a dotted alias needs its parent to hold the child
    return isinstance(value, int | float) and not isinstance(value, bool)  # `input`: count or text


class _KeySet:
    """The shapes of every object with one tuple of keys."""

    __slots__ = ("dependent", "shapes", "static")

    def __init__(self, keys: tuple[str, ...]) -> None:
        self.dependent = tuple(k for k in keys if k in VALUE_DEPENDENT)  # keys whose values matter
        self.static: Shape | None = None  # the one shape, when no value matters
        self.shapes: dict[tuple[Any, ...], Shape] = {}  # value kinds → shape, when some do

    def shape_of(self, obj: dict[str, Any]) -> Shape:
        if not self.dependent:
            self.static = compile_shape(obj)
            return self.static
        kinds = tuple([_value_kind(obj[k]) for k in self.dependent])
        shape = self.shapes.get(kinds)
        if shape is None:
            shape = compile_shape(obj)
            if len(self.shapes) < _MAX_SHAPES_PER_KEY_SET:
                self.shapes[kinds] = shape
        return shape


_KEY_SETS: dict[tuple[str, ...], _KeySet] = {}


def _key_set(keys: tuple[str, ...]) -> _KeySet:
    key_set = _KeySet(keys)
    if len(_KEY_SETS) < _MAX_KEY_SETS and len(keys) <= _MAX_KEYS:
        _KEY_SETS[keys] = key_set
    return key_set


def resolve(obj: dict[str, Any]) -> tuple[Found, Shape]:
    """The known fields of ``obj`` under their canonical names, and the shape they were read by."""
    keys = tuple(obj)
    key_set = _KEY_SETS.get(keys) or _key_set(keys)
    shape = key_set.static or key_set.shape_of(obj)
    return shape.read(obj), shape


_TOKEN_PLANS: dict[tuple[Shape, Shape], TokenPlan] = {}


def token_plan(record: Shape, usage: Shape) -> TokenPlan:
    """Where a record of shape ``record`` with a usage object of shape ``usage`` keeps its counts."""
    plan = _TOKEN_PLANS.get((record, usage))
    if plan is None:
        containers = ((usage.names, usage.inclusive_marker), (record.names, record.inclusive_marker))
        plan = plan_tokens(containers)
        if len(_TOKEN_PLANS) < _MAX_TOKEN_PLANS:
            _TOKEN_PLANS[(record, usage)] = plan
    return plan
