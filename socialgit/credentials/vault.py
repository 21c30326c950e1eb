"""``.socialgit/vault.json``: credentials, one AES-256-GCM entry per account, committed.

The format (version 1)::

    {
      "format": "socialgit-vault",
      "version": 1,
      "accounts": {
        "news-x": {
          "v": 1,                            # entry format
          "kid": "3f9c0d2e7a41b6c8",         # fingerprint of the key (not the key)
          "expires_at": "2026-12-01T10:00:00Z",   # or null: never expires
          "updated": "2026-12-01T08:00:04Z", # when this entry was written
          "meta": {"provider": "x", "handle": "news", "id": "1234"},
          "nonce": "<12 bytes, base64>",
          "ciphertext": "<AES-256-GCM of the JSON fields, base64>"
        }
      },
      "leases": {"news-x": {"by": "host:pid", "at": "…", "until": "…"}}
    }

The associated data of each entry binds everything in clear beside it: the account name
(the key in ``accounts``), ``v``, ``kid``, ``expires_at``, ``updated`` and ``meta``. Moving
an entry to another account, or editing its expiry or metadata, fails authentication like
an edited ciphertext does. ``leases`` are advisory and outside the binding (see
``socialgit.credentials.vault_sync``). The key comes from ``SOCIALGIT_KEY`` and never touches disk;
``kid`` tells a wrong key apart from an edited entry.

Entries are decrypted on first use, so a vault opens without a key and one broken entry
does not stop the other accounts. Every failure is a :class:`VaultError` naming the account.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from socialgit.errors import VaultError
from socialgit.redact import Sealed, register, seal
from socialgit.words import plural

VAULT_FILE = ".socialgit/vault.json"
FORMAT = "socialgit-vault"
VERSION = 1
ENTRY_VERSION = 1
KEY_ENV = "SOCIALGIT_KEY"
NEW_KEY_ENV = "SOCIALGIT_NEW_KEY"
_ACCOUNT = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_ENTRY_KEYS = frozenset({"v", "kid", "expires_at", "updated", "meta", "nonce", "ciphertext"})


def new_key() -> str:
    """32 random bytes, base64: a fresh SOCIALGIT_KEY."""
    return base64.b64encode(os.urandom(32)).decode("ascii")


def parse_key(text: str, name: str = KEY_ENV) -> bytes:
    """The 32 key bytes from base64 (standard or URL-safe, padding optional)."""
    raw = text.strip()
    try:
        padded = raw + "=" * (-len(raw) % 4)
        key = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise VaultError(
            f"{name} is not a valid key: expected 32 bytes in base64 "
            "(make one with `socialgit vault keygen`)"
        )
    return key


def key_id(key: bytes) -> str:
    """A fingerprint that tells keys apart and reveals nothing about them."""
    return hashlib.sha256(b"socialgit key id\0" + key).hexdigest()[:16]


def iso(when: datetime, precise: bool = False) -> str:
    """UTC ISO 8601 with ``Z``; ``precise``: with microseconds (to order writes)."""
    spec = "microseconds" if precise else "seconds"
    return when.astimezone(UTC).isoformat(timespec=spec).replace("+00:00", "Z")


def parse_time(value: object) -> datetime | None:
    """An aware datetime from an ISO string (or datetime); None for None or ''."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        when = value
    elif isinstance(value, str):
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    else:
        raise ValueError(f"not a time: {type(value).__name__}")
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Lease:
    """A runner's announcement that it is refreshing an account's credentials."""

    by: str
    at: datetime
    until: datetime


class Vault:
    """The vault file of one repository, read once; ``save`` writes it back atomically."""

    def __init__(self, path: Path, data: dict[str, Any], raw: bytes, key: bytes | None) -> None:
        self.path = path
        self._data = data
        self._raw = raw
        self._key = key
        self._clear: dict[str, Sealed] = {}

    def __repr__(self) -> str:  # never the key, never an entry
        return f"<Vault {self.path} accounts={self.accounts()}>"

    # -- opening --------------------------------------------------------------------------
    @classmethod
    def open(cls, root: Path, key: str | None = None) -> Vault:
        """Read ``root/.socialgit/vault.json`` (absent: an empty vault). ``key`` defaults to
        ``$SOCIALGIT_KEY``; without one the vault opens, and fails when a secret is needed."""
        text = key if key is not None else os.environ.get(KEY_ENV)
        raw_key = parse_key(text) if text else None
        path = root / VAULT_FILE
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return cls(path, _empty(), b"", raw_key)
        except OSError as exc:
            raise VaultError(f"{VAULT_FILE}: cannot read: {exc.strerror}") from None
        return cls(path, _parse(raw), raw, raw_key)

    @property
    def has_key(self) -> bool:
        return self._key is not None

    def require_key(self, account: str) -> None:
        """Fail now, naming ``account``, when no key is set or it is not the key the other
        entries use (before a person logs in, or an entry is written under a stray key)."""
        mine = key_id(self._need_key(account))
        for name, entry in sorted(self._entries().items()):
            kid = entry.get("kid") if isinstance(entry, dict) else None
            if isinstance(kid, str) and kid != mine:
                raise VaultError(
                    f"{account}: {KEY_ENV} is not the key of this vault ({name}'s entry has key "
                    f"id {kid}, the given key {mine}); set the vault's key, or re-encrypt "
                    "everything with `socialgit vault rekey`"
                )

    def check_key(self) -> None:
        """Fail when a key is set and no entry was written with it: the key does not match
        this vault, and every account would fail. (An entry that fails alone, edited or
        written under another key, is that account's error, from :meth:`get`.)"""
        if self._key is None:
            return
        written = [e.get("kid") for e in self._entries().values() if isinstance(e, dict)]
        kids = {k for k in written if isinstance(k, str)}
        mine = key_id(self._key)
        if not kids or mine in kids:
            return
        raise VaultError(
            f"{KEY_ENV} does not match the vault: it opens none of its "
            f"{plural(len(self._entries()), 'entry')} (the key's id is {mine}, the vault's "
            f"{', '.join(sorted(kids))}); set the key the vault was made with"
        )

    # -- reading --------------------------------------------------------------------------
    def accounts(self) -> list[str]:
        return sorted(self._entries())

    def entry(self, account: str) -> dict[str, Any] | None:
        """The stored entry as it is in the file (clear fields and ciphertext), checked."""
        entry = self._entries().get(account)
        if entry is None:
            return None
        _check_entry(account, entry)
        return dict(entry)

    def meta(self, account: str) -> dict[str, str]:
        entry = self.entry(account)
        return dict(entry["meta"]) if entry else {}

    def updated(self, account: str) -> datetime | None:
        entry = self.entry(account)
        return _time(account, entry, "updated") if entry else None

    def expiry(self, account: str) -> datetime | None:
        entry = self.entry(account)
        return _time(account, entry, "expires_at") if entry else None

    def get(self, account: str) -> dict[str, Any] | None:
        """The decrypted fields (a dict whose repr hides its values); None: no entry."""
        if account in self._clear:
            return self._clear[account]
        entry = self.entry(account)
        if entry is None:
            return None
        key = self._need_key(account)
        if entry["kid"] != key_id(key):
            raise VaultError(
                f"{account}: {KEY_ENV} is not the key this entry was encrypted with "
                f"(entry key id {entry['kid']}, given key id {key_id(key)})"
            )
        try:
            nonce = base64.b64decode(entry["nonce"], validate=True)
            sealed = base64.b64decode(entry["ciphertext"], validate=True)
            plain = AESGCM(key).decrypt(nonce, sealed, _aad(account, entry))
            fields = json.loads(plain.decode("utf-8"))
        except (InvalidTag, binascii.Error, ValueError):
            fields = None
        if not isinstance(fields, dict):
            raise VaultError(
                f"{account}: the vault entry was edited or is corrupt (it fails "
                f"authentication); restore {VAULT_FILE} from git or run "
                f"`socialgit connect {account}`"
            )
        self._clear[account] = seal(fields)
        return self._clear[account]

    # -- writing --------------------------------------------------------------------------
    def put(
        self,
        account: str,
        fields: Mapping[str, Any],
        meta: Mapping[str, str] | None = None,
        now: datetime | None = None,
    ) -> None:
        """Encrypt ``fields`` as ``account``'s entry. ``meta`` (clear, e.g. handle and id)
        defaults to the entry's current metadata. ``fields["expires_at"]`` (ISO) is copied
        beside the entry in clear, for planning refreshes."""
        if not _ACCOUNT.match(account):
            raise VaultError(f"{account!r} is not an account name")
        key = self._need_key(account)
        old = self._entries().get(account)
        clear_meta = dict(meta) if meta is not None else (dict(old["meta"]) if old else {})
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in clear_meta.items()):
            raise VaultError(f"{account}: metadata must map names to text")
        try:
            expires = parse_time(fields.get("expires_at"))
        except ValueError:
            raise VaultError(f"{account}: expires_at must be an ISO time") from None
        values = {k: (iso(v) if isinstance(v, datetime) else v) for k, v in fields.items()}
        if expires is not None:
            values["expires_at"] = iso(expires)
        if (
            old is not None
            and old.get("kid") == key_id(key)
            and old.get("meta") == clear_meta
            and self._clear.get(account) == values
        ):
            return  # nothing changed: keep the ciphertext (and the diff) as it is
        stamp = now or datetime.now(UTC)
        if now is None and old is not None:
            # Merges keep the newest stamp per account: the entry that replaces another must
            # outrank it even when this clock is behind the one that wrote it, or a merge
            # would keep the spent refresh token.
            try:
                before = parse_time(old.get("updated"))
            except ValueError:
                before = None  # an unreadable stamp is outranked by any
            if before is not None and before >= stamp:
                stamp = before + timedelta(microseconds=1)
        entry: dict[str, Any] = {
            "v": ENTRY_VERSION,
            "kid": key_id(key),
            "expires_at": iso(expires) if expires else None,
            "updated": iso(stamp, precise=True),
            "meta": clear_meta,
        }
        nonce = os.urandom(12)
        plain = json.dumps(values, sort_keys=True).encode("utf-8")
        entry["nonce"] = base64.b64encode(nonce).decode("ascii")
        sealed = AESGCM(key).encrypt(nonce, plain, _aad(account, entry))
        entry["ciphertext"] = base64.b64encode(sealed).decode("ascii")
        self._entries()[account] = entry
        self._clear[account] = seal(values)
        self.clear_lease(account)

    def remove(self, account: str) -> None:
        self._entries().pop(account, None)
        self._clear.pop(account, None)
        self.clear_lease(account)

    def rekey(self, new_key: str) -> int:
        """Re-encrypt every entry under ``new_key``; returns how many. All entries must
        decrypt under the current key first, so nothing is left half-converted."""
        fresh = parse_key(new_key, NEW_KEY_ENV)
        names = self.accounts()
        clear = {name: dict(self.get(name) or {}) for name in names}
        entries = self._entries()
        old = {name: dict(entries[name]) for name in names}
        self._key = fresh
        self._clear.clear()
        for name in names:
            stamp = _time(name, old[name], "updated")
            self.put(name, clear[name], old[name]["meta"], now=stamp)
        return len(names)

    # -- leases (advisory, clear) ----------------------------------------------------------
    def lease(self, account: str) -> Lease | None:
        found = self._data.get("leases", {}).get(account)
        try:
            at, until = parse_time(found["at"]), parse_time(found["until"])
            if at and until:
                return Lease(str(found["by"]), at, until)
        except (KeyError, TypeError, ValueError):
            pass
        return None

    def set_lease(self, account: str, by: str, at: datetime, until: datetime) -> None:
        leases = self._data.setdefault("leases", {})
        leases[account] = {"by": by, "at": iso(at, precise=True), "until": iso(until)}

    def clear_lease(self, account: str) -> None:
        leases = self._data.get("leases")
        if isinstance(leases, dict):
            leases.pop(account, None)
            if not leases:
                del self._data["leases"]

    # -- saving ---------------------------------------------------------------------------
    def dumps(self) -> bytes:
        return dumps(self._data)

    def save(self) -> bool:
        """Write the file atomically (temp file, fsync, rename); True if it changed."""
        text = self.dumps()
        if text == self._raw:
            return False
        if not self._entries() and not self._raw:
            return False  # nothing stored and no file: do not create an empty one
        write_atomic(self.path, text)
        self._raw = text
        return True

    # -- internals ------------------------------------------------------------------------
    def _entries(self) -> dict[str, Any]:
        entries: dict[str, Any] = self._data["accounts"]
        return entries

    def _need_key(self, account: str) -> bytes:
        if self._key is None:
            raise VaultError(
                f"{account}: {KEY_ENV} is not set; it is needed to read or write this "
                "account's credentials (make one with `socialgit vault keygen`)"
            )
        # Masked when first used, not when the vault opens: `vault list --format json`
        # reads no secret and keeps its stdout free of `::add-mask::` lines.
        register(base64.b64encode(self._key).decode("ascii"))
        return self._key


def dumps(data: Mapping[str, Any]) -> bytes:
    """One stable layout (sorted keys, one entry per block), so diffs stay small."""
    return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode("utf-8")


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".vault-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    try:
        dir_fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _empty() -> dict[str, Any]:
    return {"format": FORMAT, "version": VERSION, "accounts": {}}


def _parse(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f" (line {exc.lineno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise VaultError(
            f"{VAULT_FILE} is not valid JSON{where}; restore it from git history"
        ) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise VaultError(f"{VAULT_FILE} is not a socialgit vault; restore it from git history")
    if data.get("version") != VERSION:
        raise VaultError(
            f"{VAULT_FILE} has format version {data.get('version')!r}; this socialgit reads "
            f"version {VERSION} (upgrade socialgit, or restore the file from git history)"
        )
    if not isinstance(data.get("accounts"), dict):
        raise VaultError(f"{VAULT_FILE}: `accounts` must be a mapping; restore it from git")
    if not isinstance(data.get("leases", {}), dict):
        data.pop("leases")
    return data


def _check_entry(account: str, entry: object) -> None:
    edited = (
        f"{account}: the vault entry was edited or is corrupt; restore {VAULT_FILE} "
        f"from git or run `socialgit connect {account}`"
    )
    if not isinstance(entry, dict) or set(entry) != _ENTRY_KEYS:
        raise VaultError(edited)
    if entry["v"] != ENTRY_VERSION:
        raise VaultError(
            f"{account}: the vault entry has format version {entry['v']!r}; this socialgit "
            f"reads version {ENTRY_VERSION} (upgrade socialgit, or restore {VAULT_FILE})"
        )
    meta = entry["meta"]
    texts = (entry["kid"], entry["nonce"], entry["ciphertext"], entry["updated"])
    if (
        not _ACCOUNT.match(account)
        or not all(isinstance(t, str) for t in texts)
        or not isinstance(meta, dict)
        or not all(isinstance(k, str) and isinstance(v, str) for k, v in meta.items())
        or not (entry["expires_at"] is None or isinstance(entry["expires_at"], str))
    ):
        raise VaultError(edited)


def _time(account: str, entry: Mapping[str, Any], field: str) -> datetime | None:
    try:
        return parse_time(entry[field])
    except ValueError:
        raise VaultError(
            f"{account}: the vault entry's {field} is not a time (edited?); restore "
            f"{VAULT_FILE} from git or run `socialgit connect {account}`"
        ) from None


def _aad(account: str, entry: Mapping[str, Any]) -> bytes:
    bound = {k: entry[k] for k in ("v", "kid", "expires_at", "updated", "meta")}
    bound["account"] = account
    return json.dumps(bound, sort_keys=True, separators=(",", ":")).encode("utf-8")
