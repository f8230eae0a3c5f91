"""Issue 14 item 6: originators linked only to a busy shared intermediate get their ecosystem.

The generator's ``shared_intermediates`` / ``captive_originator_share`` plant the pattern seen
on an independent world: originators whose only downstream is a busy intermediate shared by
every ecosystem. The hub rule detaches that intermediate, so before the fix these originators
were left in "small" groups with no ecosystem.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import loaders
from graphengine.ecosystems import detect_ecosystems
from graphengine.synthetic import GeneratorConfig, generate
from graphengine.synthetic.scoring import ecosystem_recovery, planted_placement, truth_keys


def _world(root: Path, **knobs: object) -> tuple[pd.DataFrame, pd.DataFrame, dict, dict]:
    config = GeneratorConfig(tracebacks=3600, seed=1, **knobs)  # type: ignore[arg-type]
    data = generate(root, config=config, show_progress=False)
    truth = json.loads(Path(data.truth).read_text())
    loaded = loaders.load_inputs([data.hops], providers=data.rmd)
    return loaded.hops, loaded.providers, truth, truth_keys(loaded.hops, truth)


def _without_path_attachment(frame: pd.DataFrame) -> pd.DataFrame:
    """The assignment as it was before: attached_by_paths providers had no ecosystem."""
    by_paths = frame["status"] == "attached_by_paths"
    return frame.assign(ecosystem=frame["ecosystem"].mask(by_paths))


@pytest.fixture(scope="module")
def captive(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("captive")
    hops, providers, truth, keys = _world(
        root, shared_intermediates=3, captive_originator_share=0.5
    )
    return detect_ecosystems(hops, providers), truth, keys


def test_generator_plants_captive_originators(captive) -> None:
    result, truth, keys = captive
    kinds = {name: p["kind"] for name, p in truth["providers"].items()}
    shared = [n for n, k in kinds.items() if k == "shared_intermediate"]
    assert len(shared) == 3
    frame = result.providers.set_index("provider_key")
    assert all(bool(frame.loc[keys[n], "is_hub"]) for n in shared)  # detached by the hub rule


def test_planted_providers_get_their_planted_ecosystem(captive) -> None:
    result, truth, keys = captive
    before = planted_placement(_without_path_attachment(result.providers), truth, keys)
    after = planted_placement(result.providers, truth, keys)
    assert before["placed"] < 0.9  # the failure seen: originators left in "small" groups
    assert after["placed"] >= 0.95
    attached = result.providers[result.providers["status"] == "attached_by_paths"]
    assert len(attached) >= 50
    assert (attached["shared_tracebacks"] >= 1).all()
    assert int((attached["primary_role"] == "originating").sum()) >= 40


def test_default_world_scores_no_worse(tmp_path: Path) -> None:
    hops, providers, truth, keys = _world(tmp_path)
    result = detect_ecosystems(hops, providers)
    with_paths = ecosystem_recovery(result.providers, truth, keys)
    without = ecosystem_recovery(_without_path_attachment(result.providers), truth, keys)
    assert with_paths["nmi"] >= without["nmi"]
    assert with_paths["ari"] >= without["ari"]
    assert with_paths["nmi"] > 0.97
