"""Effective credentials: environment over vault over defaults, and clear errors when incomplete."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from visma_airbase_pipeline.credentials import ENV_NAMES, MissingCredentials, resolve_credentials
from visma_airbase_pipeline.settings import Settings
from visma_airbase_pipeline.vault import VAULT_FILE, Vault, VaultError, generate_key

SECRETS = ("vab-sandbox-secret", "vab-sandbox-airbase-token", "env-secret-override-1")


@pytest.fixture
def clean_env(dagster_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No VAB_* variables and no .env file: only what the test sets."""
    for name in list(os.environ):
        if name.startswith("VAB_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return dagster_home


def store(home: Path, key: str, **values: str) -> None:
    Vault(home / VAULT_FILE, key).save(values)


def test_env_names_are_exactly_the_documented_ones():
    assert sorted(ENV_NAMES.values()) == sorted(
        [
            "VAB_VISMA_BASE_URL",
            "VAB_VISMA_TOKEN_URL",
            "VAB_VISMA_CLIENT_ID",
            "VAB_VISMA_CLIENT_SECRET",
            "VAB_VISMA_TENANT_ID",
            "VAB_VISMA_COMPANY_ID",
            "VAB_AIRBASE_BASE_URL",
            "VAB_AIRBASE_TOKEN",
            "VAB_AIRBASE_AUTH_SCHEME",
            "VAB_VISMA_WEBHOOK_SECRET",
            "VAB_AIRBASE_WEBHOOK_SECRET",
        ]
    )


def test_environment_overrides_vault_overrides_defaults(clean_env: Path, monkeypatch: pytest.MonkeyPatch):
    key = generate_key()
    store(
        clean_env,
        key,
        visma_client_id="vab-sandbox-client",
        visma_client_secret="vab-sandbox-secret",
        visma_tenant_id="vab-sandbox-tenant",
        visma_company_id="1000001",
        visma_base_url="http://vault-host:1",
        airbase_token="vab-sandbox-airbase-token",
    )
    monkeypatch.setenv("VAB_MASTER_KEY", key)
    monkeypatch.setenv("VAB_VISMA_CLIENT_SECRET", "env-secret-override-1")
    monkeypatch.setenv("VAB_AIRBASE_AUTH_SCHEME", "Bearer")
    creds = resolve_credentials(Settings(_env_file=None))
    visma = creds.require_visma()
    assert visma.client_secret.get_secret_value() == "env-secret-override-1"
    assert visma.client_id == "vab-sandbox-client"
    assert visma.base_url == "http://vault-host:1"
    assert visma.token_url == "http://127.0.0.1:8701/connect/token"
    assert creds.require_airbase().auth_scheme == "Bearer"
    assert creds.sources["visma_client_secret"] == "env"
    assert creds.sources["visma_client_id"] == "vault"
    assert creds.sources["visma_token_url"] == "default"
    assert creds.sources["visma_webhook_secret"] == "missing"
    text = repr(creds) + str(creds) + repr(visma) + repr(creds.require_airbase())
    assert not any(secret in text for secret in SECRETS)


def test_missing_credentials_name_what_to_set(clean_env: Path):
    creds = resolve_credentials(Settings(_env_file=None))
    with pytest.raises(MissingCredentials) as caught:
        creds.require_visma()
    assert "VAB_VISMA_CLIENT_SECRET" in str(caught.value) and "vab credentials set" in str(caught.value)
    with pytest.raises(MissingCredentials, match="VAB_AIRBASE_TOKEN"):
        creds.require_airbase()


def test_wrong_master_key_is_a_vault_error(clean_env: Path, monkeypatch: pytest.MonkeyPatch):
    store(clean_env, generate_key(), visma_client_secret="vab-sandbox-secret")
    monkeypatch.setenv("VAB_MASTER_KEY", generate_key())
    with pytest.raises(VaultError, match="cannot be decrypted with VAB_MASTER_KEY"):
        resolve_credentials(Settings(_env_file=None))


def test_vault_is_not_opened_when_the_environment_gives_everything(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
):
    store(clean_env, generate_key(), visma_client_secret="from-vault")
    for name, env in ENV_NAMES.items():
        monkeypatch.setenv(env, "Token" if name == "airbase_auth_scheme" else f"value-of-{name}")
    creds = resolve_credentials(Settings(_env_file=None))  # no VAB_MASTER_KEY, yet no error
    assert set(creds.sources.values()) == {"env"}
