"""Nostr events: keys, ids, BIP-340 signatures (NIP-01) and NIP-19 names.

Signing uses ``coincurve``: the bindings to Bitcoin Core's libsecp256k1, which ship as a
wheel with the library built in (no compiler, no system package), are typed, and expose
BIP-340 Schnorr signing and x-only keys directly. ``nostr-sdk`` would do it too, but brings
a whole async client (4 MB of Rust) for what is a hash and a signature here.

bech32 (NIP-19's ``nsec``/``note``/``nevent``) is BIP-173's checksum, a few lines written
from the BIP; no maintained, typed package offers it without a Bitcoin address layer.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Sequence
from typing import Any

from socialgit.errors import AuthRevoked

HEX64 = re.compile(r"[0-9a-f]{64}")
_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def secret_key(value: object) -> bytes:
    """The 32-byte secret from ``nsec1…`` or 64 hex digits; never echoes the value."""
    text = value.strip() if isinstance(value, str) else ""
    raw: bytes | None = None
    if HEX64.fullmatch(text.lower()):
        raw = bytes.fromhex(text)
    elif text.lower().startswith("nsec1"):
        decoded = bech32_decode(text.lower())
        if decoded is not None and decoded[0] == "nsec" and len(decoded[1]) == 32:
            raw = decoded[1]
    if raw is None:
        raise AuthRevoked("the stored Nostr key is neither an nsec1… key nor 64 hex digits")
    from coincurve import PrivateKey

    try:
        PrivateKey(raw)
    except ValueError:
        raise AuthRevoked("the stored Nostr key is not a valid secp256k1 secret key") from None
    return raw


def public_key(secret: bytes) -> str:
    """The x-only public key in lowercase hex (an event's ``pubkey``)."""
    from coincurve import PrivateKey

    return PrivateKey(secret).public_key_xonly.format().hex()


def event_id(
    pubkey: str, created_at: int, kind: int, tags: Sequence[Sequence[str]], content: str
) -> str:
    # NIP-01: sha256 of the UTF-8 JSON array, no whitespace; json.dumps escapes exactly as
    # JSON.stringify does (\n \" \\ \r \t \b \f by name, other controls as \u00XX).
    data = [0, pubkey, created_at, kind, [list(t) for t in tags], content]
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sign(
    secret: bytes, created_at: int, kind: int, tags: Sequence[Sequence[str]], content: str
) -> dict[str, Any]:
    """A complete signed event."""
    from coincurve import PrivateKey

    pubkey = public_key(secret)
    ident = event_id(pubkey, created_at, kind, tags, content)
    sig = PrivateKey(secret).sign_schnorr(bytes.fromhex(ident), os.urandom(32))
    return {
        "id": ident,
        "pubkey": pubkey,
        "created_at": created_at,
        "kind": kind,
        "tags": [list(t) for t in tags],
        "content": content,
        "sig": sig.hex(),
    }


def verify(event: dict[str, Any]) -> bool:
    """Whether the id is the hash of the content and the signature is the pubkey's."""
    from coincurve import PublicKeyXOnly

    try:
        ident = event_id(
            event["pubkey"], event["created_at"], event["kind"], event["tags"], event["content"]
        )
        if ident != event["id"]:
            return False
        key = PublicKeyXOnly(bytes.fromhex(event["pubkey"]))
        return bool(key.verify(bytes.fromhex(event["sig"]), bytes.fromhex(ident)))
    except (KeyError, TypeError, ValueError):
        return False


def dumps(event: dict[str, Any]) -> str:
    """The event as one line of JSON: what is recorded, and sent, byte for byte."""
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False)


# -- NIP-19 ---------------------------------------------------------------------------


def note(ident: str) -> str:
    return bech32_encode("note", bytes.fromhex(ident))


def npub(pubkey: str) -> str:
    return bech32_encode("npub", bytes.fromhex(pubkey))


def nevent(ident: str, relays: Sequence[str], author: str) -> str:
    """``nevent1…``: the id with relay hints (TLV 1, at most three) and the author (TLV 2)."""
    tlv = bytearray([0, 32, *bytes.fromhex(ident)])
    for relay in relays[:3]:
        data = relay.encode()
        tlv += bytes([1, len(data)]) + data
    tlv += bytes([2, 32, *bytes.fromhex(author)])
    return bech32_encode("nevent", bytes(tlv))


def _polymod(values: Sequence[int]) -> int:
    generator = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    chk = 1
    for value in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ value
        for i in range(5):
            chk ^= generator[i] if (top >> i) & 1 else 0
    return chk


def _expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _regroup(data: Sequence[int], src: int, dst: int, pad: bool) -> list[int] | None:
    acc, bits, out, most = 0, 0, [], (1 << dst) - 1
    for value in data:
        acc = (acc << src) | value
        bits += src
        while bits >= dst:
            bits -= dst
            out.append((acc >> bits) & most)
    if pad and bits:
        out.append((acc << (dst - bits)) & most)
    elif not pad and (bits >= src or (acc << (dst - bits)) & most):
        return None
    return out


def bech32_encode(hrp: str, data: bytes) -> str:
    words = _regroup(data, 8, 5, True) or []
    poly = _polymod([*_expand(hrp), *words, 0, 0, 0, 0, 0, 0]) ^ 1
    checksum = [(poly >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_CHARSET[w] for w in [*words, *checksum])


def bech32_decode(text: str) -> tuple[str, bytes] | None:
    hrp, sep, rest = text.rpartition("1")
    if not sep or not hrp or len(rest) < 6 or any(c not in _CHARSET for c in rest):
        return None
    words = [_CHARSET.index(c) for c in rest]
    if _polymod([*_expand(hrp), *words]) != 1:
        return None
    data = _regroup(words[:-6], 5, 8, False)
    return None if data is None else (hrp, bytes(data))
