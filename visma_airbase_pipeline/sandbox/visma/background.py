"""Visma's background API (api/visma.md section 9.3): a call sent with ``erp-api-background``
answers ``202 {"id","stateLocation"}``; ``GET /v1/background/{id}`` reports ``Started`` until the
configured delay has passed, then ``Finished``/``Failed``; ``/content`` gives the original answer.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response

from visma_airbase_pipeline.sandbox.jsonio import loads

KEEP_S = 24 * 3600


@dataclass
class Job:
    """The captured answer of one background call and when it becomes visible."""

    id: str
    ready_at: float
    expires_at: float
    status_code: int
    body: bytes
    media_type: str | None
    headers: dict[str, str] = field(default_factory=dict)


class BackgroundJobs:
    """Finished work waiting to be polled; jobs are kept 24 hours, as Visma keeps them."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._jobs: dict[str, Job] = {}

    def submit(self, response: Response, delay_s: float) -> Job:
        """Keep a response; it reads as ``Started`` for ``delay_s`` seconds."""
        now = self._clock()
        self._jobs = {k: j for k, j in self._jobs.items() if j.expires_at > now}
        kept = {k: v for k, v in response.headers.items() if k.lower() in ("etag", "location")}
        job = Job(
            str(uuid.uuid4()), now + delay_s, now + KEEP_S, response.status_code, bytes(response.body),
            response.media_type, kept,
        )  # fmt: skip
        self._jobs[job.id] = job
        return job

    def get(self, job_id: str) -> Job | None:
        """A job that has not expired."""
        job = self._jobs.get(job_id)
        return job if job is not None and job.expires_at > self._clock() else None

    def ready(self, job: Job) -> bool:
        """True once the work is reported done."""
        return self._clock() >= job.ready_at

    def state(self, job: Job, content_location: str) -> dict[str, Any]:
        """The ``GET /v1/background/{id}`` body."""
        if not self.ready(job):
            return {"id": job.id, "status": "Started", "statusCode": None, "errorMessage": None,
                    "contentLocation": None}  # fmt: skip
        failed = job.status_code >= 400
        message = None
        if failed:
            try:
                parsed = loads(job.body)
            except ValueError:
                parsed = None
            message = (
                parsed.get("ExceptionMessage")
                if isinstance(parsed, dict)
                else job.body.decode(errors="replace")
            )
        return {
            "id": job.id,
            "status": "Failed" if failed else "Finished",
            "statusCode": job.status_code,
            "errorMessage": message,
            "contentLocation": content_location,
        }

    def clear(self) -> None:
        """Forget every job (on reset)."""
        self._jobs.clear()
