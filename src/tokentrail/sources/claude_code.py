"""Claude Code transcripts: ``~/.claude/projects/<encoded-cwd>/<session>.jsonl`` and subagent files.

Claude Code writes one line per content block of a streamed response, each with a copy of the
response's ``usage``, and early copies may hold a partial ``output_tokens``. Lines sharing
``message.id`` + ``requestId`` (``message.id`` alone when ``requestId`` is missing) are one API
response: we keep the copy with the largest token total (ties: one with a ``stop_reason``), and
its id is derived from those keys only, so the copies of history that resumed sessions write into
new files collapse onto the same event in the store. Subagent turns (inline ``isSidechain``,
``agent-*.jsonl``, ``<session>/subagents/``) are ordinary responses and are read the same way.
Parents: an LLM call points at its turn's prompt, a tool call at its LLM call, a subagent's first
prompt at the ``Task``/``Agent`` call (same file) whose ``input.prompt`` it repeats; that call keeps
the prompt's hash and its result's ``agentId``, so ``agent-*.jsonl`` files can be linked later.
``<synthetic>`` lines are local errors (rate limits, interruptions): kept as error events, not
priced. The project is the ``cwd`` on each line, not the lossy folder name.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from tokentrail.events import Quarantined, new_event, stable_id, text_hash
from tokentrail.sources.base import (
    ParseContext,
    Skipped,
    iter_json_records,
    parse_time,
    stringify_attributes,
    to_int,
)

NAME = "claude_code"
SYNTHETIC = "<synthetic>"
_KNOWN_TYPES = {
    b'"type":"assistant"',
    b'"type":"user"',
    b'"type":"summary"',
    b'"type":"system"',
    b'"type":"file-history-snapshot"',
    b'"type":"queue-operation"',
}
_ENVELOPE_ATTRS = ("version", "gitBranch", "agentId", "entrypoint", "promptId", "slug", "userType")
_SUBAGENT_TOOLS = ("Task", "Agent")


# Line uuid -> the span its children hang under; "task:<prompt hash>" -> the Task call. Bounded: a
# parent is almost always a recent line, and a parent not found stays the raw ``parentUuid``.
_Links = OrderedDict[str, str]


class _Response:
    """The best copy so far of one API response, plus what all its lines say together."""

    __slots__ = ("best", "best_rank", "lines", "texts")

    def __init__(self) -> None:
        self.best: dict[str, Any] | None = None
        self.best_rank: tuple[int, int, int] = (-1, 0, 0)
        self.lines = 0
        self.texts: list[str] = []


class ClaudeCodeSource:
    name = NAME
    description = "Claude Code transcripts (~/.claude/projects), subagent files included"

    def detect(self, head: bytes, path: Path) -> bool:
        first = head.split(b"\n", 1)[0]
        compact = first.replace(b": ", b":")
        if b'"leafUuid"' in compact and b'"type":"summary"' in compact:
            return True
        return (b'"sessionId"' in compact and b'"uuid"' in compact and any(t in compact for t in _KNOWN_TYPES)) or (
            b'"sessionId"' in head and b'"parentUuid"' in head and b'"isSidechain"' in head
        )

    def parse(self, path: Path, ctx: ParseContext) -> Iterator[dict[str, Any] | Quarantined | Skipped]:
        # The lines of one response are written next to each other, so only the last few responses
        # and pending tool calls are held; a late straggler is emitted again and the store keeps
        # the copy with more tokens. Memory stays bounded however long the file is.
        responses: OrderedDict[str, _Response] = OrderedDict()
        tools: OrderedDict[str, dict[str, Any]] = OrderedDict()
        links: _Links = OrderedDict()
        for item in iter_json_records(path):
            if isinstance(item, Quarantined):
                yield item
                continue
            line, rec, flags = item
            ref = f"{path}:{line.number}"
            rtype = rec.get("type")
            if rtype == "assistant" and isinstance(rec.get("message"), dict):
                yield from self._assistant(rec, flags, ref, ctx, responses, tools, links)
                while len(responses) > _OPEN_RESPONSES:
                    yield _finish(responses.popitem(last=False)[1], ctx)
                while len(tools) > _OPEN_TOOLS:
                    yield tools.popitem(last=False)[1]
            elif rtype == "user" and isinstance(rec.get("message"), dict):
                yield from self._user(rec, flags, ref, ctx, tools, links)
            elif rtype == "system" and rec.get("timestamp"):
                rec["parentUuid"] = _step(links, rec)  # resolved like an LLM call's
                yield self._system(rec, flags, ref, ctx)
            elif rtype == "assistant":
                yield Quarantined(str(path), line.number, "assistant record without a message object", line.raw)
            else:
                yield Skipped(f"claude_code:{rtype}")
        for resp in responses.values():
            yield _finish(resp, ctx)
        yield from tools.values()

    def _base(self, rec: dict[str, Any], ref: str, ctx: ParseContext, flags: list[str]) -> dict[str, Any]:
        attrs = {k: rec[k] for k in _ENVELOPE_ATTRS if rec.get(k) not in (None, "")}
        if rec.get("isSidechain"):
            attrs["isSidechain"] = True
        return {
            "source": NAME,
            "source_ref": ref,
            "session_id": rec.get("sessionId") or rec.get("session_id"),
            "project": rec.get("cwd") or ctx.defaults.get("project"),
            "user_id": ctx.defaults.get("user_id"),
            "team_id": ctx.defaults.get("team_id"),
            "feature": ctx.defaults.get("feature") or ("subagent" if rec.get("isSidechain") else "claude-code"),
            "environment": ctx.defaults.get("environment"),
            "attributes": stringify_attributes(attrs),
            "flags": flags or None,
        }

    def _assistant(
        self,
        rec: dict[str, Any],
        flags: list[str],
        ref: str,
        ctx: ParseContext,
        responses: dict[str, _Response],
        tools: dict[str, dict[str, Any]],
        links: _Links,
    ) -> Iterator[dict[str, Any] | Quarantined]:
        msg = rec["message"]
        parent = _step(links, rec)
        started = parse_time(rec.get("timestamp"))
        if started is None:
            yield Quarantined(
                ref.rsplit(":", 1)[0],
                _line_no(ref),
                "assistant record without a valid timestamp",
                orjson.dumps(rec),
            )
            return
        model = msg.get("model")
        msg_id = msg.get("id") or rec.get("uuid")
        request_id = rec.get("requestId") or ""
        key = f"{msg_id}\x1f{request_id}"
        span_id = str(msg_id)
        texts, tool_uses = _content_blocks(msg.get("content"))

        for block in tool_uses:
            tool_id = block.get("id") or stable_id(span_id, block.get("name"))
            if tool_id in tools:
                continue
            task = block.get("input") if block.get("name") in _SUBAGENT_TOOLS else None
            prompt = task.get("prompt") if isinstance(task, dict) else None
            prompt_hash = text_hash(prompt) if isinstance(prompt, str) else None
            _put(links, f"task:{prompt_hash}" if prompt_hash else None, str(tool_id))
            tools[tool_id] = new_event(
                **self._base(rec, ref, ctx, []),
                event_id=stable_id(NAME, "tool", tool_id),
                trace_id=rec.get("sessionId"),
                span_id=str(tool_id),
                parent_span_id=span_id,
                kind="tool",
                name=block.get("name"),
                tool_name=block.get("name"),
                started_at=started,
                status="ok",
                prompt_hash=prompt_hash,
                input_text=_compact(block.get("input")) if ctx.keep_content else None,
            )

        if model == SYNTHETIC:
            text = " ".join(texts)
            yield new_event(
                **self._base(rec, ref, ctx, flags),
                event_id=stable_id(NAME, "synthetic", rec.get("uuid") or key),
                trace_id=rec.get("sessionId"),
                span_id=rec.get("uuid"),
                kind="event",
                name="synthetic",
                provider="anthropic",
                model=model,
                started_at=started,
                status="error",
                error_type=rec.get("error") or (text.split("|", 1)[0][:120] if text else "synthetic"),
                output_text=text if ctx.keep_content and text else None,
            )
            return

        usage = msg.get("usage")
        row_flags = list(flags)
        if not isinstance(usage, dict):
            usage = {}
            row_flags.append("usage_missing")
        tokens = _tokens(usage, row_flags)
        row = new_event(
            **self._base(rec, ref, ctx, row_flags),
            event_id=stable_id(NAME, msg_id, request_id),
            trace_id=rec.get("sessionId"),
            span_id=span_id,
            parent_span_id=parent,
            kind="llm",
            name="message",
            provider="anthropic",
            model=model,
            started_at=started,
            cost_reported_usd=rec.get("costUSD") if isinstance(rec.get("costUSD"), int | float) else None,
            price_modifiers=_modifiers(usage),
            finish_reason=msg.get("stop_reason"),
            status="error" if rec.get("isApiErrorMessage") else "ok",
            error_type=rec.get("error"),
            **tokens,
        )
        resp = responses.setdefault(key, _Response())
        responses.move_to_end(key)
        resp.lines += 1
        resp.texts.extend(t for t in texts if t not in resp.texts)
        total = sum(tokens[k] for k in _BILLED)
        rank = (total, 1 if msg.get("stop_reason") else 0, 1 if "speed" in usage else 0)
        if rank >= resp.best_rank:
            resp.best, resp.best_rank = row, rank

    def _user(
        self,
        rec: dict[str, Any],
        flags: list[str],
        ref: str,
        ctx: ParseContext,
        tools: dict[str, dict[str, Any]],
        links: _Links,
    ) -> Iterator[dict[str, Any] | Skipped]:
        content = rec["message"].get("content")
        when = parse_time(rec.get("timestamp"))
        results = (
            [b for b in content if isinstance(b, dict) and b.get("type") == "tool_result"]
            if isinstance(content, list)
            else []
        )
        for block in results:
            tool = tools.get(block.get("tool_use_id"))
            if tool is None:
                continue
            if block.get("is_error"):
                tool["status"] = "error"
                tool["error_type"] = "tool_error"
            agent = rec.get("toolUseResult")  # newer versions name the subagent a Task started
            if isinstance(agent, dict) and isinstance(agent.get("agentId"), str):
                tool["attributes"] = {**(tool["attributes"] or {}), "agentId": agent["agentId"]}
            if when is not None:
                tool["ended_at"] = when
                tool["latency_ms"] = max(0.0, (when - tool["started_at"]).total_seconds() * 1000)
        if results or rec.get("isMeta") or when is None:
            _step(links, rec)
            yield Skipped("claude_code:user_tool_result" if results else "claude_code:user_meta")
            return
        text = content if isinstance(content, str) else "\n".join(_content_blocks(content)[0])
        prompt_hash = text_hash(text)
        _step(links, rec, own=True)  # a prompt starts a turn: its parent stays as logged, except that
        # a subagent's first prompt (no parent) hangs under the Task call that sent it.
        parent = rec.get("parentUuid") or (links.get(f"task:{prompt_hash}") if rec.get("isSidechain") else None)
        yield new_event(
            **self._base(rec, ref, ctx, flags),
            event_id=stable_id(NAME, "user", rec.get("uuid") or ref),
            trace_id=rec.get("sessionId"),
            span_id=rec.get("uuid"),
            parent_span_id=parent,
            kind="event",
            name="user_prompt",
            started_at=when,
            prompt_hash=prompt_hash,
            input_text=text if ctx.keep_content else None,
            status="ok",
        )

    def _system(self, rec: dict[str, Any], flags: list[str], ref: str, ctx: ParseContext) -> dict[str, Any]:
        subtype = rec.get("subtype") or "system"
        is_error = subtype == "api_error" or rec.get("level") == "error"
        return new_event(
            **self._base(rec, ref, ctx, flags),
            event_id=stable_id(NAME, "system", rec.get("uuid") or ref),
            trace_id=rec.get("sessionId"),
            span_id=rec.get("uuid"),
            parent_span_id=rec.get("parentUuid"),
            kind="event",
            name=f"system:{subtype}",
            started_at=parse_time(rec.get("timestamp")),
            latency_ms=float(rec["durationMs"]) if isinstance(rec.get("durationMs"), int | float) else None,
            status="error" if is_error else "ok",
            error_type=_compact(rec.get("error"))[:200] if is_error and rec.get("error") else None,
        )


_OPEN_RESPONSES = 64
_OPEN_TOOLS = 4096
_OPEN_LINKS = 65536


def _step(links: _Links, rec: dict[str, Any], *, own: bool = False) -> str | None:
    """The line's parent resolved to a step; its children hang there too (under the line if ``own``)."""
    parent = rec.get("parentUuid")
    parent = links.get(parent, parent) if isinstance(parent, str) else None
    _put(links, rec.get("uuid"), rec.get("uuid") if own else parent)
    return parent


def _put(links: _Links, key: Any, value: str | None) -> None:
    if isinstance(key, str) and value is not None:
        links[key] = value
        if len(links) > _OPEN_LINKS:
            links.popitem(last=False)


def _finish(resp: _Response, ctx: ParseContext) -> dict[str, Any]:
    row = resp.best
    assert row is not None
    if resp.texts and ctx.keep_content:
        row["output_text"] = "\n".join(resp.texts)
    if resp.lines > 1:
        row["attributes"] = {**(row["attributes"] or {}), "streamed_lines": str(resp.lines)}
    return row


_BILLED = (
    "input_tokens",
    "cache_read_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "output_tokens",
)


def _tokens(usage: dict[str, Any], flags: list[str]) -> dict[str, int]:
    """Anthropic usage is exclusive: ``input_tokens`` excludes cache reads and writes."""
    write_total = to_int(usage.get("cache_creation_input_tokens"), flags, "cache_creation_input_tokens")
    split = usage.get("cache_creation")
    w5 = w1 = 0
    if isinstance(split, dict):
        w5 = to_int(split.get("ephemeral_5m_input_tokens"), flags, "ephemeral_5m_input_tokens")
        w1 = to_int(split.get("ephemeral_1h_input_tokens"), flags, "ephemeral_1h_input_tokens")
    elif write_total:
        flags.append("cache_ttl_unsplit")
    # A split that sums to less than the aggregate leaves a remainder: priced at 5m, never dropped.
    w5 += max(0, write_total - w5 - w1)
    details = usage.get("output_tokens_details")
    reasoning = details.get("thinking_tokens") if isinstance(details, dict) else None
    return {
        "input_tokens": to_int(usage.get("input_tokens"), flags, "input_tokens"),
        "cache_read_tokens": to_int(usage.get("cache_read_input_tokens"), flags, "cache_read_input_tokens"),
        "cache_write_5m_tokens": w5,
        "cache_write_1h_tokens": w1,
        "output_tokens": to_int(usage.get("output_tokens"), flags, "output_tokens"),
        "reasoning_tokens": to_int(reasoning, flags, "thinking_tokens"),
    }


def _modifiers(usage: dict[str, Any]) -> str | None:
    mods = []
    tier = usage.get("service_tier")
    if tier in ("batch", "priority", "flex"):
        mods.append(f"service_tier={tier}")
    if usage.get("speed") == "fast":
        mods.append("speed=fast")
    if usage.get("inference_geo") == "us":
        mods.append("inference_geo=us")
    return ",".join(mods) or None


def _content_blocks(content: Any) -> tuple[list[str], list[dict[str, Any]]]:
    if isinstance(content, str):
        return [content], []
    texts: list[str] = []
    tool_uses: list[dict[str, Any]] = []
    for block in content if isinstance(content, list) else []:
        if not isinstance(block, dict):
            continue
        if block.get("type") == "text" and isinstance(block.get("text"), str):
            texts.append(block["text"])
        elif block.get("type") == "tool_use":
            tool_uses.append(block)
    return texts, tool_uses


def _compact(value: Any) -> str:
    return value if isinstance(value, str) else orjson.dumps(value, default=str).decode()


def _line_no(ref: str) -> int | None:
    tail = ref.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else None


SOURCE = ClaudeCodeSource()
