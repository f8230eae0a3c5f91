"""``list_outputs`` / ``verify_investigation`` on hand-made folders (no investigation run):
what is listed, and the one-line refusals of folders that cannot be checked."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from graphengine.errors import ExportError
from graphengine.export.bundle import write_manifest
from graphengine.pipeline.outputs import list_outputs, verify_investigation


def _folder(root: Path) -> Path:
    (root / "campaigns").mkdir(parents=True)
    (root / "targets.csv").write_text("provider,score\nA,1\n")
    (root / "campaigns" / "campaigns.csv").write_text("campaign\n1\n")
    bundle = root / "evidence" / "ecosystem-1"
    (bundle / "data").mkdir(parents=True)
    (bundle / "data" / "nodes.csv").write_text("id\n1\n")
    write_manifest(bundle, {"case_label": "X"})
    record = {"format": "graphengine-investigation/1", "outputs": list_outputs(root)}
    (root / "investigation.json").write_text(json.dumps(record))
    return root


def test_outputs_list_plain_files_and_bundle_manifests_only(tmp_path) -> None:
    folder = _folder(tmp_path)
    outputs = list_outputs(folder)
    assert [o["path"] for o in outputs] == [
        "campaigns/campaigns.csv",
        "evidence/ecosystem-1/manifest.json",
        "targets.csv",
    ]
    assert outputs[2] == {
        "path": "targets.csv",
        "bytes": 19,
        "sha256": hashlib.sha256(b"provider,score\nA,1\n").hexdigest(),
    }
    check = verify_investigation(folder)
    assert check.summary() == "4 files intact"  # three outputs + the bundle's nodes.csv
    raw = (folder / "investigation.json").read_bytes()
    assert check.record_sha256 == hashlib.sha256(raw).hexdigest()


def test_a_deleted_bundle_manifest_is_missing_and_its_members_unsealed(tmp_path) -> None:
    folder = _folder(tmp_path)
    (folder / "evidence" / "ecosystem-1" / "manifest.json").unlink()
    check = verify_investigation(folder)
    assert check.missing == ["evidence/ecosystem-1/manifest.json"]
    assert check.extra == ["evidence/ecosystem-1/data/nodes.csv"]


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (None, "has no investigation.json; is it an investigation folder?"),
        ("{not json", "investigation.json is not valid JSON"),
        ('{"files": {}}', "records no output hashes (written by an older graphengine?)"),
        ('{"outputs": [{"path": "../x.csv"}]}', "has no folder-relative path"),
    ],
)
def test_folders_that_cannot_be_checked_are_refused(tmp_path, record, message) -> None:
    if record is not None:
        (tmp_path / "investigation.json").write_text(record)
    with pytest.raises(ExportError, match=re.escape(message)):
        verify_investigation(tmp_path)


def test_cli_refuses_an_old_folder_in_one_line_and_help_names_folders(tmp_path) -> None:
    (tmp_path / "investigation.json").write_text('{"files": {}}')
    cmd = [sys.executable, "-m", "graphengine.cli.main", "evidence", "verify"]
    run = subprocess.run([*cmd, str(tmp_path)], capture_output=True, text=True, check=False)
    assert run.returncode != 0 and "Traceback" not in run.stderr
    assert "records no output hashes" in run.stderr.strip().splitlines()[-1]
    helped = subprocess.run([*cmd, "--help"], capture_output=True, text=True, check=True)
    assert "investigation folder" in helped.stdout and "N files intact" in helped.stdout
