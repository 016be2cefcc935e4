"""The live page in a real browser (Debian's headless chromium driven by selenium): the picture renders,
the pause button holds it, a box dragged with the mouse starts the tracker there (checked on the JSON
box stream), the stop button ends the run with its outputs. Skipped without chromium and its driver
(.ci/run installs them). EDGETRACK_SCREENSHOT=PATH also saves the page's screenshot there (the README's)."""

from __future__ import annotations

import os
import shutil
import threading

import cv2
import numpy as np
import pytest
from serve_helpers import box_records, request, start_track

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER), reason="no headless browser: apt-get install chromium chromium-driver"
)
pytest.importorskip("aiohttp", reason="--serve needs the optional extra 'serve' (aiohttp)")
webdriver = pytest.importorskip("selenium.webdriver", reason="the browser test drives chromium with selenium")


@pytest.fixture
def uav_clip(tmp_path):
    """A generated UAV-like clip (edgetrack synth) as an mp4 at 30 FPS, and its ground-truth boxes."""
    from edgetrack.synth import SyntheticSequence

    clip = SyntheticSequence(3, 450)
    path = tmp_path / "uav.mp4"
    height, width = clip.frame(0).shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (width, height))
    for i in range(len(clip)):
        writer.write(cv2.cvtColor(clip.frame(i), cv2.COLOR_RGB2BGR))
    writer.release()
    return path, clip.boxes


@pytest.fixture
def browser():
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=820,640",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)
    yield driver
    driver.quit()


def wait_for(driver, condition, timeout=30.0):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(condition)


def test_live_page_renders_and_a_dragged_box_starts_tracking_there(tmp_path, uav_clip, browser):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    clip, gt = uav_clip
    txt = tmp_path / "boxes.txt"
    process, url = start_track([clip, "--serve", "127.0.0.1:0", "--save-txt", txt])  # no --init: waits
    try:
        browser.get(url)
        video = browser.find_element(By.ID, "video")
        status = browser.find_element(By.ID, "status")
        wait_for(browser, lambda d: d.execute_script("return arguments[0].naturalWidth", video) > 0)
        wait_for(browser, lambda d: "waiting" in status.text)
        picture = cv2.imdecode(np.frombuffer(video.screenshot_as_png, np.uint8), cv2.IMREAD_COLOR)
        assert picture.shape[0] >= 200 and picture.std() > 10  # the live picture, not a blank box

        browser.find_element(By.ID, "pause").click()
        wait_for(browser, lambda d: "paused" in status.text)
        frame = request(url, path="state")[1]["frame"]
        target = gt[frame]
        rect = browser.execute_script("return arguments[0].getBoundingClientRect().toJSON()", video)
        kx, ky = rect["width"] / 320, rect["height"] / 240  # page pixels per frame pixel (the page scales it)
        centre = (rect["width"] / 2, rect["height"] / 2)
        found: list[dict] = []

        def is_init(records):
            return any(r.get("init") and r["frame"] == frame for r in records)

        reader = threading.Thread(target=lambda: found.extend(box_records(url, is_init)))
        reader.start()
        start = (target[0] * kx - centre[0], target[1] * ky - centre[1])
        drag = ActionChains(browser).move_to_element_with_offset(video, round(start[0]), round(start[1]))
        drag.click_and_hold().move_by_offset(round(target[2] * kx), round(target[3] * ky)).release().perform()
        reader.join(timeout=30)
        init = next(r for r in found if r.get("init") and r["frame"] == frame)
        np.testing.assert_allclose(init["box"], target, atol=2.5)  # the tracker restarted on the drawn box

        browser.find_element(By.ID, "pause").click()  # resume: tracking goes on from that box
        later = box_records(url, lambda records: len(records) >= 30)
        assert later[-1]["state"] == "tracking" and later[-1]["frame"] > frame
        wait_for(browser, lambda d: "tracking" in status.text)
        shot = os.environ.get("EDGETRACK_SCREENSHOT")
        if shot:
            browser.save_screenshot(shot)

        browser.find_element(By.ID, "stop").click()
        wait_for(browser, lambda d: "stopped" in status.text)
        assert process.wait(timeout=30) == 0
    finally:
        process.kill()
    err = process.stderr.read()
    assert "stopped: stop button" in err and "Traceback" not in err
    rows = np.loadtxt(txt, delimiter=",")
    np.testing.assert_allclose(rows[0], [*init["box"], 1.0])  # lines start at the operator's box
    assert len(rows) > 30
