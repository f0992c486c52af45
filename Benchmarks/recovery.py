#!/usr/bin/env python3
"""How fast payments whose create answer was lost end the way the PSP has them, measured from outside.

Two runs, each with `pasarela sandbox` (the PSP emulators) and `pasarela serve --sandbox-url` in their own processes,
on a SQLite file in a temporary folder:

  faults  dLocal fails a share of its calls at random (503 and 500 before processing, 200 with an unreadable body after
          it), Checkout is healthy; PE cash payments (dLocal, then PagoEfectivo) and PE card payments (Checkout, then
          dLocal) are created at a steady rate. Each payment's time to leave `processing` is read from its first event
          after `payment.processing`; after the last create the run waits two minutes more.
  kill    the gateway is killed with SIGKILL under load, several times; dLocal then fails every call while
          `pasarela reconcile --once` runs (nothing it may hold is ended), then answers again and one more pass runs.

Both check that no payment dLocal holds (an order under one of its attempts, PENDING or PAID) ended `failed`, and that no
payment has two live PSP payments. Prints one table.

  python3 Benchmarks/recovery.py --binary .build/debug/pasarela [--rate 30] [--payments 1200] [--per-second 10] [--kills 3]
"""
import argparse
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

KEY = "sk_test_pasarela_sandbox_0000000000000000"


def request(method, url, body=None, key=None, timeout=30):
    headers = {"Authorization": f"Bearer {KEY}"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    if key:
        headers["Idempotency-Key"] = key
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as reply:
            raw = reply.read()
            return reply.status, json.loads(raw) if raw else {}
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            return error.code, json.loads(raw) if raw else {}
        except ValueError:
            return error.code, {}


class Processes:
    def __init__(self, binary, folder):
        self.binary, self.folder, self.running = binary, folder, []

    def start(self, args, marker):
        log = open(os.path.join(self.folder, f"process-{len(self.running)}.log"), "w+")
        process = subprocess.Popen([self.binary] + args, stdout=log, stderr=subprocess.STDOUT, cwd=self.folder)
        self.running.append(process)
        for _ in range(1200):
            time.sleep(0.1)
            log.seek(0)
            found = re.search(re.escape(marker) + r"(http://[0-9.:]+)", log.read())
            if found:
                return process, found.group(1)
            if process.poll() is not None:
                break
        log.seek(0)
        raise SystemExit(f"{args[0]} did not start:\n{log.read()[-3000:]}")

    def stop(self):
        for process in self.running:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.running:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def cash(order):
    return {"amount": {"value": 15000, "currency": "PEN"}, "country": "PE", "payment_method": {"type": "cash"}, "order_id": order,
            "customer": {"name": "Pedro Gomez", "email": "pedro@example.com", "document": {"type": "DNI", "number": "27662162"}}}


def card(order):
    body = cash(order)
    body["amount"]["value"] = 5000
    body["payment_method"] = {"type": "card", "token": "tok_visa4242"}
    return body


def ledgers(sandbox):
    """Every PSP payment the emulators hold: (connection, reference, status)."""
    _, dlocal = request("GET", sandbox + "/sandbox/dlocal/payments")
    _, checkout = request("GET", sandbox + "/sandbox/checkout/payments")
    _, cips = request("GET", sandbox + "/sandbox/pagoefectivo/payments")
    entries = [("dlocal", p.get("order_id"), p.get("status")) for p in dlocal or []]
    entries += [("checkout", p.get("reference"), p.get("status")) for p in checkout or []]
    entries += [("pagoefectivo", p.get("transactionCode"), p.get("status")) for p in cips or []]
    return entries


def all_payments(gateway):
    found, after = [], None
    while True:
        path = "/v1/payments?limit=100" + (f"&starting_after={after}" if after else "")
        status, page = request("GET", gateway + path)
        if status != 200:
            raise SystemExit(f"list failed: {status} {page}")
        found += page["data"]
        if not page.get("has_more"):
            return found
        after = page["data"][-1]["id"]


def held_but_failed_and_twice(payments, entries):
    """Payments dLocal (or any PSP) holds as PENDING/PAID that ended failed, and payments with two live PSP payments."""
    live = {}
    for connection, reference, status in entries:
        if status in ("PENDING", "PAID", "Authorized", "Captured", "Pending"):
            live.setdefault(reference, []).append(connection)
    failed_held = twice = 0
    for payment in payments:
        attempts = [a["id"] for a in payment.get("attempts", [])]
        holders = [c for a in attempts for c in live.get(a, [])]
        if payment["status"] == "failed" and holders:
            failed_held += 1
        if len(holders) > 1:
            twice += 1
    return failed_held, twice


def run_faults(args, binary, config, folder):
    processes = Processes(binary, folder)
    try:
        _, sandbox = processes.start(["sandbox", "--port", "0", "--config", config], "Pasarela sandbox listening on ")
        _, gateway = processes.start(["serve", "--port", "0", "--config", config, "--sandbox-url", sandbox,
                                      "--database", os.path.join(folder, "faults.sqlite")], "Pasarela listening on ")
        request("POST", sandbox + "/sandbox/dlocal/faults", {"rate_percent": args.rate})
        created, lock = {}, threading.Lock()

        def create(index):
            order = f"rec-{index}"
            body = cash(order) if index % 5 < 3 else card(order)
            started = time.time()
            status, reply = request("POST", gateway + "/v1/payments", body, key=order)
            with lock:
                created[order] = (started, status, reply)

        begun = time.time()
        with ThreadPoolExecutor(max_workers=16) as pool:
            for index in range(args.payments):
                pool.submit(create, index)
                time.sleep(max(0, begun + (index + 1) / args.per_second - time.time()))
        last = time.time()
        while time.time() < last + args.window:
            time.sleep(5)
        payments = all_payments(gateway)
        resolved_in = []
        unresolved = 0
        for payment in payments:
            status, events = request("GET", gateway + f"/v1/payments/{payment['id']}/events")
            types = [(e["type"], e["created_at"]) for e in events.get("data", [])]
            firsts = [at for kind, at in types if kind != "payment.processing"]
            if payment["status"] == "processing" or not firsts:
                unresolved += 1
                continue
            created_at = time.mktime(time.strptime(payment["created_at"][:19], "%Y-%m-%dT%H:%M:%S"))
            ended_at = time.mktime(time.strptime(firsts[0][:19], "%Y-%m-%dT%H:%M:%S"))
            resolved_in.append(ended_at - created_at)
        within = sum(1 for seconds in resolved_in if seconds <= args.window)
        failed_held, twice = held_but_failed_and_twice(payments, ledgers(sandbox))
        statuses = {}
        for payment in payments:
            statuses[payment["status"]] = statuses.get(payment["status"], 0) + 1
        answered = sum(1 for _, status, _ in created.values() if status == 201)
        resolved_in.sort()
        return [
            (f"faults: dLocal failing {args.rate}% of calls (503, 500, 200 unreadable), Checkout healthy", ""),
            ("payments created (201)", f"{answered} of {args.payments}"),
            ("by status at the end", ", ".join(f"{k} {v}" for k, v in sorted(statuses.items()))),
            (f"left processing within {args.window:.0f} s", f"{within} of {len(payments)} ({100 * within / max(1, len(payments)):.2f} %)"),
            ("still processing at the end", str(unresolved)),
            ("time to leave processing: p50 / p99 / max",
             " / ".join(f"{resolved_in[min(len(resolved_in) - 1, int(q * len(resolved_in)))]:.0f} s" for q in (0.5, 0.99, 1.0)) if resolved_in else "-"),
            ("failed while a PSP holds them", str(failed_held)),
            ("payments with two live PSP payments", str(twice)),
        ]
    finally:
        processes.stop()


def run_kill(args, binary, config, folder):
    processes = Processes(binary, folder)
    database = os.path.join(folder, "kill.sqlite")
    try:
        _, sandbox = processes.start(["sandbox", "--port", "0", "--config", config], "Pasarela sandbox listening on ")
        acknowledged, stop, lock = set(), threading.Event(), threading.Lock()
        for kill in range(args.kills):
            # dLocal answers 60 ms late, so kills land while creates wait for it.
            request("POST", sandbox + "/sandbox/dlocal/faults", {"delay_after_ms": 60, "times": 100})
            gateway_process, gateway = processes.start(["serve", "--port", "0", "--config", config, "--sandbox-url", sandbox,
                                                        "--database", database], "Pasarela listening on ")
            stop.clear()

            def client(number):
                sequence = 0
                while not stop.is_set():
                    order = f"kill-{kill}-{number}-{sequence}"
                    sequence += 1
                    try:
                        status, reply = request("POST", gateway + "/v1/payments", cash(order), key=order, timeout=10)
                        if status == 201:
                            with lock:
                                acknowledged.add(reply["id"])
                    except Exception:
                        time.sleep(0.02)

            threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
            for thread in threads:
                thread.start()
            time.sleep(args.seconds_between)
            gateway_process.kill()
            stop.set()
            for thread in threads:
                thread.join()
        base = [binary, "reconcile", "--once", "--database", database, "--config", config, "--sandbox-url", sandbox]

        def processing():
            return subprocess.run(base, capture_output=True, text=True, cwd=folder).stdout
        with sqlite3.connect(database) as db:
            after_kills = db.execute("SELECT COUNT(*) FROM payments WHERE status = 'processing'").fetchone()[0]
        request("POST", sandbox + "/sandbox/dlocal/faults", {"rate_percent": 100})
        down = processing()
        request("POST", sandbox + "/sandbox/dlocal/faults", {"rate_percent": 0})
        after = processing()
        # Read from the file itself: a gateway started now would run a reconciler of its own.
        with sqlite3.connect(database) as db:
            attempts = {}
            for attempt_id, payment_id in db.execute("SELECT id, payment_id FROM attempts"):
                attempts.setdefault(payment_id, []).append({"id": attempt_id})
            payments = [{"id": pid, "status": status, "attempts": attempts.get(pid, [])}
                        for pid, status in db.execute("SELECT id, status FROM payments")]
        failed_held, twice = held_but_failed_and_twice(payments, ledgers(sandbox))
        by_id = {payment["id"]: payment for payment in payments}

        def moved(output):
            return sum(1 for line in output.splitlines() if "  now " in line)

        def looked(output):
            found = re.search(r"Looked at (\d+) open payment", output)
            return found.group(1) if found else "?"
        return [
            (f"kill: SIGKILL x{args.kills} under {args.clients} clients, then reconcile passes", ""),
            ("payments acknowledged (201)", str(len(acknowledged))),
            ("acknowledged payments missing", str(len(acknowledged - set(by_id)))),
            ("processing right after the kills", str(after_kills)),
            ("pass with dLocal down: open payments looked at / moved", f"{looked(down)} / {moved(down)}"),
            ("pass once dLocal answers: open payments looked at / moved", f"{looked(after)} / {moved(after)}"),
            ("processing after that one pass", str(sum(1 for p in payments if p["status"] == "processing"))),
            ("failed while a PSP holds them", str(failed_held)),
            ("payments with two live PSP payments", str(twice)),
        ]
    finally:
        processes.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=".build/debug/pasarela")
    parser.add_argument("--config", default=".", help="folder holding routes.yaml and adapters/")
    parser.add_argument("--rate", type=int, default=30, help="percent of dLocal calls that fail")
    parser.add_argument("--payments", type=int, default=1200)
    parser.add_argument("--per-second", type=float, default=10)
    parser.add_argument("--window", type=float, default=120, help="seconds a payment may take to leave processing")
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds-between", type=float, default=3)
    parser.add_argument("--only", choices=["faults", "kill"])
    args = parser.parse_args()
    binary, config = os.path.abspath(args.binary), os.path.abspath(args.config)
    folder = tempfile.mkdtemp(prefix="pasarela-recovery-")
    rows = []
    try:
        if args.only in (None, "faults"):
            rows += run_faults(args, binary, config, folder)
        if args.only in (None, "kill"):
            rows += run_kill(args, binary, config, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name.ljust(width)}  {value}" if value else f"\n{name}")


if __name__ == "__main__":
    main()
