"""The synthetic organisation behind ``tokentrail demo``: teams, people, features and models.

Everything here is made up. The numbers are chosen so the reports have something to say: uneven
team sizes, people who adopt late or never, one team that never adopts at all, one feature whose
system prompt keeps growing, one feature that launches mid-window and fades, one in-house model
that no price table knows. Beside the logs the organisation has a seat roster (every person's paid
seat, idle ones included) and weekly productivity signals in which adopters improve after they
adopt: the inputs of ``tokentrail seats``, ``report adoption --roster`` and ``outcomes``.
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

FIRST_NAMES = (
    "alex", "blair", "casey", "dana", "eli", "fran", "gus", "hana", "ivan", "jo", "kai", "lena", "mo",
    "nia", "omar", "pia", "quinn", "raj", "sam", "tess", "uma", "vic", "wen", "xia", "yara", "zoe",
)  # fmt: skip
LAST_NAMES = (
    "adams", "berg", "chen", "diaz", "evans", "fischer", "garcia", "haddad", "ito", "jensen", "kim",
    "lopez", "mensah", "novak", "okafor", "patel", "rossi", "sato", "tanaka", "ueda", "vogel", "wu",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Team:
    name: str
    weight: int  # relative head count
    utc_offset: int  # hours; drives the hour-of-day pattern
    project: str
    features: tuple[tuple[str, float], ...]
    adopts: bool = True  # False: the team pays for seats but nobody ever uses them
    signal: str | None = None  # the weekly productivity metric tracked for the team's people


@dataclass(frozen=True, slots=True)
class Model:
    name: str
    provider: str
    shape: str  # how its usage is logged: anthropic | openai | gemini | internal
    ms_per_token: float


@dataclass(frozen=True, slots=True)
class Feature:
    name: str
    models: tuple[tuple[str, float], ...]
    turns: tuple[int, int]
    input_tokens: tuple[int, int]
    output_tokens: tuple[int, int]
    system_prompt_tokens: int
    shape: str  # chat | rag | agent | single
    tools: tuple[str, ...] = ()
    cache_ttl: str = "5m"
    batch_share: float = 0.0


@dataclass(frozen=True, slots=True)
class User:
    user_id: str
    team: Team
    start_day: int  # first day (index) the person uses AI at all; beyond the window = never
    intensity: float  # sessions on an average working day once fully adopted


TEAMS: tuple[Team, ...] = (
    Team("support-ops", 40, 0, "helpdesk",
         (("support-bot", 0.7), ("summariser", 0.2), ("search-rag", 0.1)), signal="tickets_resolved"),
    Team("platform", 30, -5, "infra-core",
         (("code-review", 0.5), ("agent-workflows", 0.3), ("search-rag", 0.2)), signal="prs_merged"),
    Team("payments", 26, -5, "payments-api",
         (("code-review", 0.5), ("agent-workflows", 0.3), ("summariser", 0.2)), signal="prs_merged"),
    Team("data-science", 22, 1, "insights",
         (("agent-workflows", 0.4), ("search-rag", 0.3), ("summariser", 0.3)), signal="prs_merged"),
    Team("mobile", 18, -8, "mobile-app", (("code-review", 0.7), ("search-rag", 0.3)), signal="prs_merged"),
    Team("growth", 14, -5, "growth-site",
         (("summariser", 0.5), ("search-rag", 0.3), ("support-bot", 0.2))),
    Team("research", 12, 8, "research-lab",
         (("agent-workflows", 0.5), ("search-rag", 0.3), ("summariser", 0.2))),
    Team("security", 10, 1, "sec-tools",
         (("code-review", 0.4), ("search-rag", 0.4), ("agent-workflows", 0.2)), signal="prs_merged"),
    Team("finance", 8, -5, "finance-ops", (("summariser", 0.6), ("search-rag", 0.4))),
    Team("legal", 6, 0, "contracts", (("summariser", 0.7), ("search-rag", 0.3))),
    # Bought seats for everyone, never took it up: on the roster, absent from the logs.
    Team("sales", 10, -5, "crm", (("summariser", 0.6), ("search-rag", 0.4)), adopts=False),
)  # fmt: skip

MODELS: dict[str, Model] = {
    m.name: m
    for m in (
        Model("claude-sonnet-4-5-20250929", "anthropic", "anthropic", 14.0),
        Model("claude-haiku-4-5", "anthropic", "anthropic", 6.0),
        Model("claude-opus-4-1-20250805", "anthropic", "anthropic", 28.0),
        Model("gpt-4o-2024-08-06", "openai", "openai", 12.0),
        Model("gpt-4o-mini", "openai", "openai", 6.0),
        Model("gemini-2.5-flash", "google", "gemini", 5.0),
        # Deliberately unknown to every price table: reports must show it as unpriced, never $0.
        Model("acme-internal-llm-v2", "acme", "internal", 9.0),
    )
}

FEATURES: dict[str, Feature] = {
    f.name: f
    for f in (
        Feature(
            "support-bot",
            (("claude-haiku-4-5", 0.7), ("gpt-4o-mini", 0.3)),
            turns=(2, 6),
            input_tokens=(40, 400),
            output_tokens=(80, 450),
            system_prompt_tokens=1800,  # grows over the window, see system_prompt_version
            shape="chat",
            tools=("lookup_order", "refund_status", "create_ticket"),
        ),
        Feature(
            "code-review",
            (("claude-sonnet-4-5-20250929", 0.6), ("gpt-4o-2024-08-06", 0.35),
             ("claude-opus-4-1-20250805", 0.05)),
            turns=(1, 3),
            input_tokens=(3000, 28000),
            output_tokens=(300, 2200),
            system_prompt_tokens=1200,
            shape="chat",
        ),
        Feature(
            "search-rag",
            (("gpt-4o-mini", 0.5), ("gemini-2.5-flash", 0.45), ("claude-haiku-4-5", 0.05)),
            turns=(1, 4),
            input_tokens=(20, 200),
            output_tokens=(120, 700),
            system_prompt_tokens=600,
            shape="rag",
        ),
        Feature(
            "summariser",
            (("gemini-2.5-flash", 0.45), ("claude-haiku-4-5", 0.28), ("gpt-4o-mini", 0.22),
             ("acme-internal-llm-v2", 0.05)),
            turns=(1, 1),
            input_tokens=(2000, 20000),
            output_tokens=(200, 800),
            system_prompt_tokens=350,
            shape="single",
            batch_share=0.2,
        ),
        Feature(
            "agent-workflows",
            (("claude-sonnet-4-5-20250929", 0.75), ("claude-opus-4-1-20250805", 0.15),
             ("gpt-4o-2024-08-06", 0.1)),
            turns=(3, 10),
            input_tokens=(50, 1500),
            output_tokens=(150, 1200),
            system_prompt_tokens=4200,
            shape="agent",
            tools=("search_code", "run_tests", "read_file", "jira.create_issue", "http_get"),
            cache_ttl="1h",
        ),
        Feature(  # launched mid-window with a splash, then faded: see faded_share
            "slide-studio",
            (("claude-haiku-4-5", 0.6), ("gpt-4o-mini", 0.4)),
            turns=(2, 5),
            input_tokens=(60, 600),
            output_tokens=(400, 1500),
            system_prompt_tokens=900,
            shape="chat",
        ),
    )
}  # fmt: skip
FADED_FEATURE = "slide-studio"

# Local-time weights for hours 0..23: a working day with a lunch dip and a little evening work.
HOUR_WEIGHTS = (
    0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 4.0, 8.0, 9.0, 8.5,
    5.0, 7.0, 8.5, 8.0, 7.0, 5.0, 2.5, 1.5, 1.2, 1.0, 0.6, 0.3,
)  # fmt: skip
# Monday..Sunday.
WEEKDAY_WEIGHTS = (1.0, 1.05, 1.05, 1.0, 0.8, 0.1, 0.06)

IDLE_SHARE = 0.08  # licensed but never use it (besides the team that never adopts)
EARLY_ADOPTER_SHARE = 0.35  # active from the first day
FADED_LAUNCH = 0.3  # slide-studio launches this far into the window...
FADED_PEAK = 0.3  # ...peaks at this share of sessions a few days later, then halves every few days
FADED_FLOOR = 0.004  # the few who keep using it

SEAT_PRICES = {"standard": 30.0, "premium": 60.0}  # monthly, per seat
PREMIUM_TEAMS = frozenset({"platform", "payments", "data-science", "research", "security"})
SEAT_PURCHASE_LEAD = 45  # the bulk seat purchase: this many days before the window opens
SIGNAL_BASE = {"prs_merged": (1.5, 5.0), "tickets_resolved": (15.0, 40.0)}  # weekly, per person
SIGNAL_LIFT = (0.1, 0.3)  # an adopter's improvement: the base plus up to the extra for heavy users
SIGNAL_RAMP_WEEKS = 3  # weeks after the adoption week until the full improvement


def faded_share(day: int, days: int) -> float:
    """The share of a day's sessions that go to slide-studio: 0 before launch, a peak, then a fade."""
    launch = int(days * FADED_LAUNCH)
    if day < launch:
        return 0.0
    rise = max(2, days // 18)
    if day < launch + rise:
        return FADED_PEAK * (day - launch + 1) / rise
    half_life = max(2.0, days / 12)
    return FADED_FLOOR + FADED_PEAK * 0.5 ** ((day - launch - rise) / half_life)


def system_prompt_version(feature: str, day: int) -> int:
    """support-bot's prompt gains a section every 18 days; the others never change."""
    return 1 + day // 18 if feature == "support-bot" else 1


def system_prompt_tokens(feature: Feature, version: int) -> int:
    return feature.system_prompt_tokens + 1150 * (version - 1)


def system_prompt_text(feature: Feature, version: int) -> str:
    sections = " ".join(f"Policy section {i}: answer within scope {i}." for i in range(1, version + 1))
    return f"You are the ACME {feature.name} assistant (prompt v{version}). Be concise. {sections}"


def _team_sizes(users: int) -> list[int]:
    """Head count per team, proportional to the weights, summing to exactly ``users``."""
    total = sum(t.weight for t in TEAMS)
    exact = [users * t.weight / total for t in TEAMS]
    sizes = [int(x) for x in exact]
    by_remainder = sorted(range(len(TEAMS)), key=lambda i: exact[i] - sizes[i], reverse=True)
    for i in by_remainder[: users - sum(sizes)]:
        sizes[i] += 1
    return sizes


def _start_day(rng: random.Random, days: int) -> int:
    roll = rng.random()
    if roll < IDLE_SHARE:
        return days + 1  # never inside the window
    if roll < IDLE_SHARE + EARLY_ADOPTER_SHARE:
        return 0
    return int(days * rng.betavariate(1.4, 1.6))  # late adopters arrive through the window


def build_org(rng: random.Random, users: int, days: int) -> list[User]:
    people: list[User] = []
    taken: set[str] = set()
    for team, size in zip(TEAMS, _team_sizes(users), strict=True):
        for _ in range(size):
            base = f"{rng.choice(FIRST_NAMES)}.{rng.choice(LAST_NAMES)}"
            name, n = base, 1
            while name in taken:
                n += 1
                name = f"{base}{n}"
            taken.add(name)
            intensity = min(8.0, rng.lognormvariate(0.0, 0.7))  # a few heavy users, many light ones
            start = _start_day(rng, days) if team.adopts else days + 1
            people.append(User(f"{name}@acme.example", team, start, intensity))
    return people


def poisson(rng: random.Random, lam: float) -> int:
    """Knuth's method; fine for the small means used here."""
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def write_roster(path: Path, rng: random.Random, org: Sequence[User], first: date, days: int) -> Path:
    """Every person's paid seat, idle ones included: user_id,team,seat_type,monthly_price,start_date.

    Engineering teams get a premium seat more often than not; seats were bought in bulk before the
    window opened, except for late adopters, whose seat came a few days to two weeks before first use.
    """
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(("user_id", "team", "seat_type", "monthly_price", "start_date"))
        for user in org:
            premium = user.team.name in PREMIUM_TEAMS and rng.random() < 0.6
            seat = "premium" if premium else "standard"
            lead = rng.randint(3, 14)
            bought = first - timedelta(days=SEAT_PURCHASE_LEAD)
            if lead < user.start_day <= days:
                bought = first + timedelta(days=user.start_day - lead)
            price = SEAT_PRICES[seat]
            out.writerow((user.user_id, user.team.name, seat, f"{price:.2f}", bought.isoformat()))
    return path


def write_signals(
    path: Path, rng: random.Random, org: Sequence[User], first: date, days: int, adopted: Mapping[str, date]
) -> Path:
    """Weekly productivity per person: user_id,date,metric,value, dated on the Monday of each whole week.

    Each tracked person (teams with a ``signal``) has a steady base rate; after the week of their
    first LLM call (``adopted``) it rises over a few weeks by 10–40%, more for heavier users. Those
    who never adopt stay at their base: the comparison group.
    """
    monday = first + timedelta(days=-first.weekday() % 7)
    weeks = []
    while monday + timedelta(days=6) < first + timedelta(days=days):
        weeks.append(monday)
        monday += timedelta(days=7)
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(("user_id", "date", "metric", "value"))
        for user in org:
            metric = user.team.signal
            if metric is None:
                continue
            lo, hi = SIGNAL_BASE[metric]
            base = rng.uniform(lo, hi)
            extra = SIGNAL_LIFT[0] + SIGNAL_LIFT[1] * min(1.0, user.intensity / 2)
            start = adopted.get(user.user_id)
            adoption_week = start - timedelta(days=start.weekday()) if start else None
            for week in weeks:
                ramp = 0.0
                if adoption_week is not None and week > adoption_week:
                    ramp = min(1.0, (week - adoption_week).days / 7 / SIGNAL_RAMP_WEEKS)
                value = poisson(rng, base * (1 + extra * ramp) * rng.uniform(0.85, 1.15))
                out.writerow((user.user_id, week.isoformat(), metric, value))
    return path


def weighted(rng: random.Random, options: tuple[tuple[str, float], ...]) -> str:
    names = [name for name, _ in options]
    weights = [w for _, w in options]
    return rng.choices(names, weights)[0]
