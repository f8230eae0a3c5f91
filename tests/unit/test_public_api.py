"""The public Python API and the CLI verbs are all reachable and documented."""

from __future__ import annotations

import subprocess
import sys

import pytest

import graphengine
from graphengine.cli.main import VERB_MODULES, build_parser

VERBS_OF_THE_DESIGN = {
    "neo4j",
    "generate",
    "load",
    "analyze",
    "query",
    "export",
    "evidence",
    "investigate",
    "traceback",  # issue 19: traceback stitch
    "demo",
}


@pytest.mark.parametrize("name", [n for n in graphengine.__all__ if n != "__version__"])
def test_every_public_name_resolves_and_has_a_docstring(name: str) -> None:
    value = getattr(graphengine, name)
    assert (value.__doc__ or "").strip(), f"graphengine.{name} has no docstring"


def test_unknown_public_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        graphengine.nope  # noqa: B018


def test_every_verb_of_the_design_is_registered() -> None:
    assert set(VERB_MODULES) == VERBS_OF_THE_DESIGN
    help_text = build_parser().format_help()
    for verb in VERBS_OF_THE_DESIGN:
        assert verb in help_text


@pytest.mark.parametrize("verb", sorted(VERBS_OF_THE_DESIGN))
def test_every_verb_explains_itself(verb: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "graphengine.cli.main", verb, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert f"usage: graphengine {verb}" in done.stdout
    assert len(done.stdout.splitlines()) > 5


def test_no_verb_is_a_usage_error() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "graphengine.cli.main"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "required: VERB" in done.stderr
