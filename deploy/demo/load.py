"""Load the demo data the way production data arrives: as canon.sync events from the vendor's CRM.
Event ids are derived from the content, so loading twice changes nothing (the services' inboxes)."""

import argparse
import asyncio
import os
import subprocess
import sys
import uuid

from deploy.demo.data import AGENT, DEMO_PASSWORD, vendor_events
from deploy.system import REPO_ROOT, SystemConfig
from shared.bus import Bus
from shared.events import VENDOR_EXCHANGE, new_event


async def publish_vendor_events(amqp_url: str, prefix: str) -> int:
    bus = Bus(amqp_url=amqp_url, service="demo-loader", prefix=prefix)
    await bus.connect()
    try:
        events = vendor_events()
        for data in events:
            event = new_event(data, source="crm")
            event.id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"demo:{event.type}:{data.model_dump_json()}"))
            await bus.publish(event, VENDOR_EXCHANGE)
        return len(events)
    finally:
        await bus.close()


def create_agent(config: SystemConfig) -> None:
    subprocess.run([sys.executable, "-m", "accounts.staff", "create", "--email", AGENT["email"], "--name",
                    AGENT["name"], "--role", AGENT["role"], "--password", DEMO_PASSWORD],
                   env=config.env("accounts"), cwd=REPO_ROOT, check=True, stdout=subprocess.DEVNULL)


def load(config: SystemConfig) -> int:
    create_agent(config)
    return asyncio.run(publish_vendor_events(config.amqp_url, config.bus_prefix))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--amqp-url", default=os.environ.get("AMQP_URL", "amqp://guest:guest@localhost:5672/"))
    args = parser.parse_args()
    print(f"published {load(SystemConfig(amqp_url=args.amqp_url))} demo events on canon.sync")
