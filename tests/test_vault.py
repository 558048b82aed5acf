"""The encrypted credentials vault: unreadable without the key, clear errors, rotation, CLI helpers."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import SecretStr

from visma_airbase_pipeline.settings import Settings
from visma_airbase_pipeline.vault import (
    CREDENTIAL_FIELDS,
    SECRET_FIELDS,
    VAULT_FILE,
    Vault,
    VaultError,
    generate_key,
    redact,
    rotate_key,
    set_credentials,
    show_credentials,
)

CREDS = {
    "visma_client_id": "vab-sandbox-client",
    "visma_client_secret": "vab-sandbox-secret",
    "visma_tenant_id": "vab-sandbox-tenant",
    "visma_company_id": "1000001",
    "airbase_token": "vab-sandbox-airbase-token",
    "visma_webhook_secret": "whsec-visma-0123456789",
    "airbase_webhook_secret": "whsec-airbase-0123456789",
}


@pytest.fixture
def key() -> str:
    return generate_key()


@pytest.fixture
def vault(tmp_path: Path, key: str) -> Vault:
    stored = Vault(tmp_path / VAULT_FILE, key)
    stored.save(CREDS)
    return stored


def test_roundtrip_and_values_stay_wrapped(vault: Vault, key: str):
    loaded = Vault(vault.path, key).load()
    assert {k: v.get_secret_value() for k, v in loaded.items()} == CREDS
    assert all(isinstance(v, SecretStr) for v in loaded.values())
    assert "vab-sandbox-secret" not in repr(loaded) and "vab-sandbox-secret" not in repr(vault)


def test_file_is_encrypted_and_private(vault: Vault):
    content = vault.path.read_bytes()
    for value in CREDS.values():
        assert value.encode() not in content
    assert b"visma_client_secret" not in content
    assert stat.S_IMODE(vault.path.stat().st_mode) == 0o600


def test_wrong_key_is_one_clear_sentence(vault: Vault):
    with pytest.raises(VaultError) as caught:
        Vault(vault.path, generate_key()).load()
    assert str(caught.value) == (
        f"The vault {vault.path} cannot be decrypted with VAB_MASTER_KEY: check the key"
    )
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


@pytest.mark.parametrize(
    ("master_key", "message"),
    [
        (None, "VAB_MASTER_KEY is not set"),
        ("", "VAB_MASTER_KEY is not set"),
        ("not-a-fernet-key", "not a valid Fernet key"),
    ],
)
def test_missing_or_malformed_key(vault: Vault, master_key: str | None, message: str):
    with pytest.raises(VaultError, match=message) as caught:
        Vault(vault.path, master_key).load()
    assert "not-a-fernet-key" not in str(caught.value)


def test_damaged_file(vault: Vault, key: str):
    vault.path.write_bytes(b"garbage")
    with pytest.raises(VaultError, match="cannot be decrypted"):
        Vault(vault.path, key).load()


def test_any_listed_key_decrypts_and_the_first_encrypts(vault: Vault, key: str):
    newer = generate_key()
    both = Vault(vault.path, f"{newer}, {key}")
    assert both.load()["visma_company_id"].get_secret_value() == "1000001"
    both.update({"visma_company_id": "1000002"})
    # Written under `newer` now: the old key alone can no longer read it.
    with pytest.raises(VaultError):
        Vault(vault.path, key).load()
    assert Vault(vault.path, newer).load()["visma_company_id"].get_secret_value() == "1000002"


def test_rotation_keeps_data_readable_and_retires_the_old_key(vault: Vault, key: str):
    new_key = generate_key()
    master = rotate_key(Vault(vault.path, key), new_key)
    assert master == f"{new_key},{key}"
    # During the rotation window both spellings of VAB_MASTER_KEY read the data...
    assert Vault(vault.path, master).load()["airbase_token"].get_secret_value() == CREDS["airbase_token"]
    assert Vault(vault.path, new_key).load()["airbase_token"].get_secret_value() == CREDS["airbase_token"]
    # ...and the file is re-encrypted: the old key alone is done.
    with pytest.raises(VaultError, match="check the key"):
        Vault(vault.path, key).load()


def test_rotate_with_wrong_current_key_fails_cleanly(vault: Vault):
    with pytest.raises(VaultError, match="check the key"):
        Vault(vault.path, generate_key()).rotate(generate_key())


def test_rotate_without_vault(tmp_path: Path, key: str):
    with pytest.raises(VaultError, match="no vault"):
        Vault(tmp_path / VAULT_FILE, key).rotate(generate_key())


def test_set_prompts_secrets_without_echo_and_keeps_blank_answers(tmp_path: Path, key: str):
    stored = Vault(tmp_path / VAULT_FILE, key)
    plain_prompts: list[str] = []
    secret_prompts: list[str] = []
    answers = {
        "Visma client id": "vab-sandbox-client",
        "Visma client secret": "vab-sandbox-secret",
        "Airbase API token": "vab-sandbox-airbase-token",
    }

    def ask(prompt: str) -> str:
        plain_prompts.append(prompt)
        return next((v for k, v in answers.items() if prompt.startswith(k + " [")), "")

    def ask_secret(prompt: str) -> str:
        secret_prompts.append(prompt)
        return next((v for k, v in answers.items() if prompt.startswith(k + " [")), "")

    changed = set_credentials(stored, ask, ask_secret)
    assert changed == ["airbase_token", "visma_client_id", "visma_client_secret"]
    assert any(p.startswith("Visma client secret") for p in secret_prompts)
    secret_labels = [CREDENTIAL_FIELDS[name] for name in SECRET_FIELDS]
    assert sorted(p.split(" [")[0] for p in secret_prompts) == sorted(secret_labels)
    assert not any(p.split(" [")[0] in secret_labels for p in plain_prompts)
    # Second run: blank answers keep everything; the prompt shows the stored secret redacted only.
    assert set_credentials(stored, lambda _: "", lambda _: "") == []
    hints = []
    set_credentials(stored, lambda p: hints.append(p) or "", lambda p: hints.append(p) or "")
    assert "Visma client secret [vab…ret]: " in hints
    assert not any("vab-sandbox-secret" in h for h in hints)


def test_show_redacts_secrets_only(vault: Vault):
    shown = show_credentials(vault)
    assert shown["visma_client_secret"] == "vab…ret"
    assert shown["airbase_token"] == "vab…ken"
    assert shown["visma_client_id"] == "vab-sandbox-client"
    assert shown["airbase_base_url"] == "(not set)"
    for secret in ("vab-sandbox-secret", "vab-sandbox-airbase-token", "whsec-visma-0123456789"):
        assert secret not in repr(shown)


@pytest.mark.parametrize(
    ("value", "shown"),
    [("vab-sandbox-secret", "vab…ret"), ("short", "***"), ("", "(not set)"), (None, "(not set)")],
)
def test_redact(value: str | None, shown: str):
    assert redact(value) == shown


def test_vault_lives_in_dagster_home(dagster_home: Path, key: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("VAB_MASTER_KEY", key)
    stored = Vault.from_settings(Settings(_env_file=None))
    assert stored.path == dagster_home / "vab-credentials.enc"
    stored.save({"visma_company_id": "1000001"})
    assert stored.path.is_file()


def test_unknown_field_is_refused(tmp_path: Path, key: str):
    with pytest.raises(ValueError, match="unknown credential"):
        Vault(tmp_path / VAULT_FILE, key).save({"password": "x"})
