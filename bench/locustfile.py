"""Mixed traffic for `bench/load.py` (Locust): staff sign in, list and read records, write tasks, a web
form posts lead webhooks in bursts, an LMS plug-in calls the gateway, and staff ask the copilot.

Configured by the environment `bench/load.py` sets: BENCH_TENANT, BENCH_STAFF (how many staff
accounts `staff<i>@<tenant>.example.com` exist), BENCH_PASSWORD, BENCH_KEY (a gateway virtual key),
BENCH_WEBHOOK_SECRET. Run it alone against any deployment:

    BENCH_TENANT=... uv run --group bench locust -f bench/locustfile.py --host http://127.0.0.1:8000
"""

import json
import os
import random
from typing import Any

from locust import HttpUser, between, task

from domain.webhooks.signing import sign

TENANT = os.environ.get("BENCH_TENANT", "bench")
STAFF = int(os.environ.get("BENCH_STAFF", "1"))  # accounts staff0..N-1@<tenant>.example.com
PASSWORD = os.environ.get("BENCH_PASSWORD", "bench-password-1")
KEY = os.environ.get("BENCH_KEY", "")
SECRET = os.environ.get("BENCH_WEBHOOK_SECRET", "")


class Staff(HttpUser):
    """A staff member working in the CRM and LMS, now and then asking the copilot."""

    wait_time = between(0.2, 1.0)

    def on_start(self) -> None:
        self.email = f"staff{random.randrange(STAFF)}@{TENANT}.example.com"
        self.headers: dict[str, str] = {}
        self.sign_in()
        self.leads: list[str] = []
        self.thread = ""

    @task(1)
    def sign_in(self) -> None:
        r = self.client.post("/api/v1/auth/token", data={"username": self.email, "password": PASSWORD,
                                                         "tenant": TENANT}, name="POST /auth/token")
        if r.status_code == 200:
            self.headers = {"Authorization": f"Bearer {r.json()['access_token']}"}

    @task(6)
    def list_leads(self) -> None:
        r = self.client.get("/api/v1/leads?limit=20", headers=self.headers, name="GET /leads")
        if r.status_code == 200:
            self.leads = [lead["id"] for lead in r.json()["data"]] or self.leads

    @task(4)
    def lead_detail(self) -> None:
        if self.leads:
            self.client.get(f"/api/v1/leads/{random.choice(self.leads)}", headers=self.headers,
                            name="GET /leads/{id}")

    @task(4)
    def list_courses(self) -> None:
        self.client.get("/api/v1/courses?limit=20", headers=self.headers, name="GET /courses")

    @task(2)
    def write_task(self) -> None:
        self.client.post("/api/v1/tasks", json={"title": f"Call back {random.randint(1, 10**6)}"},
                         headers=self.headers, name="POST /tasks")

    @task(1)
    def copilot_turn(self) -> None:
        if not self.thread:
            r = self.client.post("/api/v1/agents/copilot/threads", headers=self.headers, name="POST /threads")
            if r.status_code != 201:
                return
            self.thread = r.json()["thread_id"]
        r = self.client.post(f"/api/v1/agents/copilot/threads/{self.thread}/messages",
                             json={"content": "How many open leads do we have?"},
                             headers={**self.headers, "Accept": "application/json"},
                             name="POST /copilot turn")
        if r.status_code == 409:  # a turn of this thread still running elsewhere: start another thread
            self.thread = ""


class Integrations(HttpUser):
    """Machines: an LMS plug-in calling the gateway, a web form posting leads in bursts."""

    wait_time = between(0.2, 1.0)

    @task(3)
    def gateway_call(self) -> None:
        body: dict[str, Any] = {"model": "fast", "max_tokens": 16,
                                "messages": [{"role": "user", "content": "Summarise the lesson."}]}
        self.client.post("/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {KEY}"},
                         name="POST /v1/chat/completions")

    @task(1)
    def webhook_burst(self) -> None:
        for _ in range(5):
            n = random.randint(1, 10**9)
            body = json.dumps({"name": f"Lead {n}", "email": f"lead{n}@example.com",
                               "source": "web_form"}).encode()
            headers = {"Content-Type": "application/json", "X-Cognify-Signature": sign(SECRET, body)}
            self.client.post(f"/api/v1/webhooks/leads/{TENANT}", data=body, headers=headers,
                             name="POST /webhooks/leads")
