"""``load_inputs``: files in, canonical frames out, bad rows quarantined.

The steps, all column-wise: read each file (:mod:`loaders.readers`), rename columns and tell the
shape (:mod:`loaders.shapes`), check rows (:mod:`loaders.validate`), resolve provider identity
(:mod:`loaders.identity`), drop duplicates, apply the traceback rules (duplicate hop, gap, lost
row), then map responses, read phone numbers, derive roles (:mod:`loaders.roles`) and build the
hop and provider frames.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from graphengine import schema
from graphengine.csvsafe import write_csv_safely
from graphengine.errors import InputFileError
from graphengine.progress import bar
from loaders.distinct import map_unique
from loaders.identity import (
    Identity,
    build_identity,
    has_name_characters,
    normalise_name,
    read_aliases,
)
from loaders.mapping import ColumnMapping, categorise, load_mapping, names_foreign_upstream
from loaders.phones import to_e164
from loaders.readers import RawTable, read_table
from loaders.registry import stage_registry
from loaders.roles import derive_roles, normalise_countries
from loaders.shapes import (
    HOP_INPUT_COLUMNS,
    canonical_frame,
    detect_shape,
    stage_hops,
    stage_paths,
    time_headers,
)
from loaders.timezones import check_zone, header_zone, zoneless_error
from loaders.validate import add_flag, check_chains, check_rows

__all__ = [
    "LoadResult",
    "load_inputs",
    "write_quarantine",
    "REJECT_COLUMNS",
    "MERGE_COLUMNS",
    "STATS_COLUMNS",
]

REJECT_COLUMNS: tuple[str, ...] = ("file", "line", "column", "reason", "raw")
MERGE_COLUMNS: tuple[str, ...] = ("raw_name", "provider_key", "rule")
STATS_COLUMNS: tuple[str, ...] = (
    "file",
    "sha256",
    "shape",
    "read",
    "loaded",
    "rejected",
    "duplicates",
    "hops",
)
_SURROGATE = re.compile("[\udc80-\udcff]")


@dataclass
class LoadResult:
    """Everything one load produced.

    Attributes
    ----------
    hops
        Canonical hop frame (:data:`graphengine.schema.HOP_COLUMNS`), sorted by traceback and hop,
        with ``source_file`` / ``source_line`` / ``source_sha256`` filled.
    providers
        Canonical provider frame (:data:`graphengine.schema.PROVIDER_COLUMNS`): the registry plus
        every provider seen in the hops (as provider or as named upstream).
    rejects
        Quarantine: ``file, line, column, reason, raw`` (raw = the row as JSON, file's own columns).
    merges
        ``raw_name, provider_key, rule``: raw names that share a key, and why.
    stats
        One row per file: ``file, sha256, shape, read, loaded, rejected, duplicates, hops``
        (``read = loaded + rejected + duplicates``, counted in input rows).
    notes
        What the load decided on its own and the user should know (a zone read from a column
        header, a 1-based file detected); the CLIs print them on stderr.
    """

    hops: pd.DataFrame
    providers: pd.DataFrame
    rejects: pd.DataFrame
    merges: pd.DataFrame
    stats: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def write_quarantine(rejects: pd.DataFrame, path: str | Path) -> Path:
    """Write the quarantine frame as CSV (formula-safe, see :mod:`graphengine.csvsafe`); return the path."""
    return write_csv_safely(rejects[list(REJECT_COLUMNS)], path)


def _as_paths(paths: str | Path | Iterable[str | Path]) -> list[Path]:
    if isinstance(paths, str | Path):
        return [Path(paths)]
    return [Path(p) for p in paths]


def load_inputs(
    paths: str | Path | Iterable[str | Path],
    *,
    providers: str | Path | None = None,
    mapping: str | Path | ColumnMapping | None = None,
    aliases: str | Path | None = None,
    timezone: str | None = None,
) -> LoadResult:
    """Load hop tables, path tables and RMD exports into canonical frames.

    Parameters
    ----------
    paths
        Input files (CSV, JSON Lines or XLSX): hop tables, path tables, or RMD exports (told
        apart by their columns).
    providers
        An RMD export to use as the provider registry.
    mapping
        A mapping YAML file (column renames, response vocabulary) or a :class:`ColumnMapping`.
    aliases
        An alias CSV (``alias,canonical``) for provider identity.
    timezone
        Zone of call times that carry none (IANA name or ``UTC``; ``--timezone``); overrides
        the mapping file's ``timezone:`` and a zone named in a column header.

    Returns
    -------
    LoadResult
        Bad rows are in ``rejects`` and never stop good rows.

    Raises
    ------
    InputFileError
        When a whole file cannot be read (missing, wrong format, missing required column), its
        call times carry no zone and none was given, an RMD export has no valid row, or the
        mapping or alias file is invalid.
    ConfigError
        When ``timezone`` is not a known zone.

    Examples
    --------
    >>> result = load_inputs(["tests/data/hops_clean.csv"])  # doctest: +SKIP
    >>> result.stats[["read", "loaded", "rejected"]]  # doctest: +SKIP
    """
    cmap = mapping if isinstance(mapping, ColumnMapping) else load_mapping(mapping)
    zone_option = check_zone(timezone, where="--timezone") if timezone else None
    notes: list[str] = []
    alias_frame = read_aliases(aliases)
    files = _as_paths(paths)
    if providers is not None:
        files.append(Path(providers))
    tables: list[RawTable] = []
    shapes: list[str] = []
    hop_parts: list[pd.DataFrame] = []
    reg_parts: list[pd.DataFrame] = []
    # a step bar on stderr (hidden unless stderr is a terminal): a 1M-hop load takes seconds
    steps = bar(total=len(files) + 3, desc="loading inputs", unit="step")
    try:
        for index, path in enumerate(files):
            steps.set_postfix_str(Path(path).name, refresh=False)
            table = read_table(path)
            frame = canonical_frame(table, cmap)
            shape = detect_shape(table, frame)
            if providers is not None and index == len(files) - 1 and shape != "registry":
                raise InputFileError(
                    f"{path}: is not an RMD export (needs columns frn, business_name)"
                )
            tables.append(table)
            shapes.append(shape)
            if shape in ("hops", "paths"):
                zone = _file_zone(table, cmap, zone_option, notes)
            if shape == "hops":
                staged_part = stage_hops(table, frame, index, cmap.first_hop, zone)
                if cmap.first_hop is None and len(staged_part) and staged_part["_hop_base"].iloc[0]:
                    notes.append(
                        f"{path}: hops read as numbered from 1 (every traceback starts at hop 1, "
                        "none at 0); reports print the file's own numbers. Set first_hop in the "
                        "mapping file to override"
                    )
                hop_parts.append(staged_part)
            elif shape == "paths":
                hop_parts.append(stage_paths(table, frame, index, zone))
            else:
                reg_parts.append(stage_registry(table, frame, index))
            steps.update(1)
    except BaseException:
        steps.close()  # an unreadable file ends the load: do not leave the bar behind
        raise
    names = [str(t.path) for t in tables]
    steps.set_postfix_str("checking rows", refresh=False)

    staged = pd.concat(hop_parts, ignore_index=True) if hop_parts else _empty_staged()
    rows = check_rows(staged)
    _raise_zoneless(rows, names, tables)
    registry = pd.concat(reg_parts, ignore_index=True) if reg_parts else None
    registry, reg_dup = _dedupe_registry(registry)
    have_rmd = _check_registry(registry, reg_dup, names)

    good = rows["_reason"].isna()
    seen_names = pd.concat(
        [rows.loc[good, "provider"], rows.loc[good, "upstream_provider"]]
    ).dropna()
    reg_ok = (
        registry[registry["_reason"].isna() & ~reg_dup].reset_index(drop=True)
        if registry is not None
        else None
    )
    steps.update(1)
    steps.set_postfix_str("provider identity and tracebacks", refresh=False)
    ident = build_identity(seen_names.unique().tolist(), registry=reg_ok, aliases=alias_frame)
    rows["provider_key"] = ident.resolve(rows["provider"])

    # exact duplicates (same traceback, hop and provider) are dropped, not rejected
    dup = good & rows.duplicated(["traceback_id", "_hop", "provider_key"], keep="first") & good
    dup = dup & rows[["traceback_id", "provider_key"]].notna().all(axis=1)
    rows["_dup"] = dup.to_numpy()
    checked = check_chains(rows[~rows["_dup"]], names)
    rows.loc[checked.index, "_reason"] = checked["_reason"]
    rows.loc[checked.index, "_reason_column"] = checked["_reason_column"]

    steps.update(1)
    steps.set_postfix_str("building frames", refresh=False)
    loaded = rows[rows["_reason"].isna() & ~rows["_dup"]]
    known = _registry_countries(reg_ok, ident)
    raw_hops = _build_hops(loaded, ident, cmap, tables, known)  # object columns: fast to scan
    provider_frame = _build_providers(raw_hops, reg_ok, ident, have_registry=have_rmd)
    merges = _merges(ident, raw_hops, reg_ok)
    hops = raw_hops.astype({**schema.HOP_COLUMNS, **schema.OPTIONAL_HOP_COLUMNS})
    rejects = _rejects(rows, registry, tables, names)
    stats = _stats(tables, shapes, names, rows, registry, reg_dup, hops)
    schema.check_hops(hops)
    schema.check_providers(provider_frame)
    steps.update(1)
    steps.close()
    return LoadResult(hops, provider_frame, rejects, merges, stats, notes)


def _file_zone(
    table: RawTable, cmap: ColumnMapping, option: str | None, notes: list[str]
) -> str | None:
    """The zone for call times of ``table`` that carry none: option, mapping, then header."""
    if option or cmap.timezone:
        return option or cmap.timezone
    headers = time_headers(table, cmap)
    zone = header_zone(headers)
    if zone is not None:
        notes.append(
            f"{table.path}: call times without a zone read as {zone}, named by the column header "
            f"{headers[0]!r}; pass --timezone to override"
        )
    return zone


def _raise_zoneless(rows: pd.DataFrame, names: list[str], tables: list[RawTable]) -> None:
    """Raise for the first file whose readable call times carry no zone and got none."""
    bad = rows[rows["_zoneless"].to_numpy(dtype=bool)]
    if bad.empty:
        return
    first = bad.sort_values(["_file", "_line"], kind="stable").iloc[0]
    raise InputFileError(
        zoneless_error(names[int(first["_file"])], int(first["_line"]), str(first["call_time"]))
    )


def _check_registry(registry: pd.DataFrame | None, reg_dup: pd.Series, names: list[str]) -> bool:
    """Return True when at least one valid RMD row loaded (RMD checks then run).

    Raises
    ------
    InputFileError
        When a file with RMD columns has rows but none of them is valid: such a registry would
        make every provider look unlisted.
    """
    if registry is None or registry.empty:
        return False
    rmd = registry["_rmd"].to_numpy(dtype=bool)
    valid = registry["_reason"].isna().to_numpy() & rmd
    for f in pd.unique(registry.loc[rmd, "_file"]):
        mine = registry["_file"].to_numpy() == f
        if not (valid & mine).any():
            first = registry[mine & rmd].iloc[0]
            raise InputFileError(
                f"{names[int(f)]}: no row of the RMD registry could be read (line "
                f"{int(first['_line'])}: {first['_reason']}); fix the file, or give a provider "
                "list without RMD columns (provider,country)"
            )
    return bool(valid.any())


def _registry_countries(registry: pd.DataFrame | None, ident: Identity) -> dict[str, str]:
    """Provider key -> country (ISO alpha-2) from the registry or provider list."""
    if registry is None or registry.empty:
        return {}
    country, _ = normalise_countries(registry["country"].fillna("").to_numpy(dtype=object))
    out: dict[str, str] = {}
    for pos, value in enumerate(country):
        key = ident.registry_keys.get(pos)
        if key is not None and isinstance(value, str):
            out.setdefault(key, value)
    return out


def _empty_staged() -> pd.DataFrame:
    data: dict[str, pd.Series] = {c: pd.Series(dtype=object) for c in HOP_INPUT_COLUMNS}
    for c in ("_file", "_row", "_line"):
        data[c] = pd.Series(dtype="int64")
    for c in ("_err_column", "_err_reason"):
        data[c] = pd.Series(dtype=object)
    data["_upstream_given"] = pd.Series(dtype=bool)
    data["_hop_base"] = pd.Series(dtype="int64")
    return pd.DataFrame(data)


def _dedupe_registry(registry: pd.DataFrame | None) -> tuple[pd.DataFrame | None, pd.Series]:
    if registry is None:
        return None, pd.Series(dtype=bool)
    ok = registry["_reason"].isna()
    name_key = registry["name"].astype("string").str.casefold().str.split().str.join(" ")
    keyed = pd.DataFrame({"frn": registry["frn"], "name": name_key})
    dup = ok & keyed.duplicated(keep="first") & keyed.notna().all(axis=1)
    # rows rejected earlier do not make a later good copy a duplicate
    dup &= ok
    return registry, dup


# --------------------------------------------------------------------------- hop frame


def _is_none(values: np.ndarray) -> np.ndarray:
    return np.asarray(pd.isna(values), dtype=bool)


def _build_hops(
    loaded: pd.DataFrame,
    ident: Identity,
    cmap: ColumnMapping,
    tables: list[RawTable],
    known_country: dict[str, str] | None = None,
) -> pd.DataFrame:
    frame = loaded.sort_values(
        ["traceback_id", "_hop", "_file", "_line"], kind="stable"
    ).reset_index(drop=True)
    n = len(frame)
    tb = frame["traceback_id"].to_numpy(dtype=object)
    flags = frame["_flags"].astype(object)

    # files without an upstream column: the next hop's provider is the upstream that was named
    provider = frame["provider"].to_numpy(dtype=object)
    upstream = frame["upstream_provider"].to_numpy(dtype=object).copy()
    same_next = np.r_[tb[1:] == tb[:-1], False] if n else np.zeros(0, dtype=bool)
    fill = ~frame["_upstream_given"].to_numpy(dtype=bool) & _is_none(upstream) & same_next
    if fill.any():
        upstream[fill] = np.r_[provider[1:], [None]][fill]
    no_name = ~_is_none(upstream) & ~map_unique(upstream, has_name_characters, dtype=bool)
    flags = add_flag(flags, no_name, "upstream_has_no_name")
    upstream[no_name] = None

    response = frame["response"].to_numpy(dtype=object)
    category = categorise(response, cmap)
    # "Upstream identified - foreign carrier": this hop answered (responded) and named a foreign
    # upstream; the upstream is the foreign provider and this hop the U.S. point of entry
    names_foreign = names_foreign_upstream(response, cmap)
    category[names_foreign] = "responded"
    flags = add_flag(flags, ~_is_none(response) & _is_none(category), "unmapped_response")
    calling_e164, calling_bad = to_e164(frame["calling_number"])
    called_e164, called_bad = to_e164(frame["called_number"])
    flags = add_flag(flags, calling_bad, "unreadable_calling_number")
    flags = add_flag(flags, called_bad, "unreadable_called_number")
    if ident.ambiguous:
        flags = add_flag(
            flags, frame["provider"].isin(ident.ambiguous).to_numpy(), "ambiguous_provider"
        )

    upstream_key = ident.resolve(upstream)
    provider_key = frame["provider_key"].to_numpy(dtype=object)
    # a country missing from the hop comes from the provider list / registry (by key); a
    # provider named as a foreign upstream anywhere is foreign wherever no country says otherwise
    country_raw = frame["provider_country"].to_numpy(dtype=object).copy()
    no_country = _is_none(country_raw)
    if known_country:
        lookup = pd.Series(known_country, dtype=object)
        filled = lookup.reindex(provider_key).to_numpy(dtype=object)
        country_raw[no_country] = filled[no_country]
        no_country = _is_none(country_raw)
    foreign_keys = set(pd.unique(upstream_key[names_foreign & ~_is_none(upstream_key)]))
    marked = no_country & np.isin(provider_key, list(foreign_keys))
    basis = pd.DataFrame(
        {
            "traceback_id": tb,
            "hop": frame["_hop"].to_numpy(),
            "role": frame["role"].to_numpy(dtype=object),
            "provider_country": country_raw,
            "customer": frame["customer"].to_numpy(dtype=object),
            "upstream_provider": upstream,
            "response_category": category,
            "foreign_marked": marked,
            "names_foreign_upstream": names_foreign,
        }
    )
    role, country, unknown_role, bad_country = derive_roles(basis)
    flags = add_flag(flags, unknown_role, "unknown_role")
    flags = add_flag(flags, bad_country, "unreadable_country")
    # the upstream a hop named should be the provider of the next hop; say so when it is not
    next_key = np.r_[provider_key[1:], [None]] if n else provider_key
    named = ~_is_none(upstream_key)
    mismatch = same_next & named & (upstream_key != next_key)
    flags = add_flag(flags, mismatch, "upstream_mismatch")

    customers = frame["customer"].to_numpy(dtype=object)
    sha = np.array([t.sha256 for t in tables], dtype=object)
    files = np.array([str(t.path) for t in tables], dtype=object)
    file_idx = frame["_file"].to_numpy(dtype=np.int64)
    out = pd.DataFrame(
        {
            "traceback_id": tb,
            "hop": frame["_hop"].to_numpy(dtype=np.int64),
            "provider": provider,
            "provider_key": provider_key,
            "upstream_provider": upstream,
            "upstream_key": upstream_key,
            "role": role,
            "response": response,
            "response_category": category,
            "call_time": frame["_time"].array,
            "campaign": frame["campaign"].to_numpy(dtype=object),
            "calling_number": frame["calling_number"].to_numpy(dtype=object),
            "calling_number_e164": calling_e164,
            "called_number": frame["called_number"].to_numpy(dtype=object),
            "called_number_e164": called_e164,
            "attestation": frame["_attestation"].to_numpy(dtype=object),
            "provider_country": country,
            "customer": customers,
            "customer_key": map_unique(customers, lambda c: normalise_name(c) if c else None),
            "flags": flags.to_numpy(dtype=object),
            "source_file": files[file_idx] if n else np.empty(0, dtype=object),
            "source_line": frame["_line"].to_numpy(dtype=np.int64),
            "source_sha256": sha[file_idx] if n else np.empty(0, dtype=object),
            "source_hop": frame["_source_hop"].to_numpy(dtype=np.int64),
        }
    )
    return out


# --------------------------------------------------------------------------- provider frame


def _build_providers(
    hops: pd.DataFrame, registry: pd.DataFrame | None, ident: Identity, *, have_registry: bool
) -> pd.DataFrame:
    """One row per key: the registry's rows plus every provider seen in ``hops``."""
    pairs = pd.concat(
        [
            pd.DataFrame(
                {
                    "key": hops["provider_key"].to_numpy(dtype=object),
                    "raw": hops["provider"].to_numpy(dtype=object),
                }
            ),
            pd.DataFrame(
                {
                    "key": hops["upstream_key"].to_numpy(dtype=object),
                    "raw": hops["upstream_provider"].to_numpy(dtype=object),
                }
            ),
        ],
        ignore_index=True,
    ).dropna()
    counts = pairs.groupby(["key", "raw"], sort=False).size().rename("n").reset_index()
    # display name: the most frequent printed name, ties broken alphabetically (deterministic)
    counts = counts.sort_values(["key", "n", "raw"], ascending=[True, False, True], kind="stable")
    names = counts.drop_duplicates("key").set_index("key")["raw"]
    country_pairs = pd.DataFrame(
        {
            "key": hops["provider_key"].to_numpy(dtype=object),
            "c": hops["provider_country"].to_numpy(dtype=object),
        }
    ).dropna()
    c_counts = country_pairs.groupby(["key", "c"], sort=False).size().rename("n").reset_index()
    c_counts = c_counts.sort_values(["key", "n", "c"], ascending=[True, False, True], kind="stable")
    countries = c_counts.drop_duplicates("key").set_index("key")["c"]
    raw_sets: dict[str, set[str]] = {}
    for key, raw in zip(counts["key"], counts["raw"], strict=True):
        raw_sets.setdefault(str(key), set()).add(str(raw))
    rows: dict[str, dict[str, object]] = {}
    for key, name in names.items():
        rows[str(key)] = {
            "provider_key": key,
            "name": name,
            "country": countries.get(key, None),
            "in_rmd": False if have_registry else None,
        }
    if registry is not None and len(registry):
        is_rmd = registry["_rmd"].to_numpy(dtype=bool)
        for pos, rec in enumerate(registry.itertuples(index=False)):
            key = ident.registry_keys.get(pos)
            if key is None:
                continue
            row = rows.setdefault(key, {"provider_key": key, "country": None})
            raw_sets.setdefault(key, set()).add(str(rec.name))
            if not is_rmd[pos]:
                # a provider list (provider,country): attributes only, no RMD status
                row.setdefault("name", rec.name)
                row.setdefault("in_rmd", False if have_registry else None)
                if row.get("country") is None and isinstance(rec.country, str):
                    row["country"] = normalise_countries(np.array([rec.country], dtype=object))[0][
                        0
                    ]
                continue
            if row.get("in_rmd") is True:
                # another filing of the same key: the first filing's fields stay; the key counts
                # as removed only when every filing was removed (then the latest date)
                before: Any = row["rmd_removed_on"]
                now: Any = rec.removed_on
                row["rmd_removed_on"] = (
                    pd.NaT if pd.isna(now) or pd.isna(before) else max(before, now)
                )
                continue
            row.update(
                {
                    "name": rec.name,
                    "frn": rec.frn,
                    "in_rmd": True,
                    "rmd_implementation": rec.implementation,
                    "gateway_provider_choice": rec.gateway_provider_choice,
                    "intermediate_provider_choice": rec.intermediate_provider_choice,
                    "rmd_removed_on": rec.removed_on,
                }
            )
            if row.get("country") is None and isinstance(rec.country, str):
                row["country"] = normalise_countries(np.array([rec.country], dtype=object))[0][0]
    for key, row in rows.items():
        row["aliases"] = ";".join(sorted(raw_sets.get(key, set())))
    if not rows:
        return schema.empty_providers()
    frame = pd.DataFrame(list(rows.values()), columns=list(schema.PROVIDER_COLUMNS))
    frame["rmd_removed_on"] = pd.to_datetime(frame["rmd_removed_on"], utc=True)
    frame["in_rmd"] = frame["in_rmd"].astype("boolean")
    frame = frame.astype(dict(schema.PROVIDER_COLUMNS))
    return frame.sort_values("provider_key", kind="stable").reset_index(drop=True)


def _merges(ident: Identity, hops: pd.DataFrame, registry: pd.DataFrame | None) -> pd.DataFrame:
    merges = ident.merges()
    used = set(pd.unique(hops["provider"].dropna())) | set(
        pd.unique(hops["upstream_provider"].dropna())
    )
    if registry is not None:
        used |= set(registry["name"].dropna())
    merges = merges[merges["raw_name"].isin(used) | (merges["rule"] == "frn_kept_apart")]
    # keep only keys that still group two or more names (or FRN separations)
    shared = merges.groupby("provider_key")["raw_name"].transform("size") > 1
    merges = merges[shared | (merges["rule"] == "frn_kept_apart")]
    return merges[list(MERGE_COLUMNS)].astype("string").reset_index(drop=True)


# --------------------------------------------------------------------------- quarantine and stats


def _raw_json(tables: list[RawTable], files: np.ndarray, rows: np.ndarray) -> list[str]:
    """The raw rows as JSON (the file's own column names, empty cells left out), in order."""
    out: list[str] = [""] * len(rows)
    for f in np.unique(files):
        where = np.flatnonzero(files == f)
        records = tables[int(f)].frame.iloc[rows[where]].to_dict("records")  # one batch per file
        for pos, record in zip(where, records, strict=True):
            kept = {str(k): v for k, v in record.items() if isinstance(v, str) and v != ""}
            out[pos] = _SURROGATE.sub("\ufffd", json.dumps(kept, ensure_ascii=False))
    return out


def _rejects(
    rows: pd.DataFrame, registry: pd.DataFrame | None, tables: list[RawTable], names: list[str]
) -> pd.DataFrame:
    records: list[tuple[int, int, str, str, str]] = []
    bad = rows[rows["_reason"].notna()]
    # a path-table row stages several hops: report its own problem before the traceback-level
    # consequence ("... is incomplete") that the other hops of the same row inherit
    own = bad["_reason"].astype(str).str.startswith("traceback ").to_numpy()
    bad = bad.assign(_own=~own).sort_values(
        ["_file", "_row", "_own"], ascending=[True, True, False], kind="stable"
    )
    bad = bad.drop_duplicates(["_file", "_row"], keep="first")
    parts = [bad]
    if registry is not None:
        parts.append(registry[registry["_reason"].notna()])
    for part in parts:
        files = part["_file"].to_numpy(dtype=np.int64)
        raws = _raw_json(tables, files, part["_row"].to_numpy(dtype=np.int64))
        for f, line, col, reason, raw in zip(
            files, part["_line"], part["_reason_column"], part["_reason"], raws, strict=True
        ):
            records.append((int(f), int(line), "" if pd.isna(col) else str(col), str(reason), raw))
    for f, table in enumerate(tables):
        for line, reason, raw in table.unreadable:
            records.append((f, int(line), "", reason, _SURROGATE.sub("\ufffd", raw)))
    records.sort(key=lambda rec: (rec[0], rec[1]))
    frame = pd.DataFrame(
        [(names[f], line, col, reason, raw) for f, line, col, reason, raw in records],
        columns=list(REJECT_COLUMNS),
    )
    return frame.astype(
        {"file": "string", "line": "int64", "column": "string", "reason": "string", "raw": "string"}
    )


def _stats(
    tables: list[RawTable],
    shapes: list[str],
    names: list[str],
    rows: pd.DataFrame,
    registry: pd.DataFrame | None,
    reg_dup: pd.Series,
    hops: pd.DataFrame,
) -> pd.DataFrame:
    out = []
    flags = pd.DataFrame(
        {
            "_file": rows["_file"],
            "_row": rows["_row"],
            "rejected": rows["_reason"].notna(),
            "dup": rows["_dup"].astype(bool),
        }
    )
    per_row = flags.groupby(["_file", "_row"]).agg(rejected=("rejected", "any"), dup=("dup", "all"))
    hop_counts = hops.groupby("source_file").size()
    for f, table in enumerate(tables):
        read = len(table.frame) + len(table.unreadable)
        if shapes[f] == "registry":
            assert registry is not None
            mine = registry["_file"] == f
            rejected = int(registry.loc[mine, "_reason"].notna().sum())
            duplicates = int(reg_dup[mine].sum())
            hop_n = 0
        else:
            mine_rows = (
                per_row.loc[f] if f in per_row.index.get_level_values(0) else per_row.iloc[0:0]
            )
            rejected = int(mine_rows["rejected"].sum())
            duplicates = int((mine_rows["dup"] & ~mine_rows["rejected"]).sum())
            hop_n = int(hop_counts.get(names[f], 0))
        rejected += len(table.unreadable)
        out.append(
            (
                names[f],
                table.sha256,
                shapes[f],
                read,
                read - rejected - duplicates,
                rejected,
                duplicates,
                hop_n,
            )
        )
    frame = pd.DataFrame(out, columns=list(STATS_COLUMNS))
    return frame.astype({"file": "string", "sha256": "string", "shape": "string"})
