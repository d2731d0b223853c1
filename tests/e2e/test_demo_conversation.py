"""The demo's resolved case (as `make run` adds it) shows a conversation with a file: the administrator's message
carries the device's error log, which the agent downloads as it was sent (F-11)."""

from urllib.parse import urlencode

import pytest

from deploy.demo.load import DEMO_ERROR_LOG, SURVEYED_SUBJECT, resolved_case_with_a_verdict

pytestmark = pytest.mark.e2e


def test_the_demo_case_carries_the_administrators_error_log(system, tmp_path):
    resolved_case_with_a_verdict(system.config, tmp_path, timeout=0.5)
    with system.client(system.login("agent@canon.example")) as api:
        [case] = api.get(f"/api/cases/v1/cases?{urlencode({'q': SURVEYED_SUBJECT})}").json()["items"]
        timeline = api.get(f"/api/cases/v1/cases/{case['id']}").json()["timeline"]
        [file] = [f for entry in timeline for f in entry.get("attachments") or []]
        assert file["filename"] == "registro-errores.txt"
        got = api.get(f"/api/cases/v1/cases/{case['id']}/attachments/{file['id']}")
    assert got.status_code == 200 and got.content == DEMO_ERROR_LOG
    assert got.headers["content-type"] == "text/plain; charset=utf-8"
