"""What a person sees (issue 16), in headless Chromium against a real server over a
store with two BLINCYTO versions, methotrexate and another product; plus a
screenshot of each main page at 1366 px and 390 px wide that fails when the
content is wider than the viewport. Screenshots go to $KB_SCREENSHOTS (default:
a temporary directory) for looking at."""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from web_multi_fixtures import V1, multi_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMEDRIVER = "/usr/bin/chromedriver"
SHOTS = Path(os.environ.get("KB_SCREENSHOTS") or tempfile.mkdtemp(prefix="smpc-shots-"))

MAIN_PAGES = {
    "home": "/",
    "search": "/search?q=encephalopathy",
    "label": "/labels/blincyto",
    "section": "/labels/blincyto/sections/4.8",
    "adverse": "/labels/blincyto/adverse-reactions",
    "dosing": "/labels/blincyto/dosing?indication=pediatric-relapsed-refractory&weight_kg=30&age_years=10"
              "&bsa_m2=0.8&cycle=1&day=8&infusion_hours=24",
    "dosing-rule": "/labels/methotrexate/dosing?indication=choriocarcinoma-and-other-trophoblastic-tumours&weight_kg=70",
    "diff": "/diff?from=blincyto@2024-07&to=blincyto@2025-03",
    "sparql": "/sparql",
}


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
                "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1366,900",
                "--hide-scrollbars"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
    driver.implicitly_wait(3)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def base():
    return multi_server()


def _wait_url(browser, ending: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 30).until(lambda d: d.current_url.endswith(ending))
    WebDriverWait(browser, 30).until(lambda d: d.execute_script("return document.readyState") == "complete")


def _width(browser, px: int):
    # the layout viewport: emulate a device of that width (a desktop window cannot be made 390 px wide)
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": px, "height": 900, "deviceScaleFactor": 1, "mobile": px < 800})


@pytest.mark.parametrize("width", [1366, 390])
@pytest.mark.parametrize("name", list(MAIN_PAGES))
def test_main_pages_fit_the_viewport(browser, base, name, width):
    _width(browser, width)
    browser.get(base + MAIN_PAGES[name])
    inner = browser.execute_script("return window.innerWidth")
    scroll = browser.execute_script("return document.documentElement.scrollWidth")
    SHOTS.mkdir(parents=True, exist_ok=True)
    height = browser.execute_script("return Math.min(document.documentElement.scrollHeight, 4000)")
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 800})
    browser.save_screenshot(str(SHOTS / f"{name}-{width}.png"))
    _width(browser, width)
    # (an emulated phone widens its layout viewport, innerWidth, to fit content that overflows)
    assert max(scroll, inner) <= width, f"{name} at {width}px: content {max(scroll, inner)}px wide overflows the viewport"


def test_dose_page_shows_the_answer_a_pharmacist_needs(browser, base):
    from selenium.webdriver.common.by import By

    _width(browser, 1366)
    browser.get(base + MAIN_PAGES["dosing"])
    text = browser.find_element(By.ID, "dose-result").text
    # 15 mcg/m2/day on day 8 for < 45 kg (label table 1) x BSA 0.80 m2 = 12 micrograms/day
    assert "15 mcg/m2/day" in V1.read_text(encoding="utf-8")
    assert "12 micrograms/day" in browser.find_element(By.ID, "dose-text").text
    assert "0.8 – 0.89 1.1 mL 1" in V1.read_text(encoding="utf-8")
    assert "BSA 0.8-0.89 m², 10 mL/hour -> 1.1 mL, 1 vial" in browser.find_element(By.ID, "prep-row").text
    assert "recommended today" in browser.find_element(By.ID, "dose-hospital").text
    assert "From BLINCYTO (blincyto@2025-03)" in text
    # the rule's inputs only: cycle and day shown for a regimen; changing to a prose rule hides them
    from selenium.webdriver.support.ui import Select

    assert browser.find_element(By.NAME, "cycle").is_displayed()
    durations = [o.text for o in Select(browser.find_element(By.ID, "infusion_hours")).options]
    assert durations[1:] == ["24 hours", "48 hours", "72 hours", "96 hours"]  # table 13's durations


def test_prose_rule_page_hides_cycle_and_shows_schedule(browser, base):
    from selenium.webdriver.common.by import By

    _width(browser, 1366)
    browser.get(base + MAIN_PAGES["dosing-rule"])
    assert not browser.find_element(By.NAME, "cycle").is_displayed()
    assert browser.find_element(By.NAME, "weight_kg").is_displayed()
    assert not browser.find_element(By.NAME, "height_cm").is_displayed()
    t = browser.find_element(By.ID, "dose-text").text
    assert t.startswith("17.5-60 mg intramuscularly every 48 hours for 4 doses")
    assert "treatment-free" not in browser.find_element(By.ID, "dose-result").text


def test_adverse_entry_link_lands_on_its_passage(browser, base):
    from selenium.webdriver.common.by import By

    _width(browser, 1366)
    browser.get(base + "/labels/blincyto/adverse-reactions?sort=term")
    row = next(r for r in browser.find_elements(By.CSS_SELECTOR, "#ar-table tbody tr")
               if r.find_elements(By.TAG_NAME, "td")[2].text.startswith("Encephalopathy"))
    link = row.find_element(By.CSS_SELECTOR, "a.src")
    target = link.get_attribute("href").split("#")[1]
    link.click()
    _wait_url(browser, "#" + target)
    passage = browser.find_element(By.ID, target)
    assert "Encephalopathy" in passage.text
    top = browser.execute_script("return arguments[0].getBoundingClientRect().top", passage)
    assert -5 <= top < 900


def test_adverse_colours_are_the_same_band_on_both_labels(browser, base):
    from selenium.webdriver.common.by import By

    _width(browser, 1366)
    colours = {}
    for label in ("blincyto", "methotrexate"):
        browser.get(base + f"/labels/{label}/adverse-reactions")
        legend = browser.find_elements(By.CSS_SELECTOR, "#ar-chart g.legend rect")
        names = browser.find_elements(By.CSS_SELECTOR, "#ar-chart g.legend text")
        for rect, name in zip(legend, names):
            colours.setdefault(name.text, set()).add(rect.get_attribute("fill"))
        # the legend's items do not overlap each other
        boxes = [browser.execute_script("var b = arguments[0].getBoundingClientRect(); return [b.left, b.right]", n)
                 for n in names]
        assert all(a[1] <= b[0] for a, b in zip(boxes, boxes[1:]))
        footnotes = browser.find_elements(By.CSS_SELECTOR, "#footnotes li")
        if label == "blincyto":
            assert footnotes and "includes" in footnotes[0].text
    assert "common" in colours and all(len(v) == 1 for v in colours.values()), colours


def test_search_total_matches_the_results_and_table_rows_read_well(browser, base):
    from selenium.webdriver.common.by import By

    _width(browser, 1366)
    browser.get(base + "/search?q=QT+prolongation")
    count = browser.find_element(By.ID, "result-count").text
    n = int(re.match(r"(\d+)", count).group(1))
    hits = browser.find_elements(By.CSS_SELECTOR, "#results article.hit")
    assert (n == 0) == (not hits)
    browser.get(base + "/search?q=heart")
    assert browser.find_elements(By.CSS_SELECTOR, "#results article.hit")  # the labels say "cardiac"
    # encephalopathy: a common cell the text settles alone (these test versions have no curation file)
    browser.get(base + "/search?q=encephalopathy&label=blincyto")
    rows = browser.find_elements(By.CSS_SELECTOR, "#results ul.table-rows li")
    assert any(r.text.startswith("Nervous system disorders · common:") and "encephalopathy" in r.text.lower()
               for r in rows)
    headings = [h.text for h in browser.find_elements(By.CSS_SELECTOR, "#results .group h2 a")]
    assert "4.8 Undesirable effects" in headings and not any("CLINICAL PARTICULARS" in h.upper() for h in headings)


def test_diff_page_and_version_picker(browser, base):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    _width(browser, 1366)
    browser.get(base + "/labels/blincyto/adverse-reactions")
    assert "version 2025-03" in browser.find_element(By.ID, "version-name").text
    Select(browser.find_element(By.ID, "version-select")).select_by_value("blincyto@2024-07")
    browser.find_element(By.CSS_SELECTOR, "#version-bar button").click()
    _wait_url(browser, "/labels/blincyto@2024-07/adverse-reactions")
    assert "version 2024-07" in browser.find_element(By.ID, "version-name").text
    browser.get(base + "/diff")
    assert Select(browser.find_element(By.ID, "diff-from")).first_selected_option.get_attribute("value") == "blincyto@2024-07"
    dels = [d.text for d in browser.find_elements(By.CSS_SELECTOR, "#kind-product del")]
    ins = [d.text for d in browser.find_elements(By.CSS_SELECTOR, "#kind-product ins")]
    assert "96 h" in dels and "72 h" in ins  # the fixture's edit 7
    browser.find_element(By.ID, "link-from").click()
    _wait_url(browser, "/labels/blincyto@2024-07")


def test_timeline_marks_gaps_cycles_and_selected_day(browser, base):
    from selenium.webdriver.common.by import By

    _width(browser, 1366)
    browser.get(base + MAIN_PAGES["dosing"])
    assert browser.find_elements(By.CSS_SELECTOR, "#timeline rect.gap")
    assert browser.find_elements(By.CSS_SELECTOR, "#timeline line.cycle-start")
    assert browser.find_elements(By.CSS_SELECTOR, "#timeline rect.hospital")
    assert "C1 D8" in browser.find_element(By.ID, "selected-day").text
    ticks = [t.text for t in browser.find_elements(By.CSS_SELECTOR, "#timeline text.tick")]
    assert "8" in ticks and "15" in ticks


def test_sparql_page_shows_it_is_running_and_the_time(browser, base):
    from selenium.webdriver.common.by import By

    _width(browser, 1366)
    browser.get(base + "/sparql")
    browser.execute_script("document.getElementById('sparql-form').addEventListener('submit', function (e) {"
                           " if (!window.__held) { window.__held = true; e.preventDefault(); } });")
    browser.find_element(By.ID, "run").click()
    assert browser.find_element(By.ID, "sparql-running").is_displayed()
    browser.find_element(By.ID, "sparql-form").submit()
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.ID, "sparql-elapsed"))
    assert re.match(r"Answered in \d+ ms", browser.find_element(By.ID, "sparql-elapsed").text)
