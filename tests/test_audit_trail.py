"""The one audit-trail helper: who, what, when, from which request, and the values before and after."""

from types import SimpleNamespace

from sqlalchemy import String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.audit import AuditEntryColumns, apply_changes, audit_values, record_audit
from shared.db import Database
from shared.logging import correlation_id


class Base(DeclarativeBase):
    pass


class ProbeAuditEntry(AuditEntryColumns, Base):
    __tablename__ = "audit_entry"

    target_id: Mapped[str] = mapped_column(String(36))


async def test_an_entry_records_who_what_when_the_request_and_the_old_and_new_values(tmp_path):
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'audit.db'}")
    async with db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    token = correlation_id.set("req-42")
    try:
        async with db.session() as session, session.begin():
            record_audit(
                session,
                ProbeAuditEntry,
                actor_id="u1",
                action="device.location_changed",
                changes={"city": ("Madrid", "Sevilla")},
                details={"fields": ["city"]},
                target_id="d1",
            )
    finally:
        correlation_id.reset(token)
    async with db.session() as session:
        entry = (await session.scalars(select(ProbeAuditEntry))).one()
    await db.dispose()
    assert (entry.actor_id, entry.action, entry.target_id) == ("u1", "device.location_changed", "d1")
    assert (entry.old_values, entry.new_values) == ({"city": "Madrid"}, {"city": "Sevilla"})
    assert entry.details == {"fields": ["city"]} and entry.correlation_id == "req-42"
    assert entry.at is not None and entry.at.tzinfo is not None


def test_an_entry_without_changes_has_no_old_and_new_values():
    values = audit_values(actor_id="crm", action="catalogue.upserted", details={"model": "X"})
    assert values["old_values"] is None and values["new_values"] is None
    assert values["details"] == {"model": "X"} and len(values["id"]) == 36


def test_applying_values_sets_and_returns_only_what_changed():
    device = SimpleNamespace(city="Madrid", floor="2", room="B")
    changes = apply_changes(device, {"city": "Sevilla", "floor": "2", "room": "C"})
    assert changes == {"city": ("Madrid", "Sevilla"), "room": ("B", "C")}
    assert (device.city, device.floor, device.room) == ("Sevilla", "2", "C")
