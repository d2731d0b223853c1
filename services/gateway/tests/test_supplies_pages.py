"""The fleet on the customer's pages: the dashboard's devices offline (with how long and the reconnection guide)
and toner running low (level, days left, stock on site and a prefilled order), the order form prefilled from it,
and the supplies page where the Stock Manager keeps shipping instructions and the stock on site."""

import datetime as dt

from services.gateway.tests.gateway_fakes import DEVICE_ID, submit
from shared import clock


async def test_the_dashboard_shows_a_device_offline_for_two_days_with_its_guide(logged_in, fakes):
    since = (clock.now() - dt.timedelta(days=2, hours=3)).isoformat()
    guide = "/help/guides?device=SN-4711&category=device_offline"
    fakes.offline_devices = [
        {
            "device_id": DEVICE_ID,
            "serial": "SN-4711",
            "model": "imageRUNNER C3826i",
            "offline_since": since,
            "guide_path": guide,
        }
    ]
    html = (await logged_in.get("/")).text
    assert "Devices offline" in html and "SN-4711" in html and "2 days" in html
    assert 'href="/help/guides?device=SN-4711&amp;category=device_offline"' in html
    fakes.offline_devices = []
    assert "All your devices are online." in (await logged_in.get("/")).text


async def test_the_dashboard_offers_the_low_toner_with_days_left_stock_and_a_prefilled_order(
    logged_in, fakes
):
    html = (await logged_in.get("/")).text
    assert "Toner running low" in html and "12 %" in html
    assert "about 6 days (5 to 8)" in html and "2 on site, about 106 days" in html
    assert f'href="/devices/{DEVICE_ID}/order?sku=TN-BK"' in html and "Order Toner black C-EXV 54" in html
    fakes.supplies["toners"][0] |= {"order_open": True, "suggest_order": False}
    html = (await logged_in.get("/")).text
    assert "An order is open" in html and "order?sku=" not in html
    order = (await logged_in.get(f"/devices/{DEVICE_ID}/order?sku=TN-BK")).text
    assert 'id="f-quantity_TN-BK"' in order and 'value="1"' in order.split('id="f-quantity_TN-BK"')[1][:200]
    assert "Goods reception, 8-14</textarea>" in order


async def test_roles_that_keep_no_supplies_see_no_toner_section_and_an_unprefilled_order(logged_in, fakes):
    fakes.role = "device_manager"
    html = (await logged_in.get("/")).text
    assert "Toner running low" not in html and "Devices offline" in html


async def test_the_supplies_page_keeps_instructions_and_refuses_using_more_than_on_site(logged_in, fakes):
    page = (await logged_in.get("/supplies")).text
    assert "Goods reception, 8-14" in page and "Toner black C-EXV 54" in page
    saved = await submit(
        logged_in, "/supplies", f"/supplies/{DEVICE_ID}/instructions", {"instructions": "Ring at gate 2"}
    )
    assert saved.status_code == 303 and "notice=instructions" in saved.headers["location"]
    assert fakes.supplies["shipping_instructions"] == "Ring at gate 2"
    refused = await submit(
        logged_in, "/supplies", f"/supplies/{DEVICE_ID}/stock/TN-BK/used", {"quantity": "5"}
    )
    assert refused.status_code == 409
    assert "Only 2 of Toner black C-EXV 54 are on site." in refused.text
    used = await submit(logged_in, "/supplies", f"/supplies/{DEVICE_ID}/stock/TN-BK/used", {"quantity": "1"})
    assert used.status_code == 303
    assert fakes.supplies["stock"][0]["quantity"] == 1
