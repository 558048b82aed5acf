"""The effective credentials: environment variables over the vault over the settings defaults.

Containers and CI pass ``VAB_*`` variables; a workstation keeps them in the encrypted vault
(``vault.py``); base URLs default to the local sandboxes. Secrets stay ``SecretStr`` from end to end
and each value remembers where it came from, so ``vab ping`` can say which one to fix.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from visma_airbase_pipeline.settings import Settings, load_settings
from visma_airbase_pipeline.vault import CREDENTIAL_FIELDS, SECRET_FIELDS, Vault

Source = Literal["env", "vault", "default", "missing"]
ENV_NAMES: dict[str, str] = {name: f"VAB_{name.upper()}" for name in CREDENTIAL_FIELDS}


class MissingCredentials(ValueError):
    """A credential a client needs is set nowhere; the message names the variables to set."""


class VismaCredentials(BaseModel):
    """Everything a Visma client needs, all present."""

    model_config = ConfigDict(frozen=True)

    base_url: str
    token_url: str
    client_id: str
    client_secret: SecretStr = Field(repr=False)
    tenant_id: str
    company_id: str


class AirbaseCredentials(BaseModel):
    """Everything an Airbase client needs, all present."""

    model_config = ConfigDict(frozen=True)

    base_url: str
    token: SecretStr = Field(repr=False)
    auth_scheme: str = "Token"


class Credentials(BaseModel):
    """Resolved credentials of both systems and the source of each value."""

    model_config = ConfigDict(frozen=True)

    visma_base_url: str
    visma_token_url: str
    visma_client_id: str | None = None
    visma_client_secret: SecretStr | None = Field(default=None, repr=False)
    visma_tenant_id: str | None = None
    visma_company_id: str | None = None
    airbase_base_url: str
    airbase_token: SecretStr | None = Field(default=None, repr=False)
    airbase_auth_scheme: str = "Token"
    visma_webhook_secret: SecretStr | None = Field(default=None, repr=False)
    airbase_webhook_secret: SecretStr | None = Field(default=None, repr=False)
    sources: dict[str, Source] = {}

    def _missing(self, names: list[str]) -> list[str]:
        return [name for name in names if not getattr(self, name)]

    def _require(self, system: str, names: list[str]) -> None:
        missing = self._missing(names)
        if missing:
            labels = ", ".join(CREDENTIAL_FIELDS[name] for name in missing)
            variables = ", ".join(ENV_NAMES[name] for name in missing)
            raise MissingCredentials(
                f"{system} credentials are incomplete ({labels} not set): run `vab credentials set` "
                f"or set {variables}"
            )

    def require_visma(self) -> VismaCredentials:
        """The Visma part, or ``MissingCredentials`` naming what to set."""
        names = ["visma_client_id", "visma_client_secret", "visma_tenant_id", "visma_company_id"]
        self._require("Visma", names)
        assert self.visma_client_secret is not None
        return VismaCredentials(
            base_url=self.visma_base_url,
            token_url=self.visma_token_url,
            client_id=str(self.visma_client_id),
            client_secret=self.visma_client_secret,
            tenant_id=str(self.visma_tenant_id),
            company_id=str(self.visma_company_id),
        )

    def require_airbase(self) -> AirbaseCredentials:
        """The Airbase part, or ``MissingCredentials`` naming what to set."""
        self._require("Airbase", ["airbase_token"])
        assert self.airbase_token is not None
        return AirbaseCredentials(
            base_url=self.airbase_base_url, token=self.airbase_token, auth_scheme=self.airbase_auth_scheme
        )


def resolve_credentials(settings: Settings | None = None, vault: Vault | None = None) -> Credentials:
    """Merge environment, vault and defaults into one ``Credentials`` (environment wins).

    The vault is opened only when some value is not given by the environment and the vault file
    exists; a wrong or missing ``VAB_MASTER_KEY`` then raises ``VaultError``.
    """
    settings = settings or load_settings()
    from_env = {name for name in CREDENTIAL_FIELDS if name in settings.model_fields_set}
    vault = vault or Vault.from_settings(settings)
    stored = vault.load() if len(from_env) < len(CREDENTIAL_FIELDS) and vault.exists() else {}
    values: dict[str, object] = {}
    sources: dict[str, Source] = {}
    for name in CREDENTIAL_FIELDS:
        value = getattr(settings, name)
        if name in from_env and value is not None:
            values[name], sources[name] = value, "env"
        elif name in stored:
            secret = stored[name]
            values[name] = secret if name in SECRET_FIELDS else secret.get_secret_value()
            sources[name] = "vault"
        elif value is not None:
            values[name], sources[name] = value, "default"
        else:
            sources[name] = "missing"
    return Credentials.model_validate({**values, "sources": sources})
