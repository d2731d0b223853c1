"""Load the demo data the way production data arrives: as canon.sync events from the vendor's CRM.
Event ids are derived from the content, so loading twice changes nothing (the services' inboxes)."""

import argparse
import asyncio
import email
import email.policy
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from deploy.demo.data import (
    AGENT,
    CONTACTS,
    DEMO_PASSWORD,
    DEPARTMENTS,
    PRODUCTS,
    STAFF,
    SUPERVISOR,
    finance_history,
    fleet_signals,
    meter_history,
    read_request,
    vendor_events,
)
from deploy.demo.guides import GUIDES
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


@dataclass
class Answer:
    status_code: int
    text: str

    def json(self) -> Any:
        return json.loads(self.text)

    def raise_for_status(self) -> "Answer":
        if self.status_code >= 400:
            raise RuntimeError(f"HTTP {self.status_code}: {self.text[:500]}")
        return self


class Client:
    """The few HTTP calls of the loader on the standard library alone, so that it runs in a service's image too
    (the compose profile `demo`)."""

    def __init__(self, timeout: float = 10) -> None:
        self.timeout = timeout

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def request(self, method: str, url: str, headers: dict | None = None, json_body: Any = None) -> Answer:
        data = None if json_body is None else json.dumps(json_body).encode()
        request = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))  # noqa: S310 (the services' own http URLs)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return Answer(response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.read().decode(errors="replace"))

    def get(self, url: str, headers: dict | None = None) -> Answer:
        return self.request("GET", url, headers)

    def post(self, url: str, json: Any = None, headers: dict | None = None) -> Answer:
        return self.request("POST", url, headers, json)

    def put(self, url: str, headers: dict | None = None) -> Answer:
        return self.request("PUT", url, headers)


def log_in_when_ready(client: Client, config: SystemConfig, email: str, timeout: float = 60.0) -> dict:
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
    with Client(timeout=10) as client:
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
    with Client(timeout=10) as client:
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
    with Client(timeout=10) as client:
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


SURVEYED_SUBJECT = "Rayas grises en las copias en color"
SURVEYED_SERIAL = "ES1643A0001"  # the device manager's: he follows the administrator's case on it


def survey_link_in_mail(mail_dir: Path, address: str, number: str, timeout: float) -> str | None:
    """The survey token in the caught resolution email to `address` about case `number`, once it is there."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(mail_dir.glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            body = message.get_body(preferencelist=("plain",))
            if body is None or address not in str(message["To"]) or number not in str(message["Subject"]):
                continue
            if found := re.search(r"/surveys/([^\s?]+)\?rating=", body.get_content()):
                return found.group(1)
        time.sleep(0.5)
    return None


def resolved_case_with_a_verdict(config: SystemConfig, mail_dir: Path, timeout: float = 20.0) -> None:
    """A case the agent resolved and the device manager rated with the link of his email (F-15): the agent's case
    page and the supervisor's survey results show his verdict, and the administrator's own survey links wait in
    the caught emails. Made once: a later start finds the case and leaves it be."""
    with Client(timeout=10) as client:
        admin, agent = (
            log_in_when_ready(client, config, e) for e in ("admin@iberica.example", AGENT["email"])
        )
        cases = f"{config.url('cases')}/api/cases/v1"
        if client.get(f"{cases}/cases?{urlencode({'q': SURVEYED_SUBJECT})}", headers=admin).json()["total"]:
            return
        devices = client.get(f"{config.url('accounts')}/api/accounts/v1/devices", headers=admin).json()
        device = next(d for d in devices["items"] if d["serial"] == SURVEYED_SERIAL)
        body = {
            "type": "incident",
            "device_id": device["id"],
            "category": "print_quality",
            "subject": SURVEYED_SUBJECT,
            "description": "Las copias en color salen con rayas grises verticales desde el lunes.",
        }
        case = client.post(f"{cases}/cases", json=body, headers=admin).raise_for_status().json()
        reply = {
            "body": "Hemos sustituido la unidad de transferencia en remoto con el técnico.",
            "internal": False,
        }
        client.post(f"{cases}/cases/{case['id']}/messages", json=reply, headers=agent).raise_for_status()
        for status in ("in_progress", "resolved"):
            moved = client.post(f"{cases}/cases/{case['id']}/status", json={"status": status}, headers=agent)
            moved.raise_for_status()
        token = survey_link_in_mail(mail_dir, "devices@iberica.example", case["number"], timeout)
        if token is not None:
            verdict = {"rating": 4, "comment": "Lo resolvieron el mismo día. ¡Gracias!"}
            client.post(f"{cases}/surveys/{token}/answer", json=verdict).raise_for_status()


def publish_guides(config: SystemConfig) -> None:
    """The supervisor writes and publishes each demo guide not there yet (a guide already there, perhaps
    edited since, is left as it is), through the cases service's API as on the portal's pages."""
    with Client(timeout=10) as client:
        supervisor = log_in_when_ready(client, config, SUPERVISOR["email"])
        url = f"{config.url('cases')}/api/cases/v1/managed-guides"
        existing = {
            g["key"]: g for g in client.get(url, headers=supervisor).raise_for_status().json()["items"]
        }
        for guide in GUIDES:
            found = existing.get(guide["key"])
            if found is None:
                found = client.post(url, json=guide, headers=supervisor).raise_for_status().json()
            if found["published_version"] is None:
                client.post(f"{url}/{found['id']}/publish", headers=supervisor).raise_for_status()


def load(config: SystemConfig) -> int:
    """Publish the demo data; returns how many events were published."""
    create_staff(config)
    count = asyncio.run(publish_vendor_events(config.amqp_url, config.bus_prefix, vendor_events()))
    count += asyncio.run(
        publish_vendor_events(config.amqp_url, config.bus_prefix, finance_history(), source="finance")
    )
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
    publish_guides(config)
    return count


def config_from_environment(environ: dict[str, str]) -> SystemConfig:
    """Where the services are when the loader runs beside them (the compose profile `demo`): their URLs
    (ACCOUNTS_URL, CASES_URL, METERS_URL), the accounts database for the staff, the broker and its prefix."""
    config = SystemConfig(
        amqp_url=environ.get("AMQP_URL", "amqp://guest:guest@localhost:5672/"),
        bus_prefix=environ.get("BUS_PREFIX", ""),
        environment=environ.get("ENVIRONMENT", "demo"),
    )
    for service in ("accounts", "cases", "meters"):
        if url := environ.get(f"{service.upper()}_URL"):
            config.service_urls[service] = url.rstrip("/")
    if url := environ.get("DATABASE_URL"):
        config.database_urls["accounts"] = url
    if key := environ.get("JWT_PRIVATE_KEY_FILE"):
        config.keys_dir = Path(key).parent
    return config


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--amqp-url", help="the broker (default: AMQP_URL, else the local one)")
    args = parser.parse_args()
    environ = dict(os.environ)
    if args.amqp_url:
        environ["AMQP_URL"] = args.amqp_url
    print(f"published {load(config_from_environment(environ))} demo events on canon.sync")
