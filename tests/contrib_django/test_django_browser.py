"""The admin in a real browser: Debian's chromium and chromedriver, driven by Selenium,
against ``runserver`` on a SQLite file: log in as staff, search, block a customer, see it.

Skipped where the browser is missing, except under ``CI=true`` (``./dev`` installs it).
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.sqlite, pytest.mark.sql]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SETUP = """
from django.contrib.auth import get_user_model
from customer_core import Argon2Hasher
from customer_core.contrib.django import get_core
get_user_model().objects.create_superuser("staff", "staff@host.test", "staff-pw")
core = get_core(password_hasher=Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1))
for name, email in [("Ada Lovelace", "ada@example.com"), ("Grace Hopper", "grace@example.com")]:
    core.customers.register(name=name, email=email, password="pw-123456")
"""


def _browser_or_skip() -> None:
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.path.exists(path)]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("selenium")
    if missing:
        reason = f"browser test needs {', '.join(missing)} (./dev installs them)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true: {reason}", pytrace=False)
        pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """``runserver`` on a fresh, migrated SQLite file with a staff user and two customers."""
    _browser_or_skip()
    database = tmp_path / "shop.sqlite3"
    paths = [str(ROOT / "src"), str(HERE), str(ROOT / "tests"), os.environ.get("PYTHONPATH", "")]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "django_settings",
        "CUSTOMER_CORE_DJANGO_SQLITE": str(database),
        "CUSTOMER_CORE_DJANGO_DEBUG": "1",  # runserver serves the admin's static files
        "PYTHONPATH": os.pathsep.join(p for p in paths if p),
    }
    django = [sys.executable, "-m", "django"]
    subprocess.run([*django, "migrate", "--run-syncdb", "-v0"], env=env, check=True)
    subprocess.run([*django, "shell", "-c", SETUP], env=env, check=True)
    port = _free_port()
    process = subprocess.Popen(
        [*django, "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{url}/admin/login/")
        yield url, database
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_for(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    """Headless Chromium with a fresh profile and no background networking."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def test_staff_logs_in_searches_and_blocks_a_customer(
    server: tuple[str, Path], browser: Any
) -> None:
    """Log in as staff, search, block the customer found, see it in the blocked filter."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as until
    from selenium.webdriver.support.select import Select
    from selenium.webdriver.support.wait import WebDriverWait

    url, database = server
    driver = browser
    wait = WebDriverWait(driver, 20)
    driver.get(f"{url}/admin/login/?next=/admin/customer_core/customer/")
    driver.find_element(By.NAME, "username").send_keys("staff")
    driver.find_element(By.NAME, "password").send_keys("staff-pw", Keys.ENTER)
    wait.until(until.presence_of_element_located((By.ID, "searchbar")))

    driver.find_element(By.ID, "searchbar").send_keys("LOVELACE", Keys.ENTER)
    wait.until(until.url_contains("q=LOVELACE"))
    table = driver.find_element(By.ID, "result_list").text
    assert "ada@example.com" in table
    assert "grace@example.com" not in table

    driver.find_element(By.CSS_SELECTOR, "input[name=_selected_action]").click()
    Select(driver.find_element(By.NAME, "action")).select_by_value("block")
    driver.find_element(By.NAME, "index").click()
    wait.until(
        until.text_to_be_present_in_element(
            (By.CSS_SELECTOR, ".messagelist"), "1 customer(s) blocked."
        )
    )

    driver.get(f"{url}/admin/customer_core/customer/?blocked=yes")
    table = driver.find_element(By.ID, "result_list").text
    assert "ada@example.com" in table
    assert "grace@example.com" not in table
    with sqlite3.connect(database) as connection:
        blocked = connection.execute("select email from customers where is_blocked = 1").fetchall()
    assert blocked == [("ada@example.com",)]
