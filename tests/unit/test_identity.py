"""Provider identity: normalisation, d/b/a, the alias file, and never merging across FRNs."""

from __future__ import annotations

import pandas as pd
import pytest

from graphengine.errors import InputFileError
from loaders.identity import build_identity, normalise_name, read_aliases, split_dba


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("ACME Telecom, L.L.C.", "acme telecom"),
        ("Acme Telecom LLC", "acme telecom"),
        ("acme   telecom, inc.", "acme telecom"),
        ("The Acme Telecom Company", "acme telecom"),
        ("AT&T Corp.", "att"),
        ("Smith & Jones Voice Ltd", "smith and jones voice"),
        ("Mumbai Global Voice (Pvt) Ltd", "mumbai global voice"),
        ("Andes Route S.A. de C.V.", "andes route"),
        ("Baltic Link GmbH", "baltic link"),
        ("Coral Carrier S.A.S.", "coral carrier"),
        ("thinQ Technologies, Inc.", "thinq technology"),
        ("ThinQ Technologies", "thinq technology"),
        ("Telcast Networks", "telcast network"),
        ("Lingo Telecom, LLC d/b/a BullsEyeComm", "lingo telecom"),
        ("LLC", "llc"),  # never normalised to nothing
    ],
)
def test_normalise_name(raw, key):
    assert normalise_name(raw) == key


@pytest.mark.parametrize(
    ("raw", "legal", "trades"),
    [
        ("Lingo Telecom, LLC d/b/a BullsEyeComm", "Lingo Telecom, LLC", ["BullsEyeComm"]),
        ("Lingo Telecom LLC DBA Impact Telecom", "Lingo Telecom LLC", ["Impact Telecom"]),
        ("Lingo Telecom d.b.a. Matrix", "Lingo Telecom", ["Matrix"]),
        ("Acme Voice (doing business as Acme Tel)", "Acme Voice", ["Acme Tel"]),
        ("Acme Voice a/k/a AV", "Acme Voice", ["AV"]),
        ("Dbatel Networks", "Dbatel Networks", []),  # "dba" inside a word is not a split
    ],
)
def test_split_dba(raw, legal, trades):
    assert split_dba(raw) == (legal, trades)


def test_trade_name_alone_resolves_to_legal_key():
    ident = build_identity(
        ["Lingo Telecom, LLC d/b/a BullsEyeComm", "BullsEyeComm", "Lingo Telecom"]
    )
    assert set(ident.keys.values()) == {"lingo telecom"}
    merges = ident.merges()
    assert merges.set_index("raw_name")["rule"].to_dict() == {
        "BullsEyeComm": "dba",
        "Lingo Telecom": "normalised",
        "Lingo Telecom, LLC d/b/a BullsEyeComm": "dba",
    }


def test_alias_file_merges_and_follows_chains(tmp_path):
    path = tmp_path / "aliases.csv"
    path.write_text(
        "alias,canonical\n"
        "# a comment line is ignored\n"
        "Telcast Networks,Telcast Network\n"
        "Telcast Net,Telcast Networks\n"
    )
    aliases = read_aliases(path)
    assert len(aliases) == 2
    ident = build_identity(["Telcast Network", "Telcast Networks", "Telcast Net"], aliases=aliases)
    assert set(ident.keys.values()) == {"telcast network"}
    assert ident.rules["Telcast Net"] == "alias"


def test_alias_file_errors(tmp_path):
    path = tmp_path / "aliases.csv"
    path.write_text("name,target\nA,B\n")
    with pytest.raises(InputFileError) as err:
        read_aliases(path)
    assert (
        str(err.value)
        == f"{path}: alias file needs columns alias,canonical (missing alias, canonical)"
    )
    with pytest.raises(InputFileError, match="alias file not found"):
        read_aliases(tmp_path / "missing.csv")


def _registry(rows):
    return pd.DataFrame(rows, columns=["name", "frn", "dba_names"])


def test_different_frns_are_never_merged():
    registry = _registry(
        [("Summit Voice LLC", "0000000008", ""), ("Summit Voice, Inc.", "0000000009", "")]
    )
    ident = build_identity(["Summit Voice, Inc.", "SUMMIT VOICE"], registry=registry)
    assert ident.registry_keys == {
        0: "summit voice|frn:0000000008",
        1: "summit voice|frn:0000000009",
    }
    # an exact (case/space-insensitive) match of a registry name takes that row's key
    assert ident.keys["Summit Voice, Inc."] == "summit voice|frn:0000000009"
    # any other spelling stays on the plain key and is reported ambiguous
    assert ident.keys["SUMMIT VOICE"] == "summit voice"
    assert ident.ambiguous == {"SUMMIT VOICE"}
    apart = ident.merges()
    assert apart[apart["rule"] == "frn_kept_apart"]["provider_key"].tolist() == [
        "summit voice|frn:0000000008",
        "summit voice|frn:0000000009",
    ]


def test_alias_cannot_merge_across_frns():
    registry = _registry(
        [("Apex Voice LLC", "0000000001", ""), ("Zenith Voice LLC", "0000000002", "")]
    )
    aliases = pd.DataFrame({"alias": ["Zenith Voice"], "canonical": ["Apex Voice"]})
    ident = build_identity([], registry=registry, aliases=aliases)
    assert sorted(ident.registry_keys.values()) == [
        "apex voice|frn:0000000001",
        "apex voice|frn:0000000002",
    ]


def test_same_frn_shares_a_key_and_registry_dba_names_count():
    registry = _registry(
        [
            ("Cobalt Connect, LLC", "0000000006", "CobaltTel; Cobalt Talk"),
            ("Cobalt Connections Inc", "0000000006", ""),
        ]
    )
    ident = build_identity(["CobaltTel", "Cobalt Talk", "Cobalt Connections"], registry=registry)
    assert ident.registry_keys == {0: "cobalt connect", 1: "cobalt connect"}
    assert ident.keys["CobaltTel"] == "cobalt connect"
    assert ident.keys["Cobalt Talk"] == "cobalt connect"
    assert ident.keys["Cobalt Connections"] == "cobalt connect"
    assert ident.rules["Cobalt Connections"] == "frn"
