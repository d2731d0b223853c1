"""Demo data as the vendor's CRM would send it (canon.sync events): an account in Spain and one in Sweden,
their devices and their contacts. The demo logins all use the password DEMO_PASSWORD (demo mode only)."""

from shared.events.vendor import Address, CrmAccountUpserted, CrmContactUpserted, CrmProductUpserted, SiteLocation

DEMO_PASSWORD = "selfservice-demo"
AGENT = {"email": "agent@canon.example", "name": "Alex Agent", "role": "agent"}

MADRID = Address(street="Calle de Alcalá 123", postal_code="28009", city="Madrid", region="Madrid", country="ES")
ALCOBENDAS = Address(street="Avenida de Europa 10", postal_code="28108", city="Alcobendas", region="Madrid",
                     country="ES")
STOCKHOLM = Address(street="Drottninggatan 45", postal_code="111 21", city="Stockholm", region="Stockholm",
                    country="SE")

ACCOUNTS = [
    CrmAccountUpserted(account_number="ES-100234", name="Ibérica Servicios Gráficos S.L.", country="ES",
                       language="es", time_zone="Europe/Madrid", address=MADRID),
    CrmAccountUpserted(account_number="SE-200567", name="Nordisk Tryckeri AB", country="SE", language="sv",
                       time_zone="Europe/Stockholm", address=STOCKHOLM),
]


def _product(account: str, serial: str, model: str, model_class: str, hours: int, address: Address,
             floor: str, room: str, volume: int) -> CrmProductUpserted:
    return CrmProductUpserted(
        account_number=account, serial=serial, model=model, model_class=model_class, address=address,
        location=SiteLocation(building="A", floor=floor, room=room, contact_name="Recepción" if account[:2] == "ES"
                              else "Reception"),
        contract_number=f"CT-{serial[-4:]}", response_time_hours=hours, daily_volume=volume)


PRODUCTS = [
    _product("ES-100234", "ES1643A0001", "imageRUNNER 1643i II", "mono", 16, MADRID, "1", "Recepción", 150),
    _product("ES-100234", "ES3826C0002", "imageRUNNER ADVANCE DX C3826i", "colour", 8, MADRID, "2", "Marketing", 400),
    _product("ES-100234", "ES5860A0003", "imageRUNNER ADVANCE DX C5860i", "a3_colour", 4, MADRID, "3", "Diseño", 900),
    _product("ES-100234", "ES1238M0004", "i-SENSYS X 1238i", "mono", 16, ALCOBENDAS, "0", "Almacén", 80),
    _product("ES-100234", "ES3930C0005", "imageRUNNER ADVANCE DX C3930i", "colour", 8, ALCOBENDAS, "1", "Ventas", 350),
    _product("SE-200567", "SE6855A0006", "imageRUNNER ADVANCE DX 6855i", "mono", 8, STOCKHOLM, "4", "Tryckeri", 1200),
    _product("SE-200567", "SE5850C0007", "imageRUNNER ADVANCE DX C5850i", "a3_colour", 4, STOCKHOLM, "4", "Prepress", 800),
    _product("SE-200567", "SE1333C0008", "i-SENSYS X C1333i", "colour", 16, STOCKHOLM, "2", "Ekonomi", 120),
]

CONTACTS = [
    CrmContactUpserted(account_number="ES-100234", email="admin@iberica.example", name="María García",
                       language="es", role="administrator"),
    CrmContactUpserted(account_number="ES-100234", email="devices@iberica.example", name="Javier López",
                       language="es", role="device_manager", device_serials=["ES1643A0001", "ES3826C0002"]),
    CrmContactUpserted(account_number="ES-100234", email="stock@iberica.example", name="Lucía Martín",
                       language="es", role="stock_manager", device_serials=["ES3826C0002", "ES5860A0003"]),
    CrmContactUpserted(account_number="SE-200567", email="admin@nordisk.example", name="Erik Lindqvist",
                       language="sv", role="administrator"),
]


def vendor_events() -> list:
    """In the order the CRM sends them: accounts, then their products, then their contacts."""
    return [*ACCOUNTS, *PRODUCTS, *CONTACTS]
