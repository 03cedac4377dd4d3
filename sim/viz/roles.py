"""What each role of the class mode may do, and how it acts on the shared model.

A founder steers one startup (networking strategy, monthly spending, research focus) and asks
for partners; an investor makes one VC fund's deals; the regulator sets public instruments. Each
choice goes through the model's own rules and functions: a tie forms only where the partner
has room and finds the startup attractive (partnering.attractiveness above the threshold it
ties at) and is made by partnering.form_ties; a deal is priced and booked as the VC stage
books one; an instrument is a validated scenario change (sim.scenario.apply_changes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import yaml

from ..config import ScenarioError
from ..model.arrays import mean_over
from ..model.mechanisms import finance, partnering
from ..model.metrics import Tally
from ..model.model import EcosystemModel
from ..scenario import apply_changes
from ..vocabulary import End, Kind, Strategy
from .classroom import LEVERS, Lever
from .drawing import actor_name

KIND_OF = {"founder": Kind.STARTUP, "investor": Kind.INVESTOR, "regulator": Kind.REGULATOR}
ROLES = tuple(KIND_OF)
SEATS = {"regulator": 1}  # the other roles: one seat per startup or fund
INSTRUMENTS: dict[str, Lever] = {
    name: LEVERS[name]
    for name in ("subsidy", "sandbox", "enforcement", "grants", "ip_strength", "accelerator")
}
POWERS = {
    "founder": ("strategy", "burn", "focus", "partner"),
    "investor": ("deal",),
    "regulator": tuple(INSTRUMENTS),
}
OPTIONS = 12  # partners or deals offered to choose from
BURN = (0.01, 10.0)  # a founder's spending: at least $10k a month, at most 10 times the
# scenario's highest burn (a round raises it to what the round pays for)


@dataclass(frozen=True)
class Choice:
    """What one participant chose for the actor row it steers (-1: none), as typed."""

    who: str
    role: str
    actor: int
    what: str
    value: Any


def label(model: EcosystemModel, row: int) -> str:
    """An actor as the class pages name it, e.g. 'startup 12' (drawing.actor_name)."""
    return actor_name(model.state, row) if row >= 0 else "none"


def problem(model: EcosystemModel, choice: Choice, month: int) -> str | None:
    """Why the choice cannot be taken in `month` (one line), or None."""
    if choice.what not in POWERS[choice.role]:
        return f"a {choice.role} cannot choose {choice.what!r}"
    if choice.role == "regulator":
        return _instrument(model, choice)[1]
    a, row = model.state.actors, choice.actor
    if row < 0 or not (a.alive[row] and a.kind[row] == KIND_OF[choice.role]):
        return f"your {KIND_OF[choice.role].label} has left the ecosystem"
    check = {"strategy": _strategy, "burn": _burn, "focus": _focus}.get(choice.what)
    if check is not None:
        return check(model, choice.value)[1]
    other = row_of(model, choice.value)
    if other is None:
        return f"no actor {choice.value!r}"
    if choice.what == "partner":
        return tie_problem(model, choice.actor, other)
    return deal_problem(model, choice.actor, other, month)


def apply(model: EcosystemModel, choice: Choice, tally: Tally) -> str:
    """Take the choice at the start of this month; what came of it, in one line."""
    why = problem(model, choice, model.steps)
    if why is not None:
        return f"refused: {why}"
    a, value = model.state.actors, choice.value
    if choice.role == "regulator":
        lever = INSTRUMENTS[choice.what]
        model.params = _instrument(model, choice)[0]
        return f"{lever.label} set to {_shown(lever.read(model.params))}"
    if choice.what == "strategy":
        a.strategy[choice.actor] = _strategy(model, value)[0]
        return f"networking for {Strategy(int(a.strategy[choice.actor])).label}"
    if choice.what == "burn":
        a.burn[choice.actor] = _burn(model, value)[0]
        return f"spending set to ${a.burn[choice.actor]:.2f}M a month"
    if choice.what == "focus":
        a.ih[choice.actor] = _focus(model, value)[0]
        return f"research focus on fields {_fields(a.ih[choice.actor])}"
    other = row_of(model, value)
    if choice.what == "partner":
        s, i, j = model.state, np.array([choice.actor]), np.array([other])
        deg = s.degree()
        partnering.form_ties(s, model.params, model.rng, i, j, deg, tally, model.recorder)
        return f"partnership with {label(model, other)} formed"
    return invest(model, choice.actor, other, tally)


def tie_problem(model: EcosystemModel, me: int, other: int) -> str | None:
    """Why `other` will not partner with startup `me` now (the model's own rules), or None."""
    s, p = model.state, model.params
    a, name = s.actors, label(model, other)
    if other == me:
        return "a startup cannot partner with itself"
    if not a.alive[other]:
        return f"{name} has left the ecosystem"
    if not partnering.kind_matrix(p)[a.kind[me], a.kind[other]]:
        return f"this scenario lets no startup partner with {name}"
    if s.directed_tie(np.array([me]), np.array([other]))[0] >= 0:
        return f"you are partners with {name} already"
    deg = s.degree()
    for row, who in ((me, "you have"), (other, f"{name} has")):
        if deg[row] >= a.max_partners[row]:
            return f"{who} no room for another partner ({deg[row]} of {a.max_partners[row]})"
    score = float(partnering.attractiveness(s, p, np.array([other]), np.array([me]))[0])
    if score <= p.partnering.threshold:
        return (
            f"{name} declined: you score {score:.2f} as its partner, it takes partners "
            f"above {p.partnering.threshold:g}"
        )
    return None


def deal_problem(model: EcosystemModel, fund: int, startup: int, month: int) -> str | None:
    """Why fund `fund` cannot invest in `startup` in `month` (the VC stage's rules), or None."""
    s, p = model.state, model.params
    a, e, name = s.actors, s.equity, label(model, startup)
    if not (a.alive[startup] and a.kind[startup] == Kind.STARTUP):
        return f"{name} is not a startup in the ecosystem"
    if a.capital[startup] <= 0:
        return f"{name} has run out of cash"
    if month >= a.fund_end[fund]:
        return "your fund's life is over: it makes no new deals"
    held = np.unique(e.company[: e.n][e.owner[: e.n] == fund])
    if startup not in held and len(held) >= p.population.investor.portfolio_limit:
        return f"your portfolio is full ({len(held)} companies)"
    if a.capital[fund] < p.finance.ticket_seed[0]:
        return f"your fund has ${a.capital[fund]:.1f}M left, less than any ticket"
    if not finance.milestone_met(s, p, np.array([startup]))[0]:
        return f"{name} has not shown the milestone its next round needs"
    return None


def invest(model: EcosystemModel, fund: int, startup: int, tally: Tally) -> str:
    """One round of `fund` in `startup`, priced, paid and booked as finance.venture_capital
    does: a ticket and pre-money drawn for the round's stage, the pre-money at least the
    startup's fundamental value, earlier stakes diluted."""
    s, fin = model.state, model.params.finance
    a, e, rng = s.actors, s.equity, model.rng
    v, st = np.array([fund]), np.array([startup])
    ticket, drawn = finance.round_terms(fin, a.rounds[st], rng)
    pre = np.maximum(drawn, finance.valuation(s, model.params, st))
    if ticket[0] > a.capital[fund]:
        return f"refused: the ticket is ${ticket[0]:.1f}M, your fund holds ${a.capital[fund]:.1f}M"
    stake = ticket / (pre + ticket)
    e.stake[: e.n][e.company[: e.n] == startup] *= 1 - stake[0]
    rows = e.add(1)
    e.owner[rows], e.company[rows], e.stake[rows] = v, st, stake
    s.transfer(v, st, ticket, "vc_round")
    model.recorder.investments(s, v, st, a.rounds[st], ticket, pre, stake)
    a.rounds[st] += 1
    a.burn[st] = np.maximum(a.burn[st], ticket / fin.round_months)
    tally.vc_invested += float(ticket.sum())
    tally.vc_deals += 1
    tally.accelerated_vc_deals += int(a.accelerated_at[startup] >= 0)
    return (
        f"invested ${ticket[0]:.1f}M in {label(model, startup)} for {stake[0]:.0%} "
        f"(pre-money ${pre[0]:.1f}M)"
    )


def partner_options(model: EcosystemModel, me: int) -> list[tuple[int, str]]:
    """The startup's best candidates by its own attractiveness rule, each marked with whether
    it would accept now."""
    s, p = model.state, model.params
    a = s.actors
    allowed = partnering.kind_matrix(p)[a.kind[me]]
    deg = s.degree()
    pool = np.flatnonzero(a.alive[: a.n] & allowed[a.kind[: a.n]] & (deg < a.max_partners[: a.n]))
    pool = pool[(pool != me) & (s.directed_tie(np.full(len(pool), me), pool) < 0)]
    if len(pool) == 0:
        return []
    mine = partnering.attractiveness(s, p, np.full(len(pool), me), pool)
    best = pool[np.argsort(-mine, kind="stable")[:OPTIONS]]
    theirs = partnering.attractiveness(s, p, best, np.full(len(best), me))
    return [
        (
            int(j),
            f"{label(model, j)}: {deg[j]} partners, "
            + ("interested" if score > p.partnering.threshold else "not interested"),
        )
        for j, score in zip(best, theirs, strict=True)
    ]


def deal_options(model: EcosystemModel, fund: int) -> list[tuple[int, str]]:
    """Startups the fund could back now, best first by what a fund screens (knowledge on
    the startup's focus plus traction; without the screening noise)."""
    s, p = model.state, model.params
    a = s.actors
    st = s.rows(Kind.STARTUP)
    st = st[(a.capital[st] > 0) & finance.milestone_met(s, p, st)]
    traction = a.recent_value[st] / (a.recent_value[st] + p.knowledge.value_scale)
    seen = mean_over(a.ih[st], a.knowledge[st]) + p.finance.traction_weight * traction
    best = st[np.argsort(-seen, kind="stable")[:OPTIONS]]
    runway = a.capital[best] / np.maximum(a.burn[best], 1e-9)
    return [
        (int(j), f"{label(model, j)}: {months:.0f} months of cash, {a.rounds[j]} rounds")
        for j, months in zip(best, runway, strict=True)
    ]


def numbers(model: EcosystemModel, role: str, row: int) -> list[tuple[str, str]]:
    """How the actor is doing, as (what, value) lines for its student."""
    s, a = model.state, model.state.actors
    if role == "regulator":
        out = [(lever.label, _shown(lever.read(model.params))) for lever in INSTRUMENTS.values()]
        last = {k: v[-1] if len(v) else 0.0 for k, v in model.series.items()}
        out += [("Public spending last month", f"${last['public_spend']:.1f}M")]
        out += [("Innovations last month", f"{last['innovations']:g}")]
        return out if row < 0 else [("Public budget", f"${a.capital[row]:.1f}M"), *out]
    if not (a.alive[row] and a.kind[row] == KIND_OF[role]):
        return [("Status", ended(model, row))]
    out = [("Cash", f"${a.capital[row]:.1f}M")]
    if role == "investor":
        e = s.equity
        mine = e.owner[: e.n] == row
        worth = e.stake[: e.n][mine] * finance.valuation(s, model.params, e.company[: e.n][mine])
        out += [("Companies backed", f"{len(np.unique(e.company[: e.n][mine]))}")]
        out += [("Value of the stakes (from their sales)", f"${worth.sum():.1f}M")]
        return out + [("Months of fund life left", f"{max(0, a.fund_end[row] - s.t)}")]
    partners = [label(model, j) for j in model.agent_at(row).partners]
    products = int((s.products.owner[: s.products.n] == row).sum())
    return out + [
        ("Spending", f"${a.burn[row]:.2f}M a month, {a.rd_share[row]:.0%} of it on R&D"),
        ("Months of cash left", f"{a.capital[row] / max(a.burn[row], 1e-9):.0f}"),
        ("Networking for", Strategy(int(a.strategy[row])).label),
        ("Research focus (fields)", _fields(a.ih[row])),
        ("Knowledge on the focus", f"{mean_over(a.ih[row], a.knowledge[row]):.2f}"),
        ("Partners", ", ".join(partners) or "none"),
        ("Products", f"{products}"),
        ("Funding rounds", f"{a.rounds[row]}"),
        ("Value", f"${finance.valuation(s, model.params, np.array([row]))[0]:.1f}M"),
    ]


def summary(model: EcosystemModel, role: str, row: int) -> str:
    """How the actor is doing, in one line (the teacher's table)."""
    s, a = model.state, model.state.actors
    if role == "regulator":
        budget = f"budget ${a.capital[row]:.1f}M, " if row >= 0 else ""
        return budget + f"subsidy {model.params.governance.rd_subsidy_rate:g}"
    if not (a.alive[row] and a.kind[row] == KIND_OF[role]):
        return ended(model, row)
    if role == "investor":
        e = s.equity
        backed = len(np.unique(e.company[: e.n][e.owner[: e.n] == row]))
        return f"${a.capital[row]:.1f}M cash, {backed} companies backed"
    partners = int(s.degree()[row])
    months = a.capital[row] / max(a.burn[row], 1e-9)
    return f"${a.capital[row]:.1f}M cash ({months:.0f} months), {partners} partners"


def ended(model: EcosystemModel, row: int) -> str:
    """How an actor that a student no longer steers ended, e.g. 'failed in month 7'."""
    a = model.state.actors
    if a.alive[row]:  # alive but of another kind: a startup that listed
        return f"listed on the stock market in month {a.ipo_step[row]}: now a corporate"
    return f"{End(int(a.end_reason[row])).label} in month {a.ended[row]}"


def row_of(model: EcosystemModel, value: Any) -> int | None:
    """The actor row a choice names (a whole number, or its text), or None."""
    text = str(value).strip()
    return int(text) if text.isdigit() and int(text) < model.state.actors.n else None


def _strategy(model: EcosystemModel, value: Any) -> tuple[int, str | None]:
    names = [s.label for s in Strategy]
    if value not in names:
        return 0, f"strategy: got {value!r}; must be one of {', '.join(names)}"
    return names.index(value), None


def burn_range(model: EcosystemModel) -> tuple[float, float]:
    """The monthly spending a founder may choose, $M."""
    return BURN[0], BURN[1] * model.params.population.startup.burn[1]


def _burn(model: EcosystemModel, value: Any) -> tuple[float, str | None]:
    low, high = burn_range(model)
    allowed = f"must be from {low:g} to {high:g} ($M a month)"
    try:
        burn = float(value)
    except (TypeError, ValueError):
        return 0.0, f"spending: got {value!r}; {allowed}"
    if not low <= burn <= high:
        return 0.0, f"spending: got {burn:g}; {allowed}"
    return burn, None


def _focus(model: EcosystemModel, value: Any) -> tuple[np.ndarray, str | None]:
    fields, (low, high) = model.params.fields, model.params.knowledge.ih_size
    mask = np.zeros(fields, dtype=bool)
    try:
        chosen = {int(f) for f in value}
    except (TypeError, ValueError):
        return mask, f"focus: got {value!r}; must be field numbers"
    if not chosen <= set(range(fields)):
        return mask, f"focus: fields are numbered 0 to {fields - 1}"
    if not low <= len(chosen) <= high:
        return mask, f"focus: pick {low} to {high} fields (got {len(chosen)})"
    mask[list(chosen)] = True
    return mask, None


def _instrument(model: EcosystemModel, choice: Choice) -> tuple[Any, str | None]:
    """The scenario with the instrument at the chosen value, or why it is refused."""
    lever = INSTRUMENTS[choice.what]
    value = choice.value
    if isinstance(value, str):
        try:
            value = yaml.safe_load(value) if value.strip() else None
        except yaml.YAMLError:
            return None, f"{lever.label}: the value {value!r} cannot be read"
    if lever.switch and not isinstance(value, bool):
        return None, f"{lever.label}: got {value!r}; must be on or off"
    if not lever.switch and (isinstance(value, bool) or not isinstance(value, int | float)):
        return None, f"{lever.label}: got {value!r}; must be a number"
    try:
        return apply_changes(model.params, lever.changes(model.params, value)), None
    except ScenarioError as err:
        return None, f"{lever.label}: " + "; ".join(err.messages)


def _fields(ih: np.ndarray) -> str:
    return ", ".join(str(f) for f in np.flatnonzero(ih))


def _shown(value: Any) -> str:
    return ("on" if value else "off") if isinstance(value, bool) else f"{value:g}"
