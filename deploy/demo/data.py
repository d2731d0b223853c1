"""Demo data as the vendor's CRM would send it (canon.sync events): an account in Spain and one in Sweden,
their devices and their contacts. The demo logins all use the password DEMO_PASSWORD (demo mode only)."""

from datetime import UTC, date, datetime, time, timedelta

from shared.events.vendor import (
    Address,
    BillingMeterReadRequested,
    ConsumableItem,
    CrmAccountUpserted,
    CrmConsumableCatalogueUpserted,
    CrmContactUpserted,
    CrmProductUpserted,
    FleetMeterCollected,
    SiteLocation,
)
from shared.events.vocabulary import Department, StaffRole

DEMO_PASSWORD = "selfservice-demo"
AGENT = {"email": "agent@canon.example", "name": "Alex Agent", "role": StaffRole.AGENT, "language": "en"}
SUPPLIES_AGENT = {
    "email": "supplies@canon.example",
    "name": "Sam Supplies",
    "role": StaffRole.AGENT,
    "language": "sv",
}
SUPERVISOR = {
    "email": "supervisor@canon.example",
    "name": "Sofía Supervisor",
    "role": StaffRole.SUPERVISOR,
    "language": "es",
}
STAFF = [AGENT, SUPPLIES_AGENT, SUPERVISOR]
# Where the demo agents work: departments are the cases service's own data, so the supervisor puts them there
# through its API (deploy.demo.load), as a supervisor would on the portal's page.
DEPARTMENTS = {AGENT["email"]: Department.TECHNICAL_SUPPORT, SUPPLIES_AGENT["email"]: Department.SUPPLIES}

MADRID = Address(
    street="Calle de Alcalá 123", postal_code="28009", city="Madrid", region="Madrid", country="ES"
)
ALCOBENDAS = Address(
    street="Avenida de Europa 10", postal_code="28108", city="Alcobendas", region="Madrid", country="ES"
)
STOCKHOLM = Address(
    street="Drottninggatan 45", postal_code="111 21", city="Stockholm", region="Stockholm", country="SE"
)

ACCOUNTS = [
    CrmAccountUpserted(
        account_number="ES-100234",
        name="Ibérica Servicios Gráficos S.L.",
        country="ES",
        subdivision="ES-MD",  # Madrid's own holidays (the ES-MD business-hours calendar)
        language="es",
        time_zone="Europe/Madrid",
        address=MADRID,
    ),
    CrmAccountUpserted(
        account_number="SE-200567",
        name="Nordisk Tryckeri AB",
        country="SE",
        subdivision="SE-AB",  # Stockholm County: Sweden's holidays are national (the SE calendar)
        language="sv",
        time_zone="Europe/Stockholm",
        address=STOCKHOLM,
    ),
]


def _product(
    account: str,
    serial: str,
    model: str,
    model_class: str,
    hours: int,
    address: Address,
    floor: str,
    room: str,
    volume: int,
) -> CrmProductUpserted:
    return CrmProductUpserted(
        account_number=account,
        serial=serial,
        model=model,
        model_class=model_class,
        address=address,
        location=SiteLocation(
            building="A",
            floor=floor,
            room=room,
            contact_name="Recepción" if account[:2] == "ES" else "Reception",
        ),
        contract_number=f"CT-{serial[-4:]}",
        response_time_hours=hours,
        daily_volume=volume,
    )


PRODUCTS = [
    _product("ES-100234", "ES1643A0001", "imageRUNNER 1643i II", "mono", 16, MADRID, "1", "Recepción", 150),
    _product(
        "ES-100234",
        "ES3826C0002",
        "imageRUNNER ADVANCE DX C3826i",
        "colour",
        8,
        MADRID,
        "2",
        "Marketing",
        400,
    ),
    _product(
        "ES-100234",
        "ES5860A0003",
        "imageRUNNER ADVANCE DX C5860i",
        "a3_colour",
        4,
        MADRID,
        "3",
        "Diseño",
        900,
    ),
    _product("ES-100234", "ES1238M0004", "i-SENSYS X 1238i", "mono", 16, ALCOBENDAS, "0", "Almacén", 80),
    _product(
        "ES-100234",
        "ES3930C0005",
        "imageRUNNER ADVANCE DX C3930i",
        "colour",
        8,
        ALCOBENDAS,
        "1",
        "Ventas",
        350,
    ),
    _product(
        "SE-200567",
        "SE6855A0006",
        "imageRUNNER ADVANCE DX 6855i",
        "mono",
        8,
        STOCKHOLM,
        "4",
        "Tryckeri",
        1200,
    ),
    _product(
        "SE-200567",
        "SE5850C0007",
        "imageRUNNER ADVANCE DX C5850i",
        "a3_colour",
        4,
        STOCKHOLM,
        "4",
        "Prepress",
        800,
    ),
    _product("SE-200567", "SE1333C0008", "i-SENSYS X C1333i", "colour", 16, STOCKHOLM, "2", "Ekonomi", 120),
]

CONTACTS = [
    CrmContactUpserted(
        account_number="ES-100234",
        email="admin@iberica.example",
        name="María García",
        phone="+34 910 123 456",
        language="es",
        role="administrator",
    ),
    CrmContactUpserted(
        account_number="ES-100234",
        email="devices@iberica.example",
        name="Javier López",
        language="es",
        role="device_manager",
        device_serials=["ES1643A0001", "ES3826C0002"],
    ),
    CrmContactUpserted(
        account_number="ES-100234",
        email="stock@iberica.example",
        name="Lucía Martín",
        language="es",
        role="stock_manager",
        device_serials=["ES3826C0002", "ES5860A0003"],
    ),
    CrmContactUpserted(
        account_number="ES-100234",
        email="both@iberica.example",
        name="Carmen Ruiz",
        language="es",
        role="device_stock_manager",
        device_serials=["ES5860A0003"],
    ),
    CrmContactUpserted(
        account_number="ES-100234",
        email="knowledge@iberica.example",
        name="Pablo Sánchez",
        language="es",
        role="knowledge_user",
    ),
    CrmContactUpserted(
        account_number="SE-200567",
        email="admin@nordisk.example",
        name="Erik Lindqvist",
        language="sv",
        role="administrator",
    ),
]


TONERS = {
    "mono": ("black",),
    "colour": ("black", "cyan", "magenta", "yellow"),
    "a3_colour": ("black", "cyan", "magenta", "yellow"),
}


def _catalogue(model: str, model_class: str) -> CrmConsumableCatalogueUpserted:
    code = model.split()[-1]
    items = [
        ConsumableItem(
            sku=f"{code}-T-{colour[0].upper()}",
            kind=f"toner_{colour}",
            name=f"Toner {colour} {code}",
            max_quantity_per_order=4,
        )
        for colour in TONERS[model_class]
    ]
    items.append(
        ConsumableItem(sku=f"{code}-DRUM", kind="drum", name=f"Drum unit {code}", max_quantity_per_order=1)
    )
    if model_class != "mono":
        items.append(
            ConsumableItem(
                sku=f"{code}-WASTE",
                kind="waste_toner_box",
                name=f"Waste toner box {code}",
                max_quantity_per_order=2,
            )
        )
    if model_class == "a3_colour":
        items.append(
            ConsumableItem(
                sku=f"{code}-STAPLES", kind="staples", name="Staple cartridge", max_quantity_per_order=5
            )
        )
    return CrmConsumableCatalogueUpserted(model=model, items=items)


CATALOGUES = [
    _catalogue(model, model_class)
    for model, model_class in sorted({(p.model, p.model_class) for p in PRODUCTS})
]


def vendor_events() -> list:
    """In the order the CRM sends them: accounts, their products and the models' supplies, then contacts."""
    return [*ACCOUNTS, *PRODUCTS, *CATALOGUES, *CONTACTS]


COUNTERS = {"mono": ("black",), "colour": ("black", "colour"), "a3_colour": ("black", "colour", "large")}
SHARE = {"black": 0.6, "colour": 0.35, "large": 0.05}
HISTORY_DAYS_AGO = (150, 120, 90, 60, 30, 1)  # the newest is yesterday, so a reading can be submitted today


def meter_history(today: date) -> list[FleetMeterCollected]:
    """Monthly readings collected by the fleet software for every demo device, up to yesterday."""
    readings = []
    for number, product in enumerate(PRODUCTS):
        counters = COUNTERS[product.model_class]
        start = 20_000 * (number + 1)
        for days_ago in HISTORY_DAYS_AGO:
            pages = start + product.daily_volume * (200 - days_ago)
            collected_at = datetime.combine(today - timedelta(days=days_ago), time(9, 30), tzinfo=UTC)
            readings.append(
                FleetMeterCollected(
                    serial=product.serial,
                    collected_at=collected_at,
                    counters={
                        name: int(pages * (1 if len(counters) == 1 else SHARE[name])) for name in counters
                    },
                )
            )
    return readings


def read_request(today: date) -> BillingMeterReadRequested:
    """Billing asks for readings within a week of the Device Manager's devices and of the Device & Stock
    Manager's: each of them is emailed only their own devices, with model, location and latest reading."""
    return BillingMeterReadRequested(
        request_id="DEMO-READ-REQUEST-1",
        account_number="ES-100234",
        serials=["ES1643A0001", "ES3826C0002", "ES5860A0003"],
        due_date=today + timedelta(days=7),
    )
