"""Locust users for benchmarks/load_figures.sh: the leaders of the province built by
benchmarks/province.py (issue 12's load test). Each simulated user signs in through the
login form (CSRF and all) as the provincial leader or a commune's leader, then opens the
figures' pages: the overview (the provincial leader also drills into a commune), the
overdue list, and (provincial leader, rarely) the year report.

Runs under locust's own virtualenv, not the application's: it imports nothing from it.
"""
import os
import random
import re

from locust import HttpUser, between, task

PASSWORD = os.environ.get("BENCH_PASSWORD", "KeSat@2025demo")  # province.PASSWORD
COMMUNES = int(os.environ.get("BENCH_COMMUNES", "100"))
YEAR = os.environ.get("BENCH_YEAR", "2025")
REPORT_WEIGHT = int(os.environ.get("BENCH_REPORT_WEIGHT", "1"))
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Leader(HttpUser):
    wait_time = between(1, 3)

    def on_start(self):
        # One in five is the provincial leader; the others lead a commune (2..COMMUNES).
        self.province = random.random() < 0.2
        self.username = ("tinh.lanhdao" if self.province
                         else f"xa{random.randint(2, COMMUNES)}.lanhdao")
        page = self.client.get("/dang-nhap/", name="/dang-nhap/ (GET)")
        token = TOKEN.search(page.text).group(1)
        with self.client.post("/dang-nhap/", name="/dang-nhap/ (POST)",
                              data={"username": self.username, "password": PASSWORD,
                                    "csrfmiddlewaretoken": token},
                              headers={"Referer": self.host + "/dang-nhap/"},
                              allow_redirects=False, catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"login {self.username}: {response.status_code}")

    @task(4)
    def overview(self):
        self.client.get("/tong-quan/", name="/tong-quan/")

    @task(2)
    def drill_down(self):
        if self.province:
            code = f"xa{random.randint(2, COMMUNES)}"
            self.client.get(f"/tong-quan/?don-vi={code}", name="/tong-quan/?don-vi=xa…")

    @task(3)
    def overdue(self):
        self.client.get("/thoi-han/", name="/thoi-han/")

    @task(1)
    def year_report(self):
        if self.province and random.randint(1, 10) <= REPORT_WEIGHT:
            self.client.get(f"/bao-cao/?ky=nam&nam={YEAR}", name="/bao-cao/ (năm)")
