"""A Dagster logger that shows the live progress of an in-process run (``vab sync``, ``vab demo``):
a rich progress bar over the steps in a terminal, one plain line per finished step in a log."""

from __future__ import annotations

import logging
import sys
import time

import dagster as dg
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

_DONE = {"STEP_SUCCESS": "done", "STEP_FAILURE": "FAILED", "STEP_SKIPPED": "skipped"}
_RUN_END = {"RUN_SUCCESS", "RUN_FAILURE", "RUN_CANCELED"}


class _StepProgress(logging.Handler):
    def __init__(self, total: int, plain_lines: bool, transient: bool) -> None:
        super().__init__(logging.DEBUG)
        self.total, self.done, self.started = total, 0, time.monotonic()
        self.plain_lines, self.transient = plain_lines, transient
        # Decided now: while a step runs, Dagster's compute-log capture puts a pipe behind stdout.
        self.live = Console(file=sys.stdout).is_terminal
        self.console = Console(file=sys.stdout, markup=False, highlight=False, force_terminal=self.live)
        # Started at the first finished step: Dagster may build this logger more than once per run,
        # and a copy that never sees a step must not leave a bar behind.
        self.bar: Progress | None = None

    def _start(self) -> Progress:
        bar = Progress(
            TextColumn("  {task.description:<34}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            transient=self.transient,
        )
        self.task = bar.add_task("", total=self.total or None)
        bar.start()
        return bar

    def _finish(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "dagster_event", None)
        kind = getattr(event, "event_type_value", "")
        if kind in _RUN_END:
            self._finish()
            return
        outcome = _DONE.get(kind, "")
        if not outcome or event is None:
            return
        self.done += 1
        step = (event.step_key or "").replace("__", "/")
        if self.live:
            if self.bar is None:
                if self.done > 1:
                    return  # the bar already ran to its end
                self.bar = self._start()
            self.bar.update(self.task, advance=1, description=f"{outcome} {step}")
            if self.total and self.done >= self.total:
                self._finish()
        elif self.plain_lines:
            elapsed = time.monotonic() - self.started
            print(
                f"  [{self.done:>2}/{self.total}] {outcome:7} {step}  ({elapsed:.1f} s)",
                file=sys.stdout,
                flush=True,
            )


@dg.logger(
    config_schema={
        "total": dg.Field(int, default_value=0),
        "plain_lines": dg.Field(bool, default_value=True, description="a line per step when not a terminal"),
        "transient": dg.Field(bool, default_value=False, description="remove the bar once the run ends"),
    },
    description="Steps finished, live",
)
def step_progress(init_context: dg.InitLoggerContext) -> logging.Logger:
    """Lets a person at a terminal see how far a long in-process run is, and a log keep a line per step."""
    config = init_context.logger_config
    log = logging.getLogger(f"vab.progress.{id(init_context)}")
    log.setLevel(logging.DEBUG)
    log.propagate = False
    log.handlers = [_StepProgress(config["total"], config["plain_lines"], config["transient"])]
    return log
