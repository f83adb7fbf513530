"""Single records of the demo: how each provider's usage is logged, and short synthetic content.

Usage blocks follow each provider's own convention, on purpose: Anthropic counts cache reads and
writes beside ``input_tokens`` (exclusive), OpenAI counts cached tokens inside ``prompt_tokens``
(inclusive), Gemini (through an OpenAI-compatible gateway) reports reasoning inside completion.
The generic source has to undo each of them, which is what the demo exercises.
"""

from __future__ import annotations

import random
from typing import Any

from tokentrail.demo_org import Feature, Model

OPENAI_CACHE_MIN = 1024  # OpenAI caches prompts from 1,024 tokens, in 128-token steps
OPENAI_CACHE_STEP = 128

_QUESTIONS: dict[str, tuple[str, ...]] = {
    "support-bot": (
        "Where is my order {n}?",
        "How do I reset my password?",
        "Can I change the delivery address for order {n}?",
        "Why was I charged twice for invoice {n}?",
        "Please cancel my subscription.",
    ),
    "code-review": (
        "Review the diff for PR #{n}.",
        "Check PR #{n} for security problems.",
        "Suggest tests for PR #{n}.",
    ),
    "search-rag": (
        "What is our travel policy for trip {n}?",
        "How do I request a new laptop?",
        "Which runbook covers incident {n}?",
        "What changed in release {n}?",
    ),
    "summariser": (
        "Summarise document DOC-{n}.",
        "Summarise the meeting notes of {n}.",
        "Give the key points of contract C-{n}.",
    ),
    "agent-workflows": (
        "Fix the flaky test in job {n}.",
        "Triage the alerts of incident {n}.",
        "Upgrade the dependency in service {n} and open a ticket.",
    ),
    "slide-studio": (
        "Turn the notes of meeting {n} into five slides.",
        "Make a title slide for the Q{n} review.",
        "Shorten slide {n} to three bullet points.",
    ),
}
_ANSWERS: dict[str, tuple[str, ...]] = {
    "support-bot": ("Your order {n} ships tomorrow.", "I have opened ticket T-{n} for you.", "Done."),
    "code-review": ("2 issues found in PR #{n}; see comments.", "Looks good to merge.", "Missing tests."),
    "search-rag": ("According to the handbook, section {n} applies.", "See runbook RB-{n}."),
    "summariser": ("Summary: three decisions, two open questions.", "Key points: scope, price, term."),
    "agent-workflows": ("Step done; next: run the tests.", "Calling a tool.", "Task {n} complete."),
    "slide-studio": ("Slide 1: Goals. Slide 2: Results. Slide 3: Next steps.", "Here is deck D-{n}."),
}
# Rare personal data in support chats, for the privacy findings.
_PII = ("my card is 4111 1111 1111 1111", "email me at jane.doe@example.com", "my phone is +1 415 555 0100")


def question(rng: random.Random, feature: str) -> str:
    text = rng.choice(_QUESTIONS[feature]).format(n=rng.randint(1000, 99999))
    if feature == "support-bot" and rng.random() < 0.004:
        text += " " + rng.choice(_PII)
    return text


def answer(rng: random.Random, feature: str) -> str:
    return rng.choice(_ANSWERS[feature]).format(n=rng.randint(100, 9999))


def finish_reason(model: Model, *, tool_call: bool, truncated: bool) -> str:
    if model.shape == "anthropic":
        return "tool_use" if tool_call else "max_tokens" if truncated else "end_turn"
    if model.shape == "gemini":
        return "MAX_TOKENS" if truncated else "STOP"
    return "tool_calls" if tool_call else "length" if truncated else "stop"


def _anthropic(prompt: int, cached: int, output: int, ttl: str, caching: bool, rng: random.Random) -> dict[str, Any]:
    if not caching:
        return {"input_tokens": prompt, "output_tokens": output,
                "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}  # fmt: skip
    # The cache breakpoint sits at the end of each request: what was not read is written, except a
    # few trailing tokens after the breakpoint.
    uncached = min(prompt - cached, rng.randint(3, 40))
    write = prompt - cached - uncached
    usage: dict[str, Any] = {
        "input_tokens": uncached,
        "output_tokens": output,
        "cache_creation_input_tokens": write,
        "cache_read_input_tokens": cached,
    }
    if ttl == "1h":
        usage["cache_creation"] = {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": write}
    return usage


def _openai(prompt: int, cached: int, output: int, reasoning: int) -> dict[str, Any]:
    hit = cached // OPENAI_CACHE_STEP * OPENAI_CACHE_STEP if cached >= OPENAI_CACHE_MIN else 0
    usage: dict[str, Any] = {
        "prompt_tokens": prompt,  # includes the cached tokens
        "completion_tokens": output,
        "total_tokens": prompt + output,
        "prompt_tokens_details": {"cached_tokens": hit},
    }
    if reasoning:
        usage["completion_tokens_details"] = {"reasoning_tokens": reasoning}
    return usage


def usage_block(
    model: Model, feature: Feature, *, prompt: int, cached: int, output: int, rng: random.Random
) -> dict[str, Any]:
    """The usage object as this model's provider logs it; ``cached`` is the reusable prompt prefix."""
    if model.shape == "anthropic":
        caching = feature.shape != "single"
        return _anthropic(prompt, cached, output, feature.cache_ttl, caching, rng)
    if model.shape == "openai":
        return _openai(prompt, cached, output, 0)
    if model.shape == "gemini":
        reasoning = int(output * rng.uniform(0.2, 0.6))  # thinking, inside completion_tokens
        return _openai(prompt, 0, output, reasoning)
    return {"input_tokens": prompt, "output_tokens": output}  # in-house: no caching, exclusive names


def latency_ms(model: Model, output: int, rng: random.Random) -> float:
    return round(rng.uniform(250, 900) + output * model.ms_per_token * rng.uniform(0.7, 1.3), 1)
