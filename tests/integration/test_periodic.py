"""A periodic job runs once per period however many replicas run it (PostgreSQL, as in production)."""

import asyncio
from types import SimpleNamespace

import pytest
from sqlalchemy import MetaData

from shared.periodic import PeriodicRunner, claim_period, periodic_job_table

pytestmark = pytest.mark.integration

metadata = MetaData()
periodic_jobs = periodic_job_table(metadata)


@pytest.fixture
async def app(db):
    async with db.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    return SimpleNamespace(state=SimpleNamespace(db=db))


async def test_replicas_claiming_the_same_periods_at_once_win_each_period_exactly_once(app):
    async def claim(period: int) -> bool:
        async with app.state.db.session() as session, session.begin():
            return await claim_period(session, periodic_jobs, "probe", period)

    for period in range(1, 11):
        won = await asyncio.gather(*(claim(period) for _ in range(4)))
        assert sorted(won) == [False, False, False, True], period
    assert await claim(5) is False  # a period already passed is never run again


async def test_two_runners_run_the_job_once_per_period_between_them(app):
    every, runs = 0.25, []

    async def job(_app) -> None:
        runs.append(asyncio.get_running_loop().time())

    replicas = [PeriodicRunner("probe", every, job, periodic_jobs) for _ in range(2)]
    for replica in replicas:
        replica.start(app)
    await asyncio.sleep(1.2)
    for replica in replicas:
        await replica.stop()
    # Five or six periods began in 1.2 s; two replicas each running every period would make ten or more.
    assert 3 <= len(runs) <= 6


async def test_a_failing_job_is_logged_and_runs_again_in_the_next_period(app, caplog):
    attempts = []

    async def job(_app) -> None:
        attempts.append(1)
        raise RuntimeError("mail server away")

    runner = PeriodicRunner("probe", 1.0, job, periodic_jobs)
    assert await runner.run_once(app, period=100) is True
    assert await runner.run_once(app, period=100) is False
    assert await runner.run_once(app, period=101) is True
    assert len(attempts) == 2 and "probe failed" in caplog.text
