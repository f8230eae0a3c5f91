"""The call-flow exhibit: lanes, readable names, counts on links, footnotes, stamp, data files.

Checked on two ecosystems: the demo's largest (generated with the demo's seed, 54 providers)
and a seeded 130-provider one. Everything is read back from the written bundle (figure JSON,
CSV files, layout.json, manifest), not from the objects that produced it. No browser needed.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from graphengine import schema
from graphengine.export import ExportSettings, export_ecosystem, verify_bundle
from graphengine.export.flow_layout import assign_lanes
from graphengine.export.stamp import SHA_PATTERN
from graphengine.export.textmetrics import LINE_HEIGHT, text_width
from tests.helpers.export import random_ecosystem_hops

csv.field_size_limit(1 << 30)


def _demo_case(tmp: Path) -> tuple[pd.DataFrame, object, str]:
    from graphengine.ecosystems import detect_ecosystems
    from graphengine.synthetic import generate
    from loaders.load import load_inputs

    data = generate(tmp / "data", tracebacks=3600, seed=7, show_progress=False)
    del data
    loaded = load_inputs([tmp / "data" / "hops.csv"], providers=tmp / "data" / "rmd.csv")
    result = detect_ecosystems(loaded.hops, loaded.providers, seed=42)
    sizes = result.providers.groupby("ecosystem").size()
    return loaded.hops, result, str(sizes.idxmax())


def _random_case() -> tuple[pd.DataFrame, dict[str, int], str]:
    hops = random_ecosystem_hops(n_providers=160, n_tracebacks=3000, seed=11, unique_names=True)
    assert hops["provider_key"].nunique() == 139  # 139 providers carry calls
    keys = sorted(hops["provider_key"].astype(str).unique())
    return hops, dict.fromkeys(keys, 1), "1"


@pytest.fixture(scope="module", params=["demo", "random130"])
def bundle(request, tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    tmp = tmp_path_factory.mktemp(request.param)
    if request.param == "demo":
        hops, partition, eco = _demo_case(tmp)
    else:
        hops, partition, eco = _random_case()
    settings = ExportSettings(formats=("html",), case_label="AG-TEST-16")
    out = tmp / "bundle"
    export_ecosystem(hops, partition, eco, out, settings=settings)
    return out, hops


def _figure(out: Path, name: str = "ecosystem") -> dict:
    return json.loads((out / "figures" / f"{name}.plotly.json").read_text())


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _segments(fig: dict) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    segs = []
    for trace in fig["data"]:
        if trace.get("mode") != "lines":
            continue
        pts = list(zip(trace["x"], trace["y"], strict=True))
        for a, b in zip(pts, pts[1:], strict=False):
            if None not in a and None not in b:
                segs.append((a, b))
    return segs


def _crosses(box, seg) -> bool:
    (x0, y0), (x1, y1) = seg
    dx, dy = x1 - x0, y1 - y0
    low, high = 0.0, 1.0
    for p, q in ((-dx, x0 - box[0]), (dx, box[2] - x0), (-dy, y0 - box[1]), (dy, box[3] - y0)):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        low, high = (max(low, t), high) if p < 0 else (low, min(high, t))
        if low > high:
            return False
    return True


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _name_boxes(fig: dict) -> dict[str, tuple[float, float, float, float]]:
    """Text boxes of the names as drawn: the annotation's anchor, its lines and font size."""
    boxes = {}
    for ann in fig["layout"]["annotations"]:
        if not str(ann.get("name", "")).startswith("name:"):
            continue
        size = ann["font"]["size"]
        raw = ann["text"].split("<br>")
        width = 0.0
        for line in raw:  # a line may set its own smaller size in a <span>
            own = re.search(r"font-size:([0-9.]+)px", line)
            width = max(
                width,
                text_width(re.sub(r"<[^>]+>", "", line), float(own.group(1)) if own else size),
            )
        height = len(raw) * size * LINE_HEIGHT  # plotly spaces lines by the annotation's size
        x, top = ann["x"], ann["y"]
        assert ann["xanchor"] == "left" and ann["yanchor"] == "top"
        boxes[ann["name"][5:]] = (x, top - height, x + width, top)
    return boxes


def _count_labels(fig: dict) -> dict[tuple[str, str], tuple[str, tuple]]:
    out = {}
    for ann in fig["layout"]["annotations"]:
        name = str(ann.get("name", ""))
        if not name.startswith("count:"):
            continue
        source, target = name[6:].split("->")
        size = ann["font"]["size"]
        w, h = text_width(ann["text"], size), size * LINE_HEIGHT
        box = (ann["x"] - w / 2, ann["y"] - h / 2, ann["x"] + w / 2, ann["y"] + h / 2)
        out[(source, target)] = (ann["text"], box)
    return out


def test_every_link_runs_left_to_right_or_within_a_lane(bundle) -> None:
    out, _ = bundle
    layout = json.loads((out / "layout.json").read_text())
    rows = _rows(out / "data" / "diagram_edges.csv")
    assert rows, "the exhibit draws links"
    lane = layout["lane_of"]
    boxes = layout["boxes"]
    for row in rows:
        s, t = row["source"], row["target"]
        assert lane[s] <= lane[t], f"{s} (lane {lane[s]}) -> {t} (lane {lane[t]})"
        if lane[s] < lane[t]:  # and on the page: the source box ends left of the target box
            assert boxes[s][2] < boxes[t][0]


def test_names_overlap_no_link_no_other_name_and_no_count(bundle) -> None:
    out, _ = bundle
    fig = _figure(out)
    layout = json.loads((out / "layout.json").read_text())
    names = _name_boxes(fig)
    assert set(names) == set(layout["boxes"])
    segments = _segments(fig)
    counts = [box for _, box in _count_labels(fig).values()]
    plot_w, plot_h = layout["plot_size"]
    keys = sorted(names)
    for i, key in enumerate(keys):
        box = names[key]
        node = layout["boxes"][key]
        assert node[0] <= box[0] and box[2] <= node[2] + 0.5, f"{key}: name wider than its box"
        assert node[1] <= box[1] and box[3] <= node[3], f"{key}: name taller than its box"
        assert node[1] >= 0 and node[3] <= plot_h and node[2] <= plot_w, f"{key} off the page"
        for other in keys[i + 1 :]:
            assert not _overlap(box, names[other]), f"names of {key} and {other} overlap"
        for seg in segments:
            assert not _crosses(box, seg), f"a link runs over the name of {key}"
        for count in counts:
            assert not _overlap(box, count), f"a count label sits on the name of {key}"


def test_names_are_printed_in_full(bundle) -> None:
    out, _ = bundle
    fig = _figure(out)
    drawn = {
        ann["name"][5:]: " ".join(
            re.sub(r"<[^>]+>", "", line) for line in ann["text"].split("<br>")[:-1]
        )
        for ann in fig["layout"]["annotations"]
        if str(ann.get("name", "")).startswith("name:")
    }
    for row in _rows(out / "data" / "diagram_nodes.csv"):
        assert drawn[row["node_id"]] == row["name"].lstrip("'")
        assert "…" not in drawn[row["node_id"]]


def test_link_labels_equal_counts_in_the_edge_files(bundle) -> None:
    out, hops = bundle
    fig = _figure(out)
    labels = _count_labels(fig)
    drawn = {(r["source"], r["target"]): r for r in _rows(out / "data" / "diagram_edges.csv")}
    assert set(labels) == set(drawn)
    for key, (text, _) in labels.items():
        row = drawn[key]
        assert int(text) == int(row["tracebacks"]) == len(row["traceback_ids"].split(";"))
    # links between two providers drawn on their own carry the count of edges.csv
    full = {(r["source"], r["target"]): r for r in _rows(out / "data" / "edges.csv")}
    singles = 0
    for (s, t), (text, _) in labels.items():
        if (s, t) in full:
            assert int(text) == int(full[(s, t)]["tracebacks"])
            assert drawn[(s, t)]["traceback_ids"] == full[(s, t)]["traceback_ids"]
            singles += 1
    assert singles > 0


def test_edges_csv_ids_are_the_tracebacks_of_each_link(bundle) -> None:
    out, hops = bundle
    routed = schema.routed_edges(hops)
    truth = (
        routed.astype({"traceback_id": str})
        .groupby(["upstream_key", "downstream_key"])["traceback_id"]
        .agg(lambda s: sorted(set(s)))
    )
    rows = _rows(out / "data" / "edges.csv")
    for row in rows:
        ids = row["traceback_ids"].split(";")
        assert ids == truth[(row["source"], row["target"])]
        assert len(ids) == int(row["tracebacks"])


def test_footnote_ids_are_real_tracebacks_of_their_link(bundle) -> None:
    out, hops = bundle
    page = _figure(out, "ecosystem-page2")
    table = page["data"][0]
    cols = table["cells"]["values"]
    drawn = _rows(out / "data" / "diagram_edges.csv")
    by_names = {(r["source_name"].lstrip("'"), r["target_name"].lstrip("'")): r for r in drawn}
    busiest = sorted(int(r["tracebacks"]) for r in drawn)[::-1][: len(cols[0])]
    assert [int(c) for c in cols[3]] == busiest
    all_ids = set(hops["traceback_id"].astype(str))
    for source, target, count, ids_text in zip(cols[1], cols[2], cols[3], cols[4], strict=True):
        row = by_names[(source, target)]
        listed = ids_text.split(" … and ")[0].split(", ")
        assert set(listed) <= set(row["traceback_ids"].split(";"))
        assert set(listed) <= all_ids
        assert len(listed) == min(int(count), 24)


def test_stamp_on_every_page_carries_the_manifests_dataset_hash(bundle) -> None:
    out, _ = bundle
    manifest = json.loads((out / "manifest.json").read_text())
    pages = sorted((out / "figures").glob("*.plotly.json"))
    assert len(pages) == 3  # ecosystem, its footnote page, timeline
    for path in pages:
        fig = json.loads(path.read_text())
        stamps = [a["text"] for a in fig["layout"]["annotations"] if "Dataset SHA-256" in a["text"]]
        assert len(stamps) == 1, path.name
        assert SHA_PATTERN.search(stamps[0]).group(1) == manifest["dataset_sha256"]
        assert f"Generated {manifest['created_utc']}" in stamps[0]
        assert "Case AG-TEST-16" in stamps[0] and "(UTC)" in stamps[0]
        expected = {"ecosystem": "page 1 of 2", "ecosystem-page2": "page 2 of 2"}
        assert expected.get(path.name.split(".")[0], "page 1 of 1") in stamps[0]


def test_data_files_keep_every_provider(bundle) -> None:
    out, _ = bundle
    nodes = _rows(out / "data" / "nodes.csv")
    drawn = {r["node_id"]: r for r in _rows(out / "data" / "diagram_nodes.csv")}
    members = [m for r in drawn.values() for m in r["members"].split(";")]
    for row in nodes:
        for box in filter(None, row["drawn_as"].split(";")):
            assert row["provider_key"] in drawn[box]["members"].split(";")
    assert {r["provider_key"] for r in nodes} >= {m.split("@")[0] for m in members}
    assert verify_bundle(out).ok


def test_big_ecosystem_is_aggregated_to_fit_the_page(tmp_path) -> None:
    hops, partition, eco = _random_case()
    out = tmp_path / "b"
    export_ecosystem(hops, partition, eco, out, settings=ExportSettings(formats=("html",)))
    drawn = _rows(out / "data" / "diagram_nodes.csv")
    merged = [r for r in drawn if r["kind"] == "others"]
    assert merged, "130 providers do not fit one page: some lane is merged"
    for row in merged:
        k = len(row["members"].split(";"))
        assert row["name"].lstrip("'").startswith(f"+{k} others (")
    assert len(_rows(out / "data" / "nodes.csv")) == 139  # the data keeps every provider


def test_layout_is_deterministic(tmp_path) -> None:
    hops, partition, eco = _random_case()
    outs = []
    for run in range(2):
        out = tmp_path / f"run{run}"
        export_ecosystem(hops, partition, eco, out, settings=ExportSettings(formats=("html",)))
        outs.append(out)
    for name in ("layout.json", "data/diagram_edges.csv", "data/edges.csv", "data/nodes.csv"):
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name


def test_lanes_keep_links_flowing_right_at_least_cost() -> None:
    # b is a gateway on 8 calls and originating on 1; it hands a call to c (originating on 1)
    lanes = assign_lanes(
        {"a": [5, 0, 0, 0], "b": [1, 8, 0, 0], "c": [1, 0, 0, 0], "d": [0, 0, 0, 4]},
        [("a", "b"), ("b", "c"), ("c", "d")],
    )
    assert lanes == {"a": 0, "b": 1, "c": 1, "d": 3}
    # a cycle shares one lane: the one that misplaces fewest hops
    lanes = assign_lanes({"x": [3, 0, 0, 0], "y": [0, 0, 1, 0]}, [("x", "y"), ("y", "x")])
    assert lanes == {"x": 0, "y": 0}
