"""A Dagster logger that prints one line per finished step: the live progress of ``vab sync``."""

import logging
import sys
import time

import dagster as dg

_DONE = {"STEP_SUCCESS": "done", "STEP_FAILURE": "FAILED", "STEP_SKIPPED": "skipped"}


class _StepProgress(logging.Handler):
    def __init__(self, total: int) -> None:
        super().__init__(logging.DEBUG)
        self.total, self.done, self.started = total, 0, time.monotonic()

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "dagster_event", None)
        outcome = _DONE.get(getattr(event, "event_type_value", ""), "")
        if not outcome or event is None:
            return
        self.done += 1
        step = (event.step_key or "").replace("__", "/")
        elapsed = time.monotonic() - self.started
        print(
            f"  [{self.done:>2}/{self.total}] {outcome:7} {step}  ({elapsed:.1f} s)",
            file=sys.stdout,
            flush=True,
        )


@dg.logger(config_schema={"total": dg.Field(int, default_value=0)}, description="Steps finished, live")
def step_progress(init_context: dg.InitLoggerContext) -> logging.Logger:
    """Prints ``[i/N] done step (elapsed)`` as each step of an in-process run finishes."""
    log = logging.getLogger(f"vab.progress.{id(init_context)}")
    log.setLevel(logging.DEBUG)
    log.propagate = False
    log.handlers = [_StepProgress(init_context.logger_config["total"])]
    return log
