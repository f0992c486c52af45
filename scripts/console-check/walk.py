#!/usr/bin/env python3
"""Drives headless Chromium through the console over WebDriver (no Selenium: the protocol is plain JSON over HTTP).

Every server it starts listens on 127.0.0.1 on a free port and is stopped on every exit path. Waits are for what the
page shows (an element, a text), never fixed sleeps.
"""
import argparse
import base64
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

KEY = "sk_test_pasarela_sandbox_0000000000000000"
PASSWORD = "console-check-password"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None, headers=None, timeout=60):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


class WebDriver:
    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": shutil.which("chromium") or "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1100"]}}}}
        status, value = self.call("POST", "/session", caps, session=False)
        if status != 200:
            raise SystemExit(f"chromedriver refused the session: {value}")
        self.session = value["value"]["sessionId"]

    def call(self, method, path, body=None, session=True):
        url = self.base + (f"/session/{self.session}" if session else "") + path
        return http(method, url, body if body is not None else ({} if method == "POST" else None))

    def value(self, method, path, body=None):
        status, answer = self.call(method, path, body)
        if status != 200:
            raise RuntimeError(f"WebDriver {method} {path}: {status} {answer}")
        return answer["value"]

    def go(self, url):
        self.value("POST", "/url", {"url": url})

    def url(self):
        return self.value("GET", "/url")

    def script(self, source, *args):
        return self.value("POST", "/execute/sync", {"script": source, "args": list(args)})

    def find(self, css):
        found = self.value("POST", "/element", {"using": "css selector", "value": css})
        if "element-6066-11e4-a52e-4f735466cecf" not in found:
            raise RuntimeError(f"no element {css}: {found}")
        return found["element-6066-11e4-a52e-4f735466cecf"]

    def type(self, css, text):
        element = self.find(css)
        self.value("POST", f"/element/{element}/clear")
        self.value("POST", f"/element/{element}/value", {"text": text})

    def click(self, css):
        self.value("POST", f"/element/{self.find(css)}/click")

    def text(self, css):
        return self.script("const e = document.querySelector(arguments[0]); return e ? e.textContent : null;", css)

    def wait(self, what, predicate, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; page {self.url()}")

    def screenshot(self, path):
        with open(path, "wb") as out:
            out.write(base64.b64decode(self.value("GET", "/screenshot")))

    def quit(self):
        self.call("DELETE", "")


def start_gateway(binary, config, database):
    env = dict(os.environ, PASARELA_OPERATOR_PASSWORD=PASSWORD)
    subprocess.run([binary, "operators", "add", "config-owner", "--role", "editor", "--database", database], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    process = subprocess.Popen([binary, "serve", "--port", "0", "--config", config, "--database", database],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    for line in process.stdout:
        found = re.match(r"Pasarela listening on (http://\S+)", line)
        if found:
            # Keep reading its output so it never blocks on a full pipe.
            import threading
            threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()
            return process, found.group(1)
    raise SystemExit("the gateway did not start")


def create(gateway, order, method=None):
    body = {"amount": {"value": 15000, "currency": "PEN"}, "country": "PE", "payment_method": method or {"type": "cash"},
            "order_id": order, "customer": {"name": "Pedro Gomez", "email": "pedro@example.com", "document": {"type": "DNI", "number": "27662162"}}}
    status, payment = http("POST", gateway + "/v1/payments", body, {"Authorization": f"Bearer {KEY}"})
    assert status == 201, (status, payment)
    return payment


def walk(browser, gateway, config, shots):
    step = [0]

    def shot(name):
        step[0] += 1
        browser.screenshot(os.path.join(shots, f"{step[0]:02d}-{name}.png"))
        print(f"  ✓ {name}")

    cash = [create(gateway, f"walk-{i}") for i in range(3)]
    assert all(p["connection"] == "dlocal" for p in cash), [p["connection"] for p in cash]
    create(gateway, "walk-card", {"type": "card", "token": "tok_abc"})

    # Log in.
    browser.go(gateway + "/console/connections")
    browser.wait("the login form", lambda: "/console/login" in browser.url())
    browser.type("#name", "config-owner")
    browser.type("#password", PASSWORD)
    shot("login")
    browser.click("#sign-in")
    # The connections page, the sandbox connections healthy.
    browser.wait("the connections page", lambda: browser.url().endswith("/console/connections"))
    healthy = browser.script("return [...document.querySelectorAll('#connections tbody tr')].map(r => [r.cells[0].textContent, r.querySelector('[data-health]').dataset.health]);")
    assert sorted(healthy) == [["checkout", "healthy"], ["dlocal", "healthy"], ["pagoefectivo", "healthy"]], healthy
    assert browser.script("return document.querySelectorAll('svg.spark').length;") == 3
    shot("connections")

    # A rule broken: its line and column; fixed: explain changes.
    browser.go(gateway + "/console/rules")
    browser.wait("the editor's first check", lambda: browser.text("#check-state") == "valid")
    live_explain = browser.text("#explain-live")
    assert "chain: dlocal → pagoefectivo" in live_explain, live_explain
    original = browser.script("return document.getElementById('rules-text').value;")
    broken = original.replace("targets: [dlocal]\n", "targets: [dlocall]\n", 1)
    assert broken != original
    set_text = "const t = document.getElementById('rules-text'); t.value = arguments[0]; t.dispatchEvent(new Event('input'));"
    browser.script(set_text, broken)
    problem = browser.wait("the problem's line and column", lambda: browser.text("#problems"))
    line = 1 + original[: original.index("targets: [dlocal]\n")].count("\n")
    assert re.search(rf"^{line}:\d+: .*dlocall", problem), problem
    assert browser.script("return document.getElementById('save').disabled;")
    browser.script("document.getElementById('rules-text').scrollIntoView();")
    shot("rule-error")
    candidate = original.replace("targets: [dlocal, pagoefectivo]", "targets: [pagoefectivo, dlocal]", 1)
    browser.script(set_text, candidate)
    browser.wait("the candidate's explain", lambda: "chain: pagoefectivo → dlocal" in (browser.text("#explain-candidate") or ""))
    assert browser.text("#check-state") == "valid" and not browser.text("#problems")
    browser.script("document.getElementById('rules-text').scrollIntoView();")
    shot("rule-fixed-explain")

    # What-if on the stored payments: the three cash payments move.
    browser.type("#whatif-since", "1d")
    browser.click("#whatif-run")
    moved = browser.wait("the what-if summary", lambda: browser.script("const s = document.getElementById('whatif-summary'); return s && s.dataset.moved;"))
    assert moved == "3", moved
    browser.script("document.getElementById('whatif').scrollIntoView();")
    shot("whatif")

    # Save: written, reloaded; the next payment goes by the new rule.
    browser.click("#save")
    browser.wait("the saved notice", lambda: browser.text("#saved"))
    with open(os.path.join(config, "routes.yaml"), encoding="utf-8") as f:
        assert f.read() == candidate
    shot("saved")
    payment = create(gateway, "walk-after-save")
    assert payment["connection"] == "pagoefectivo", payment["connection"]

    # Its timeline.
    browser.go(gateway + "/console/payments?order=walk-after-save")
    browser.wait("the search result", lambda: payment["id"] in (browser.text("#payments") or ""))
    shot("payments")
    browser.go(gateway + f"/console/payments/{payment['id']}")
    timeline = browser.wait("the timeline", lambda: browser.text("#timeline"))
    assert "attempt 1 on pagoefectivo" in timeline, timeline
    assert browser.text("#payment-rule") == "peru-cash"
    shot("payment-timeline")

    # Log out, and be refused.
    browser.click("#logout")
    browser.wait("the login page", lambda: "/console/login" in browser.url())
    browser.go(gateway + "/console/rules")
    browser.wait("the refusal", lambda: "/console/login" in browser.url())
    status, _ = http("POST", gateway + "/console/rules/check", {"text": "x"})
    assert status == 401, status
    shot("logged-out")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--screenshots", required=True)
    args = parser.parse_args()
    os.makedirs(args.screenshots, exist_ok=True)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    work = tempfile.mkdtemp(prefix="pasarela-console-")
    config = os.path.join(work, "config")
    os.makedirs(config)
    shutil.copy(os.path.join(root, "routes.yaml"), config)
    shutil.copytree(os.path.join(root, "adapters"), os.path.join(config, "adapters"))
    processes = []
    browser = None
    try:
        gateway_process, gateway = start_gateway(os.path.abspath(args.binary), config, os.path.join(work, "pasarela.sqlite"))
        processes.append(gateway_process)
        driver_port = free_port()
        driver = subprocess.Popen(["chromedriver", f"--port={driver_port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True)
        processes.append(driver)
        deadline = time.monotonic() + 30
        while True:
            try:
                if http("GET", f"http://127.0.0.1:{driver_port}/status")[0] == 200:
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        browser = WebDriver(driver_port)
        print(f"console walk on {gateway}/console (screenshots in {args.screenshots})")
        walk(browser, gateway, config, args.screenshots)
        print("console walk: passed")
    finally:
        if browser:
            try:
                browser.quit()
            except Exception:
                pass
        for process in processes:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=15)
            except Exception:
                process.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
