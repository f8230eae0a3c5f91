"""The main job end to end: ``investigate`` and the HTML report, opened in the real Chromium.

One small seeded dataset (the generator's own files plus three hand-made bad rows) is
investigated once per module; the tests read the files it wrote.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html as html_lib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from graphengine.export.formats import find_browser
from graphengine.pipeline.investigate import investigate
from graphengine.pipeline.investigation import InvestigateOptions
from graphengine.pipeline.report import SECTIONS

pytestmark = [pytest.mark.slow]

BAD_ROWS = [
    # traceback id, hop, provider, upstream, role, response, call_time, ... : three reasons
    "BAD-1,0,,Somebody LLC,terminating,Responded,2025-03-01T10:00:00Z,Tax relief,2025550100,2125550111,A,US,",
    "BAD-2,0,Acme Voice LLC,,terminating,Responded,not-a-time,Tax relief,2025550100,2125550111,A,US,",
    "BAD-3,0,Acme Voice LLC,,terminating,Responded,2025-03-01T10:00:00Z,Tax relief,2025550100,2125550111,Z,US,",
]
T1 = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
T2 = dt.datetime(2026, 2, 3, 4, 5, 6, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from graphengine.synthetic import generate

    root = tmp_path_factory.mktemp("investigate")
    data = generate(root / "data", tracebacks=400, seed=3)
    hops = root / "hops_with_bad_rows.csv"
    text = data.hops.read_text(encoding="utf-8")
    hops.write_text(text.rstrip("\n") + "\n" + "\n".join(BAD_ROWS) + "\n", encoding="utf-8")
    return {"root": root, "hops": hops, "rmd": data.rmd}


def _run(dataset: dict[str, Path], name: str, when: dt.datetime, formats=("html",)):
    return investigate(
        [dataset["hops"]],
        dataset["root"] / name,
        providers=dataset["rmd"],
        options=InvestigateOptions(case_label="TEST-CASE", runs=4, top=2, formats=formats),
        neo4j=False,
        command_line=["graphengine", "investigate", "(test)"],
        generated_at=when,
    )


@pytest.fixture(scope="module")
def first(dataset):
    return _run(dataset, "run1", T1, formats=("html", "png"))


def test_outputs_are_written_and_listed(first) -> None:
    out = first.out_dir
    for name in (
        "report.html",
        "ecosystems.csv",
        "providers.csv",
        "targets.csv",
        "findings.json",
        "analysis.json",
        "quarantine.csv",
        "investigation.json",
    ):
        assert (out / name).is_file(), name
    assert [b.name for b in first.bundles] == [
        f"ecosystem-{e}"
        for e in first.analysis.ecosystems.ecosystems.sort_values(
            ["n_tracebacks", "ecosystem"], ascending=[False, True]
        )["ecosystem"].head(2)
    ]
    for bundle in first.bundles:
        assert (bundle / "manifest.json").is_file()
        assert (bundle / "figures" / "ecosystem.png").is_file()
    record = json.loads((out / "investigation.json").read_text())
    assert record["summary"]["rows_rejected"] == 3
    assert record["files"]["report"] == "report.html"
    # issue 14: every row flag is counted, with examples and advice, next to the summary
    flags = first.load.hops["flags"].str.split(";").explode()
    counts = flags[flags != ""].value_counts()
    assert {q["flag"]: q["rows"] for q in record["data_quality"]} == counts.to_dict()
    assert all(1 <= len(q["examples"]) <= 3 and q["what_to_do"] for q in record["data_quality"])


def test_bad_rows_are_quarantined_and_reported(first) -> None:
    quarantine = (first.out_dir / "quarantine.csv").read_text(encoding="utf-8")
    for tb in ("BAD-1", "BAD-2", "BAD-3"):
        assert tb in quarantine
    assert first.summary()["rows_rejected"] == 3
    assert first.summary()["tracebacks"] == 400  # every good row still loaded
    page = first.report.read_text(encoding="utf-8")
    assert "<b>3 row(s) were rejected</b>" in page
    assert "<code>quarantine.csv</code>" in page


def test_report_is_self_contained(first) -> None:
    page = first.report.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", page)
    assert not re.search(r"<link[^>]+href=[\"']https?:", page)
    for anchor in SECTIONS:
        assert f"<section id='{anchor}'>" in page
    # One diagram per bundle, with the figure of the sealed evidence.
    for bundle in first.bundles:
        assert f'id="{bundle.name}"' in page


@pytest.fixture(scope="module")
def second(dataset):
    return _run(dataset, "run2", T2, formats=("html", "png"))


def test_same_input_and_seed_give_the_same_report_timestamps_apart(first, second) -> None:
    one = first.report.read_text(encoding="utf-8")
    two = second.report.read_text(encoding="utf-8")
    stamp = re.compile(r"2026-0[12]-0[23]T0[34]:0[45]:0[56]Z")
    assert stamp.search(one) and stamp.search(two)
    assert stamp.sub("<T>", one) == stamp.sub("<T>", two)
    for name in ("targets.csv", "ecosystems.csv", "providers.csv", "findings.json"):
        assert (first.out_dir / name).read_bytes() == (second.out_dir / name).read_bytes(), name


def _outputs(run) -> dict[str, dict]:
    record = json.loads((run.out_dir / "investigation.json").read_text(encoding="utf-8"))
    return {o["path"]: o for o in record["outputs"]}


def test_investigation_json_records_the_real_sha256_of_every_output(first) -> None:
    import hashlib

    outputs = _outputs(first)
    out = first.out_dir
    # every file but investigation.json itself and bundle members (their manifest seals them)
    expected = set()
    for path in out.rglob("*"):
        name = path.relative_to(out).as_posix()
        in_bundle = name.startswith("evidence/")
        sealer = (
            in_bundle and path.name == "manifest.json" and path.parent.parent == out / "evidence"
        )
        if path.is_file() and name != "investigation.json" and (sealer or not in_bundle):
            expected.add(name)
    assert set(outputs) == expected
    assert {"targets.csv", "report.html", "quarantine.csv", "analysis.json"} <= expected
    assert {f"evidence/{b.name}/manifest.json" for b in first.bundles} <= expected
    for name, entry in outputs.items():
        data = (out / name).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest(), name
        assert entry["bytes"] == len(data), name
    assert list(outputs) == sorted(outputs)


def test_same_input_and_seed_give_the_same_output_hashes(first, second) -> None:
    one, two = _outputs(first), _outputs(second)
    assert set(one) == set(two)
    # only report.html and the bundle manifests print the generation time
    same = {n for n in one if one[n]["sha256"] == two[n]["sha256"]}
    assert same == {
        "analysis.json",
        "ecosystems.csv",
        "findings.json",
        "providers.csv",
        "quarantine.csv",
        "targets.csv",
    }


def _verify(folder: Path, capsys) -> tuple[int, str]:
    from graphengine.cli.main import main

    code = main(["evidence", "verify", str(folder)])
    return code, capsys.readouterr().out


def test_evidence_verify_names_each_changed_file_of_an_investigation(first, tmp_path, capsys):
    folder = tmp_path / "copy"
    shutil.copytree(first.out_dir, folder)
    members = sum(
        len(json.loads((b / "manifest.json").read_text())["files"]) for b in first.bundles
    )
    code, out = _verify(folder, capsys)
    assert code == 0
    assert out.startswith(
        f"{len(_outputs(first)) + members} files intact (investigation.json sha256 "
    )

    targets = folder / "targets.csv"
    data = bytearray(targets.read_bytes())
    data[10] ^= 1  # one byte, same size
    targets.write_bytes(bytes(data))
    (folder / "providers.csv").unlink()
    bundle = first.bundles[0].name
    nodes = folder / "evidence" / bundle / "data" / "nodes.csv"
    nodes.write_text(nodes.read_text() + "x\n")
    (folder / "notes.txt").write_text("added later")
    code, out = _verify(folder, capsys)
    assert code == 1
    assert out.splitlines() == [
        "altered: targets.csv",
        f"altered: evidence/{bundle}/data/nodes.csv",
        "missing: providers.csv",
        "extra: notes.txt",
    ]


def test_out_folder_that_is_not_an_investigation_is_refused(dataset, tmp_path) -> None:
    from graphengine.errors import ConfigError

    (tmp_path / "notes.txt").write_text("keep me")
    with pytest.raises(ConfigError, match="not empty and holds no earlier investigation"):
        investigate([dataset["hops"]], tmp_path, options=InvestigateOptions(runs=1, top=0))
    assert (tmp_path / "notes.txt").read_text() == "keep me"


def _chromium(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    browser = find_browser()
    if browser is None:
        pytest.fail("no Chromium found: `make test` installs Debian's chromium", pytrace=False)
    profile = cwd / "chromium-profile"
    shutil.rmtree(profile, ignore_errors=True)
    return subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            # Offline by construction: any host lookup fails, so a remote fetch cannot succeed.
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=15000",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=cwd,
    )


@pytest.mark.chromium
def test_report_opens_in_headless_chromium_without_console_errors(first, tmp_path) -> None:
    url = first.report.resolve().as_uri()
    dom = _chromium("--dump-dom", url, cwd=tmp_path)
    assert dom.returncode == 0, dom.stderr[-2000:]
    console = [line for line in dom.stderr.splitlines() if ":CONSOLE" in line]
    assert console == []
    for heading in SECTIONS.values():
        assert heading in dom.stdout
    # plotly.js ran: every ecosystem diagram was drawn as SVG.
    assert dom.stdout.count('class="main-svg"') >= 2 * len(first.bundles)

    shot = tmp_path / "report.png"
    taken = _chromium("--window-size=1400,2200", f"--screenshot={shot}", url, cwd=tmp_path)
    assert taken.returncode == 0, taken.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1400, 2200)
    assert len(data) > 50_000  # a page of tables and diagrams, not a blank canvas


_SORT_PROBE = """
<script>
window.addEventListener("load", function () {
  // Drive the report's own tables.js like a reader: sort the targets table by score both
  // ways, then filter it, and record what the page shows.
  var table = document.querySelector("#targets table.ge-table");
  var heads = Array.prototype.map.call(table.tHead.rows[0].cells, function (c) { return c.textContent; });
  var col = heads.indexOf("score"), keyCol = heads.indexOf("name");  // the targets table shows display names
  function column(i) {
    return Array.prototype.map.call(table.tBodies[0].rows, function (r) { return r.cells[i].textContent; });
  }
  var out = {before: column(col)};
  table.tHead.rows[0].cells[col].click();
  out.ascending = column(col);
  table.tHead.rows[0].cells[col].click();
  out.descending = column(col);
  var key = table.tBodies[0].rows[0].cells[keyCol].textContent;
  var box = table.parentNode.previousElementSibling;
  box.value = key;
  box.dispatchEvent(new Event("input"));
  out.filter = key;
  out.visible = Array.prototype.filter.call(table.tBodies[0].rows, function (r) { return !r.hidden; })
    .map(function (r) { return r.cells[keyCol].textContent; });
  out.count = table.parentNode.nextElementSibling.textContent;
  out.rows = table.tBodies[0].rows.length;
  var pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>
"""


def _probe(report: Path, text: str, script: str, tmp_path: Path) -> dict:
    """Open ``text`` (a report) with ``script`` added, beside ``report``; return what it wrote."""
    end = text.rindex("</body>")  # plotly.js itself contains the string "</body>"
    probe = report.with_name("report-probe.html")
    probe.write_text(text[:end] + script + text[end:], encoding="utf-8")
    try:
        dom = _chromium("--dump-dom", probe.resolve().as_uri(), cwd=tmp_path)
    finally:
        probe.unlink()
    assert dom.returncode == 0, dom.stderr[-2000:]
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom.stdout, re.S)
    assert found, "the probe did not run"
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


@pytest.mark.chromium
def test_report_tables_sort_and_filter_in_headless_chromium(first, tmp_path) -> None:
    out = _probe(first.report, first.report.read_text(encoding="utf-8"), _SORT_PROBE, tmp_path)
    targets = first.findings.targets
    assert out["rows"] == len(targets)  # every row is in the page, none cut
    scores = [float(v) for v in out["ascending"]]
    assert scores == sorted(scores) and len(scores) == len(targets)
    assert [float(v) for v in out["descending"]] == sorted(scores, reverse=True)
    assert out["visible"] and all(out["filter"] in v for v in out["visible"])
    assert out["count"] == f"Showing {len(out['visible'])} of {len(targets)} rows"


def _section(page: str, anchor: str) -> str:
    found = re.search(rf"<section id='{anchor}'>.*?</section>", page, re.S)
    assert found, anchor
    return found.group(0)


def _body_rows(html_text: str) -> list[str]:
    """The ``<tr>`` of every table body in ``html_text``, in order."""
    bodies = re.findall(r"<tbody>(.*?)</tbody>", html_text, re.S)
    return [row for body in bodies for row in re.findall(r"<tr>.*?</tr>", body, re.S)]


def test_a_long_table_is_cut_to_its_top_rows_with_a_link_to_every_row(first) -> None:
    from graphengine.pipeline.report import render_report

    targets = first.findings.targets
    total = len(targets)
    assert total > 5  # the fixture's data must make the cut happen
    targets_html = _section(render_report(first, max_rows=5), "targets")
    rows = _body_rows(targets_html)
    assert len(rows) == 5
    # the first five in the table's own order: ranks 1..5, the providers ranked there
    shown = [re.search(r"<td>(\d+)</td>", r).group(1) for r in rows]
    assert shown == ["1", "2", "3", "4", "5"]
    found = [html_lib.escape(n) in r for n, r in zip(targets["name"].head(5), rows, strict=True)]
    assert found == [True] * 5
    note = re.search(r"<p class='note ge-cut'>(.*?)</p>", targets_html, re.S)
    assert note, "no note above the cut table"
    assert note.group(1).startswith(
        f"Showing the top 5 of {total:,} targets, ranked by score (highest first; ties by "
        "provider key)."
    )
    href = re.search(r"href='([^']+)'", note.group(1)).group(1)
    assert href == "targets.csv"
    linked = first.report.parent / href
    assert len(pd.read_csv(linked)) == total
    assert f"SHA-256 <code>{hashlib.sha256(linked.read_bytes()).hexdigest()}</code>" in note.group(
        1
    )
    assert f"data-total='{total}'" in targets_html
    assert f"<p class='ge-count'>5 of {total:,} rows shown</p>" in targets_html
    # a table under the limit is whole, with no note: the three rejection reasons
    summary = _section(render_report(first, max_rows=5), "summary")
    assert "note ge-cut" not in summary
    reasons = first.load.rejects["reason"].nunique()
    assert 1 < reasons <= 5
    assert len(_body_rows(summary)) == len(first.load.stats) + reasons


def test_a_bound_above_every_table_leaves_the_report_as_it_was(first) -> None:
    from graphengine.pipeline.report import render_report

    whole = render_report(first, max_rows=0)
    assert "note ge-cut" not in whole and "data-total=" not in whole
    assert render_report(first, max_rows=len(first.findings.targets)) == whole
    # the report investigate wrote (default bound, 1,000) holds every row of this small set
    # (its list of files was written before investigation.json, so compare the tables)
    written = first.report.read_text(encoding="utf-8")
    assert "note ge-cut" not in written
    for anchor in ("ecosystems", "repeat-offenders", "noncooperative", "targets"):
        assert _section(written, anchor) == _section(whole, anchor), anchor


def test_report_rows_option_reaches_the_report(dataset, tmp_path, capsys) -> None:
    from graphengine.cli.main import main

    out = tmp_path / "cli"
    argv = ["investigate", str(dataset["hops"]), "--providers", str(dataset["rmd"])]
    argv += ["--out", str(out), "--runs", "1", "--top", "0", "--format", "html"]
    assert main([*argv, "--report-rows", "3"]) == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    total = len(pd.read_csv(out / "targets.csv"))
    targets_html = _section(page, "targets")
    assert len(_body_rows(targets_html)) == 3
    assert f"Showing the top 3 of {total:,} targets" in targets_html
    record = json.loads((out / "investigation.json").read_text(encoding="utf-8"))
    assert record["options"]["report_rows"] == 3
    capsys.readouterr()
    assert main([*argv, "--report-rows", "-1"]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["graphengine: error: --report-rows must be 0 (every row) or more, got -1"]


_CUT_PROBE = """
<script>
window.addEventListener("load", function () {
  // A table cut to its top rows: what the count line says after a filter, and the id-list
  // column sorted by the ids each cell shows.
  var table = document.querySelector("#targets table.ge-table");
  var heads = Array.prototype.map.call(table.tHead.rows[0].cells, function (c) { return c.textContent; });
  var ids = heads.indexOf("traceback_ids");
  var box = table.parentNode.previousElementSibling;
  var out = {note: box.previousElementSibling.className, rows: table.tBodies[0].rows.length};
  box.value = table.tBodies[0].rows[0].cells[heads.indexOf("name")].textContent;
  box.dispatchEvent(new Event("input"));
  out.count = table.parentNode.nextElementSibling.textContent;
  box.value = "";
  box.dispatchEvent(new Event("input"));
  table.tHead.rows[0].cells[ids].click();
  out.keys = Array.prototype.map.call(table.tBodies[0].rows, function (r) {
    return r.cells[ids].getAttribute("data-sort");
  });
  var pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>
"""


@pytest.mark.chromium
def test_a_cut_table_sorts_filters_and_counts_in_headless_chromium(first, tmp_path) -> None:
    from graphengine.pipeline.report import render_report

    out = _probe(first.report, render_report(first, max_rows=5), _CUT_PROBE, tmp_path)
    total = len(first.findings.targets)
    assert out["note"] == "note ge-cut"  # the note is right above the filter box and table
    assert out["rows"] == 5
    shown = int(re.match(r"Showing (\d+) of 5 rows", out["count"]).group(1))
    assert 1 <= shown <= 5
    assert out["count"].endswith(f"(the report holds 5 of {total}; see the note above)")
    expected = [
        ";".join(str(v).split(";")[:8]) for v in first.findings.targets["traceback_ids"].head(5)
    ]
    # the generator's ids are zero-padded, so the browser's order is the plain text order
    assert out["keys"] == sorted(expected) != expected
