"""Demo data as the vendor's CRM would send it (canon.sync events): an account in Spain and one in Sweden,
their devices and their contacts. The demo logins all use the password DEMO_PASSWORD (demo mode only)."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from shared.events.vendor import (
    AccountAddress,
    AccountContact,
    Address,
    BillingMeterReadRequested,
    ConsumableItem,
    CrmAccountUpserted,
    CrmConsumableCatalogueUpserted,
    CrmContactUpserted,
    CrmProductUpserted,
    FinanceCreditStatusChanged,
    FinancePaymentRecorded,
    FleetDeviceOffline,
    FleetMeterCollected,
    FleetTonerLow,
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
        addresses=[
            AccountAddress(kind="head_office", **MADRID.model_dump()),
            AccountAddress(
                kind="billing",
                label="Administración",
                **{**MADRID.model_dump(), "street": "Calle de Alcalá 125"},
            ),
            AccountAddress(kind="shipping", label="Almacén Alcobendas", **ALCOBENDAS.model_dump()),
            AccountAddress(kind="site", label="Oficina Alcobendas", **ALCOBENDAS.model_dump()),
        ],
        contacts=[
            AccountContact(
                name="María García", topic="general", function="Dirección", email="admin@iberica.example"
            ),
            AccountContact(
                name="Ana Torres",
                topic="billing",
                function="Cuentas a pagar",
                email="facturas@iberica.example",
            ),
            AccountContact(
                name="Lucía Martín", topic="supplies", function="Compras", phone="+34 910 123 460"
            ),
            AccountContact(
                name="Javier López", topic="technical", function="Sistemas", phone="+34 910 123 470"
            ),
        ],
    ),
    CrmAccountUpserted(
        account_number="SE-200567",
        name="Nordisk Tryckeri AB",
        country="SE",
        subdivision="SE-AB",  # Stockholm County: Sweden's holidays are national (the SE calendar)
        language="sv",
        time_zone="Europe/Stockholm",
        address=STOCKHOLM,
        addresses=[
            AccountAddress(kind="head_office", **STOCKHOLM.model_dump()),
            AccountAddress(kind="shipping", label="Godsmottagning", **STOCKHOLM.model_dump()),
        ],
        contacts=[
            AccountContact(
                name="Erik Lindqvist", topic="general", function="VD", email="admin@nordisk.example"
            ),
            AccountContact(
                name="Karin Berg", topic="billing", function="Ekonomi", email="ekonomi@nordisk.example"
            ),
        ],
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
# The toner levels the fleet software read with the last two readings (30 days ago, yesterday): four weeks of
# history, enough for a forecast. The Stock Manager's C3826i runs out of black within days (and says so with a
# low-toner signal), the C5860i of cyan within two weeks, the Swedish C5850i of yellow; the others last.
TONER_HISTORY: dict[str, dict[str, tuple[int, int]]] = {
    "ES1643A0001": {"black": (90, 55)},
    "ES3826C0002": {"black": (64, 16), "cyan": (85, 60), "magenta": (90, 71), "yellow": (78, 52)},
    "ES5860A0003": {"black": (70, 38), "cyan": (40, 12), "magenta": (95, 80), "yellow": (60, 45)},
    "ES1238M0004": {"black": (50, 35)},
    "ES3930C0005": {"black": (80, 60), "cyan": (70, 55), "magenta": (75, 62), "yellow": (66, 50)},
    "SE6855A0006": {"black": (95, 30)},
    "SE5850C0007": {"black": (88, 52), "cyan": (77, 49), "magenta": (81, 58), "yellow": (69, 14)},
    "SE1333C0008": {"black": (60, 45), "cyan": (50, 41), "magenta": (55, 43), "yellow": (52, 40)},
}


def meter_history(today: date) -> list[FleetMeterCollected]:
    """Monthly readings collected by the fleet software for every demo device, up to yesterday."""
    readings = []
    for number, product in enumerate(PRODUCTS):
        counters = COUNTERS[product.model_class]
        start = 20_000 * (number + 1)
        for days_ago in HISTORY_DAYS_AGO:
            pages = start + product.daily_volume * (200 - days_ago)
            collected_at = datetime.combine(today - timedelta(days=days_ago), time(9, 30), tzinfo=UTC)
            toner = TONER_HISTORY.get(product.serial, {})
            readings.append(
                FleetMeterCollected(
                    serial=product.serial,
                    collected_at=collected_at,
                    counters={
                        name: int(pages * (1 if len(counters) == 1 else SHARE[name])) for name in counters
                    },
                    toner={
                        colour: levels[HISTORY_DAYS_AGO[-2:].index(days_ago)]
                        for colour, levels in toner.items()
                    }
                    if days_ago in HISTORY_DAYS_AGO[-2:]
                    else None,
                )
            )
    return readings


def fleet_signals(today: date) -> list:
    """What the fleet software said since: the Swedish print shop's production printer has not been reachable since
    yesterday evening, and the Stock Manager's C3826i says its black toner is low."""
    yesterday = today - timedelta(days=1)
    return [
        FleetDeviceOffline(serial="SE6855A0006", since=datetime.combine(yesterday, time(18, 0), tzinfo=UTC)),
        FleetTonerLow(
            serial="ES3826C0002",
            colour="black",
            level_percent=TONER_HISTORY["ES3826C0002"]["black"][1],
            at=datetime.combine(yesterday, time(9, 31), tzinfo=UTC),
        ),
    ]


def read_request(today: date) -> BillingMeterReadRequested:
    """Billing asks the Device Manager's devices for readings within a week."""
    return BillingMeterReadRequested(
        request_id="DEMO-READ-REQUEST-1",
        account_number="ES-100234",
        serials=["ES1643A0001", "ES3826C0002"],
        due_date=today + timedelta(days=7),
    )


def _paid(
    account: str, invoice: str, amount: str, currency: str, day: date, method: str
) -> FinancePaymentRecorded:
    return FinancePaymentRecorded(
        account_number=account,
        invoice_number=invoice,
        amount=Decimal(amount),
        currency=currency,
        paid_at=datetime.combine(day, time(10, 0), tzinfo=UTC),
        method=method,
    )


def finance_history() -> list:
    """What the vendor's finance system reported (F-41), on fixed dates so that loading again changes nothing:
    Ibérica pays its monthly invoices by direct debit and is in good standing; Nordisk pays late and is on watch."""
    iberica = [
        _paid("ES-100234", f"F-2026-{month:02d}-0234", amount, "EUR", date(2026, month, 5), "direct_debit")
        for month, amount in (
            (6, "1180.40"),
            (7, "1215.00"),
            (8, "1098.75"),
            (9, "1302.10"),
            (10, "1250.00"),
            (11, "1276.35"),
        )
    ]
    nordisk = [
        _paid("SE-200567", "F-2026-07-0567", "18450.00", "SEK", date(2026, 7, 28), "bank_transfer"),
        _paid("SE-200567", "F-2026-08-0567", "17990.00", "SEK", date(2026, 9, 22), "bank_transfer"),
        _paid("SE-200567", "F-2026-09-0567", "19120.50", "SEK", date(2026, 11, 3), "bank_transfer"),
    ]
    statuses = [
        FinanceCreditStatusChanged(
            account_number="ES-100234",
            status="good",
            credit_limit=Decimal("20000"),
            currency="EUR",
            at=datetime(2026, 1, 15, 9, 0, tzinfo=UTC),
        ),
        FinanceCreditStatusChanged(
            account_number="SE-200567",
            status="good",
            credit_limit=Decimal("150000"),
            currency="SEK",
            at=datetime(2026, 2, 1, 9, 0, tzinfo=UTC),
        ),
        FinanceCreditStatusChanged(
            account_number="SE-200567",
            status="watch",
            credit_limit=Decimal("150000"),
            currency="SEK",
            reason="Invoices F-2026-10-0567 and F-2026-11-0567 are more than 30 days overdue",
            at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
        ),
    ]
    return [*iberica, *nordisk, *statuses]
