"""The HTML investigation report: one self-contained file that opens offline.

Sections (each a ``<section id=...>``): ``summary``, ``ecosystems``, ``repeat-offenders``,
``noncooperative``, ``rmd-violations``, ``targets``, ``method`` and ``outputs``. plotly.js is
inlined once; each ecosystem diagram is the figure of that ecosystem's evidence bundle, read
back from the bundle's ``figures/ecosystem.plotly.json``, so the report shows exactly what was
sealed as evidence.

Every value is HTML-escaped. Every table can be sorted by any column and filtered
(``graphengine/report_assets/tables.js``, inlined); sections fold. A table holds at most
``max_rows`` rows (``investigate --report-rows``, 1,000 by default; 0 for all): the first rows
in the table's own order (rank, score, count ...). A cut table says so right above it ("Showing
the top 1,000 of 182,345 targets, ranked by ...") and links to the output file that holds every
row, with its SHA-256 (:mod:`graphengine.pipeline.report_rows`); smaller tables hold all their
rows. Long lists of traceback ids are shortened on screen to their first ids, and a cell sorts
by the ids it shows (the full lists are in ``targets.csv`` and ``findings.json``: at 10M hops
they were most of the report's 89 MB). Each ecosystem and each target links to its evidence
bundle when one was written.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.io as pio
from plotly.offline import get_plotlyjs

from graphengine import __version__
from graphengine.campaigns.run import OUTPUT_FILES
from graphengine.pipeline.data_quality import flag_summary
from graphengine.pipeline.display_names import display_frame, name_map
from graphengine.pipeline.investigation import Investigation
from graphengine.pipeline.report_rows import TableCutter, TableRows, check_report_rows
from graphengine.report_assets import asset, interactive_table, section

__all__ = ["render_report", "write_report", "SECTIONS"]

#: section id -> heading, in order.
SECTIONS: dict[str, str] = {
    "summary": "Summary of the data",
    "data-quality": "Data quality: what the loader noticed",
    "ecosystems": "Business ecosystems",
    "repeat-offenders": "Repeat gateways and originators",
    "noncooperative": "Non-cooperative providers",
    "rmd-violations": "Robocall Mitigation Database violations",
    "targets": "Ranked investigation targets",
    "campaigns": "Robocall campaigns (from reports)",
    "method": "Method, parameters and versions",
    "outputs": "Files written",
}

_IDS_SHOWN = 8
#: column headers shown to a person: provider columns hold display names, not keys
_HEADERS = {"provider_key": "provider", "downstream_key": "downstream provider"}

_CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0;color:#1b1f24;background:#fff}
header{background:#14213d;color:#fff;padding:18px 32px}
header h1{margin:0 0 4px 0;font-size:24px}
header p{margin:2px 0;font-size:13px;color:#d7dce5}
nav{padding:8px 32px;background:#eef1f6;font-size:13px}
nav a{margin-right:14px;color:#14213d}
main{padding:8px 32px 40px 32px;max-width:1400px}
section{margin-top:28px}
h2{border-bottom:2px solid #14213d;padding-bottom:4px;font-size:20px}
table{border-collapse:collapse;font-size:12px;margin:8px 0}
th,td{border:1px solid #ccd3de;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#eef1f6}
.kpis{display:flex;flex-wrap:wrap;gap:12px}
.kpi{border:1px solid #ccd3de;border-radius:6px;padding:8px 14px;min-width:130px}
.kpi b{display:block;font-size:20px}
.note{background:#fff8e1;border-left:4px solid #f0b400;padding:6px 10px;font-size:13px}
.lesson{color:#444;font-size:13px;max-width:1000px}
.figure{border:1px solid #ccd3de;margin:10px 0}
code{background:#f3f4f6;padding:1px 3px}
"""


def _esc(value: Any) -> str:
    if value is None or (not isinstance(value, (list, dict)) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return html.escape(f"{value:.4g}")
    if isinstance(value, pd.Timestamp):
        return html.escape(value.strftime("%Y-%m-%d %H:%M UTC"))
    return html.escape(str(value))


def _id_list(value: Any) -> list[str]:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return []
    return [i for i in str(value).split(";") if i]


def _ids_key(value: Any) -> str:
    """The text an id-list cell sorts by: the ids it shows (its full list's order unless those
    are equal; the full list, thousands of ids at 10M hops, is in the CSV/JSON files)."""
    return ";".join(_id_list(value)[:_IDS_SHOWN])


def _ids(value: Any) -> str:
    """Shorten a ';'-separated id list for the screen."""
    ids = _id_list(value)
    if not ids:
        return ""
    shown = ", ".join(ids[:_IDS_SHOWN])
    more = f" … ({len(ids)} in all)" if len(ids) > _IDS_SHOWN else ""
    return html.escape(shown + more)


#: what each long table lists, in which order, and which output file holds all its rows
_BY_TRACEBACKS = "ranked by tracebacks (most first; ties by provider key)"
_ROWS = {
    "reasons": TableRows(
        "reasons",
        "ranked by rows rejected (most first; ties by reason)",
        "quarantine",
        whole="every rejected row, with its reason,",
    ),
    "ecosystems": TableRows(
        "ecosystems", "ranked by tracebacks (most first; ties by ecosystem id)", "ecosystems"
    ),
    "repeat_gateways": TableRows(
        "repeat gateways", _BY_TRACEBACKS, "findings", part="repeat_gateways"
    ),
    "repeat_originators": TableRows(
        "repeat originators", _BY_TRACEBACKS, "findings", part="repeat_originators"
    ),
    "noncooperative": TableRows(
        "providers",
        "flagged providers first, then by non-response tracebacks (most first; ties by "
        "provider key)",
        "findings",
        part="noncooperative",
    ),
    "accepts": TableRows(
        "downstream providers", _BY_TRACEBACKS, "findings", part="accepts_from_noncooperative"
    ),
    "rmd": TableRows(
        "downstream providers",
        "ranked by violating tracebacks (most first; ties by provider key)",
        "findings",
        part="rmd_violations",
        whole="every violating hop",
    ),
    "targets": TableRows(
        "targets", "ranked by score (highest first; ties by provider key)", "targets"
    ),
    "campaigns": TableRows(
        "campaigns", "ranked by reports (most first; ties by campaign id)", "campaigns"
    ),
    "events": TableRows(
        "events",
        "in time order (then kind and campaign)",
        "campaign_events",
        lead="first",
        whole="every event (change points included)",
    ),
}


def _table(
    frame: pd.DataFrame,
    columns: list[str],
    id_columns: tuple[str, ...] = (),
    links: dict[str, Any] | None = None,
    *,
    cut: tuple[TableCutter, str] | None = None,
) -> str:
    """Return ``frame`` as a sortable, filterable table (escaped).

    With ``cut`` (the report's cutter and a key of :data:`_ROWS`) only the first rows of
    ``frame`` are written, under a note that says how many of how many and where the rest are.
    """
    note, total = "", None
    if cut is not None:
        cutter, key = cut
        total = len(frame)
        frame, note = cutter.cut(frame, _ROWS[key])
    return note + interactive_table(
        frame,
        columns,
        formatters={c: _ids for c in id_columns},
        links=links or {},
        headers=_HEADERS,
        total=total,
        sort_keys={c: _ids_key for c in id_columns},
    )


def _named(inv: Investigation, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with provider keys shown as display names (see :mod:`graphengine.pipeline.display_names`)."""
    return display_frame(frame, name_map(inv.load.providers))


def _kpis(pairs: list[tuple[str, Any]]) -> str:
    items = "".join(f"<div class='kpi'><b>{_esc(v)}</b>{html.escape(k)}</div>" for k, v in pairs)
    return f"<div class='kpis'>{items}</div>"


def _section(anchor: str, body: str) -> str:
    return section(anchor, SECTIONS[anchor], body)


def _summary(inv: Investigation, cutter: TableCutter) -> str:
    s = inv.summary()
    window = f"{_esc(s['first_call'])[:10]} to {_esc(s['last_call'])[:10]}"
    body = _kpis(
        [
            ("tracebacks", s["tracebacks"]),
            ("hops", s["hops"]),
            ("providers", s["providers"]),
            ("ecosystems", s["ecosystems"]),
            ("rows rejected", s["rows_rejected"]),
            ("duplicate rows", s["rows_duplicate"]),
        ]
    )
    body += f"<p>Calls traced from <b>{window}</b>. Findings window: <b>{_esc(s['findings_window_since'])}</b> to <b>{_esc(s['findings_window_until'])}</b>.</p>"
    stats = inv.load.stats.assign(file=inv.load.stats["file"].map(lambda p: Path(str(p)).name))
    body += _table(stats, ["file", "shape", "read", "loaded", "rejected", "duplicates", "sha256"])
    if s["rows_rejected"]:
        quarantine = inv.files.get("quarantine")
        where = quarantine.name if quarantine is not None else "the quarantine file"
        body += (
            f"<p class='note'><b>{s['rows_rejected']} row(s) were rejected</b> and written to "
            f"<code>{html.escape(where)}</code> with their file, line, column and reason. "
            "The good rows were loaded. The most frequent reasons:</p>"
        )
        reasons = (
            inv.load.rejects.groupby("reason", sort=False)
            .size()
            .rename("rows")
            .reset_index()
            .sort_values(["rows", "reason"], ascending=[False, True])
        )
        body += _table(reasons, ["reason", "rows"], cut=(cutter, "reasons"))
    else:
        body += "<p>No row was rejected.</p>"
    body += (
        "<p class='lesson'>A traceback count is not a call volume: one traceback stands for one "
        "traced call, chosen by the investigators, out of a campaign that may hold millions.</p>"
    )
    return _section("summary", body)


def _data_quality(inv: Investigation) -> str:
    body = (
        "<p class='lesson'>Flags never reject a row: the row loads and the flag stays with it "
        "(column <code>flags</code>). Each flag below is counted, shown with up to three rows "
        "of the source (file, line, hop as printed) and what you can do about it.</p>"
    )
    notes = [w for w in inv.warnings if w in getattr(inv.load, "notes", [])]
    if notes:
        body += "".join(f"<p class='note'>{html.escape(n)}</p>" for n in notes)
    summary = flag_summary(inv.load.hops)
    if not summary:
        return _section("data-quality", body + "<p>No row was flagged.</p>")
    rows = []
    for item in summary:
        examples = "<br>".join(
            html.escape(
                f"{Path(e['file']).name} line {e['line']}: traceback {e['traceback_id']} "
                f"hop {e['hop']} ({e['provider']})"
            )
            for e in item["examples"]
        )
        rows.append(
            f"<tr><td><code>{html.escape(item['flag'])}</code></td><td>{item['rows']}</td>"
            f"<td>{html.escape(item['meaning'])}</td><td>{examples}</td>"
            f"<td>{html.escape(item['what_to_do'])}</td></tr>"
        )
    head = "".join(f"<th>{h}</th>" for h in ("flag", "rows", "meaning", "examples", "what to do"))
    body += f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    return _section("data-quality", body)


def _bundle_href(inv: Investigation, bundle: Path) -> str:
    """Relative link from the report to a bundle: its diagram's HTML when written."""
    page = bundle / "figures" / "ecosystem.html"
    target = page if page.is_file() else bundle
    return target.relative_to(inv.out_dir).as_posix()


def _bundle_link(inv: Investigation) -> Any:
    """Return ``ecosystem id -> link to its bundle`` (``None`` when it has none)."""
    hrefs = {b.name.removeprefix("ecosystem-"): _bundle_href(inv, b) for b in inv.bundles}

    def link(value: Any) -> str | None:
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return None
        text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
        return hrefs.get(text)

    return link


def _figure_html(bundle: Path, div_id: str) -> str:
    source = bundle / "figures" / "ecosystem.plotly.json"
    if not source.is_file():
        return "<p><i>No diagram in this bundle.</i></p>"
    fig = pio.from_json(source.read_text(encoding="utf-8"))
    div = pio.to_html(
        fig,
        include_plotlyjs=False,
        include_mathjax=False,
        full_html=False,
        div_id=div_id,
        config={"displaylogo": False, "responsive": True},
    )
    return f"<div class='figure'>{div}</div>"


def _ecosystems(inv: Investigation, cutter: TableCutter) -> str:
    table = inv.analysis.ecosystems.ecosystems.sort_values(
        ["n_tracebacks", "ecosystem"], ascending=[False, True]
    )
    body = (
        "<p class='lesson'>An ecosystem is a group of providers that hand traffic to each other "
        "far more than to the rest of the graph. Terminating carriers and national transit "
        "carriers touch every ecosystem; they are attached afterwards and do not define one. "
        "Stability is the share of seeded runs that kept a provider with the same peers.</p>"
    )
    body += _table(
        _named(inv, table),
        [
            "ecosystem",
            "n_providers",
            "n_tracebacks",
            "foreign_sources",
            "gateways",
            "originators",
            "campaigns",
            "first_seen",
            "last_seen",
            "top_customers",
            "chokepoints",
            "mean_stability",
        ],
        links={"ecosystem": _bundle_link(inv)},
        cut=(cutter, "ecosystems"),
    )
    for bundle in inv.bundles:
        eco = bundle.name.removeprefix("ecosystem-")
        rel = bundle.relative_to(inv.out_dir)
        body += (
            f"<h3 id='ecosystem-{html.escape(eco)}'>Ecosystem {html.escape(eco)}</h3>"
            f"<p>Evidence bundle: <a href='{html.escape(_bundle_href(inv, bundle), quote=True)}'>"
            f"<code>{html.escape(str(rel))}</code></a> (verify with "
            f"<code>graphengine evidence verify {html.escape(str(rel))}</code>).</p>"
        )
        body += _figure_html(bundle, f"ecosystem-{eco}")
    return _section("ecosystems", body)


def _repeat(inv: Investigation, cutter: TableCutter) -> str:
    f = inv.findings
    params = f.parameters.get("repeat", {})
    body = (
        f"<p class='lesson'>A repeat gateway (or originator) held that role in at least "
        f"<b>{_esc(params.get('threshold'))}</b> tracebacks within a span of "
        f"<b>{_esc(params.get('span'))}</b>. Quote the count with its window: a count says how "
        "often a provider was found on a traced path, not how much traffic it carries.</p>"
    )
    cols = ["provider_key", "tracebacks", "max_in_span", "span_start", "span_end", "traceback_ids"]
    gateways, originators = _named(inv, f.repeat_gateways), _named(inv, f.repeat_originators)
    body += "<h3>Repeat gateways</h3>" + _table(
        gateways, cols, ("traceback_ids",), cut=(cutter, "repeat_gateways")
    )
    body += "<h3>Repeat originators</h3>" + _table(
        originators, cols, ("traceback_ids",), cut=(cutter, "repeat_originators")
    )
    return _section("repeat-offenders", body)


def _noncooperative(inv: Investigation, cutter: TableCutter) -> str:
    f = inv.findings
    body = (
        "<p class='lesson'>A provider is flagged by the documented rule in "
        "<code>findings.json</code> (parameters <code>noncooperation</code>): enough hops where "
        "it did not respond or had no usable records. Each flag lists its reasons and the "
        "traceback ids behind them.</p>"
    )
    body += _table(
        _named(inv, f.noncooperative),
        [
            "provider_key",
            "reasons",
            "asked",
            "nonresponse_tracebacks",
            "nonresponse_share",
            "stopped_tracebacks",
            "traceback_ids",
        ],
        ("traceback_ids",),
        cut=(cutter, "noncooperative"),
    )
    body += "<h3>Downstream providers that kept accepting their traffic</h3>"
    body += _table(
        _named(inv, f.accepts_from_flagged),
        [
            "downstream_key",
            "flagged_upstreams",
            "tracebacks",
            "first_call",
            "last_call",
            "traceback_ids",
        ],
        ("traceback_ids", "flagged_upstreams"),
        cut=(cutter, "accepts"),
    )
    return _section("noncooperative", body)


def _rmd(inv: Investigation, cutter: TableCutter) -> str:
    f = inv.findings
    if not f.rmd_supplied:
        return _section("rmd-violations", "<p class='note'>No RMD registry was supplied.</p>")
    v = f.rmd_violations
    body = (
        "<p class='lesson'>Since 28 September 2021 a provider may not accept traffic directly "
        "from a provider that is not in the Robocall Mitigation Database, or was removed from "
        "it before the call. Each row is a finding against the <b>downstream</b> provider.</p>"
    )
    if not v.empty:
        by = (
            v.groupby("downstream_key")
            .agg(
                tracebacks=("traceback_id", "nunique"),
                upstreams=("upstream_key", lambda s: ";".join(sorted(set(s)))),
                first_call=("call_time", "min"),
                last_call=("call_time", "max"),
                traceback_ids=("traceback_id", lambda s: ";".join(sorted(set(s)))),
            )
            .reset_index()
            .sort_values(["tracebacks", "downstream_key"], ascending=[False, True])
        )
        body += f"<p>{len(v)} violating hops by {len(by)} downstream providers.</p>"
        body += _table(
            _named(inv, by),
            [
                "downstream_key",
                "tracebacks",
                "upstreams",
                "first_call",
                "last_call",
                "traceback_ids",
            ],
            ("traceback_ids", "upstreams"),
            cut=(cutter, "rmd"),
        )
    else:
        body += "<p><i>None found.</i></p>"
    return _section("rmd-violations", body)


def _targets(inv: Investigation, cutter: TableCutter) -> str:
    weights = inv.findings.parameters.get("weights", {})
    formula = " + ".join(f"{_esc(w)}·{html.escape(k)}" for k, w in weights.items())
    body = (
        "<p class='lesson'>The score is a documented weighted sum of normalised signals (each "
        "count <i>c</i> becomes <i>c</i>/(<i>c</i>+half_at)); every number can be re-derived "
        "from the traceback ids in <code>targets.csv</code>. Score = "
        f"{formula}.</p>"
    )
    body += _table(
        inv.findings.targets,
        [
            "rank",
            "name",
            "ecosystem",
            "score",
            "reasons",
            "tracebacks",
            "traceback_ids",
        ],
        ("traceback_ids",),
        links={"ecosystem": _bundle_link(inv)},
        cut=(cutter, "targets"),
    )
    return _section("targets", body)


def _campaigns(inv: Investigation, cutter: TableCutter) -> str:
    section = getattr(inv, "campaigns", None)
    if section is None:
        note = "No report file was given (<code>--reports</code>); see docs/campaigns.md."
        return _section("campaigns", f"<p class='note'>{note}</p>")
    res = section.result
    table = res.campaigns.merge(section.carriers, on=["campaign_id", "reports"], how="left")
    table["representative_transcript"] = table["representative_transcript"].str.slice(0, 160)
    body = _kpis(
        [
            ("campaigns", len(res.campaigns)),
            ("reports assigned", len(res.members)),
            ("tracebacks linked", int(section.links["traceback_id"].nunique())),
            ("events", len(res.events)),
        ]
    )
    body += "<h3>Campaigns, with the gateways and ecosystems that carry their tracebacks</h3>"
    body += _table(
        table,
        [
            "campaign_id",
            "reports",
            "first_seen",
            "last_seen",
            "representative_transcript",
            "callback_numbers",
            "tracebacks",
            "gateways",
            "ecosystems",
        ],
        cut=(cutter, "campaigns"),
    )
    ev = res.events[res.events["kind"] != "change_point"]
    body += "<h3>Events (surges, new campaigns, stops, declines, displacements)</h3>"
    body += _table(
        ev,
        ["time", "kind", "campaign_id", "magnitude", "baseline", "details", "traceback_ids"],
        ("traceback_ids",),
        cut=(cutter, "events"),
    )
    body += (
        f"<p class='note'>Trend chart of each campaign: {_esc(section.folder / 'figures')}; "
        "tables: campaigns.csv, campaign_members.csv, campaign_events.csv, "
        "campaign_carriers.csv, campaign_tracebacks.csv.</p>"
    )
    return _section("campaigns", body)


def _method(inv: Investigation) -> str:
    eco = inv.analysis.settings.get("ecosystems", {})
    record = {
        "ecosystems": eco,
        "findings": inv.findings.parameters,
        "inputs": inv.analysis.settings.get("inputs", []),
        "evidence_formats": list(inv.options.formats),
        "neo4j": inv.neo4j,
    }
    body = (
        f"<p>Ecosystems: <b>{_esc(eco.get('method'))}</b> ({_esc(eco.get('objective'))}, "
        f"resolution {_esc(eco.get('resolution'))}), consensus of {_esc(eco.get('runs'))} "
        f"seeded runs, master seed <b>{_esc(eco.get('seed'))}</b>. The same inputs and seed give "
        "the same ecosystems, findings and diagrams.</p>"
    )
    body += f"<pre>{html.escape(json.dumps(record, indent=2, sort_keys=True, default=str))}</pre>"
    if inv.warnings:
        body += (
            "<h3>Warnings</h3><ul>"
            + "".join(f"<li>{html.escape(w)}</li>" for w in inv.warnings)
            + "</ul>"
        )
    return _section("method", body)


def _outputs(inv: Investigation) -> str:
    items = sorted(
        [(k, v.relative_to(inv.out_dir)) for k, v in inv.files.items() if k != "report"]
        + [("evidence", b.relative_to(inv.out_dir)) for b in inv.bundles],
        key=lambda kv: str(kv[1]),
    )
    rows = "".join(
        f"<tr><td>{html.escape(k)}</td><td><code>{html.escape(str(v))}</code></td></tr>"
        for k, v in items
    )
    return _section("outputs", f"<table><tbody>{rows}</tbody></table>")


def render_report(inv: Investigation, *, max_rows: int | None = None) -> str:
    """Return the report of ``inv`` as one self-contained HTML document (plotly.js inline).

    ``max_rows`` bounds each interactive table (0: every row); default
    ``inv.options.report_rows``. A cut table keeps its first rows in its own order and links to
    the output file holding all of them.

    Raises
    ------
    ConfigError
        When ``max_rows`` is negative.
    """
    limit = check_report_rows(inv.options.report_rows if max_rows is None else max_rows)
    files = dict(inv.files)
    campaigns = getattr(inv, "campaigns", None)
    if campaigns is not None:
        files["campaign_events"] = campaigns.folder / OUTPUT_FILES["events"]
    cutter = TableCutter(inv.out_dir, files, limit)
    case = inv.options.case_label or "(no case label)"
    nav = "".join(f"<a href='#{k}'>{html.escape(v)}</a>" for k, v in SECTIONS.items())
    sections = [
        _summary(inv, cutter),
        _data_quality(inv),
        _ecosystems(inv, cutter),
        _repeat(inv, cutter),
        _noncooperative(inv, cutter),
        _rmd(inv, cutter),
        _targets(inv, cutter),
        _campaigns(inv, cutter),
        _method(inv),
        _outputs(inv),
    ]
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>graphengine investigation report: {html.escape(case)}</title>"
        f"<style>{_CSS}{asset('tables.css')}</style>"
        f"<script type='text/javascript'>{get_plotlyjs()}</script></head><body>"
        f"<header><h1>Investigation report: {html.escape(case)}</h1>"
        f"<p>Generated {html.escape(inv.generated_utc)} by graphengine {html.escape(__version__)}"
        "</p></header>"
        f"<nav>{nav}</nav><main>{''.join(sections)}</main>"
        f"<script type='text/javascript'>{asset('tables.js')}</script></body></html>\n"
    )


def write_report(inv: Investigation, path: str | Path, *, max_rows: int | None = None) -> Path:
    """Write :func:`render_report` (``max_rows`` as there) to ``path`` (UTF-8); return the path."""
    target = Path(path)
    target.write_text(render_report(inv, max_rows=max_rows), encoding="utf-8")
    return target
