"""A SQLite file is put in WAL mode by whichever connection comes first; one refused because another connection
is switching the file at that moment finds the mode set instead of failing (a command started beside the
running service)."""

import sqlite3

import pytest

from shared.db import _use_wal


class SwitchedByAnother:
    """A new file's cursor whose own switch is refused `refusals` times while another connection holds the file,
    that connection setting WAL after the first refusal unless `stays_locked`."""

    def __init__(self, refusals: int, *, stays_locked: bool = False) -> None:
        self.mode, self.refusals, self.stays_locked, self.switches = "delete", refusals, stays_locked, 0

    def execute(self, sql: str) -> None:
        if sql == "PRAGMA journal_mode=WAL":
            self.switches += 1
            if self.refusals:
                self.refusals -= 1
                if not self.stays_locked:
                    self.mode = "wal"
                raise sqlite3.OperationalError("database is locked")
            self.mode = "wal"

    def fetchone(self) -> tuple[str]:
        return (self.mode,)


def test_a_refused_switch_finds_the_mode_another_connection_set():
    cursor = SwitchedByAnother(refusals=1)
    _use_wal(cursor)
    assert (cursor.mode, cursor.switches) == ("wal", 1)


def test_a_file_held_throughout_is_an_error_after_the_attempts():
    cursor = SwitchedByAnother(refusals=5, stays_locked=True)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        _use_wal(cursor, attempts=3)
    assert cursor.switches == 3


def test_a_new_file_is_switched_and_a_switched_one_left_as_it_is(tmp_path):
    path = tmp_path / "service.db"
    for _ in range(2):
        with sqlite3.connect(path) as connection:
            _use_wal(connection.cursor())
            assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
