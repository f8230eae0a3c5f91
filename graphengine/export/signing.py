"""Ed25519 signatures of evidence manifests: who vouches for a bundle, and when.

An office makes one key pair (:func:`keygen`, ``graphengine evidence keygen``): a private key
file it keeps (mode 0600) and a public key file it hands to whoever must check its bundles.
``graphengine export --sign KEY`` writes ``manifest.sig`` next to ``manifest.json``
(:func:`sign_manifest`): a signed statement naming the signer, the key id, the UTC signing time
and the SHA-256 of the exact bytes of ``manifest.json``. The manifest lists the SHA-256 and size
of every other file and every provenance field (case label, subject, dataset hashes), so the
signature covers all of them. ``evidence verify --key PUB`` checks it (:func:`check_signature`).

Files are small canonical JSON documents (``format`` names the kind); keys are the raw 32-byte
Ed25519 keys in base64. The key id is the first 16 hex digits of the SHA-256 of the raw public
key.

Anchoring (not built yet): the platform's hash-chained audit trail will record the SHA-256 of
every exported manifest. :data:`Anchor` is the hook ``verify_bundle`` takes for that: a function
that, given a manifest SHA-256, says where it is recorded (or ``None``).

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> pair = keygen(d / "office", signer="Example AG Office")
>>> _ = (d / "manifest.json").write_text('{"files": {}}\\n')
>>> sig = sign_manifest(d, load_private_key(pair.private_key), signed_at="2025-01-02T03:04:05Z")
>>> check_signature(d / "manifest.json", d / "manifest.sig", load_public_key(pair.public_key))
SignatureCheck(signer='Example AG Office', key_id=..., signed_at='2025-01-02T03:04:05Z')
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from graphengine.errors import ExportError
from graphengine.export.bundle import MANIFEST

__all__ = [
    "SIGNATURE",
    "Anchor",
    "KeyPair",
    "PrivateKey",
    "PublicKey",
    "SignatureCheck",
    "check_signature",
    "keygen",
    "load_private_key",
    "load_public_key",
    "sign_manifest",
]

#: the signature file of a bundle, next to manifest.json (not listed in the manifest).
SIGNATURE = "manifest.sig"
_PRIVATE_FORMAT = "graphengine-signing-key/1"
_PUBLIC_FORMAT = "graphengine-public-key/1"
_SIGNATURE_FORMAT = "graphengine-manifest-signature/1"

#: The audit-trail hook: manifest SHA-256 -> where it is recorded, or ``None`` when it is not.
Anchor = Callable[[str], "str | None"]


@dataclass(frozen=True)
class KeyPair:
    """Paths of a key pair written by :func:`keygen`."""

    private_key: Path
    public_key: Path
    key_id: str


@dataclass(frozen=True)
class PrivateKey:
    """A loaded signing key and the signer name it was made for."""

    signer: str
    key: Ed25519PrivateKey

    @property
    def key_id(self) -> str:
        """First 16 hex digits of the SHA-256 of the raw public key."""
        return _key_id(self.key.public_key())


@dataclass(frozen=True)
class PublicKey:
    """A loaded public key and the signer name it belongs to."""

    signer: str
    key: Ed25519PublicKey

    @property
    def key_id(self) -> str:
        """First 16 hex digits of the SHA-256 of the raw public key."""
        return _key_id(self.key)


@dataclass(frozen=True)
class SignatureCheck:
    """A valid signature: who signed (from the trusted public key file), with which key, when."""

    signer: str
    key_id: str
    signed_at: str


def _raw_public(key: Ed25519PublicKey) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _key_id(key: Ed25519PublicKey) -> str:
    return hashlib.sha256(_raw_public(key)).hexdigest()[:16]


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def _load_json(path: Path, fmt: str, what: str) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExportError(f"{what} {path} does not exist") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ExportError(f"{what} {path} cannot be read ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != fmt:
        raise ExportError(f"{path} is not a {what} (expected format {fmt!r})")
    return data


def _b64(data: dict[str, Any], field: str, path: Path, size: int) -> bytes:
    try:
        raw = base64.b64decode(str(data.get(field, "")), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != size:
        raise ExportError(f"{path}: field {field!r} is not {size} bytes of base64")
    return raw


def keygen(path: str | Path, *, signer: str) -> KeyPair:
    """Make an Ed25519 key pair: ``PATH.key`` (private, mode 0600) and ``PATH.pub``.

    Raises
    ------
    ExportError
        When ``signer`` is empty or either file already exists (keys are never overwritten).
    """
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )

    if not signer.strip():
        raise ExportError(
            "--signer must name the office that signs (e.g. 'Ohio AG, Robocall Unit')"
        )
    base = Path(path)
    private, public = base.with_name(base.name + ".key"), base.with_name(base.name + ".pub")
    for target in (private, public):
        if target.exists():
            raise ExportError(f"{target} already exists; keys are never overwritten")
    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    key_id = _key_id(key.public_key())
    common = {"algorithm": "Ed25519", "key_id": key_id, "signer": signer.strip()}
    base.parent.mkdir(parents=True, exist_ok=True)
    # the private key is created 0600 from the start, never readable by others even briefly
    fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(
            _dump(
                {**common, "format": _PRIVATE_FORMAT, "private_key": base64.b64encode(raw).decode()}
            )
        )
    public_raw = base64.b64encode(_raw_public(key.public_key())).decode()
    public.write_text(
        _dump({**common, "format": _PUBLIC_FORMAT, "public_key": public_raw}), encoding="utf-8"
    )
    return KeyPair(private_key=private, public_key=public, key_id=key_id)


def load_private_key(path: str | Path) -> PrivateKey:
    """Read a private key file written by :func:`keygen`.

    Raises
    ------
    ExportError
        When the file is missing, not a graphengine signing key, or damaged.
    """
    data = _load_json(Path(path), _PRIVATE_FORMAT, "signing key")
    raw = _b64(data, "private_key", Path(path), 32)
    return PrivateKey(
        signer=str(data.get("signer", "")), key=Ed25519PrivateKey.from_private_bytes(raw)
    )


def load_public_key(path: str | Path) -> PublicKey:
    """Read a public key file written by :func:`keygen`.

    Raises
    ------
    ExportError
        When the file is missing, not a graphengine public key, or damaged.
    """
    data = _load_json(Path(path), _PUBLIC_FORMAT, "public key")
    raw = _b64(data, "public_key", Path(path), 32)
    return PublicKey(
        signer=str(data.get("signer", "")), key=Ed25519PublicKey.from_public_bytes(raw)
    )


def _statement(signer: str, key_id: str, signed_at: str, manifest_sha256: str) -> bytes:
    """The exact bytes that are signed: canonical JSON of the four facts."""
    facts = {
        "format": _SIGNATURE_FORMAT,
        "manifest_sha256": manifest_sha256,
        "key_id": key_id,
        "signed_at": signed_at,
        "signer": signer,
    }
    return json.dumps(facts, sort_keys=True, separators=(",", ":")).encode("utf-8")


def sign_manifest(folder: Path, key: PrivateKey, *, signed_at: str | None = None) -> Path:
    """Sign ``folder/manifest.json`` and write ``folder/manifest.sig``; return its path.

    ``signed_at`` defaults to the current UTC time (``YYYY-MM-DDTHH:MM:SSZ``).
    """

    digest = hashlib.sha256((folder / MANIFEST).read_bytes()).hexdigest()
    when = signed_at or dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    signature = key.key.sign(_statement(key.signer, key.key_id, when, digest))
    record = {
        "format": _SIGNATURE_FORMAT,
        "manifest_sha256": digest,
        "key_id": key.key_id,
        "signed_at": when,
        "signer": key.signer,
        "signature": base64.b64encode(signature).decode(),
    }
    target = folder / SIGNATURE
    target.write_text(_dump(record), encoding="utf-8")
    return target


def check_signature(
    manifest: bytes | Path, signature: bytes | Path, key: PublicKey
) -> SignatureCheck:
    """Check a ``manifest.sig`` against the manifest's bytes and a trusted public key.

    Returns
    -------
    SignatureCheck
        Signer (as the public key file names it), key id and signing time.

    Raises
    ------
    ExportError
        When the signature file is malformed, made with another key, for another manifest, or
        does not verify.
    """
    manifest_bytes = manifest.read_bytes() if isinstance(manifest, Path) else manifest
    sig_bytes = signature.read_bytes() if isinstance(signature, Path) else signature
    try:
        record = json.loads(sig_bytes.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ExportError(f"{SIGNATURE} is not valid JSON ({exc})") from None
    if not isinstance(record, dict) or record.get("format") != _SIGNATURE_FORMAT:
        raise ExportError(f"{SIGNATURE} is not a graphengine manifest signature")
    names = ("manifest_sha256", "key_id", "signed_at", "signer")
    if not all(isinstance(record.get(k), str) for k in names):
        raise ExportError(f"{SIGNATURE} lacks one of manifest_sha256, key_id, signed_at, signer")
    fields: dict[str, str] = {k: str(record[k]) for k in names}
    if fields["key_id"] != key.key_id:
        raise ExportError(
            f"{SIGNATURE} was made with key {fields['key_id']}, not with the given key "
            f"{key.key_id} ({key.signer})"
        )
    digest = hashlib.sha256(manifest_bytes).hexdigest()
    if fields["manifest_sha256"] != digest:
        raise ExportError(
            f"{SIGNATURE} signs another manifest: manifest.json was changed after signing"
        )
    try:
        raw = base64.b64decode(str(record.get("signature", "")), validate=True)
        key.key.verify(raw, _statement(fields["signer"], key.key_id, fields["signed_at"], digest))
    except (binascii.Error, ValueError, InvalidSignature):
        raise ExportError(
            f"{SIGNATURE}: the signature does not verify with key {key.key_id}"
        ) from None
    if fields["signer"] != key.signer:
        raise ExportError(
            f"{SIGNATURE} names signer {fields['signer']!r} but the public key belongs to {key.signer!r}"
        )
    return SignatureCheck(signer=key.signer, key_id=key.key_id, signed_at=fields["signed_at"])
