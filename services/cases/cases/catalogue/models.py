"""The consumables catalogue per device model (F-30), a local copy of the CRM's."""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.database import Base
from shared.db import UtcDateTime


class ConsumableCatalogue(Base):
    """One model's catalogue; `synced_at` is the time of the CRM event it came from, so an older event that
    arrives late does not overwrite a newer catalogue."""

    __tablename__ = "consumable_catalogue"

    model: Mapped[str] = mapped_column(String(100), primary_key=True)
    synced_at: Mapped[datetime] = mapped_column(UtcDateTime)
    items: Mapped[list["ConsumableItem"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ConsumableItem.position"
    )


class ConsumableItem(Base):
    __tablename__ = "consumable_item"
    __table_args__ = (UniqueConstraint("model", "sku", name="uq_consumable_item_model_sku"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model: Mapped[str] = mapped_column(
        ForeignKey("consumable_catalogue.model", ondelete="CASCADE"), index=True
    )
    sku: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(200))
    # The contract's limit per order.
    max_quantity_per_order: Mapped[int] = mapped_column(Integer)
    # The CRM's order, kept for display.
    position: Mapped[int] = mapped_column(Integer)
