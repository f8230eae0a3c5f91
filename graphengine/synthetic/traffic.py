"""The synthetic traffic: tracebacks drawn through a :class:`~graphengine.synthetic.world.World`.

Tracebacks are drawn in fixed-size chunks. Each chunk draws its random numbers as numpy arrays
(one vectorised draw per decision), then a plain loop assembles the CSV lines. Memory therefore
stays flat in the number of tracebacks: only per-provider counters (and per-provider per-day
counts of gateway and originating hops) live across chunks.

The counters are what :mod:`graphengine.synthetic.truth` turns into ``truth.json``, so every derived
truth list agrees with the rows written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from graphengine.synthetic import vocab
from graphengine.synthetic.config import GeneratorConfig
from graphengine.synthetic.world import Group, World, random_npa, random_nxx

__all__ = [
    "CHUNK",
    "HOP_HEADER",
    "PATH_HEADER",
    "TRACEBACK_TRUTH_HEADER",
    "VIOLATION_HEADER",
    "Chunk",
    "Stats",
    "Traffic",
]

#: Tracebacks per chunk. Part of the determinism contract: changing it changes the files.
CHUNK = 10_000
_SLOTS = 12  # maximum hops of one planted path (3 foreign + gateway + 3 + 3 + terminating)
_GATEWAY_AS_INTERMEDIATE = 0.25  # share of domestic ecosystem calls also carried by its gateway
_NEVER = 1 << 30  # "day" on which an RMD-listed provider becomes a bad upstream: never
_ROLES = ("terminating", "intermediate", "gateway", "originating", "foreign")

HOP_HEADER = (
    "traceback_id,hop,provider,upstream_provider,role,response,call_time,campaign,"
    "calling_number,called_number,attestation,provider_country,customer\n"
)
PATH_HEADER = (
    "traceback_id,path,call_time,campaign,calling_number,called_number,attestation,customer\n"
)
TRACEBACK_TRUTH_HEADER = (
    "traceback_id,source,origin,gateway_leaked,planted_hops,observed_hops,top_category\n"
)
VIOLATION_HEADER = "traceback_id,hop,upstream,downstream,call_time,reason\n"


@dataclass
class Chunk:
    """The CSV lines of one chunk, ready to append to their files."""

    hops: list[str]
    paths: list[str]
    tracebacks: list[str]
    violations: list[str]


@dataclass
class Stats:
    """Per-provider counters accumulated over all chunks (flat in the number of tracebacks)."""

    n_providers: int
    days: int
    tracebacks: int = 0
    hops: int = 0
    hub_terminated: int = 0
    foreign_sourced: int = 0
    leaked: int = 0
    violations: int = 0
    path_lengths: dict[int, int] = field(default_factory=dict)
    eco_tracebacks: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = self.n_providers
        self.provider_hops = np.zeros(n, dtype=np.int64)
        self.role_hops = np.zeros((n, len(_ROLES)), dtype=np.int64)
        self.noncoop_hops = np.zeros(n, dtype=np.int64)
        self.hops_after_removal = np.zeros(n, dtype=np.int64)
        self.gateway_days = np.zeros((n, self.days), dtype=np.int32)
        self.originating_days = np.zeros((n, self.days), dtype=np.int32)
        self.violations_by_downstream = np.zeros(n, dtype=np.int64)
        self.printed_used: list[set[int]] = [set() for _ in range(n)]


class Traffic:
    """Draws tracebacks chunk by chunk through ``world``; see :meth:`chunk`."""

    def __init__(self, cfg: GeneratorConfig, world: World, rng: np.random.Generator) -> None:
        self.cfg = cfg
        self.world = world
        self.rng = rng
        provs = world.providers
        self.stats = Stats(n_providers=len(provs), days=cfg.days)
        # Printed names, CSV-quoted and raw: index 0 is the canonical name.
        self.raw_names = [[p.name, *p.variants] for p in provs]
        self.q_names = [[vocab.csv_field(n) for n in names] for names in self.raw_names]
        self.n_variants = [len(p.variants) for p in provs]
        self.canon_q = [vocab.csv_field(p.name) for p in provs]
        self.country = [p.country for p in provs]
        self.foreign = [p.country != "US" for p in provs]
        never_fail = {"hub", "transit"}
        self.fail_rate = [
            p.nonresponse_rate
            if p.planted_nonresponsive
            else (0.003 if p.kind in never_fail else cfg.baseline_nonresponse)
            for p in provs
        ]
        self.bad_from = [
            0 if not p.in_rmd else (p.removed_day if p.removed_day is not None else _NEVER)
            for p in provs
        ]
        self.removed_day = [p.removed_day if p.removed_day is not None else _NEVER for p in provs]
        self.is_hub = [p.kind == "hub" for p in provs]
        self.captive = [p.captive for p in provs]
        ecos = world.ecosystems
        w = np.asarray([e.weight for e in ecos])
        self.eco_cum = np.cumsum(w / w.sum())
        self.eco_cum[-1] = 1.0
        self.foreign_share = np.asarray([e.foreign_share for e in ecos])
        self.g_foreign = Group([e.foreign for e in ecos], [e.foreign_w for e in ecos])
        self.g_gateway = Group([e.gateways for e in ecos], [e.gateways_w for e in ecos])
        self.g_inter = Group([e.intermediates for e in ecos], [e.intermediates_w for e in ecos])
        self.g_orig = Group([e.originators for e in ecos], [e.originators_w for e in ecos])
        # Customers are numbered globally: ecosystem customers first, then noise customers.
        self.customers: list[str] = []
        self.customer_npa_nxx: list[tuple[int, int]] = []
        cust_lists = []
        for e in ecos:
            base = len(self.customers)
            self.customers.extend(e.customers)
            self.customer_npa_nxx.extend(e.customer_npa_nxx)
            cust_lists.append(list(range(base, base + len(e.customers))))
        self.noise_customer_base = len(self.customers)
        self.customers.extend(world.noise_customers)
        self.customers_q = [vocab.csv_field(c) for c in self.customers]
        self.g_cust = Group(cust_lists, [e.customers_w for e in ecos])
        self.g_camp = Group([e.campaigns for e in ecos], [e.campaigns_w for e in ecos])
        self.n_eco_campaigns = len(world.campaigns) - len(vocab.NOISE_CAMPAIGNS)
        self.campaign_q = [vocab.csv_field(c) for c in world.campaigns]
        centres: list[float] = []
        widths: list[float] = []
        burst_lists = []
        for bursts in world.campaign_bursts:
            base = len(centres)
            centres.extend(b[0] for b in bursts)
            widths.extend(b[1] for b in bursts)
            burst_lists.append(list(range(base, base + len(bursts))))
        self.g_burst = Group(burst_lists, [[1.0] * len(b) for b in burst_lists])
        self.centres = np.asarray(centres)
        self.widths = np.asarray(widths)
        self.g_hub = Group([world.hubs], [world.hubs_w])
        self.g_transit = Group([world.transit], [world.transit_w])
        self.start_s = int(
            (dt.datetime.combine(cfg.start, dt.time()) - dt.datetime(1970, 1, 1)).total_seconds()
        )
        self.texts = {k: list(v) for k, v in vocab.RESPONSE_TEXTS.items()}

    # ------------------------------------------------------------------ drawing
    def _draw(self, n: int) -> dict[str, np.ndarray]:
        """Draw every random decision of ``n`` tracebacks as arrays (fixed order: determinism)."""
        cfg, rng, world = self.cfg, self.rng, self.world
        d: dict[str, np.ndarray] = {}
        zeros = np.zeros(n, dtype=np.int64)
        d["noise"] = rng.random(n) < cfg.noise_share
        eco = np.searchsorted(self.eco_cum, rng.random(n), side="right")
        eco = np.minimum(eco, len(self.eco_cum) - 1)
        d["eco"] = eco
        u = rng.random(n)
        d["foreign"] = np.where(
            d["noise"], u < cfg.noise_foreign_share, u < self.foreign_share[eco]
        )
        d["f1"] = self.g_foreign.pick(eco, rng.random(n))
        d["f2"] = self.g_foreign.pick(eco, rng.random(n))
        d["two_f"] = rng.random(n) < 0.45
        d["ft"] = rng.random(n) < cfg.foreign_transit_share
        d["ft_id"] = np.asarray(world.legit_foreign)[rng.integers(0, len(world.legit_foreign), n)]
        leak = rng.random(n) < cfg.leakage
        leak_eco = np.minimum(
            np.searchsorted(self.eco_cum, rng.random(n), side="right"), len(self.eco_cum) - 1
        )
        d["leaked"] = leak & (leak_eco != eco)
        d["gw"] = self.g_gateway.pick(np.where(leak, leak_eco, eco), rng.random(n))
        # Roles are per call: an ecosystem's gateway also carries some of its domestic
        # originations as a plain intermediate (retail and wholesale in one company).
        d["gw_as_inter"] = rng.random(n) < _GATEWAY_AS_INTERMEDIATE
        d["gw_own"] = self.g_gateway.pick(eco, rng.random(n))
        d["n_inter"] = rng.choice(4, size=n, p=[0.1, 0.4, 0.32, 0.18])
        d["inter"] = np.stack([self.g_inter.pick(eco, rng.random(n)) for _ in range(3)], axis=1)
        d["orig"] = self.g_orig.pick(eco, rng.random(n))
        d["cust"] = self.g_cust.pick(eco, rng.random(n))
        d["n_transit"] = 1 + rng.choice(3, size=n, p=[0.2, 0.5, 0.3])
        zt = zeros
        d["transit"] = np.stack([self.g_transit.pick(zt, rng.random(n)) for _ in range(3)], axis=1)
        hub = self.g_hub.pick(zt, rng.random(n))
        regional = np.asarray(world.regional)[rng.integers(0, len(world.regional), n)]
        d["term"] = np.where(rng.random(n) < cfg.hub_share, hub, regional)
        noise = np.asarray(world.noise)
        d["n_orig"] = noise[rng.integers(0, len(noise), n)]
        d["n_inter_id"] = noise[rng.integers(0, len(noise), n)]
        d["n_inter_on"] = rng.random(n) < 0.6
        d["n_gw"] = np.asarray(world.noise_gateways)[rng.integers(0, len(world.noise_gateways), n)]
        d["n_cust"] = self.noise_customer_base + rng.integers(0, len(world.noise_customers), n)
        # Campaign and time: ecosystem traffic comes in its campaigns' bursts.
        camp = self.g_camp.pick(eco, rng.random(n))
        noise_camp = self.n_eco_campaigns + rng.integers(0, len(vocab.NOISE_CAMPAIGNS), n)
        d["campaign"] = np.where(d["noise"], noise_camp, camp)
        burst = self.g_burst.pick(camp, rng.random(n))
        in_burst = (rng.random(n) < 0.75) & ~d["noise"]
        bursty = self.centres[burst] + rng.standard_normal(n) * self.widths[burst]
        flat = rng.random(n) * cfg.days
        day_f = np.mod(np.where(in_burst, bursty, flat), cfg.days)
        day = np.minimum(np.floor(day_f).astype(np.int64), cfg.days - 1)
        sec = rng.integers(46_800, 86_400, n)  # 13:00-24:00 UTC: U.S. daytime
        d["day"] = day
        epoch = (self.start_s + day * 86_400 + sec).astype("datetime64[s]")
        d["time"] = np.char.add(np.datetime_as_string(epoch, unit="s"), "Z")
        # Numbers: victims' numbers; caller IDs spoofed (neighbour spoofing or random), or
        # from the customer's own number block on domestic ecosystem calls.
        called_npa, called_nxx = random_npa(rng, n), random_nxx(rng, n)
        called_line = rng.integers(0, 10_000, n)
        rand_npa, rand_nxx = random_npa(rng, n), random_nxx(rng, n)
        neighbour = rng.random(n) < 0.35
        own_block = rng.random(n) < 0.5
        cust_block = np.asarray(self.customer_npa_nxx, dtype=np.int64)[
            np.minimum(d["cust"], len(self.customer_npa_nxx) - 1)
        ]
        use_own = own_block & ~d["foreign"] & ~d["noise"]
        d["calling_npa"] = np.where(
            use_own, cust_block[:, 0], np.where(neighbour, called_npa, rand_npa)
        )
        d["calling_nxx"] = np.where(
            use_own, cust_block[:, 1], np.where(neighbour, called_nxx, rand_nxx)
        )
        d["calling_line"] = rng.integers(0, 10_000, n)
        d["called_npa"], d["called_nxx"], d["called_line"] = called_npa, called_nxx, called_line
        d["fmt_calling"] = rng.choice(4, size=n, p=[0.75, 0.1, 0.1, 0.05])
        d["fmt_called"] = rng.choice(4, size=n, p=[0.75, 0.1, 0.1, 0.05])
        d["att_u"] = rng.random(n)
        d["ru"] = rng.random((n, _SLOTS))  # answers or not
        d["tu"] = rng.random((n, _SLOTS))  # which non-cooperative category / foreign stop
        d["xu"] = rng.random((n, _SLOTS))  # which raw text
        d["vu"] = rng.random((n, _SLOTS))  # which printed name
        shared = world.shared_intermediates
        if shared:  # drawn last: a world without them keeps its random stream
            d["shared"] = np.asarray(shared)[rng.integers(0, len(shared), n)]
        return d

    # ------------------------------------------------------------------ assembling
    def chunk(self, first: int, n: int) -> Chunk:
        """Draw tracebacks ``first .. first+n-1`` and return their CSV lines.

        Updates :attr:`stats` with every hop written.
        """
        d = self._draw(n)
        cols = {k: v.tolist() for k, v in d.items() if v.ndim == 1}
        inter, transit = d["inter"].tolist(), d["transit"].tolist()
        ru, tu, xu, vu = (d[k].tolist() for k in ("ru", "tu", "xu", "vu"))
        out = Chunk([], [], [], [])
        st = self.stats
        foreign, fail_rate, q_names, raw_names = (
            self.foreign,
            self.fail_rate,
            self.q_names,
            self.raw_names,
        )
        n_var, vpr = self.n_variants, self.cfg.variant_print_rate
        texts = self.texts
        gw_events: list[tuple[int, int]] = []
        orig_events: list[tuple[int, int]] = []
        # Per-hop events, counted with bincount at the end of the chunk (fast and flat).
        ev_p: list[int] = []
        ev_r: list[int] = []
        ev_i: list[int] = []
        nc_p: list[int] = []
        ar_p: list[int] = []
        vd_p: list[int] = []
        role_code = {r: k for k, r in enumerate(_ROLES)}
        noncoop = frozenset(("no_response", "records_not_found", "insufficient_records"))
        removed_day, bad_from, canon_q = self.removed_day, self.bad_from, self.canon_q
        for i in range(n):
            tb = f"TB-{first + i + 1:07d}"
            is_noise, is_foreign = cols["noise"][i], cols["foreign"][i]
            if is_noise:
                chain = [cols["ft_id"][i], cols["n_gw"][i]] if is_foreign else [cols["n_orig"][i]]
                signer = chain[-1]
                if cols["n_inter_on"][i]:
                    chain.append(cols["n_inter_id"][i])
            else:
                n_inter = cols["n_inter"][i]
                if is_foreign:
                    chain = [cols["f1"][i]]
                    if cols["two_f"][i] and cols["f2"][i] != chain[0]:
                        chain.append(cols["f2"][i])
                    if cols["ft"][i]:
                        chain.append(cols["ft_id"][i])
                    chain.append(cols["gw"][i])
                    signer = chain[-1]  # the gateway signs foreign calls (C)
                else:
                    chain = [cols["orig"][i]]
                    signer = chain[0]  # the originator signs (A or B)
                    if "shared" in cols and self.captive[chain[0]]:
                        # its only downstream: a busy shared intermediate, which passes the
                        # call on to the ecosystem's own intermediates
                        chain.append(cols["shared"][i])
                        n_inter = max(1, n_inter)
                    elif cols["gw_as_inter"][i]:
                        chain.append(cols["gw_own"][i])
                chain.extend(inter[i][:n_inter])
            chain.extend(transit[i][: cols["n_transit"][i]])
            chain.append(cols["term"][i])
            # Hop order (0 = terminating); a provider appears at most once per path.
            hops: list[int] = []
            seen: set[int] = set()
            for p in reversed(chain):
                if p not in seen:
                    seen.add(p)
                    hops.append(p)
            planted = len(hops)
            signer_hop = hops.index(signer)
            day = cols["day"][i]
            # Walk upstream from the terminating provider until the chain stops.
            roles: list[str] = []
            resp: list[str] = []
            cats: list[str] = []
            ru_i, tu_i, xu_i = ru[i], tu[i], xu[i]
            for h, p in enumerate(hops):
                top = h == planted - 1
                if foreign[p]:
                    roles.append("foreign")
                    cats.append("foreign")
                    if top or tu_i[h] < 0.25:
                        resp.append(vocab.FOREIGN_STOP[int(xu_i[h] * 4)])
                        break
                    resp.append(vocab.FOREIGN_NAMED[int(xu_i[h] * 2)])
                    continue
                if h > 0 and ru_i[h] < fail_rate[p]:
                    t = tu_i[h]
                    cat = (
                        "no_response"
                        if t < 0.5
                        else "insufficient_records"
                        if t < 0.75
                        else "records_not_found"
                    )
                    roles.append("intermediate")
                    cats.append(cat)
                    resp.append(texts[cat][int(xu_i[h] * len(texts[cat]))])
                    break
                if top:
                    roles.append("originating")
                    cats.append("customer_identified")
                    options = texts["customer_identified"]
                    resp.append(options[int(xu_i[h] * len(options))])
                    break
                options = texts["responded"]
                resp.append(options[int(xu_i[h] * len(options))])
                cats.append("responded")
                if h == 0:
                    roles.append("terminating")
                elif foreign[hops[h + 1]]:
                    roles.append("gateway")
                else:
                    roles.append("intermediate")
            observed = len(roles)
            # Traceback-level attributes.
            if is_foreign:
                att = "C"
            elif is_noise:
                a = cols["att_u"][i]
                att = "A" if a < 0.6 else "B" if a < 0.9 else ""
            else:
                att = "A" if cols["att_u"][i] < 0.7 else "B"
            cust = ""
            if cats[-1] == "customer_identified":
                cust = self.customers_q[cols["n_cust"][i] if is_noise else cols["cust"][i]]
            ts = cols["time"][i]
            camp = self.campaign_q[cols["campaign"][i]]
            calling = _phone(
                cols["calling_npa"][i],
                cols["calling_nxx"][i],
                cols["calling_line"][i],
                cols["fmt_calling"][i],
            )
            called = _phone(
                cols["called_npa"][i],
                cols["called_nxx"][i],
                cols["called_line"][i],
                cols["fmt_called"][i],
            )
            # Printed names for this traceback (one spelling per provider per traceback).
            vu_i = vu[i]
            idx = []
            for h in range(observed):
                p = hops[h]
                v = vu_i[h]
                idx.append(1 + int(v / vpr * n_var[p]) if n_var[p] and v < vpr else 0)
            printed_q = [q_names[hops[h]][idx[h]] for h in range(observed)]
            tail = f"{ts},{camp},{calling},{called}"
            for h in range(observed):
                p = hops[h]
                up = printed_q[h + 1] if h + 1 < observed else ""
                att_h = att if h <= signer_hop else ""
                out.hops.append(
                    f"{tb},{h},{printed_q[h]},{up},{roles[h]},{resp[h]},{tail},{att_h},"
                    f"{self.country[p]},{cust}\n"
                )
                ev_p.append(p)
                ev_r.append(role_code[roles[h]])
                ev_i.append(idx[h])
                if cats[h] in noncoop:
                    nc_p.append(p)
                if day >= removed_day[p]:
                    ar_p.append(p)
                if roles[h] == "gateway":
                    gw_events.append((p, day))
                elif roles[h] == "originating":
                    orig_events.append((p, day))
                if h + 1 < observed and not foreign[p]:
                    up_id = hops[h + 1]
                    if day >= bad_from[up_id]:
                        reason = "not_in_rmd" if bad_from[up_id] == 0 else "removed_from_rmd"
                        out.violations.append(
                            f"{tb},{h},{canon_q[up_id]},{canon_q[p]},{ts},{reason}\n"
                        )
                        vd_p.append(p)
            path_raw = " > ".join(raw_names[hops[h]][idx[h]] for h in reversed(range(observed)))
            out.paths.append(f"{tb},{vocab.csv_field(path_raw)},{tail},{att},{cust}\n")
            source = "noise" if is_noise else self.world.ecosystems[cols["eco"][i]].label
            leaked = int(bool(cols["leaked"][i]) and is_foreign and not is_noise)
            out.tracebacks.append(
                f"{tb},{source},{'foreign' if is_foreign else 'domestic'},{leaked},"
                f"{planted},{observed},{cats[-1]}\n"
            )
            st.tracebacks += 1
            st.hops += observed
            st.path_lengths[observed] = st.path_lengths.get(observed, 0) + 1
            st.hub_terminated += int(self.is_hub[hops[0]])
            st.foreign_sourced += int(is_foreign)
            st.leaked += leaked
            if not is_noise:
                e = cols["eco"][i]
                st.eco_tracebacks[e] = st.eco_tracebacks.get(e, 0) + 1
        self._count(ev_p, ev_r, ev_i, nc_p, ar_p, vd_p)
        for events, hist in ((gw_events, st.gateway_days), (orig_events, st.originating_days)):
            if events:
                arr = np.asarray(events, dtype=np.int64)
                np.add.at(hist, (arr[:, 0], arr[:, 1]), 1)
        return out

    def _count(
        self,
        ev_p: list[int],
        ev_r: list[int],
        ev_i: list[int],
        nc_p: list[int],
        ar_p: list[int],
        vd_p: list[int],
    ) -> None:
        """Add one chunk's per-hop events to the per-provider counters."""
        st = self.stats
        n = st.n_providers
        p = np.asarray(ev_p, dtype=np.int64)
        st.provider_hops += np.bincount(p, minlength=n)
        roles = len(_ROLES)
        st.role_hops += np.bincount(
            p * roles + np.asarray(ev_r, dtype=np.int64), minlength=n * roles
        ).reshape(n, roles)
        st.noncoop_hops += np.bincount(np.asarray(nc_p, dtype=np.int64), minlength=n)
        st.hops_after_removal += np.bincount(np.asarray(ar_p, dtype=np.int64), minlength=n)
        st.violations_by_downstream += np.bincount(np.asarray(vd_p, dtype=np.int64), minlength=n)
        st.violations += len(vd_p)
        pairs = np.unique(p * 64 + np.asarray(ev_i, dtype=np.int64))
        for pair in pairs.tolist():
            st.printed_used[pair // 64].add(pair % 64)


def _phone(npa: int, nxx: int, line: int, fmt: int) -> str:
    """Format a NANP number in one of four common printed forms."""
    if fmt == 0:
        return f"+1{npa}{nxx}{line:04d}"
    if fmt == 1:
        return f"{npa}{nxx}{line:04d}"
    if fmt == 2:
        return f"({npa}) {nxx}-{line:04d}"
    return f"1-{npa}-{nxx}-{line:04d}"
