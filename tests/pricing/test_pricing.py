"""Pricing: each expected cost is worked out by hand from list prices per million tokens."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tokentrail.events import new_event
from tokentrail.pricing import OverrideError, Pricer, load_overrides, resolve_name

JUNE_2025 = datetime(2025, 6, 8, 12, tzinfo=UTC)


def price(
    model: str,
    *,
    provider: str | None = None,
    when: datetime = JUNE_2025,
    mods: str | None = None,
    pricer: Pricer | None = None,
    **tokens: int,
) -> dict:
    row = new_event(
        event_id="e",
        source="test",
        kind="llm",
        model=model,
        provider=provider,
        started_at=when,
        price_modifiers=mods,
        **tokens,
    )
    (pricer or Pricer()).price_row(row)
    return row


def test_long_context_tier_is_per_request_on_all_input() -> None:
    """Fault 10: 5,000 + 190,000 read + 10,000 write = 205,000 > 200K, so every bucket takes the tier:
    5,000×6 + 190,000×0.60 + 10,000×7.50 + 2,000×22.50 = $0.264 (flat would be $0.1395)."""
    row = price(
        "claude-sonnet-4-5-20250929",
        input_tokens=5000,
        cache_read_tokens=190_000,
        cache_write_5m_tokens=10_000,
        output_tokens=2000,
    )
    assert row["cost_usd"] == pytest.approx(0.264)


def test_exactly_at_threshold_is_base_rate_one_above_is_tier() -> None:
    at = price("claude-sonnet-4-5-20250929", input_tokens=200_000, output_tokens=1000)
    assert at["cost_usd"] == pytest.approx((200_000 * 3 + 1000 * 15) / 1e6)  # $0.615
    above = price("claude-sonnet-4-5-20250929", input_tokens=200_001, output_tokens=1000)
    assert above["cost_usd"] == pytest.approx((200_001 * 6 + 1000 * 22.5) / 1e6)  # $1.222506


def test_two_requests_under_threshold_are_not_tiered_together() -> None:
    p = Pricer()
    costs = [price("claude-sonnet-4-5-20250929", input_tokens=150_000, pricer=p)["cost_usd"] for _ in range(2)]
    assert sum(costs) == pytest.approx(2 * 150_000 * 3 / 1e6)


def test_flat_priced_model_gets_no_tier() -> None:
    """Fault 11: Opus 4.6 has been flat across its 1M window since 2026-03-13 (price table's date):
    1,000×5 + 1,000×25 + 249,000×0.50 = $0.1545 (a wrongly applied tier gives $0.2965)."""
    row = price(
        "claude-opus-4-6",
        when=datetime(2026, 6, 1, tzinfo=UTC),
        input_tokens=1000,
        output_tokens=1000,
        cache_read_tokens=249_000,
    )
    assert row["cost_usd"] == pytest.approx(0.1545)


def test_claude_sonnet_4_has_flat_price_in_table() -> None:
    # 250K input on claude-sonnet-4-20250514: the table lists no tier for it, so 250,000×3 = $0.75.
    assert price("claude-sonnet-4-20250514", input_tokens=250_000)["cost_usd"] == pytest.approx(0.75)


@pytest.mark.parametrize(
    ("model", "provider", "expected"),
    [
        ("openai/gpt-4o", None, 0.0035),  # 1,000×2.50 + 100×10
        ("anthropic/claude-3-5-sonnet-20241022", None, 0.0045),  # 1,000×3 + 100×15
        ("claude-sonnet-4-5@20250929", None, 0.0045),  # Vertex name
        ("claude-3-5-sonnet-v2@20241022", None, 0.0045),
        ("claude-opus-4-7[1m]", None, 0.0075),  # 1,000×5 + 100×25
        ("claude-sonnet-4-5-20250929", "anthropic", 0.0045),
        ("gpt-4o-2024-08-06", "openai", 0.0035),
    ],
)
def test_model_name_variants_resolve(model: str, provider: str | None, expected: float) -> None:
    """Fault 12: prefixed, Vertex-@, date-suffixed and [1m]-tagged names all price."""
    row = price(model, provider=provider, input_tokens=1000, output_tokens=100)
    assert row["priced"] is True
    assert row["cost_usd"] == pytest.approx(expected)


def test_gemini_flash_lite() -> None:
    assert price("gemini-3.1-flash-lite", input_tokens=1000, output_tokens=1000)["cost_usd"] == pytest.approx(0.00175)


def test_unknown_model_is_unpriced_never_zero() -> None:
    row = price("totally-unknown-model-x", input_tokens=1000, output_tokens=100)
    assert row["priced"] is False and row["cost_usd"] is None and "unpriced_model" in row["flags"]


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("global.anthropic.claude-sonnet-4-6", 0.045),  # 10,000×3 + 1,000×15
        ("us.anthropic.claude-sonnet-4-6", 0.0495),  # 10,000×3.30 + 1,000×16.50 (geo profile, +10%)
        ("anthropic.claude-sonnet-4-6", 0.0495),  # bare in-region id, +10%
        ("bedrock/eu.anthropic.claude-sonnet-4-6", 0.0495),
        ("arn:aws:bedrock:us-east-1:000000000000:inference-profile/us.anthropic.claude-sonnet-4-6", 0.0495),
    ],
)
def test_bedrock_profiles(model: str, expected: float) -> None:
    """Fault 13: global. at first-party rates; geo and in-region profiles carry AWS's 10% surcharge."""
    row = price(model, input_tokens=10_000, output_tokens=1000)
    assert row["cost_usd"] == pytest.approx(expected)


def test_bedrock_application_profile_arn_is_unpriced_until_aliased(tmp_path: Path) -> None:
    arn = "arn:aws:bedrock:eu-west-1:000000000000:application-inference-profile/testprofile01"
    assert price(arn, input_tokens=10_000, output_tokens=1000)["priced"] is False
    f = tmp_path / "prices.toml"
    f.write_text(f'[[alias]]\nname = "{arn}"\nmodel = "eu.anthropic.claude-sonnet-4-6"\n')
    row = price(arn, input_tokens=10_000, output_tokens=1000, pricer=Pricer(load_overrides(f)))
    assert row["cost_usd"] == pytest.approx(0.0495)


def test_version_specific_match_beats_family() -> None:
    """Fault 14: Opus 4.5 at $5/$25, Opus 4.1 at $15/$75 (same tokens, 3x apart)."""
    tokens = {
        "input_tokens": 2000,
        "output_tokens": 1000,
        "cache_read_tokens": 100_000,
        "cache_write_5m_tokens": 10_000,
    }
    assert price("claude-opus-4-5-20251101", **tokens)["cost_usd"] == pytest.approx(0.1475)
    assert price("claude-opus-4-1-20250805", **tokens)["cost_usd"] == pytest.approx(0.4425)


def test_reported_zero_cost_is_not_trusted() -> None:
    """Fault 15: a source's cost of 0 with tokens is 'unknown': 10,000×3 + 1,000×15 = $0.045."""
    row = new_event(
        event_id="e",
        source="t",
        kind="llm",
        model="vertex_ai/claude-sonnet-4-6",
        started_at=JUNE_2025,
        input_tokens=10_000,
        output_tokens=1000,
        cost_reported_usd=0.0,
    )
    Pricer().price_row(row)
    assert row["cost_usd"] == pytest.approx(0.045)
    assert "cost_reported_zero" in row["flags"]


def test_inclusive_openai_buckets_priced_once() -> None:
    """Fault 5b after conversion: 2,000 uncached×2.50 + 8,000 cached×1.25 + 500×10 = $0.02."""
    row = price("gpt-4o-2024-08-06", input_tokens=2000, cache_read_tokens=8000, output_tokens=500)
    assert row["cost_usd"] == pytest.approx(0.02)


def test_cache_write_billed_in_one_bucket() -> None:
    """Fault 8: 1,000 cache-creation tokens at $3.75 only: $0.00375, not $0.00675."""
    row = price("claude-3-5-sonnet-20241022", cache_write_5m_tokens=1000)
    assert row["cost_usd"] == pytest.approx(0.00375)


def test_price_modifiers() -> None:
    # Batch: half of 1,000×3 + 1,000×15 = $0.009.
    batch = price("claude-sonnet-4-5-20250929", mods="service_tier=batch", input_tokens=1000, output_tokens=1000)
    assert batch["cost_usd"] == pytest.approx(0.009)
    # US-only inference: 1.1 × (1,000×5 + 1,000×25) on Opus 4.6 = $0.033.
    geo = price(
        "claude-opus-4-6",
        when=datetime(2026, 6, 1, tzinfo=UTC),
        mods="inference_geo=us",
        input_tokens=1000,
        output_tokens=1000,
    )
    assert geo["cost_usd"] == pytest.approx(0.033)
    # Fast mode: 6 × $0.03 = $0.18.
    fast = price(
        "claude-opus-4-6",
        when=datetime(2026, 6, 1, tzinfo=UTC),
        mods="speed=fast",
        input_tokens=1000,
        output_tokens=1000,
    )
    assert fast["cost_usd"] == pytest.approx(0.18)
    # OpenAI priority tier from the table's own variant (from 2026-10-12): 1,000×4.25 + 1,000×17 = $0.02125.
    prio = price(
        "gpt-4o",
        when=datetime(2026, 11, 1, tzinfo=UTC),
        mods="service_tier=priority",
        input_tokens=1000,
        output_tokens=1000,
    )
    assert prio["cost_usd"] == pytest.approx(0.02125)


def test_date_effective_prices() -> None:
    """Opus 4.6 before 2026-03-13 had a long-context tier; after, it is flat (same request, two dates)."""
    tokens = {"input_tokens": 1000, "output_tokens": 1000, "cache_read_tokens": 249_000}
    before = price("claude-opus-4-6", when=datetime(2026, 1, 10, tzinfo=UTC), **tokens)
    after = price("claude-opus-4-6", when=datetime(2026, 6, 1, tzinfo=UTC), **tokens)
    assert before["cost_usd"] == pytest.approx(0.2965)  # 1,000×10 + 1,000×37.5 + 249,000×1
    assert after["cost_usd"] == pytest.approx(0.1545)


def test_overrides_with_effective_dates(tmp_path: Path) -> None:
    f = tmp_path / "prices.toml"
    f.write_text(
        '[[price]]\nmodel = "acme-llm"\ninput = 1.0\noutput = 2.0\nuntil = 2025-07-01\n\n'
        '[[price]]\nmodel = "acme-llm"\ninput = 0.5\noutput = 1.0\nfrom = 2025-07-01\n\n'
        '[[price]]\nmodel = "claude-sonnet-4-5-20250929"\ndiscount = 0.2\nfrom = 2025-01-01\n'
    )
    pricer = Pricer(load_overrides(f))
    june = price("acme-llm", input_tokens=1_000_000, output_tokens=1_000_000, pricer=pricer)
    july = price(
        "acme-llm",
        when=datetime(2025, 7, 2, tzinfo=UTC),
        input_tokens=1_000_000,
        output_tokens=1_000_000,
        pricer=pricer,
    )
    assert (june["cost_usd"], july["cost_usd"]) == (pytest.approx(3.0), pytest.approx(1.5))
    # 20% off list: 0.8 × (1,000×3 + 1,000×15) = $0.0144
    disc = price("claude-sonnet-4-5-20250929", input_tokens=1000, output_tokens=1000, pricer=pricer)
    assert disc["cost_usd"] == pytest.approx(0.0144)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[price]]\ninput = 1\noutput = 2\n", "'model' is required"),
        ('[[price]]\nmodel = "x"\ninput = -1\noutput = 2\n', "non-negative"),
        ('[[price]]\nmodel = "x"\ninput = 1\n', "give 'input' and 'output'"),
        ('[[price]]\nmodel = "x"\ninput = 1\noutput = 2\ncolour = "red"\n', "unknown key(s) colour"),
        ('[[price]]\nmodel = "x"\ninput = 1\noutput = 2\nfrom = "June"\n', "bad date"),
        ("[[price]\n", "not valid TOML"),
        ("[prices]\n", "unknown section"),
    ],
)
def test_bad_override_files_say_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    f = tmp_path / "prices.toml"
    f.write_text(text)
    with pytest.raises(OverrideError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_overrides(f)


def test_name_resolution() -> None:
    assert resolve_name("bedrock/us-east-2/us.anthropic.claude-3-haiku-20240307-v1:0").provider == "aws"
    assert resolve_name("claude-opus-4-7[1m]").model_ref == "claude-opus-4-7"
    assert resolve_name("claude-sonnet-4-5@20250929").model_ref == "claude-sonnet-4-5-20250929"
    assert resolve_name("gpt-4o", "az.ai.inference").provider == "azure"


def test_pricing_is_cached_per_model_and_day() -> None:
    p = Pricer()
    for hour in range(24):
        price("gpt-4o", when=datetime(2025, 6, 8, hour, tzinfo=UTC), input_tokens=1, pricer=p)
    assert len(p.table._rates) == 1
