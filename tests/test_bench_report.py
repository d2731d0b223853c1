"""A run of some benchmark scenarios updates their sections and targets of RESULTS.md and keeps the others."""

from bench.report import Report

PREVIOUS = Report(machine={"Date": "2026-12-04 04:15 UTC", "Commit": "aaa", "Duration": "40 min"})
PREVIOUS.table("1. Read path", ["Path", "Requests/s"], [["gateway", "125"]], "The case list.")
PREVIOUS.table("7. Soak: 30 min", ["Operation", "Count"], [["login", "360"]])
PREVIOUS.table("7. Soak: resident memory (MiB)", ["Process", "Start"], [["cases", "123"]])
PREVIOUS.target("Gateway throughput", ">= 0.8 of direct", "1.07", True)
PREVIOUS.target("Soak: no 5xx", "0", "2 of 10,000", False)


def soak_run() -> Report:
    report = Report(machine={"Date": "2026-12-04 20:25 UTC", "Commit": "bbb", "Duration": "33 min"})
    report.table("7. Soak: 30 min", ["Operation", "Count"], [["login", "361"]])
    report.target("Soak: no 5xx", "0", "0 of 11,000", True)
    report.target("Soak: outbox lag p99 < 1 s", "< 1000 ms", "40 ms", True)
    return report


def test_a_run_of_some_scenarios_replaces_their_tables_and_targets_and_keeps_the_rest():
    updated = soak_run().update(PREVIOUS.markdown(), "Run of soak")

    assert "- Commit: aaa" in updated and "- Run of soak: 2026-12-04 20:25 UTC, bbb, 33 min" in updated
    assert "| gateway | 125 |" in updated and "The case list." in updated
    assert "| login | 361 |" in updated and "360" not in updated
    assert "resident memory" not in updated  # the scenario's tables are this run's, all of them
    assert "| Gateway throughput | >= 0.8 of direct | 1.07 | yes |" in updated
    assert "| Soak: no 5xx | 0 | 0 of 11,000 | yes |" in updated and "2 of 10,000" not in updated
    assert updated.index("Gateway throughput") < updated.index("Soak: no 5xx") < updated.index("lag p99")


def test_updating_twice_is_updating_once():
    once = soak_run().update(PREVIOUS.markdown(), "Run of soak")

    assert soak_run().update(once, "Run of soak") == once
