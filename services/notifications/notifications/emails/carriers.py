"""The carriers whose public tracking page an "order shipped" email links to (F-60), by the name the logistics
system gives them. A carrier not listed gets no link: the email names it and the reference, and the case page
follows the order; a link is never made up from an unknown name."""

import re
from urllib.parse import quote

TRACKING_PAGES = {
    "dhl": "https://www.dhl.com/global-en/home/tracking.html?tracking-id={reference}",
    "ups": "https://www.ups.com/track?tracknum={reference}",
    "fedex": "https://www.fedex.com/fedextrack/?trknbr={reference}",
    "dpd": "https://tracking.dpd.de/status/en_US/parcel/{reference}",
    "gls": "https://gls-group.com/track/{reference}",
    "postnord": "https://www.postnord.se/en/our-tools/track-and-trace?shipmentId={reference}",
    "bring": "https://tracking.bring.com/tracking/{reference}",
    "correos": "https://www.correos.es/es/es/herramientas/localizador/envios/detalle?tracking-number={reference}",
    "seur": "https://www.seur.com/livetracking/?segOnlineIdentificador={reference}",
}


def carrier_key(carrier: str) -> str:
    """'DHL Express', 'dhl' and 'D.H.L.' are one carrier: the first word, letters and digits only."""
    first = (carrier or "").strip().split(maxsplit=1)[0] if (carrier or "").strip() else ""
    return re.sub(r"[^a-z0-9]", "", first.casefold())


def tracking_url(carrier: str | None, reference: str | None) -> str | None:
    """The carrier's tracking page for this shipment, when the carrier is known and there is a reference."""
    if not carrier or not reference or not reference.strip():
        return None
    page = TRACKING_PAGES.get(carrier_key(carrier))
    return page.format(reference=quote(reference.strip(), safe="")) if page else None
