"""Model-name resolution: turn a model name as logged into a (provider, model reference) to price.

Logs name the same model many ways: ``openai/gpt-4o`` (gateways), ``us.anthropic.claude-…-v1:0``
and ARNs (Bedrock inference profiles), ``claude-…@20250929`` (Vertex), ``claude-opus-4-7[1m]``
(Claude Code's 1M-context tag). We strip the wrappers and keep what changes the price: a Bedrock
``global.`` profile is priced at the first-party rate, while geo (``us.``, ``eu.``…) and in-region
ids carry AWS's regional surcharge, so the Bedrock id is passed on intact for the price table to
match. Matching itself (version-specific before family) is the price table's job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Provider names as logged (gateways, OTel gen_ai.system values) -> the price table's provider ids.
PROVIDER_ALIASES: dict[str, str] = {
    "anthropic": "anthropic",
    "claude": "anthropic",
    "openai": "openai",
    "azure": "azure",
    "azure_ai": "azure",
    "azure_openai": "azure",
    "az.ai.openai": "azure",
    "az.ai.inference": "azure",
    "bedrock": "aws",
    "aws": "aws",
    "aws.bedrock": "aws",
    "amazon": "aws",
    "vertex_ai": "google",
    "vertex": "google",
    "vertexai": "google",
    "gcp.vertex_ai": "google",
    "gcp.gemini": "google",
    "gcp.gen_ai": "google",
    "gemini": "google",
    "google": "google",
    "google_genai": "google",
    "mistral": "mistral",
    "mistralai": "mistral",
    "groq": "groq",
    "deepseek": "deepseek",
    "cohere": "cohere",
    "x-ai": "x-ai",
    "xai": "x-ai",
    "openrouter": "openrouter",
    "together": "together",
    "together_ai": "together",
    "fireworks": "fireworks",
    "fireworks_ai": "fireworks",
    "perplexity": "perplexity",
}

_BEDROCK_GEO = re.compile(r"^(us|eu|apac|ap|jp|au|ca|us-gov|global)\.(?=[a-z0-9-]+\.)")
_BEDROCK_VENDOR = re.compile(r"^(anthropic|amazon|meta|mistral|cohere|ai21|deepseek|openai|qwen|writer)\.")
_REGION_SEGMENT = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d/")
_BRACKET_TAG = re.compile(r"\[[^\]]*\]$")


@dataclass(frozen=True, slots=True)
class ResolvedName:
    provider: str | None  # price-table provider id, or None to let the table guess from the name
    model_ref: str  # the name to look up
    note: str | None = None  # why a name cannot be priced without help (e.g. an application profile ARN)


def resolve_name(model: str, provider: str | None = None) -> ResolvedName:
    """The provider and model reference to look up for a logged model name."""
    name = model.strip().lower()
    hint = PROVIDER_ALIASES.get((provider or "").strip().lower())

    if name.startswith("arn:aws:bedrock:"):
        resource = name.split(":", 5)[-1]
        kind, _, ident = resource.partition("/")
        if kind == "application-inference-profile":
            return ResolvedName(
                "aws",
                name,
                "Bedrock application inference profile: map it to a model in the price-override file ([[alias]])",
            )
        name, hint = ident, "aws"

    # Gateway prefixes: "openai/gpt-4o", "bedrock/us-east-1/us.anthropic.…", "vertex_ai/claude-…".
    while "/" in name:
        head, rest = name.split("/", 1)
        if head in PROVIDER_ALIASES:
            hint = hint if head in ("openrouter", "litellm") else PROVIDER_ALIASES[head]
            name = rest
        elif _REGION_SEGMENT.match(name):
            name = rest
        else:
            break

    name = _BRACKET_TAG.sub("", name)

    if _BEDROCK_GEO.match(name) or _BEDROCK_VENDOR.match(name):
        hint = "aws"
    elif "@" in name:
        # Vertex names Claude models "<model>@<date>"; the date is the version.
        base, _, version = name.partition("@")
        name = f"{base}-{version}" if version and version != "latest" else base
        hint = hint or "google"
    return ResolvedName(hint, name)
