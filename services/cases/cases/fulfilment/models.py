"""What the vendor's logistics and field service systems report about a case: shipments of a consumables
order (F-30) and technicians' visits (F-32). Each update is a timeline entry of the case."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cases.database import Base
from shared.db import UtcDateTime


class FulfilmentUpdate(Base):
    __tablename__ = "case_fulfilment_update"
    # The same report sent again (a new event id, same content) is the same update: recorded once.
    __table_args__ = (UniqueConstraint("case_id", "kind", "status", "at", name="uq_case_fulfilment_update"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("support_case.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # shipment | visit
    status: Mapped[str] = mapped_column(String(20))  # accepted|shipped|delivered or scheduled|on_site|done
    actor_id: Mapped[str] = mapped_column(String(36))  # the reporting system: logistics | fieldservice
    at: Mapped[datetime] = mapped_column(UtcDateTime)  # when it happened, as the vendor system says
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    tracking_reference: Mapped[str | None] = mapped_column(String(100), nullable=True)
    carrier: Mapped[str | None] = mapped_column(String(100), nullable=True)
    scheduled_for: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    technician: Mapped[str | None] = mapped_column(String(200), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
