"""The synthetic generator: determinism, truth that agrees with the rows, realistic shape."""

from __future__ import annotations

import bisect
import hashlib
import json
import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

from graphengine.cli.main import main
from graphengine.errors import ConfigError
from graphengine.synthetic import FILES, GeneratorConfig, generate

NONCOOP = {"no_response", "records_not_found", "insufficient_records"}
HOP_HEADER = (
    "traceback_id,hop,provider,upstream_provider,role,response,call_time,campaign,"
    "calling_number,called_number,attestation,provider_country,customer"
)


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _sha(folder: Path) -> dict[str, str]:
    return {n: hashlib.sha256((folder / n).read_bytes()).hexdigest() for n in FILES.values()}


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("syn")
    ds = generate(out, tracebacks=4000, seed=5)
    hops = _read(ds.hops)
    hops["hop"] = hops["hop"].astype(int)
    truth = json.loads(ds.truth.read_text(encoding="utf-8"))
    hops["canon"] = hops["provider"].map(truth["name_map"])
    hops["category"] = hops["response"].map(truth["response_vocabulary"])
    hops["day"] = (
        pd.to_datetime(hops["call_time"], utc=True).dt.normalize()
        - pd.Timestamp(truth["parameters"]["start"], tz="UTC")
    ).dt.days
    return {
        "ds": ds,
        "hops": hops,
        "paths": _read(ds.paths),
        "rmd": _read(ds.rmd),
        "tb": _read(ds.tracebacks_truth),
        "viol": _read(ds.rmd_violations),
        "truth": truth,
    }


# ---------------------------------------------------------------- determinism
def test_same_seed_gives_byte_identical_files_and_another_seed_differs(tmp_path: Path) -> None:
    for name, seed in (("a", 11), ("b", 11), ("c", 12)):
        generate(tmp_path / name, tracebacks=1500, seed=seed)
    a, b, c = (_sha(tmp_path / n) for n in "abc")
    assert a == b
    assert a["hops.csv"] != c["hops.csv"]
    assert a["truth.json"] != c["truth.json"]


def test_files_do_not_depend_on_python_hash_randomisation(tmp_path: Path) -> None:
    code = "import sys; from graphengine.synthetic import generate; generate(sys.argv[1], 300, 8)"
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run([sys.executable, "-c", code, str(tmp_path / hash_seed)], check=True, env=env)
    assert _sha(tmp_path / "1") == _sha(tmp_path / "2")


def test_world_does_not_depend_on_the_number_of_tracebacks(tmp_path: Path) -> None:
    small = generate(tmp_path / "s", tracebacks=300, seed=4)
    large = generate(tmp_path / "l", tracebacks=900, seed=4)
    ts = json.loads(small.truth.read_text())
    tl = json.loads(large.truth.read_text())
    assert ts["provider_ecosystem"] == tl["provider_ecosystem"]
    assert small.rmd.read_bytes() == large.rmd.read_bytes()


# ---------------------------------------------------------------- files and shapes
def test_files_have_the_canonical_columns(data: dict) -> None:
    ds = data["ds"]
    assert ds.hops.read_text().splitlines()[0] == HOP_HEADER
    assert list(data["paths"].columns) == [
        "traceback_id",
        "path",
        "call_time",
        "campaign",
        "calling_number",
        "called_number",
        "attestation",
        "customer",
    ]
    assert list(data["rmd"].columns) == [
        "frn",
        "business_name",
        "implementation",
        "gateway_provider_choice",
        "intermediate_provider_choice",
        "removal_date",
    ]
    assert len(data["paths"]) == 4000 == data["truth"]["summary"]["tracebacks"]
    assert len(data["hops"]) == data["truth"]["summary"]["hops"]
    assert data["hops"]["call_time"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").all()
    assert data["hops"]["day"].between(0, 364).all()


def test_hop_chains_are_consistent_and_paths_match_hops(data: dict) -> None:
    hops = data["hops"]
    for _tb, g in hops.groupby("traceback_id", sort=False):
        assert g["hop"].tolist() == list(range(len(g)))
        assert g["role"].iloc[0] == "terminating"
        names = g["provider"].tolist()
        assert g["upstream_provider"].tolist() == names[1:] + [""]
        assert len(set(g["canon"])) == len(g)  # a provider appears once per path
    paths = data["paths"].set_index("traceback_id")["path"]
    joined = hops.groupby("traceback_id", sort=False)["provider"].agg(
        lambda s: " > ".join(reversed(s.tolist()))
    )
    assert (paths.loc[joined.index] == joined).all()


def test_roles_countries_and_response_texts(data: dict) -> None:
    hops = data["hops"]
    assert set(hops["role"]) == {"terminating", "intermediate", "gateway", "originating", "foreign"}
    assert (hops.loc[hops["role"] == "foreign", "provider_country"] != "US").all()
    assert (hops.loc[hops["role"] != "foreign", "provider_country"] == "US").all()
    assert hops["category"].notna().all()  # every raw text is in the vocabulary
    assert hops["response"].nunique() >= 20  # varied raw strings
    # A gateway's upstream is foreign; an originating hop names its customer and ends the path.
    nxt = hops.set_index(["traceback_id", "hop"])["role"]
    gw = hops[hops["role"] == "gateway"]
    ups = nxt.reindex(list(zip(gw["traceback_id"], gw["hop"] + 1, strict=True)))
    assert (ups == "foreign").all()
    orig = hops[hops["role"] == "originating"]
    assert (orig["category"] == "customer_identified").all()
    assert (orig["customer"] != "").all() and (orig["upstream_provider"] == "").all()


def test_printed_name_variants_map_to_one_canonical_provider(data: dict) -> None:
    hops, truth = data["hops"], data["truth"]
    assert hops["canon"].notna().all()
    variants = hops[hops["provider"] != hops["canon"]]
    assert len(variants) > 0
    assert variants["provider"].str.contains(" d/b/a ").any()
    for name, entry in truth["providers"].items():
        for printed in entry["printed_names"]:
            assert truth["name_map"][printed] == name


# ---------------------------------------------------------------- realism ranges
def test_path_length_and_hub_share_are_in_the_stated_ranges(data: dict) -> None:
    hops, truth = data["hops"], data["truth"]
    lengths = hops.groupby("traceback_id").size()
    assert 5.0 <= lengths.mean() <= 6.0
    assert truth["summary"]["mean_path_length"] == round(lengths.mean(), 6)
    term = hops[hops["hop"] == 0]
    hub_share = term["canon"].isin(truth["hubs"]).mean()
    assert 0.75 <= hub_share <= 0.90
    assert truth["summary"]["hub_terminating_share"] == round(hub_share, 6)
    # Hubs terminate calls of (nearly) every ecosystem: that is what glues a naive partition.
    src = data["tb"].set_index("traceback_id")["source"]
    by_eco = term.assign(eco=term["traceback_id"].map(src), hub=term["canon"].isin(truth["hubs"]))
    busy = by_eco[by_eco["eco"] != "noise"].groupby("eco")["hub"].agg(["size", "mean"])
    busy = busy[busy["size"] >= 20]
    assert len(busy) >= 10 and (busy["mean"] > 0.6).all()


def test_defaults_give_the_itg_yearly_scale(tmp_path: Path) -> None:
    ds = generate(tmp_path)  # defaults: 3,600 tracebacks in 2025, 64 ecosystems
    truth = json.loads(ds.truth.read_text())
    hops = _read(ds.hops)
    assert hops["traceback_id"].nunique() == 3600
    assert hops["call_time"].str[:4].eq("2025").all()
    providers = hops["provider"].map(truth["name_map"]).nunique()
    assert 650 <= providers <= 760  # the ITG identified 699 (2023) and 714 (2024)
    assert providers == truth["summary"]["providers_appearing"]
    assert len(truth["ecosystems"]) == 64


def test_ecosystem_tracebacks_use_their_own_providers(data: dict) -> None:
    hops, truth, tb = data["hops"], data["truth"], data["tb"]
    eco_of = truth["provider_ecosystem"]
    src = tb.set_index("traceback_id")
    h = hops.assign(
        source=hops["traceback_id"].map(src["source"]),
        leaked=hops["traceback_id"].map(src["gateway_leaked"]),
        eco=hops["canon"].map(eco_of),
    )
    owned = h[h["eco"].notna()]
    clean = owned[owned["leaked"] == "0"]
    assert (clean["eco"] == clean["source"]).all()
    leaked = owned[(owned["leaked"] == "1") & (owned["eco"] != owned["source"])]
    assert len(leaked) > 0 and set(leaked["role"]) <= {"gateway", "intermediate"}
    assert (h.loc[h["source"] == "noise", "eco"].isna()).all()


# ---------------------------------------------------------------- numbers and attestation
_NANP = re.compile(r"^1?([2-9][0-8]\d)([2-9]\d\d)(\d{4})$")


def test_calling_and_called_numbers_are_valid_nanp(data: dict) -> None:
    for column in ("calling_number", "called_number"):
        for raw in data["paths"][column]:
            m = _NANP.match(re.sub(r"\D", "", raw))
            assert m, raw
            npa, nxx = m.group(1), m.group(2)
            assert npa[1:] != "11" and nxx[1:] != "11", raw


def test_attestation_is_consistent_with_the_path(data: dict) -> None:
    hops = data["hops"]
    for _, g in hops.groupby("traceback_id", sort=False):
        roles, att = g["role"].tolist(), g["attestation"].tolist()
        if "gateway" in roles:
            k = roles.index("gateway")
            assert set(att[: k + 1]) == {"C"}
            assert set(att[k + 1 :]) <= {""}
        if "originating" in roles:
            assert att[0] in {"A", "B", ""}
            assert len(set(att)) == 1
    origin = data["tb"].set_index("traceback_id")
    term = hops[hops["hop"] == 0].set_index("traceback_id")
    foreign = origin.index[origin["origin"] == "foreign"]
    assert (term.loc[foreign, "attestation"] == "C").all()
    eco_domestic = origin.index[(origin["origin"] == "domestic") & (origin["source"] != "noise")]
    assert term.loc[eco_domestic, "attestation"].isin(["A", "B"]).all()
    paths = data["paths"].set_index("traceback_id")
    assert (paths.loc[term.index, "attestation"] == term["attestation"]).all()


# ---------------------------------------------------------------- truth agrees with the rows
def test_planted_non_responsive_providers_really_end_paths(data: dict) -> None:
    hops, truth = data["hops"], data["truth"]
    last = hops.groupby("traceback_id")["hop"].transform("max")
    planted = {r["provider"] for r in truth["non_responsive"]}
    assert len(planted) >= 20
    failed = hops[hops["category"].isin(NONCOOP)]
    assert (failed["hop"] == last[failed.index]).all()
    assert (failed["upstream_provider"] == "").all() and (failed["hop"] > 0).all()
    mine = failed[failed["canon"].isin(planted)]
    assert mine["canon"].nunique() >= 15
    # Planted providers fail on most of their hops; the rest of the world rarely does.
    share = hops.assign(bad=hops["category"].isin(NONCOOP)).groupby("canon")["bad"].mean()
    assert share[share.index.isin(planted)].median() >= 0.6
    assert share[~share.index.isin(planted)].median() <= 0.05


def _window_max(days: list[int], window: int) -> int:
    days = sorted(days)
    return max(bisect.bisect_left(days, d + window) - i for i, d in enumerate(days)) if days else 0


@pytest.mark.parametrize(
    ("role", "key"), [("gateway", "repeat_gateways"), ("originating", "repeat_originators")]
)
def test_repeat_lists_are_derived_from_the_rows(data: dict, role: str, key: str) -> None:
    hops, truth = data["hops"], data["truth"]
    params = truth["parameters"]
    days: dict[str, list[int]] = defaultdict(list)
    for canon, day in hops.loc[hops["role"] == role, ["canon", "day"]].itertuples(index=False):
        days[canon].append(int(day))
    expected = {
        p: _window_max(d, params["repeat_window_days"])
        for p, d in days.items()
        if _window_max(d, params["repeat_window_days"]) >= params["repeat_threshold"]
    }
    got = {r["provider"]: r["max_in_window"] for r in truth[key]}
    assert got == expected
    assert len(got) >= 20
    # Planted busy gateways/originators (that answer) are repeat offenders in the rows too.
    quiet = {r["provider"] for r in truth["non_responsive"]}
    n = truth["summary"]["tracebacks"]
    busy = {
        r["provider"]
        for r in truth[f"planted_{key.split('_')[1]}"]
        if r["planted_rate"] * n >= 10 and r["provider"] not in quiet
    }
    # (A few stay hidden: a non-responsive provider below them can cut their paths short.)
    assert len(busy) >= 10 and len(busy & set(got)) >= 0.9 * len(busy)


def test_repeat_window_is_a_sliding_window(tmp_path: Path) -> None:
    cfg = GeneratorConfig(tracebacks=1500, seed=2, repeat_window_days=30, repeat_threshold=4)
    ds = generate(tmp_path, config=cfg)
    truth = json.loads(ds.truth.read_text())
    hops = _read(ds.hops)
    hops["canon"] = hops["provider"].map(truth["name_map"])
    day = (
        pd.to_datetime(hops["call_time"], utc=True) - pd.Timestamp("2025-01-01", tz="UTC")
    ).dt.days
    gw = hops.assign(day=day)[hops["role"] == "gateway"]
    expected = {}
    for canon, g in gw.groupby("canon"):
        best = _window_max(g["day"].tolist(), 30)
        if best >= 4:
            expected[canon] = best
    got = {r["provider"]: r["max_in_window"] for r in truth["repeat_gateways"]}
    assert got == expected and got
    totals = {r["provider"]: r["total"] for r in truth["repeat_gateways"]}
    assert any(totals[p] > got[p] for p in got)  # the window really cuts


def test_non_cooperative_list_is_derived_from_the_rows(data: dict) -> None:
    hops, truth = data["hops"], data["truth"]
    p = truth["parameters"]
    g = hops.assign(bad=hops["category"].isin(NONCOOP)).groupby("canon")["bad"].agg(["size", "sum"])
    hit = g[
        (g["sum"] >= p["noncoop_min_events"]) & (g["sum"] >= p["noncoop_min_share"] * g["size"])
    ]
    got = {r["provider"]: (r["hops"], r["noncooperative_hops"]) for r in truth["non_cooperative"]}
    assert got == {k: (int(v["size"]), int(v["sum"])) for k, v in hit.iterrows()}
    assert sum(r["planted"] for r in truth["non_cooperative"]) >= 0.9 * len(got)


def test_rmd_rows_and_removed_providers_agree_with_truth(data: dict) -> None:
    hops, truth, rmd = data["hops"], data["truth"], data["rmd"]
    listed = set(rmd["business_name"])
    missing = {r["provider"] for r in truth["not_in_rmd"]}
    assert missing and not (missing & listed)
    seen = set(hops["canon"])
    assert (seen - missing) <= listed
    foreign = {n for n, e in truth["providers"].items() if e["country"] != "US" and e["hops"]}
    assert len(foreign & missing) >= 0.6 * len(foreign)  # foreign providers usually unlisted
    removed = rmd[rmd["removal_date"] != ""].set_index("business_name")["removal_date"]
    assert {r["provider"]: r["removal_date"] for r in truth["rmd_removed"]} == removed.to_dict()
    carried = 0
    for r in truth["rmd_removed"]:
        rows = hops[hops["canon"] == r["provider"]]
        after = int((rows["call_time"].str[:10] >= r["removal_date"]).sum())
        assert after == r["hops_after_removal"]
        carried += after
    assert carried > 0  # removed providers still carry traffic


def test_rmd_violations_file_lists_exactly_the_violating_edges(data: dict) -> None:
    hops, rmd, viol = data["hops"], data["rmd"], data["viol"]
    removal = dict(zip(rmd["business_name"], rmd["removal_date"], strict=True))
    up = hops[["traceback_id", "hop", "canon"]].assign(hop=hops["hop"] - 1)
    edges = hops[hops["provider_country"] == "US"].merge(
        up, on=["traceback_id", "hop"], suffixes=("", "_up")
    )
    listed = edges["canon_up"].isin(removal.keys())
    removed_on = edges["canon_up"].map(removal).fillna("")
    after = (removed_on != "") & (edges["call_time"].str[:10] >= removed_on)
    edges["reason"] = None
    edges.loc[~listed, "reason"] = "not_in_rmd"
    edges.loc[listed & after, "reason"] = "removed_from_rmd"
    bad = edges[edges["reason"].notna()]
    expected = set(
        zip(
            bad["traceback_id"],
            bad["hop"].astype(str),
            bad["canon_up"],
            bad["canon"],
            bad["reason"],
            strict=True,
        )
    )
    cols = ["traceback_id", "hop", "upstream", "downstream", "reason"]
    got = set(viol[cols].itertuples(index=False, name=None))
    assert got == expected
    assert {r[4] for r in got} == {"not_in_rmd", "removed_from_rmd"}
    assert data["truth"]["rmd_violations"]["count"] == len(viol)
    by_down = viol["downstream"].value_counts().to_dict()
    assert data["truth"]["rmd_violations"]["by_downstream"] == by_down


# ---------------------------------------------------------------- errors and CLI
def test_bad_parameters_raise_one_line_config_errors(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"^generator parameter tracebacks=0 must be an integer >= 1$"
    ):
        generate(tmp_path, tracebacks=0)
    with pytest.raises(
        ConfigError, match=r"^generator parameter start='2025-13-01' must be a date YYYY-MM-DD$"
    ):
        generate(tmp_path, start="2025-13-01")
    target = tmp_path / "file.txt"
    target.write_text("x")
    with pytest.raises(ConfigError, match="is a file; give a folder"):
        generate(target, tracebacks=10)


def test_cli_generate_writes_files_and_prints_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "generate",
            "--tracebacks",
            "120",
            "--seed",
            "3",
            "--out",
            str(tmp_path),
            "--days",
            "90",
            "--ecosystems",
            "10",
        ]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["summary"]["tracebacks"] == 120
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES.values())
    truth = json.loads((tmp_path / "truth.json").read_text())
    assert (
        truth["parameters"]["days"] == 90 and len(truth["ecosystems"]) == 10 and truth["seed"] == 3
    )


def test_cli_generate_reports_bad_knobs_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["generate", "--out", str(tmp_path), "--hub-share", "1.5"])
    assert code == 1
    err = capsys.readouterr().err.strip()
    assert err == "graphengine: error: generator parameter hub_share=1.5 must be between 0 and 1"


# ---------------------------------------------------------------- the loaders accept the files
def test_generated_files_pass_the_loaders_with_zero_rejects(tmp_path: Path) -> None:
    loaders = pytest.importorskip("loaders")
    if not hasattr(loaders, "load_inputs"):
        pytest.skip("loaders.load_inputs is not available")
    ds = generate(tmp_path, tracebacks=800, seed=9)
    truth = json.loads(ds.truth.read_text(encoding="utf-8"))
    mine = _read(ds.hops)
    for source in (ds.hops, ds.paths):
        result = loaders.load_inputs([source], providers=ds.rmd)
        assert len(result.rejects) == 0
        assert result.stats["rejected"].sum() == 0
        assert len(result.hops) == truth["summary"]["hops"]
    # From the hop table (which carries roles, countries and responses), the loaders' response
    # mapping and roles agree with the generator's intent. (A path table has no countries or
    # responses, so its derived roles legitimately differ at foreign and failed hops.)
    hops = loaders.load_inputs([ds.hops], providers=ds.rmd).hops
    hops = hops.sort_values(["traceback_id", "hop"])
    assert (hops["role"].to_numpy() == mine["role"].to_numpy()).all()
    expected = hops["response"].map(truth["response_vocabulary"])
    assert (hops["response_category"] == expected).all()
