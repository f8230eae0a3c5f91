"""The synthetic world: providers, ecosystems, campaigns and planted behaviour.

The world is drawn once per seed from its own random stream, so it does not depend on the number
of tracebacks generated: ``--tracebacks 3600`` and ``--tracebacks 1000000`` with the same seed and
knobs share the same providers, ecosystems and planted facts. :mod:`graphengine.synthetic` then draws
the traffic (the tracebacks) through this world.

Provider kinds
--------------
``hub``               large domestic terminating carrier; terminates most calls of every ecosystem
                      and also carries transit. Ecosystem ``None``.
``transit``           national transit carrier, shared by paths of all ecosystems. Ecosystem ``None``.
``regional``          small domestic terminating carrier (terminates what the hubs do not). Noise.
``noise``             small legitimate-looking domestic provider that originates and carries
                      background traffic; a few (``noise_gateway``) also receive legitimate foreign
                      traffic. Ecosystem ``None``.
``legit_foreign``     foreign wholesale carrier carrying background traffic and, shared by every
                      ecosystem, some ecosystem traffic as a foreign transit hop. Ecosystem ``None``.
``foreign``           an ecosystem's own foreign source (with its country).
``gateway``           an ecosystem's U.S. point of entry.
``intermediate``      an ecosystem's domestic intermediate.
``originating``       an ecosystem's domestic originating provider.
``shared_intermediate`` (only with ``shared_intermediates``) a busy domestic intermediate shared by
                      every ecosystem; ``captive`` originators hand all their calls to one of
                      them, which passes them on to the ecosystem's own intermediates.
                      Ecosystem ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from graphengine.synthetic import vocab
from graphengine.synthetic.config import GeneratorConfig

__all__ = ["Provider", "Ecosystem", "Group", "World", "build_world", "random_npa", "random_nxx"]


@dataclass
class Provider:
    """One canonical provider of the synthetic world (see the module docstring for ``kind``)."""

    id: int
    name: str  # canonical name: the truth key
    kind: str
    country: str = "US"
    ecosystem: int | None = None
    variants: list[str] = field(default_factory=list)  # other printed spellings
    in_rmd: bool = True
    removed_day: int | None = None  # day offset from the window start of the RMD removal
    frn: str = ""
    implementation: str = ""
    gateway_choice: str = "No"
    intermediate_choice: str = "No"
    nonresponse_rate: float = 0.0  # planted probability of not answering at a hop > 0
    planted_nonresponsive: bool = False
    captive: bool = False  # an originator whose only downstream is a shared intermediate


@dataclass
class Ecosystem:
    """One planted ecosystem: its providers (ids), customers and campaigns, with weights."""

    id: int
    weight: float
    foreign_share: float  # share of its tracebacks that enter the U.S. from a foreign source
    foreign: list[int]
    foreign_w: list[float]
    gateways: list[int]
    gateways_w: list[float]
    intermediates: list[int]
    intermediates_w: list[float]
    originators: list[int]
    originators_w: list[float]
    customers: list[str]
    customers_w: list[float]
    customer_npa_nxx: list[tuple[int, int]]
    campaigns: list[int]  # indices into World.campaigns
    campaigns_w: list[float]

    @property
    def label(self) -> str:
        """The ecosystem id as written in truth.json (``E01`` ...)."""
        return f"E{self.id + 1:02d}"


class Group:
    """Weighted member lists for many groups at once, for vectorised weighted picks.

    Group ``g`` holds ``members[start[g]:end[g]]``; its cumulative weights are stored shifted by
    ``g`` so that one ``searchsorted`` picks a member of each row's own group.
    """

    def __init__(self, lists: list[list[int]], weights: list[list[float]]) -> None:
        members: list[int] = []
        cum: list[float] = []
        self.start = np.zeros(len(lists), dtype=np.int64)
        self.end = np.zeros(len(lists), dtype=np.int64)
        for g, (mem, w) in enumerate(zip(lists, weights, strict=True)):
            if not mem:
                raise ValueError(f"group {g} is empty")
            arr = np.asarray(w, dtype=np.float64)
            c = np.cumsum(arr / arr.sum())
            c[-1] = 1.0
            self.start[g] = len(members)
            members.extend(mem)
            cum.extend((g + c).tolist())
            self.end[g] = len(members)
        self.members = np.asarray(members, dtype=np.int64)
        self.cum = np.asarray(cum, dtype=np.float64)

    def pick(self, groups: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Return one member per row: a weighted pick within ``groups[i]`` driven by ``u[i]``."""
        idx = np.searchsorted(self.cum, groups + u, side="right")
        idx = np.clip(idx, self.start[groups], self.end[groups] - 1)
        picked: np.ndarray = self.members[idx]
        return picked


@dataclass
class World:
    """Everything the traffic generator draws from; built by :func:`build_world`."""

    providers: list[Provider]
    ecosystems: list[Ecosystem]
    hubs: list[int]
    hubs_w: list[float]
    transit: list[int]  # transit slot candidates (national transit + hubs)
    transit_w: list[float]
    regional: list[int]
    noise: list[int]
    noise_gateways: list[int]
    legit_foreign: list[int]
    campaigns: list[str]
    campaign_bursts: list[list[tuple[float, float]]]  # per campaign: (centre day, width days)
    noise_customers: list[str]
    rmd_only: list[tuple[str, str, str]]  # (name, frn, implementation) of filers never in traffic
    shared_intermediates: list[int] = field(default_factory=list)


class _Names:
    """Draws unique canonical names (unique per first+second word pair) and their variants."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.used_pairs: set[tuple[str, str]] = set()
        self.printed: set[str] = set()

    def _fresh(self, firsts: tuple[str, ...], seconds: tuple[str, ...]) -> tuple[str, str]:
        for _ in range(10_000):
            pair = (
                firsts[self.rng.integers(len(firsts))],
                seconds[self.rng.integers(len(seconds))],
            )
            if pair not in self.used_pairs:
                self.used_pairs.add(pair)
                return pair
        raise ValueError("the synthetic name space is exhausted; lower the provider counts")

    def domestic(self, with_variants: bool) -> tuple[str, list[str]]:
        first, second = self._fresh(vocab.DOMESTIC_FIRST, vocab.DOMESTIC_SECOND)
        legal = vocab.DOMESTIC_LEGAL[self.rng.integers(len(vocab.DOMESTIC_LEGAL))]
        return self.parts(first, second, legal, with_variants)

    def parts(
        self, first: str, second: str, legal: str, with_variants: bool
    ) -> tuple[str, list[str]]:
        """Register the provider ``first second legal`` (and maybe its variants)."""
        self.used_pairs.add((first, second))
        sep = "" if legal.startswith(",") else " "
        name = f"{first} {second}{sep}{legal}"
        variants: list[str] = []
        if with_variants:
            options = vocab.name_variants(first, second, legal)
            k = 1 + int(self.rng.integers(min(3, len(options))))
            chosen = self.rng.choice(len(options), size=k, replace=False)
            variants = [options[i] for i in sorted(chosen.tolist())]
        return self._register(name, variants)

    def foreign(self, country: str) -> tuple[str, list[str]]:
        first, second = self._fresh(vocab.FOREIGN_FIRST, vocab.FOREIGN_SECOND)
        return self._register(f"{first} {second} {vocab.FOREIGN_COUNTRIES[country][1]}", [])

    def _register(self, name: str, variants: list[str]) -> tuple[str, list[str]]:
        self.printed.add(name)
        kept = []
        for v in variants:
            if v not in self.printed:
                self.printed.add(v)
                kept.append(v)
        return name, kept


def random_npa(rng: np.random.Generator, n: int) -> np.ndarray:
    """Return ``n`` geographic NANP area codes (:data:`synthetic_vocab.GEOGRAPHIC_NPAS`)."""
    codes = np.asarray(vocab.GEOGRAPHIC_NPAS, dtype=np.int64)
    return codes[rng.integers(0, len(codes), n)]


def random_nxx(rng: np.random.Generator, n: int) -> np.ndarray:
    """Return ``n`` NANP exchange codes: [2-9][0-9][0-9], never N11 and never 555."""
    a = rng.integers(2, 10, n)
    b = rng.integers(0, 10, n)
    c = rng.integers(0, 10, n)
    c = np.where((b == 1) & (c == 1), 2, c)
    x = a * 100 + b * 10 + c
    return np.where(x == 555, 556, x)


def _zipf(n: int, s: float) -> list[float]:
    w = 1.0 / np.arange(1, n + 1, dtype=np.float64) ** s
    return [float(x) for x in w / w.sum()]


def _frns(rng: np.random.Generator, n: int) -> list[str]:
    raw = rng.integers(1_000_000, 35_000_000, n).tolist()
    seen: set[int] = set()
    out = []
    for x in raw:
        while x in seen:  # collisions are rare; resolve them deterministically
            x += 1
        seen.add(x)
        out.append(f"{x:010d}")
    return out


def build_world(cfg: GeneratorConfig, rng: np.random.Generator) -> World:
    """Draw the synthetic world for a :class:`graphengine.synthetic.GeneratorConfig`.

    Parameters
    ----------
    cfg
        The generator configuration (hubs, transit, ecosystems, noise and planted rates).
    rng
        The world's own random stream.

    Returns
    -------
    World
        Providers with their planted behaviour and RMD status, and the planted ecosystems.
    """
    c = cfg
    names = _Names(rng)
    providers: list[Provider] = []

    def add(
        kind: str,
        name: str,
        variants: list[str],
        country: str = "US",
        ecosystem: int | None = None,
        in_rmd: bool = True,
    ) -> int:
        p = Provider(
            id=len(providers),
            name=name,
            kind=kind,
            variants=variants,
            country=country,
            ecosystem=ecosystem,
            in_rmd=in_rmd,
        )
        providers.append(p)
        return p.id

    def variants_flag() -> bool:
        return bool(rng.random() < c.variant_share)

    # Hubs and the national transit tier.
    hubs = []
    for i in range(c.hubs):
        if i < len(vocab.HUB_NAMES):
            # Heavy nodes are where identity matters most: most hubs have printed variants.
            name, var = names.parts(*vocab.HUB_NAMES[i], with_variants=bool(rng.random() < 0.6))
        else:
            name, var = names.domestic(False)
        hubs.append(add("hub", name, var))
    transit_ids = [add("transit", *names.domestic(variants_flag())) for _ in range(c.transit)]
    regional = [add("regional", *names.domestic(variants_flag())) for _ in range(c.regional)]
    noise = [add("noise", *names.domestic(variants_flag())) for _ in range(c.noise_providers)]
    noise_gateways = noise[: max(1, len(noise) // 12)]

    countries = list(vocab.FOREIGN_COUNTRIES)
    cw = np.asarray([vocab.FOREIGN_COUNTRIES[k][0] for k in countries])
    cw = cw / cw.sum()

    def country() -> str:
        return countries[int(rng.choice(len(countries), p=cw))]

    legit_foreign = []
    for _ in range(c.legit_foreign):
        ctry = country()
        legit_foreign.append(add("legit_foreign", *names.foreign(ctry), country=ctry))

    # Campaign labels: every (category, variant) pair; ecosystems pick from them.
    campaigns = [f"{cat} - {v}" for cat, vs in vocab.CAMPAIGNS.items() for v in vs]
    campaigns += list(vocab.NOISE_CAMPAIGNS)
    n_eco_campaigns = len(campaigns) - len(vocab.NOISE_CAMPAIGNS)
    bursts: list[list[tuple[float, float]]] = []
    for _ in campaigns:
        k = 1 + int(rng.integers(4))
        bursts.append(
            [(float(rng.uniform(0, c.days)), float(rng.uniform(2.0, 20.0))) for _ in range(k)]
        )

    # Planted ecosystems: heavy-tailed volume; bigger ecosystems have more providers.
    k_eco = c.ecosystems
    weights = rng.lognormal(0.0, 1.1, k_eco)
    ranks = np.argsort(np.argsort(weights)) / max(1, k_eco - 1)
    ecosystems: list[Ecosystem] = []
    for e in range(k_eco):
        q = float(ranks[e])
        n_f = 1 + int(rng.poisson(0.6 + 1.4 * q))
        n_g = 1 + int(rng.random() < 0.25 + 0.35 * q)
        n_i = 1 + int(rng.poisson(0.7 + 1.8 * q))
        n_o = 1 + int(rng.poisson(0.8 + 2.6 * q))
        n_c = 2 + int(rng.poisson(1.5 + 3.0 * q))
        n_camp = min(4, 1 + int(rng.poisson(0.4 + 1.4 * q)))
        home = country()
        foreign = []
        for _ in range(n_f):
            # Sources cluster in one home country, with some spread.
            ctry = home if rng.random() < 0.7 else country()
            foreign.append(
                add(
                    "foreign",
                    *names.foreign(ctry),
                    country=ctry,
                    ecosystem=e,
                    in_rmd=bool(rng.random() < c.foreign_in_rmd_share),
                )
            )
        gateways = [
            add("gateway", *names.domestic(variants_flag()), ecosystem=e) for _ in range(n_g)
        ]
        inters = [
            add("intermediate", *names.domestic(variants_flag()), ecosystem=e) for _ in range(n_i)
        ]
        origs = [
            add("originating", *names.domestic(variants_flag()), ecosystem=e) for _ in range(n_o)
        ]
        customers = []
        for _ in range(n_c):
            cf = vocab.CUSTOMER_FIRST[rng.integers(len(vocab.CUSTOMER_FIRST))]
            cs = vocab.CUSTOMER_SECOND[rng.integers(len(vocab.CUSTOMER_SECOND))]
            customers.append(f"{cf} {cs} LLC")
        npa = random_npa(rng, n_c).tolist()
        nxx = random_nxx(rng, n_c).tolist()
        camp = sorted(rng.choice(n_eco_campaigns, size=n_camp, replace=False).tolist())

        def dirichlet(n: int) -> list[float]:
            return [float(x) for x in rng.dirichlet(np.full(n, 0.9))]

        ecosystems.append(
            Ecosystem(
                id=e,
                weight=float(weights[e]),
                foreign_share=float(rng.uniform(0.45, 0.95)),
                foreign=foreign,
                foreign_w=dirichlet(n_f),
                gateways=gateways,
                gateways_w=dirichlet(n_g),
                intermediates=inters,
                intermediates_w=dirichlet(n_i),
                originators=origs,
                originators_w=dirichlet(n_o),
                customers=customers,
                customers_w=dirichlet(n_c),
                customer_npa_nxx=list(zip(npa, nxx, strict=True)),
                campaigns=camp,
                campaigns_w=dirichlet(n_camp),
            )
        )

    # Planted RMD status and non-response, per kind.
    plant = {
        # kind: (not in RMD, removed, planted non-responsive)
        "gateway": (0.08, 0.06, 0.12),
        "intermediate": (0.12, 0.06, 0.15),
        "originating": (0.15, 0.06, 0.18),
        "noise": (0.03, 0.02, 0.04),
        "regional": (0.02, 0.0, 0.0),
    }
    scale_rmd = c.not_in_rmd_scale
    scale_nr = c.nonresponsive_scale
    frns = _frns(rng, len(providers) + c.rmd_only)
    impl = vocab.RMD_IMPLEMENTATIONS
    for p in providers:
        p.frn = frns[p.id]
        u_missing, u_removed, u_nr, u_rate, u_day, u_impl = rng.random(6).tolist()
        if p.kind in plant:
            missing, removed, nonresp = plant[p.kind]
            if u_missing < missing * scale_rmd:
                p.in_rmd = False
            elif u_removed < removed * scale_rmd:
                # Removed on a day inside the middle half of the window; traffic continues.
                p.removed_day = int(c.days * (0.25 + 0.5 * u_day))
            if u_nr < nonresp * scale_nr:
                p.planted_nonresponsive = True
                p.nonresponse_rate = 0.6 + 0.35 * u_rate
        if p.kind in ("hub", "transit"):
            p.implementation = impl[0]
        elif p.country != "US":
            p.implementation = impl[2]
        else:
            p.implementation = impl[0] if u_impl < 0.6 else impl[1] if u_impl < 0.85 else impl[2]
        carries = p.kind in ("hub", "transit", "gateway", "intermediate")
        p.gateway_choice = "Yes" if p.kind in ("hub", "transit", "gateway") else "No"
        if p.id in noise_gateways:
            p.gateway_choice = "Yes"
        p.intermediate_choice = "Yes" if carries else "No"

    rmd_only = []
    for i in range(c.rmd_only):
        name, _ = names.domestic(False)
        u = float(rng.random())
        rmd_only.append((name, frns[len(providers) + i], impl[0] if u < 0.7 else impl[1]))

    # Busy intermediates shared by every ecosystem, drawn last so that a world without them
    # is exactly the world of earlier versions (same random stream).
    shared = []
    if c.shared_intermediates:
        for i in range(c.shared_intermediates):
            pid = add("shared_intermediate", *names.domestic(False))
            p = providers[pid]
            # above the range _frns draws from: unique without another draw
            p.frn, p.implementation = f"{35_000_000 + i:010d}", impl[0]
            p.intermediate_choice = "Yes"
        shared = list(range(len(providers) - c.shared_intermediates, len(providers)))
        for eco in ecosystems:
            for o in eco.originators:
                providers[o].captive = bool(rng.random() < c.captive_originator_share)

    transit_all = transit_ids + hubs
    tw = np.asarray(_zipf(len(transit_ids), 0.8)) * (1.0 - c.hub_transit_share)
    hw = np.asarray(_zipf(len(hubs), 0.7)) * c.hub_transit_share
    noise_customers = [
        f"{vocab.CUSTOMER_FIRST[i % len(vocab.CUSTOMER_FIRST)]} Home Services {i + 1} Inc."
        for i in range(12)
    ]
    return World(
        providers=providers,
        ecosystems=ecosystems,
        hubs=hubs,
        hubs_w=_zipf(len(hubs), 0.7),
        transit=transit_all,
        transit_w=np.concatenate([tw, hw]).tolist(),
        regional=regional,
        noise=noise,
        noise_gateways=noise_gateways,
        legit_foreign=legit_foreign,
        campaigns=campaigns,
        campaign_bursts=bursts,
        noise_customers=noise_customers,
        rmd_only=rmd_only,
        shared_intermediates=shared,
    )
