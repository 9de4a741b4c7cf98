"""The dashboard in a real browser: headless Chromium (Debian's packages, installed by the
test setup when missing, driven through Debian's chromedriver so nothing is downloaded) loads
every page of a running ``streamlit run dashboard/app.py``, saves a screenshot of each under
``test-artifacts/dashboard/``, and approves a proposal through the UI, which the REST API then
reports as approved."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from registry_core.demo import seed_demo
from registry_core.service import Registry
from tests.dashboard.test_pages import _record_runs
from tests.servers import free_port, start_server

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "dashboard"
PAGES = {  # URL path -> the page's title
    "": "Schemas",
    "approvals": "Approvals",
    "lineage": "Lineage",
    "data_quality": "Data quality",
    "benchmarks": "Benchmarks",
    "audit": "Audit",
}
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    "--window-size=1400,1100",
]


def _ensure_chromium() -> tuple[str, str]:
    """Debian's chromium and chromium-driver, installed with apt-get when missing."""
    browser, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if browser and driver:
        return browser, driver
    if os.geteuid() != 0:
        pytest.fail("Chromium is missing: apt-get install chromium chromium-driver (as root)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "chromium", "chromium-driver"]
    if subprocess.run(install, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, check=True, capture_output=True)
        subprocess.run(install, env=env, check=True, capture_output=True)
    browser, driver = shutil.which("chromium"), shutil.which("chromedriver")
    assert browser and driver, "apt-get did not install chromium and chromedriver"
    return browser, driver


@pytest.fixture(scope="module")
def chromium() -> tuple[str, str]:
    return _ensure_chromium()


@contextlib.contextmanager
def streamlit_app(env: dict[str, str], log_path: Path) -> Iterator[str]:
    """``streamlit run dashboard/app.py`` on a free port, until it answers; its URL."""
    port = free_port()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"),
             "--server.headless", "true", "--server.address", "127.0.0.1",
             "--server.port", str(port), "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped whole
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/_stcore/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        else:
            pytest.fail(f"streamlit did not start: {log_path.read_text()[-2000:]}")
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextlib.contextmanager
def chrome(chromium: tuple[str, str]) -> Iterator[Any]:
    """Headless Chromium through Debian's chromedriver, with a fresh profile."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, driver_path = chromium
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    profile = tempfile.mkdtemp(prefix="llmsr-chromium-")
    for flag in [*FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def dashboard(tmp_path: Path) -> Iterator[tuple[str, str, str]]:
    """A seeded SQLite registry, ``streamlit run`` on it (as the reviewer rita, development
    mode) and the REST API on the same database; (dashboard URL, API URL, admin key)."""
    db_url = f"sqlite:///{tmp_path / 'registry.db'}"
    registry = Registry(db_url)
    registry.migrate()
    seed_demo(registry)
    admin_key = registry.add_user("root", "admin")
    registry.add_user("rita", "reviewer", actor="root")
    registry.add_user("demo-author", "writer", actor="root")
    registry.add_user("rob", "reader", actor="root")
    _record_runs(registry)
    registry.close()
    env = {**os.environ, "LLMSR_DATABASE_URL": db_url, "LLMSR_USER": "rita"}
    env.pop("LLMSR_DASHBOARD_USER_HEADER", None)
    api = start_server(db_url, tmp_path)
    try:
        with streamlit_app(env, tmp_path / "streamlit.log") as url:
            yield url, api.url, admin_key
    finally:
        api.stop()


def _wait_rendered(driver: object, text: str, timeout: float = 30) -> None:
    """Until the page shows ``text`` and Streamlit's status widget (running...) is gone."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(driver, timeout)  # type: ignore[arg-type]
    wait.until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, '[data-testid="stApp"]'))
    )
    wait.until(lambda d: text in d.find_element(By.TAG_NAME, "body").text)
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, '[data-testid="stStatusWidget"]'))
    time.sleep(0.5)


@pytest.mark.slow
def test_every_page_in_chromium_and_an_approval_through_the_ui(
    chromium: tuple[str, str], dashboard: tuple[str, str, str]
) -> None:
    from selenium.webdriver.common.by import By

    url, api_url, admin_key = dashboard
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with chrome(chromium) as driver:
        for path, title in PAGES.items():
            driver.get(f"{url}/{path}")
            _wait_rendered(driver, title)
            heading = driver.find_element(By.CSS_SELECTOR, "h1").text
            assert heading == title, (path, heading)
            assert not driver.find_elements(By.CSS_SELECTOR, '[data-testid="stException"]')
            driver.save_screenshot(str(ARTIFACTS / f"{path or 'schemas'}.png"))
        driver.get(f"{url}/lineage")
        _wait_rendered(driver, "Lineage")
        assert driver.find_elements(By.CSS_SELECTOR, "svg"), "the graph did not render"

        driver.get(f"{url}/approvals")
        _wait_rendered(driver, "llm.rag-chunk-value")
        driver.find_element(By.CSS_SELECTOR, "textarea").send_keys("Approved in the browser.")
        next(b for b in driver.find_elements(By.TAG_NAME, "button") if b.text == "Approve").click()
        _wait_rendered(driver, "Proposal 1 approved as version 3.")
        driver.save_screenshot(str(ARTIFACTS / "approvals-after.png"))
    proposal = httpx.get(
        f"{api_url}/governance/proposals/1", headers={"Authorization": f"Bearer {admin_key}"}
    ).json()
    assert (proposal["state"], proposal["decidedBy"], proposal["version"]) == (
        "APPROVED",
        "rita",
        3,
    )
    latest = httpx.get(
        f"{api_url}/subjects/llm.rag-chunk-value/versions/latest",
        headers={"Authorization": f"Bearer {admin_key}"},
    ).json()
    assert latest["version"] == 3


@pytest.mark.slow
def test_identity_from_a_trusted_proxy_header(chromium: tuple[str, str], tmp_path: Path) -> None:
    """With LLMSR_DASHBOARD_USER_HEADER set, the user is the header's value (what a trusted
    proxy in front sets), here added to every request by the browser itself."""
    db_url = f"sqlite:///{tmp_path / 'registry.db'}"
    registry = Registry(db_url)
    registry.migrate()
    seed_demo(registry)
    registry.add_user("root", "admin")
    registry.add_user("rita", "reviewer", actor="root")
    registry.close()
    env = {**os.environ, "LLMSR_DATABASE_URL": db_url,
           "LLMSR_DASHBOARD_USER_HEADER": "X-Forwarded-User"}  # fmt: skip
    env.pop("LLMSR_USER", None)
    with streamlit_app(env, tmp_path / "streamlit.log") as url, chrome(chromium) as driver:
        driver.get(f"{url}/")
        _wait_rendered(driver, "No X-Forwarded-User header")  # no proxy: refused
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd(
            "Network.setExtraHTTPHeaders", {"headers": {"X-Forwarded-User": "rita"}}
        )
        driver.get(f"{url}/approvals")
        _wait_rendered(driver, "Signed in as rita (reviewer)")
        assert "Development mode" not in driver.page_source
