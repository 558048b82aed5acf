"""``vab ping``: check both systems end to end and say, in one sentence per problem, what to fix.

Visma: a token from Visma Connect, one API call carrying ``ipp-company-id`` (the company check),
one page of suppliers. Airbase: one page of vendors. Each check reports its latency and the
rate-limit headroom seen. No retries (a ping should answer fast), and no secret in any message.
"""

from __future__ import annotations

import dataclasses
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from visma_airbase_pipeline.airbase import AirbaseClient
from visma_airbase_pipeline.credentials import Credentials, MissingCredentials, resolve_credentials
from visma_airbase_pipeline.errors import AuthError, NotFound, RateLimited, RemoteError, TransportError
from visma_airbase_pipeline.settings import Settings, load_settings
from visma_airbase_pipeline.transport import CallStats, TransportConfig
from visma_airbase_pipeline.vault import VaultError
from visma_airbase_pipeline.visma import VismaClient

PING_PAGE_SIZE = 25


@dataclass(frozen=True)
class PingCheck:
    """One step of the ping and its outcome."""

    system: str
    name: str
    ok: bool
    message: str
    latency_ms: float | None = None
    rate_limit: int | None = None
    rate_remaining: int | None = None


@dataclass(frozen=True)
class PingReport:
    """All checks; ``ok`` only when every check of both systems passed."""

    checks: tuple[PingCheck, ...]

    @property
    def ok(self) -> bool:
        """True when both systems work end to end."""
        return bool(self.checks) and all(check.ok for check in self.checks)

    def messages(self) -> list[str]:
        """One line per check, for the terminal."""
        return [f"[{'ok' if c.ok else 'FAIL'}] {c.system} {c.name}: {c.message}" for c in self.checks]

    def problems(self) -> list[str]:
        """Only the sentences describing what is wrong."""
        return [check.message for check in self.checks if not check.ok]


def _transport_sentence(what: str, url: str, env: str, error: TransportError) -> str:
    host = urlsplit(url).hostname or url
    if error.kind == "refused":
        return (
            f"Cannot reach {what} at {url}: connection refused; check {env} and that the server is running."
        )
    if error.kind == "dns":
        return f"Cannot reach {what}: the host name {host} does not resolve; check {env}."
    if error.kind == "tls":
        return (
            f"The TLS handshake with {what} at {url} failed; check {env} (https or http) and the certificate."
        )
    if error.kind in ("connect_timeout", "read_timeout", "timeout"):
        return (
            f"{what} at {url} did not answer in time ({error.kind.replace('_', ' ')}); check {env}, "
            "the network path (proxy, firewall) and the server."
        )
    return f"The connection to {what} at {url} failed; check {env} and the network."


def _token_sentence(error: RemoteError, url: str) -> str:
    code = (error.code or "").lower()
    if isinstance(error, TransportError):
        return _transport_sentence("Visma Connect", url, "VAB_VISMA_TOKEN_URL", error)
    if code == "invalid_client":
        return (
            "Visma Connect rejected the client id or client secret (invalid_client); check "
            "VAB_VISMA_CLIENT_ID and VAB_VISMA_CLIENT_SECRET or run `vab credentials set`."
        )
    if code == "invalid_tenant":
        return (
            "Visma Connect rejected the tenant id (invalid_tenant); use the tenant of the company that "
            "approved the app, not the customer tenant, in VAB_VISMA_TENANT_ID."
        )
    if code == "invalid_scope":
        return (
            "Visma Connect refused the requested scopes (invalid_scope); check the app is granted the "
            "vismanet_erp_service_api scopes."
        )
    if code in ("unauthorized_client", "invalid_grant"):
        return (
            f"Visma Connect refused the application ({code}); check the app may use client credentials "
            "and is approved for this tenant."
        )
    if isinstance(error, NotFound):
        return f"The Visma token URL {url} does not exist (404); check VAB_VISMA_TOKEN_URL."
    return f"Visma Connect failed to issue a token ({error.status}: {error.message}); try again later."


def _api_sentence(system: str, error: RemoteError, url: str, env: str, company_id: str | None = None) -> str:
    if isinstance(error, TransportError):
        return _transport_sentence(f"the {system} API", url, env, error)
    if isinstance(error, AuthError) and system == "Visma":
        if error.status == 403:
            return (
                f"Visma refused company {company_id} (403); check VAB_VISMA_COMPANY_ID is the company "
                "the application is approved for."
            )
        return (
            "Visma issued a token but refused the API call (401); the tenant id is probably the customer "
            "tenant, not the company tenant: set VAB_VISMA_TENANT_ID to the company tenant."
        )
    if isinstance(error, AuthError):
        if error.status == 403:
            return (
                "Airbase accepted the API token but denied access (403); ask an Airbase admin for API rights."
            )
        return (
            "Airbase rejected the API token (401); check VAB_AIRBASE_TOKEN and VAB_AIRBASE_AUTH_SCHEME "
            "(Token or Bearer)."
        )
    if isinstance(error, NotFound):
        return f"The {system} API answered 404 at {url}; check {env}."
    if isinstance(error, RateLimited):
        wait = f"{error.retry_after:.0f} s" if error.retry_after is not None else "a while"
        return f"{system} is throttling this client (429); wait {wait} and try again."
    return f"The {system} API failed ({error.status}: {error.message}); try again later."


class _Probe:
    """Runs checks for one system, timing each and collecting results."""

    def __init__(self, system: str, clock: Callable[[], float]) -> None:
        self.system, self.clock, self.checks = system, clock, list[PingCheck]()

    def run(
        self,
        name: str,
        step: Callable[[], str],
        on_error: Callable[[RemoteError], str],
        stats: CallStats | None,
    ) -> bool:
        started = self.clock()
        try:
            message = step()
        except (RemoteError, ValueError) as error:
            # ValueError: a malformed URL (no scheme, ...), found before anything is sent.
            text = (
                on_error(error) if isinstance(error, RemoteError) else f"{error}; check the configured URLs."
            )
            latency = round((self.clock() - started) * 1000, 1)
            self.checks.append(PingCheck(self.system, name, False, text, latency))
            return False
        latency = round((self.clock() - started) * 1000, 1)
        self.checks.append(
            PingCheck(
                self.system,
                name,
                True,
                f"{message} in {latency:g} ms",
                latency,
                stats.rate_limit if stats else None,
                stats.rate_remaining if stats else None,
            )
        )
        return True

    def fail(self, name: str, message: str) -> None:
        self.checks.append(PingCheck(self.system, name, False, message))


def _ping_visma(
    credentials: Credentials, settings: Settings, config: TransportConfig, clock: Callable[[], float]
) -> list[PingCheck]:
    probe = _Probe("visma", clock)
    try:
        visma = credentials.require_visma()
    except MissingCredentials as error:
        probe.fail("credentials", str(error))
        return probe.checks
    env = "VAB_VISMA_BASE_URL"
    with VismaClient.from_credentials(credentials, settings, config=config) as client:

        def token() -> str:
            client.authenticate()
            return "token issued"

        if not probe.run(
            "token",
            token,
            lambda e: _token_sentence(e, visma.token_url),
            client.stats,
        ):
            return probe.checks

        def company() -> str:
            list(itertools.islice(client.iter_suppliers(page_size=1), 1))
            return f"company {visma.company_id} accepted"

        if not probe.run(
            "company",
            company,
            lambda e: _api_sentence("Visma", e, visma.base_url, env, visma.company_id),
            client.stats,
        ):
            return probe.checks

        def suppliers() -> str:
            found = list(itertools.islice(client.iter_suppliers(page_size=PING_PAGE_SIZE), PING_PAGE_SIZE))
            return f"read {len(found)} suppliers"

        probe.run(
            "suppliers", suppliers, lambda e: _api_sentence("Visma", e, visma.base_url, env), client.stats
        )
    return probe.checks


def _ping_airbase(
    credentials: Credentials, settings: Settings, config: TransportConfig, clock: Callable[[], float]
) -> list[PingCheck]:
    probe = _Probe("airbase", clock)
    try:
        airbase = credentials.require_airbase()
    except MissingCredentials as error:
        probe.fail("credentials", str(error))
        return probe.checks
    try:
        client = AirbaseClient.from_credentials(
            credentials, settings, config=config, page_size=PING_PAGE_SIZE
        )
    except ValueError as error:  # an auth scheme other than Token/Bearer
        probe.fail("credentials", f"{error}; check VAB_AIRBASE_AUTH_SCHEME.")
        return probe.checks
    with client:

        def vendors() -> str:
            found = list(itertools.islice(client.iter_vendors(), PING_PAGE_SIZE))
            return f"read {len(found)} vendors"

        probe.run(
            "vendors",
            vendors,
            lambda e: _api_sentence("Airbase", e, airbase.base_url, "VAB_AIRBASE_BASE_URL"),
            client.stats,
        )
    return probe.checks


def ping(
    credentials: Credentials | None = None,
    settings: Settings | None = None,
    *,
    timeout_s: float | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> PingReport:
    """Check Visma and Airbase end to end; never raises for a remote problem, it reports it."""
    settings = settings or load_settings()
    try:
        credentials = credentials or resolve_credentials(settings)
    except VaultError as error:
        return PingReport(
            (
                PingCheck("visma", "credentials", False, str(error)),
                PingCheck("airbase", "credentials", False, str(error)),
            )
        )
    config = TransportConfig.from_settings(settings)
    # No retries and no pacing pauses: a ping answers now, with what is wrong.
    config = dataclasses.replace(
        config, retry=dataclasses.replace(config.retry, max_attempts=1), max_pacing_sleep_s=0.0
    )
    if timeout_s is not None:
        config = dataclasses.replace(config, connect_timeout_s=timeout_s, read_timeout_s=timeout_s)
    checks = [
        *_ping_visma(credentials, settings, config, clock),
        *_ping_airbase(credentials, settings, config, clock),
    ]
    return PingReport(tuple(checks))
