"""``--json`` on the commands a script reads, and the plain tables a log gets (no colour, no wrap)."""

from __future__ import annotations

import json

import pytest

from visma_airbase_pipeline import cli


def test_exit_codes_are_in_the_help(capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.main(["--help"])
    assert stopped.value.code == 0
    out = capsys.readouterr().out
    assert "exit codes:" in out and "0  done" in out and "2  usage or configuration error" in out


def test_a_table_in_a_log_is_plain_and_unwrapped(capsys):
    from visma_airbase_pipeline.commands.output import print_table

    reason = "the GL account 9999 does not exist in Airbase [and brackets are not markup] " * 3
    print_table(("id", "reason"), [(1, reason.strip())], numeric=("id",))
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["id", "reason"]
    assert lines[2].split(None, 1) == ["1", reason.strip()]
    assert "\x1b[" not in "".join(lines) and all(line == line.rstrip() for line in lines)


@pytest.mark.integration
def test_json_outputs(sandbox_env, capsys):
    assert cli.main(["ping", "--json"]) == 0
    pinged = json.loads(capsys.readouterr().out)
    assert pinged["ok"] is True and {c["system"] for c in pinged["checks"]} == {"visma", "airbase"}

    assert cli.main(["quarantine", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []

    assert cli.main(["sync", "--date", "2026-11-20", "--json"]) == 0
    synced = json.loads(capsys.readouterr().out)
    assert synced["ok"] is True and synced["first_day"] == synced["last_day"] == "2026-11-20"
    bills = next(a for a in synced["assets"] if a["key"] == "airbase/bills")
    assert set(bills["counts"]) >= {"read", "created", "updated", "unchanged", "quarantined"}
    assert synced["api_calls"]["visma"] > 0 and all(synced["checks"].values())

    code = cli.main(["reconcile", "--date", "2026-11-20", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is (code == 0) and report["first_day"] == "2026-11-20"
    assert all(row["reason"] for row in report["differences"])
    assert {row["currency"] for row in report["totals"]} <= {"SEK", "EUR", "USD"}
