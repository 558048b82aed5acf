"""The webhook receiver (DESIGN.md section 6): verify, parse and drop deliveries into the inbox."""

from visma_airbase_pipeline.webhooks.app import AIRBASE_PATH, MAX_BODY, VISMA_PATH, build_receiver
from visma_airbase_pipeline.webhooks.events import EventError, ParsedEvent, parse_airbase, parse_visma
from visma_airbase_pipeline.webhooks.server import RunningReceiver, running_receiver, serve, split_secrets
from visma_airbase_pipeline.webhooks.signatures import Secrets, SignatureError, verify_airbase, verify_visma

__all__ = [
    "AIRBASE_PATH",
    "MAX_BODY",
    "VISMA_PATH",
    "EventError",
    "ParsedEvent",
    "RunningReceiver",
    "Secrets",
    "SignatureError",
    "build_receiver",
    "parse_airbase",
    "parse_visma",
    "running_receiver",
    "serve",
    "split_secrets",
    "verify_airbase",
    "verify_visma",
]
