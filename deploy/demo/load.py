"""Load the demo data the way production data arrives: as canon.sync events from the vendor's CRM.
Event ids are derived from the content, so loading twice changes nothing (the services' inboxes)."""

import argparse
import asyncio
import os
import subprocess
import sys
import time
import uuid
from datetime import date

import httpx

from deploy.demo.data import (
    AGENT,
    CONTACTS,
    DEMO_PASSWORD,
    DEPARTMENTS,
    PRODUCTS,
    STAFF,
    SUPERVISOR,
    fleet_signals,
    meter_history,
    read_request,
    vendor_events,
)
from deploy.system import REPO_ROOT, SystemConfig
from shared.bus import Bus
from shared.events import VENDOR_EXCHANGE, new_event


async def publish_vendor_events(amqp_url: str, prefix: str, events: list, source: str = "crm") -> int:
    bus = Bus(amqp_url=amqp_url, service="demo-loader", prefix=prefix)
    await bus.connect()
    try:
        for data in events:
            event = new_event(data, source=source)
            event.id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"demo:{event.type}:{data.model_dump_json()}"))
            await bus.publish(event, VENDOR_EXCHANGE)
        return len(events)
    finally:
        await bus.close()


def log_in_when_ready(client: httpx.Client, config: SystemConfig, email: str, timeout: float = 60.0) -> dict:
    """Authorization headers for a demo login, once its CRM contact has reached accounts."""
    deadline = time.monotonic() + timeout
    while True:
        answer = client.post(
            f"{config.url('accounts')}/api/accounts/v1/auth/login",
            json={"email": email, "password": DEMO_PASSWORD},
        )
        if answer.status_code == 200:
            return {"Authorization": f"Bearer {answer.json()['access_token']}"}
        if time.monotonic() > deadline:
            raise TimeoutError(f"{email} cannot log in: {answer.text}")
        time.sleep(0.3)


def devices_without_history(config: SystemConfig, timeout: float = 60.0) -> set[str]:
    """Wait until `meters` knows every demo device (its copy comes from accounts' events), then name those
    with no reading yet: the history is loaded once, not again on every start."""
    with httpx.Client(timeout=10) as client:
        headers = log_in_when_ready(client, config, AGENT["email"])
        deadline = time.monotonic() + timeout
        while True:
            devices = client.get(f"{config.url('accounts')}/api/accounts/v1/devices", headers=headers).json()[
                "items"
            ]
            serials = {d["serial"]: d["id"] for d in devices}
            answers = {
                serial: client.get(
                    f"{config.url('meters')}/api/meters/v1/devices/{device_id}/readings", headers=headers
                )
                for serial, device_id in serials.items()
            }
            if all(p.serial in answers and answers[p.serial].status_code == 200 for p in PRODUCTS):
                return {serial for serial, answer in answers.items() if answer.json()["total"] == 0}
            if time.monotonic() > deadline:
                raise TimeoutError("meters did not receive the demo devices")
            time.sleep(0.3)


def create_staff(config: SystemConfig) -> None:
    for person in STAFF:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "accounts.staff",
                "create",
                "--email",
                person["email"],
                "--name",
                person["name"],
                "--role",
                person["role"],
                "--language",
                person["language"],
                "--password",
                DEMO_PASSWORD,
            ],
            env=config.env("accounts"),
            cwd=REPO_ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )


def place_staff_in_departments(config: SystemConfig, timeout: float = 60.0) -> None:
    """The supervisor puts each demo agent in their department through the cases service's API (idempotent,
    so every start may do it again). Cases knows a staff user once accounts' event about them has arrived:
    until then it answers 404, and the step waits."""
    with httpx.Client(timeout=10) as client:
        supervisor = log_in_when_ready(client, config, SUPERVISOR["email"])
        for email, department in DEPARTMENTS.items():
            me = client.get(
                f"{config.url('accounts')}/api/accounts/v1/me",
                headers=log_in_when_ready(client, config, email),
            )
            url = f"{config.url('cases')}/api/cases/v1/departments/{department}/members/{me.json()['id']}"
            deadline = time.monotonic() + timeout
            while (answer := client.put(url, headers=supervisor)).status_code == 404:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"cases does not know {email}: {answer.text}")
                time.sleep(0.3)
            answer.raise_for_status()


def wait_for_assignments(config: SystemConfig, timeout: float = 60.0) -> None:
    """Each contact's devices reach `meters` through accounts' events: wait until every demo manager may read
    their devices there, so that the reading request goes to them and not to the administrators."""
    with httpx.Client(timeout=10) as client:
        for contact in CONTACTS:
            if contact.role not in ("device_manager", "device_stock_manager"):
                continue
            headers = log_in_when_ready(client, config, contact.email)
            devices = client.get(f"{config.url('accounts')}/api/accounts/v1/devices", headers=headers).json()[
                "items"
            ]
            deadline = time.monotonic() + timeout
            for device in devices:
                url = f"{config.url('meters')}/api/meters/v1/devices/{device['id']}/readings"
                while client.get(url, headers=headers).status_code != 200:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"meters does not know {contact.email}'s devices")
                    time.sleep(0.3)


def load(config: SystemConfig) -> int:
    """Publish the demo data; returns how many events were published."""
    create_staff(config)
    count = asyncio.run(publish_vendor_events(config.amqp_url, config.bus_prefix, vendor_events()))
    today = date.today()
    missing = devices_without_history(config)
    history = [reading for reading in meter_history(today) if reading.serial in missing]
    count += asyncio.run(publish_vendor_events(config.amqp_url, config.bus_prefix, history, source="fleet"))
    count += asyncio.run(
        publish_vendor_events(config.amqp_url, config.bus_prefix, fleet_signals(today), source="fleet")
    )
    wait_for_assignments(config)
    count += asyncio.run(
        publish_vendor_events(config.amqp_url, config.bus_prefix, [read_request(today)], source="billing")
    )
    place_staff_in_departments(config)
    return count


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--amqp-url", default=os.environ.get("AMQP_URL", "amqp://guest:guest@localhost:5672/")
    )
    args = parser.parse_args()
    print(f"published {load(SystemConfig(amqp_url=args.amqp_url))} demo events on canon.sync")
