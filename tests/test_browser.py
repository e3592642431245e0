"""Headless Chromium (Debian's chromium + chromium-driver; scripts/install-browser.sh) against a real server."""
from __future__ import annotations

import shutil
import tempfile

import pytest

try:  # tests/ as a package or as a plain directory
    from .web_fixtures import *  # noqa: F401,F403
except ImportError:
    from web_fixtures import *  # noqa: F401,F403

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMEDRIVER = "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def browser():
    if not shutil.which("chromium") or not shutil.which("chromedriver"):
        pytest.skip("chromium/chromium-driver are not installed (run scripts/install-browser.sh)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install selenium)")
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="smpc-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium")
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1280,900"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def test_search_highlights_and_opens_the_passage(browser, base_url):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(base_url + "/search")
    box = browser.find_element(By.ID, "q")
    box.send_keys("Down syndrome", Keys.ENTER)
    marks = browser.find_elements(By.CSS_SELECTOR, "#results .snippet mark")
    assert marks and {m.text.lower() for m in marks} >= {"down", "syndrome"}
    hit = browser.find_element(By.CSS_SELECTOR, "#results a.hit-link")
    target = hit.get_attribute("href").split("#")[1]
    hit.click()
    assert browser.current_url.endswith("#" + target)
    passage = browser.find_element(By.ID, target)
    assert "Down syndrome" in passage.text
    assert browser.execute_script("return document.querySelector(':target') && document.querySelector(':target').id") == target
    top = browser.execute_script("return arguments[0].getBoundingClientRect().top", passage)
    assert -5 <= top < 900  # scrolled into view


def test_adverse_reactions_page_filters_as_you_type(browser, base_url):
    from selenium.webdriver.common.by import By

    browser.get(base_url + "/labels/blincyto/adverse-reactions")
    assert browser.find_element(By.CSS_SELECTOR, "#ar-chart svg rect")
    rows = browser.find_elements(By.CSS_SELECTOR, "#ar-table tbody tr")
    term = rows[0].find_elements(By.TAG_NAME, "td")[2].text.rstrip("0123456789")
    browser.find_element(By.ID, "ar-text").send_keys(term)
    visible = [r for r in browser.find_elements(By.CSS_SELECTOR, "#ar-table tbody tr") if r.is_displayed()]
    assert 0 < len(visible) < len(rows) and all(term.lower() in r.text.lower() for r in visible)


def test_sparql_page_runs_a_query(browser, base_url, label_ref):
    from selenium.webdriver.common.by import By

    browser.get(base_url + "/sparql")
    area = browser.find_element(By.ID, "query")
    area.clear()
    area.send_keys("SELECT ?version WHERE { GRAPH ?g { ?g <https://w3id.org/smpc-kb/ontology#version> ?version } }")
    browser.find_element(By.ID, "run").click()
    from selenium.webdriver.support.ui import WebDriverWait

    # the answer page: a results table, or an error saying why (e.g. the 2 s time limit on a loaded machine)
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#sparql-results, #sparql-error"))
    errors = browser.find_elements(By.ID, "sparql-error")
    assert not errors, errors[0].text
    cells = browser.find_elements(By.CSS_SELECTOR, "#sparql-results td")
    assert label_ref.version in [c.text for c in cells]
