"""Scoring against synthetic truth: hand-checked cases for graphengine.synthetic.scoring."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from graphengine.synthetic.scoring import (
    ecosystem_recovery,
    precision_recall,
    truth_keys,
    truth_set,
)

TRUTH = {
    "name_map": {
        "Acme Voice LLC": "Acme Voice LLC",
        "ACME VOICE": "Acme Voice LLC",
        "Acme Voices Inc": "Acme Voice LLC",
        "Beta Tel": "Beta Tel",
        "Gamma Link": "Gamma Link",
        "Delta Net": "Delta Net",
        "Hub Carrier": "Hub Carrier",
    },
    "provider_ecosystem": {
        "Acme Voice LLC": "E1",
        "Beta Tel": "E1",
        "Gamma Link": "E2",
        "Delta Net": "E2",
        "Hub Carrier": None,
    },
}


def hops(pairs: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(pairs, columns=["provider", "provider_key"])


def test_truth_keys_take_the_key_most_printed_names_resolved_to() -> None:
    frame = hops(
        [
            ("Acme Voice LLC", "acme voice"),
            ("ACME VOICE", "acme voice"),
            ("Acme Voices Inc", "acme voices"),  # one variant split off: outvoted 2 to 1
            ("Beta Tel", "beta tel"),
            ("Unknown Co", "unknown"),  # not in the truth: ignored
        ]
    )
    assert truth_keys(frame, TRUTH) == {"Acme Voice LLC": "acme voice", "Beta Tel": "beta tel"}


def test_truth_set_accepts_names_and_records() -> None:
    keys = {"Acme Voice LLC": "acme", "Beta Tel": "beta"}
    assert truth_set(["Acme Voice LLC", {"provider": "Beta Tel"}, "Missing"], keys) == {
        "acme",
        "beta",
    }


def test_precision_recall_by_hand() -> None:
    assert precision_recall({"a", "b", "c", "d"}, {"a", "b", "e"}) == (0.5, pytest.approx(2 / 3))
    assert precision_recall(set(), set()) == (1.0, 1.0)
    assert precision_recall(set(), {"a"}) == (1.0, 0.0)


KEYS = {n: n.split()[0].lower() for n in TRUTH["provider_ecosystem"]}


def test_perfect_recovery_scores_one_and_hubs_are_not_scored() -> None:
    assignment = pd.DataFrame(
        {
            "provider_key": ["acme", "beta", "gamma", "delta", "hub"],
            "ecosystem": pd.array([7, 7, 3, 3, None], dtype="Int64"),
        }
    )
    score = ecosystem_recovery(assignment, TRUTH, KEYS)
    assert score == {"nmi": 1.0, "ari": 1.0, "scored": 4, "unassigned": 0}


def test_an_unassigned_planted_provider_counts_as_a_miss() -> None:
    assignment = pd.DataFrame(
        {
            "provider_key": ["acme", "beta", "gamma", "delta"],
            "ecosystem": pd.array([1, None, 2, 2], dtype="Int64"),
        }
    )
    score = ecosystem_recovery(assignment, TRUTH, KEYS)
    assert score["unassigned"] == 1 and score["scored"] == 4
    assert score["nmi"] < 1.0 and score["ari"] < 1.0


def test_too_few_scored_providers_give_nan() -> None:
    assignment = pd.DataFrame({"provider_key": ["acme"], "ecosystem": pd.array([1], "Int64")})
    score = ecosystem_recovery(assignment, TRUTH, KEYS)
    assert math.isnan(score["nmi"]) and score["scored"] == 1
