"""``graphengine evidence``: make a signing key pair, and verify evidence bundles.

``evidence keygen PATH --signer NAME`` writes ``PATH.key`` (private, mode 0600) and ``PATH.pub``.
``evidence verify BUNDLE [--key PUB]``: exit status 0 and ``verified N files`` on stdout when
nothing changed (and, with ``--key``, the signature holds: ``signed by ... at ...``); exit status
1 and one line per altered, missing or extra file, or the signature problem, otherwise. A
malformed manifest or a refused container is a one-line error. Given an investigation folder
(it holds ``investigation.json``), ``evidence verify`` checks every file the run wrote against
the ``outputs`` hashes recorded there, bundles included: ``N files intact`` or one line per
altered, missing or extra file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from graphengine.errors import ConfigError
from graphengine.export.signing import SIGNATURE, load_public_key
from graphengine.export.signing import keygen as make
from graphengine.export.verify import verify_bundle
from graphengine.pipeline.outputs import MARKER, verify_investigation

__all__ = ["keygen", "register", "verify"]


def register(subparsers: Any) -> None:
    """Add the ``evidence`` verb with its ``keygen`` and ``verify`` actions."""
    parser = subparsers.add_parser(
        "evidence",
        help="sign and check evidence bundles written by `graphengine export`",
        description="Make signing keys for, and check, evidence bundles written by "
        "`graphengine export`.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    make = actions.add_parser(
        "keygen",
        help="make an Ed25519 key pair for an office (PATH.key private, PATH.pub public)",
        description=(
            "Make an Ed25519 key pair: PATH.key (private, mode 0600: keep it, pass it to "
            "`graphengine export --sign`) and PATH.pub (public: hand it to whoever checks your "
            "bundles with `evidence verify --key`). Existing files are never overwritten."
        ),
    )
    make.add_argument("path", type=Path, metavar="PATH", help="key files to write, without suffix")
    make.add_argument(
        "--signer", required=True, metavar="NAME", help="the office that signs, as reports name it"
    )
    make.set_defaults(func=keygen)
    check = actions.add_parser(
        "verify",
        help="recompute the SHA-256 and size of every file against manifest.json",
        description=(
            "Recompute the SHA-256 and size of every file of a bundle (folder or .zip) and compare "
            "them with manifest.json. Exits 0 and prints 'verified N files' when nothing changed; "
            "exits 1 and names each altered, missing or extra file otherwise. With --key, the "
            "bundle's manifest.sig must be a valid signature by that public key, and who signed "
            "and when is printed. Also prints the SHA-256 of manifest.json itself. "
            "See docs/evidence.md for what each check proves. "
            "Given an investigation folder (written by `graphengine investigate`, it holds "
            "investigation.json), recompute the size and SHA-256 of every file the run wrote "
            "against the 'outputs' list of investigation.json, and check each evidence bundle "
            "in it against its own manifest: exits 0 with 'N files intact', or exits 1 naming "
            "each altered, missing or extra file. Also prints the SHA-256 of investigation.json."
        ),
    )
    check.add_argument(
        "bundle",
        type=Path,
        metavar="BUNDLE",
        help="bundle folder or .zip, or an investigation folder",
    )
    check.add_argument(
        "--key", type=Path, metavar="PUB", help="public key file of the office that signed"
    )
    check.set_defaults(func=verify)


def keygen(args: argparse.Namespace) -> int:
    """Run ``graphengine evidence keygen``; print the two paths and the key id."""

    pair = make(args.path, signer=args.signer)
    print(f"private key {pair.private_key} (mode 0600; keep it secret)")
    print(f"public key {pair.public_key}")
    print(f"key id {pair.key_id}")
    return 0


def verify(args: argparse.Namespace) -> int:
    """Run ``graphengine evidence verify``; return 0 when the bundle is intact, else 1."""
    if (args.bundle / MARKER).is_file():
        return _verify_investigation(args)
    key = load_public_key(args.key) if args.key else None
    report = verify_bundle(args.bundle, key=key)
    if report.ok:
        print(report.summary())
        print(f"manifest sha256 {report.manifest_sha256}")
        if report.signature is not None:
            sig = report.signature
            print(f"signed by {sig.signer} at {sig.signed_at} (key {sig.key_id})")
        elif report.signed:
            print(f"{SIGNATURE} present but not checked: pass --key PUB to check it")
        else:
            print("not signed: the manifest is only as trustworthy as the copy of its sha256")
        return 0
    return _failed(args.bundle, report)


def _failed(path: Path, report: Any) -> int:
    """Print one line per altered, missing or extra file, the summary on stderr; return 1."""
    for label, names in (
        ("altered", report.altered),
        ("missing", report.missing),
        ("extra", report.extra),
    ):
        for name in names:
            print(f"{label}: {name}")
    print(f"{path}: {report.summary()}", file=sys.stderr)
    return 1


def _verify_investigation(args: argparse.Namespace) -> int:
    if args.key:
        raise ConfigError(
            f"--key checks a signed bundle; {args.bundle} is an investigation folder, whose "
            "bundles are not signed (verify a signed bundle by its own folder)"
        )
    check = verify_investigation(args.bundle)
    if not check.ok:
        return _failed(args.bundle, check)
    print(f"{check.summary()} (investigation.json sha256 {check.record_sha256})")
    return 0
