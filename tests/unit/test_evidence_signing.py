"""Issue 15 items 2, 3 and 9: forged zips are refused, signed manifests anchor every field,
malformed manifests are one-line errors."""

from __future__ import annotations

import hashlib
import json
import stat
import zipfile
from pathlib import Path

import pytest

from graphengine.cli.main import main
from graphengine.errors import ExportError
from graphengine.export import ExportSettings, Provenance, export_ecosystem
from graphengine.export.bundle import dump_json
from graphengine.export.signing import keygen
from graphengine.export.verify import verify_bundle
from tests.helpers.export import small_hops, small_partition

SIGNER = "Example State AG, Robocall Unit"


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    folder = tmp_path_factory.mktemp("keys")
    return keygen(folder / "office", signer=SIGNER), keygen(folder / "other", signer="Someone")


def _bundle(out: Path, *, sign: Path | None = None, zip: bool = False) -> Path:
    settings = ExportSettings(formats=("html",), case_label="AG-1", sign=sign, zip=zip)
    return export_ecosystem(
        small_hops(),
        small_partition(),
        1,
        out,
        settings=settings,
        provenance=Provenance(command_line=["graphengine", "export", "ecosystem", "1"]),
    ).path


def _rewrite_manifest(folder: Path, change) -> None:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    change(manifest)
    (folder / "manifest.json").write_text(dump_json(manifest), encoding="utf-8")


def test_keygen_writes_a_private_key_only_its_owner_can_read(keys, tmp_path, capsys) -> None:
    pair, _ = keys
    assert stat.S_IMODE(pair.private_key.stat().st_mode) == 0o600
    assert main(["evidence", "keygen", str(tmp_path / "k"), "--signer", SIGNER]) == 0
    out = capsys.readouterr().out
    assert f"public key {tmp_path / 'k.pub'}" in out
    # a key is never overwritten
    assert main(["evidence", "keygen", str(tmp_path / "k"), "--signer", SIGNER]) == 1
    assert "already exists; keys are never overwritten" in capsys.readouterr().err


def test_a_signed_bundle_verifies_and_says_who_signed_and_when(keys, tmp_path, capsys) -> None:
    pair, other = keys
    folder = _bundle(tmp_path / "b", sign=pair.private_key)
    assert main(["evidence", "verify", str(folder), "--key", str(pair.public_key)]) == 0
    lines = capsys.readouterr().out.splitlines()
    files = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["files"]
    assert len(files) >= 10 and lines[0] == f"verified {len(files)} files"
    assert lines[2].startswith(f"signed by {SIGNER} at 20") and f"(key {pair.key_id})" in lines[2]
    # another office's key does not vouch for it
    report = verify_bundle(folder, key=_public(other.public_key))
    assert not report.ok
    assert report.signature_error.startswith(f"manifest.sig was made with key {pair.key_id}")


def _public(path: Path):
    from graphengine.export.signing import load_public_key

    return load_public_key(path)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda m: m.update(case_label="AG-2"), id="case_label"),
        pytest.param(lambda m: m.update(subject="ecosystem 2"), id="subject"),
        pytest.param(lambda m: m.update(dataset_sha256="0" * 64), id="dataset_sha256"),
    ],
)
def test_every_manifest_field_is_signed_content(keys, tmp_path, change) -> None:
    pair, _ = keys
    folder = _bundle(tmp_path / "b", sign=pair.private_key)
    _rewrite_manifest(folder, change)
    assert verify_bundle(folder).ok  # the hashes alone cannot tell (docs/evidence.md)
    report = verify_bundle(folder, key=_public(pair.public_key))
    assert report.signature_error == (
        "manifest.sig signs another manifest: manifest.json was changed after signing"
    )


def test_an_edited_file_with_its_hash_fixed_fails_against_the_key(keys, tmp_path) -> None:
    pair, _ = keys
    folder = _bundle(tmp_path / "b", sign=pair.private_key)
    nodes = folder / "data" / "nodes.csv"
    nodes.write_bytes(nodes.read_bytes() + b"forged,row\n")

    def fix(manifest: dict) -> None:
        manifest["files"]["data/nodes.csv"] = {
            "sha256": hashlib.sha256(nodes.read_bytes()).hexdigest(),
            "bytes": nodes.stat().st_size,
        }

    _rewrite_manifest(folder, fix)
    assert verify_bundle(folder).ok
    report = verify_bundle(folder, key=_public(pair.public_key))
    assert not report.ok and "changed after signing" in report.summary()


def test_bytes_are_checked(tmp_path) -> None:
    folder = _bundle(tmp_path / "b")
    _rewrite_manifest(folder, lambda m: m["files"]["layout.json"].update(bytes=1))
    assert verify_bundle(folder).altered == ["layout.json"]


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "lists no files: there is nothing to verify"),
        ([], "is not a valid manifest (no 'files' map)"),
        ({"layout.json": "abc"}, "the entry of 'layout.json' is not an object"),
        ({"layout.json": {"sha256": "x", "bytes": 1}}, "has no 64-hex 'sha256'"),
        ({"layout.json": {"sha256": "a" * 64, "bytes": "1"}}, "has no whole 'bytes' count"),
        ({"../outside": {"sha256": "a" * 64, "bytes": 1}}, "is not a bundle-relative path"),
    ],
)
def test_a_malformed_files_map_is_refused(tmp_path, files, message, capsys) -> None:
    folder = _bundle(tmp_path / "b")
    _rewrite_manifest(folder, lambda m: m.update(files=files))
    with pytest.raises(ExportError) as err:
        verify_bundle(folder)
    assert message in str(err.value)
    assert main(["evidence", "verify", str(folder)]) != 0
    err_lines = capsys.readouterr().err.strip().splitlines()
    assert len(err_lines) == 1 and message in err_lines[0]


def _zip_with(src: Path, target: Path, first: tuple[zipfile.ZipInfo, bytes] | None) -> Path:
    with zipfile.ZipFile(src) as original, zipfile.ZipFile(target, "w") as out:
        if first is not None:
            out.writestr(*first)
        for info in original.infolist():
            out.writestr(info, original.read(info))
    return target


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_a_forged_first_member_with_a_duplicate_name_is_refused(tmp_path) -> None:
    """The attack of the issue: a forged data/nodes.csv first, then every original member."""
    bundle = _bundle(tmp_path / "b", zip=True)
    forged = _zip_with(
        bundle, tmp_path / "forged.zip", (zipfile.ZipInfo("data/nodes.csv"), b"forged\n")
    )
    with pytest.raises(ExportError) as err:
        verify_bundle(forged)
    assert str(err.value) == f"{forged}: refused, the zip holds two members named 'data/nodes.csv'"


@pytest.mark.parametrize(
    ("name", "link", "message"),
    [
        ("/etc/cron.d/x", False, "is an absolute or parent path"),
        ("../outside.csv", False, "is an absolute or parent path"),
        ("data/../../x.csv", False, "is an absolute or parent path"),
        ("data/link.csv", True, "is a link"),
    ],
)
def test_absolute_parent_and_link_members_are_refused(tmp_path, name, link, message) -> None:
    bundle = _bundle(tmp_path / "b", zip=True)
    info = zipfile.ZipInfo(name)
    if link:
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
    target = _zip_with(bundle, tmp_path / "bad.zip", (info, b"/etc/passwd"))
    with pytest.raises(ExportError) as err:
        verify_bundle(target)
    assert message in str(err.value)


def test_a_link_inside_a_bundle_folder_is_refused(tmp_path) -> None:
    folder = _bundle(tmp_path / "b")
    (folder / "data" / "extra.csv").symlink_to("/etc/hostname")
    with pytest.raises(ExportError) as err:
        verify_bundle(folder)
    assert "the bundle holds links (data/extra.csv)" in str(err.value)


def test_a_signed_zip_verifies_and_a_missing_signature_fails_with_a_key(keys, tmp_path) -> None:
    pair, _ = keys
    signed = _bundle(tmp_path / "s", sign=pair.private_key, zip=True)
    report = verify_bundle(signed, key=_public(pair.public_key))
    assert report.ok and report.signature is not None and report.signature.signer == SIGNER
    unsigned = _bundle(tmp_path / "u", zip=True)
    report = verify_bundle(unsigned, key=_public(pair.public_key))
    assert report.summary() == "FAILED: no manifest.sig: the bundle is not signed"
