"""Encrypted credentials file: ``$DAGSTER_HOME/vab-credentials.enc``, Fernet under ``VAB_MASTER_KEY``.

Several comma-separated keys form a MultiFernet: the first encrypts, all decrypt, so a key can be
rotated without downtime (set ``new,old``, run ``rotate``, then drop ``old``). The file is written
atomically with mode 0600. Every failure to decrypt becomes one ``VaultError`` sentence, never a
cryptography traceback. The functions at the end back ``vab credentials set|show|rotate-key``.
"""

from __future__ import annotations

import getpass
import json
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from pydantic import SecretStr

from visma_airbase_pipeline.settings import Settings, dagster_home, load_settings

VAULT_FILE = "vab-credentials.enc"
_FORMAT_VERSION = 1

# Field name -> label shown when prompting; order is the prompt order.
CREDENTIAL_FIELDS: dict[str, str] = {
    "visma_client_id": "Visma client id",
    "visma_client_secret": "Visma client secret",
    "visma_tenant_id": "Visma tenant id (the company tenant)",
    "visma_company_id": "Visma company id",
    "airbase_token": "Airbase API token",
    "visma_webhook_secret": "Visma webhook secret",
    "airbase_webhook_secret": "Airbase webhook secret",
    "visma_base_url": "Visma base URL",
    "visma_token_url": "Visma token URL",
    "airbase_base_url": "Airbase base URL",
    "airbase_auth_scheme": "Airbase auth scheme (Token or Bearer)",
}
SECRET_FIELDS = frozenset(
    {"visma_client_secret", "airbase_token", "visma_webhook_secret", "airbase_webhook_secret"}
)


class VaultError(Exception):
    """The vault cannot be used: no key, a malformed key, the wrong key, or a damaged file."""


def generate_key() -> str:
    """A new random Fernet key, for ``VAB_MASTER_KEY``."""
    return Fernet.generate_key().decode()


def _split_keys(keys: SecretStr | str | None) -> list[str]:
    raw = keys.get_secret_value() if isinstance(keys, SecretStr) else (keys or "")
    return [key.strip() for key in raw.split(",") if key.strip()]


def _fernets(keys: list[str]) -> list[Fernet]:
    if not keys:
        raise VaultError("VAB_MASTER_KEY is not set: set it to the key the vault was created with")
    fernets = []
    for position, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key.encode()))
        except (ValueError, TypeError):
            raise VaultError(
                f"VAB_MASTER_KEY key #{position} is not a valid Fernet key (32 url-safe base64 bytes)"
            ) from None
    return fernets


def redact(value: str | None) -> str:
    """Show enough of a secret to recognise it: ``vab…ret`` for long values, ``***`` for short ones."""
    if not value:
        return "(not set)"
    return f"{value[:3]}…{value[-3:]}" if len(value) >= 12 else "***"


class Vault:
    """Reads and writes the encrypted credentials file."""

    def __init__(self, path: Path, master_key: SecretStr | str | None) -> None:
        self.path = path
        self._keys = _split_keys(master_key)

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Vault:
        """The vault of this ``DAGSTER_HOME`` under ``VAB_MASTER_KEY``."""
        settings = settings or load_settings()
        return cls(dagster_home() / VAULT_FILE, settings.master_key)

    def __repr__(self) -> str:
        return f"Vault(path={str(self.path)!r}, keys={len(self._keys)})"

    def exists(self) -> bool:
        """True once credentials have been saved."""
        return self.path.is_file()

    def _multi(self) -> MultiFernet:
        return MultiFernet(_fernets(self._keys))

    def _read(self) -> dict[str, str]:
        if not self.exists():
            return {}
        try:
            plain = self._multi().decrypt(self.path.read_bytes())
        except InvalidToken:
            raise VaultError(
                f"The vault {self.path} cannot be decrypted with VAB_MASTER_KEY: check the key"
            ) from None
        try:
            document = json.loads(plain)
            values = document["credentials"]
        except (ValueError, KeyError, TypeError):
            raise VaultError(f"The vault {self.path} is damaged: set the credentials again") from None
        return {str(k): str(v) for k, v in values.items() if v is not None}

    def load(self) -> dict[str, SecretStr]:
        """Stored credentials, each wrapped so a stray print or log line cannot reveal it."""
        return {name: SecretStr(value) for name, value in self._read().items()}

    def _write(self, token: bytes) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=".vab-credentials.", dir=self.path.parent)
        try:
            os.chmod(temp, 0o600)
            with os.fdopen(handle, "wb") as stream:
                stream.write(token)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temp, self.path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        os.chmod(self.path, 0o600)

    def save(self, values: Mapping[str, str | SecretStr]) -> None:
        """Replace the stored credentials, encrypted under the first key."""
        unknown = sorted(set(values) - set(CREDENTIAL_FIELDS))
        if unknown:
            raise ValueError(f"unknown credential field(s): {', '.join(unknown)}")
        plain = {k: v.get_secret_value() if isinstance(v, SecretStr) else v for k, v in values.items() if v}
        document = json.dumps({"version": _FORMAT_VERSION, "credentials": plain}).encode()
        self._write(self._multi().encrypt(document))

    def update(self, changes: Mapping[str, str | SecretStr | None]) -> None:
        """Merge changes into the stored credentials (``None`` or empty removes a field)."""
        current: dict[str, str | SecretStr] = dict(self._read())
        for name, value in changes.items():
            if value is None or value == "":
                current.pop(name, None)
            else:
                current[name] = value
        self.save(current)

    def rotate(self, new_key: str) -> str:
        """Re-encrypt under ``new_key``; returns the ``VAB_MASTER_KEY`` value to use from now on.

        Data stays readable throughout: old keys still decrypt, and the returned value lists the
        new key first followed by the old ones; drop the old ones once every process has it.
        """
        new_fernet = _fernets([new_key])[0]
        if not self.exists():
            raise VaultError(f"There is no vault at {self.path} to rotate: run `vab credentials set` first")
        try:
            token = MultiFernet([new_fernet, *_fernets(self._keys)]).rotate(self.path.read_bytes())
        except InvalidToken:
            raise VaultError(
                f"The vault {self.path} cannot be decrypted with VAB_MASTER_KEY: check the key"
            ) from None
        self._write(token)
        self._keys = [new_key, *(key for key in self._keys if key != new_key)]
        return ",".join(self._keys)


def set_credentials(
    vault: Vault,
    ask: Callable[[str], str] = input,
    ask_secret: Callable[[str], str] = getpass.getpass,
    fields: Sequence[str] | None = None,
) -> list[str]:
    """Prompt for each credential (secrets without echo) and store the answers; returns changed names.

    An empty answer keeps the current value, so re-running to change one secret is cheap.
    """
    current = vault.load()
    changes: dict[str, str] = {}
    for name in fields or list(CREDENTIAL_FIELDS):
        if name not in CREDENTIAL_FIELDS:
            raise ValueError(f"unknown credential field: {name}")
        existing = current.get(name)
        shown = existing.get_secret_value() if existing else ""
        hint = (redact(shown) if name in SECRET_FIELDS else shown) if shown else "not set"
        prompt = f"{CREDENTIAL_FIELDS[name]} [{hint}]: "
        answer = (ask_secret if name in SECRET_FIELDS else ask)(prompt).strip()
        if answer and answer != shown:
            changes[name] = answer
    if changes:
        vault.update(changes)
    return sorted(changes)


def show_credentials(vault: Vault) -> dict[str, str]:
    """Every credential field for display: secrets redacted, identifiers and URLs as stored."""
    stored = vault.load()
    shown: dict[str, str] = {}
    for name in CREDENTIAL_FIELDS:
        value = stored[name].get_secret_value() if name in stored else None
        shown[name] = redact(value) if name in SECRET_FIELDS or not value else value
    return shown


def rotate_key(vault: Vault, new_key: str | None = None) -> str:
    """Rotate to ``new_key`` (generated if omitted); returns the new ``VAB_MASTER_KEY`` value to set."""
    return vault.rotate(new_key or generate_key())
