"""Campaign identification on real robocall transcripts, and on generated reports.

Real data: ``../shared/data/robocall_transcripts/transcripts.csv`` (579 public FTC/FCC
transcripts; see its README). Every transcript becomes one report (call times are spread one minute
apart: the set has no dates, and identification does not use time). Measures:

* **Purity by theme** of every campaign with 3 reports or more: the share of its reports in its
  most common theme. The theme of a transcript is the ITG label in its file name where there is one
  (``..._Robocall__Amazon-SuspiciousCharge_...`` -> ``amazon``), else the first matching rule of
  :data:`THEMES`, keyword rules written by reading the transcripts (checked by hand against the
  label-bearing ones). Two different campaigns may share a theme (two SSA scripts); purity asks
  only that no campaign mixes themes.
* **Fragments**: transcripts that start mid-sentence (first letter lower-case, or first word a
  continuation) and that belong to a campaign holding at least one complete transcript (starting
  with a capital letter) of the same theme.
* **Chinese parcel scripts**: the transcripts of the "last notice, undelivered parcel" script
  (Chinese, English or both): how many campaigns they fall in.

Generated data (``--generated``): ARI, surge F1, delay and false alarms on a seeded stream.

Generated tracebacks + reports (``--dataset DIR``, from ``graphengine generate --reports N``): the
same scores plus displacements found, with the tracebacks linked to the reports.

Usage: .venv/bin/python benchmarks/quality_campaigns.py [--transcripts PATH]
       [--generated DAYS PER_DAY] [--dataset DIR]
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import pandas as pd

from graphengine.campaigns import detect_campaigns
from graphengine.campaigns.evaluation import campaign_ari, campaign_mapping, score_events

_REPO = Path(__file__).resolve().parents[1]
_REL = Path("shared") / "data" / "robocall_transcripts" / "transcripts.csv"
# ../shared beside the repository (a clone in /work/main), or two levels up (a worktree).
DEFAULT = next(
    (p / _REL for p in (_REPO.parent, _REPO.parent.parent) if (p / _REL).is_file()),
    _REPO.parent / _REL,
)

#: (theme, pattern) in order; the first match wins. File-name labels map through LABEL_THEMES.
THEMES: tuple[tuple[str, str], ...] = (
    (
        "chinese_parcel",
        r"快递|快件|包裹|sedex|sydex|cybex|express.{0,40}(notice|inform)|parcel.{0,60}(delivered|signed)",
    ),
    ("chinese_other", r"[\u4e00-\u9fff]"),
    # Script phrases recognised while reviewing (a fragment often lacks its theme's keyword; the
    # ITG labels the "legal enforcement action on your SSN" script SSA and the "COVID-19 relief
    # payment" script debt relief). Counted apart in the output ("theme_sources").
    (
        "ssa",
        r"legal enforcement actions? (is |are )?files?d?|border of texas|about this case|in order go ahead",
    ),
    ("legal", r"leave your work aside|take necessary action"),
    ("tax_debt", r"covid-19 (relief|release) payment"),
    ("travel", r"to be placed on the do not call list"),
    ("amazon", r"cancel your order"),
    ("apple", r"315-?232-?8257"),
    # Keywords.
    ("ssa", r"social security|social insurance|\bssn\b|security administration"),
    ("amazon", r"amazon"),
    ("apple", r"apple|icloud"),
    ("auto_warranty", r"warrant(y|ies)|vehicle"),
    ("student_loan", r"student loan|student support|processing (center|department)"),
    ("medicare", r"medicare|brace|health insurance|health plan"),
    (
        "credit_card",
        r"interest rate|credit card|card ?member|rate (reduction|expiration)|visa|mastercard",
    ),
    ("tax_debt", r"\btax|\birs\b|debt relief"),
    (
        "utility",
        r"electric|disconnect|disjoin|interruption|billing department|utility|power (company|bill)",
    ),
    ("customs", r"customs|border protection|seized"),
    ("legal", r"warrant|court|legal action|lawsuit|federal agent|arrest|magistrate"),
    ("bank", r"bank|wells fargo|chase|fraud department|transaction"),
    ("travel", r"hotel|marriott|resort|cruise|vacation"),
    ("tv_discount", r"spectrum|direc ?tv|direct tv|dish|cable|internet|qualified for 50"),
    ("payment_app", r"cash ?app|paypal|venmo|zelle"),
    ("tech_support", r"computer|windows|microsoft|hijack|virus"),
)
_PHRASES = (2, 8)  # the script-phrase rules of THEMES
LABEL_THEMES = {
    "amazon": "amazon",
    "ssa": "ssa",
    "studentloan": "student_loan",
    "medicare": "medicare",
    "creditcard": "credit_card",
    "ccirr": "credit_card",
    "cbp": "customs",
    "debtrelief": "tax_debt",
    "taxreduction": "tax_debt",
    "utility": "utility",
    "chinese": "chinese_parcel",
    "paypal": "payment_app",
    "cashapp": "payment_app",
    "legal": "legal",
    "discount": "tv_discount",
    "computer": "tech_support",
    "isp": "tv_discount",
}
_LABEL = re.compile(r"Robocall__([A-Za-z]+)")
_CONTINUATION = re.compile(r"^(and|or|to|of|the|your|for|with|in|on|that|is|a)\b", re.IGNORECASE)


def theme(file_name: str, text: str) -> tuple[str, str]:
    """The theme of one transcript and where it came from: ``label``, ``phrase`` or ``keyword``."""
    m = _LABEL.search(file_name or "")
    if m and m.group(1).lower() in LABEL_THEMES:
        return LABEL_THEMES[m.group(1).lower()], "label"
    low = (text or "").lower()
    for k, (name, pattern) in enumerate(THEMES):
        if re.search(pattern, low):
            return name, ("phrase" if _PHRASES[0] <= k < _PHRASES[1] else "keyword")
    return "other", "none"


def is_fragment(text: str) -> bool:
    """Starts mid-sentence: lower-case first letter, or a continuation word."""
    t = (text or "").strip()
    return bool(t) and (t[0].islower() or bool(_CONTINUATION.match(t)))


def real(path: Path) -> dict[str, object]:
    data = pd.read_csv(path, dtype=str, keep_default_na=False)
    reports = pd.DataFrame(
        {
            "report_id": [f"T{i:04d}" for i in range(len(data))],
            "call_time": pd.date_range("2023-01-02", periods=len(data), freq="min", tz="UTC"),
            "transcript": data["transcript"],
        }
    )
    themes = [theme(f, t) for f, t in zip(data["file_name"], data["transcript"], strict=True)]
    reports["theme"] = [t for t, _ in themes]
    reports["theme_source"] = [src for _, src in themes]
    result = detect_campaigns(reports)
    members = result.members.merge(reports, on="report_id")
    sizes = members["campaign_id"].value_counts()
    rows = []
    for cid, n in sizes.items():
        g = members[members["campaign_id"] == cid]
        top = g["theme"].value_counts()
        rows.append((cid, int(n), top.index[0], float(top.iloc[0] / n), dict(top)))
    big = [r for r in rows if r[1] >= 3]
    impure = [r for r in big if r[3] < 1.0]
    frag = members[members["transcript"].map(is_fragment)]
    joined = 0
    for cid, g in frag.groupby("campaign_id"):
        full = members[(members["campaign_id"] == cid) & ~members["transcript"].map(is_fragment)]
        joined += int(g["theme"].isin(set(full["theme"])).sum())
    fragments_total = int(reports["transcript"].map(is_fragment).sum())
    parcel = reports[reports["theme"] == "chinese_parcel"]
    parcel_campaigns = members[members["report_id"].isin(parcel["report_id"])][
        "campaign_id"
    ].value_counts()
    return {
        "transcripts": len(reports),
        "assigned": len(members),
        "campaigns": len(sizes),
        "campaigns_3_or_more": len(big),
        "reports_in_campaigns_3_or_more": int(sum(r[1] for r in big)),
        "pure_campaigns_3_or_more": len(big) - len(impure),
        "min_purity": min((r[3] for r in big), default=1.0),
        "impure": [{"campaign": r[0], "size": r[1], "themes": r[4]} for r in impure],
        "fragments": fragments_total,
        "fragments_joined_to_full_script_of_theme": joined,
        "chinese_parcel_transcripts": len(parcel),
        "chinese_parcel_assigned": int(parcel_campaigns.sum()),
        "chinese_parcel_campaigns": dict(parcel_campaigns),
        "themes": dict(reports["theme"].value_counts()),
        "theme_sources": dict(reports["theme_source"].value_counts()),
        "theme_sources_of_assigned": dict(members["theme_source"].value_counts()),
    }


def generated(days: int, per_day: int, seed: int) -> dict[str, object]:
    from graphengine.synthetic.reports import generate_reports

    frame, truth = generate_reports(seed, days=days, reports_per_day=per_day)
    result = detect_campaigns(frame)
    members = dict(zip(result.members["report_id"], result.members["campaign_id"], strict=True))
    scores = score_events(result.events, campaign_mapping(members, truth), truth)
    return {"reports": len(frame), "ari": campaign_ari(frame, members, truth), **scores}


def dataset(folder: Path) -> dict[str, object]:
    """Detect on ``graphengine generate --reports`` output (reports + hops) and score it."""
    import loaders
    from graphengine.campaigns.evaluation import score_generated
    from graphengine.campaigns.io import read_reports
    from graphengine.campaigns.links import link_tracebacks

    reports, _ = read_reports([folder / "reports.csv"])
    links = link_tracebacks(reports, loaders.load_inputs([folder / "hops.csv"]).hops)
    result = detect_campaigns(reports, tracebacks=links)
    disp = result.events[result.events["kind"] == "displacement"]
    return {
        "reports": len(reports),
        "linked_tracebacks": len(links),
        **score_generated(folder, reports, result),
        "displacement_events": disp[["campaign_id", "time", "details"]].to_dict("records"),
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--transcripts", type=Path, default=DEFAULT)
    ap.add_argument("--generated", nargs=2, type=int, metavar=("DAYS", "PER_DAY"))
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--dataset", type=Path, help="a `graphengine generate --reports N` folder")
    args = ap.parse_args()
    if args.dataset:
        out = dataset(args.dataset)
    elif args.generated:
        out = generated(args.generated[0], args.generated[1], args.seed)
    else:
        out = real(args.transcripts)
    print(json.dumps(out, indent=1, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
