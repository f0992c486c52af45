#!/usr/bin/env python3
"""Macro load for Pasarela: the gateway and the PSP emulators each in their own process, driven by wrk.

Run by Benchmarks/load (which builds release and installs wrk when missing). Prints one table: throughput, p50/p99,
CPU per request of the gateway and of the emulators (from /proc), and the gateway's RSS. Timings never go into tests.
"""
import argparse
import hashlib
import hmac
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

KEY = "sk_test_pasarela_sandbox_0000000000000000"
DLOCAL_LOGIN, DLOCAL_TRANS_KEY, DLOCAL_SECRET = "sbx_login_pasarela", "sbx_trans_key_pasarela", "sbx_secret_key_pasarela"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """CPU time of a process, or of every PostgreSQL server process when `pid` is "postgres"."""
    if pid == "postgres":
        return sum(cpu_seconds(p) for p in postgres_pids())
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def thread_cpu_seconds(pid, name):
    """CPU time of the process's threads called `name` (the SQLite writer is "sqlite-writer")."""
    total = 0.0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return 0.0
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                if f.read().strip() != name:
                    continue
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        except OSError:
            pass
    return total


def postgres_pids():
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as f:
                    if f.read().strip() in ("postgres", "postmaster"):
                        pids.append(entry)
            except OSError:
                pass
    return pids


def writer_counters(url):
    """The SQLite writer's busy time (µs), groups and transactions so far, from the gateway's /metrics."""
    try:
        with urllib.request.urlopen(url + "/metrics", timeout=10) as response:
            text = response.read().decode()
    except OSError:
        return None
    values = {"busy": 0.0, "run": 0.0, "groups": 0.0, "transactions": 0.0}
    for line in text.splitlines():
        if line.startswith("pasarela_sqlite_writer_busy_microseconds_total"):
            values["busy"] += float(line.rsplit(" ", 1)[1])
            if 'phase="run"' in line:
                values["run"] += float(line.rsplit(" ", 1)[1])
        elif line.startswith("pasarela_sqlite_writer_groups_total"):
            values["groups"] = float(line.rsplit(" ", 1)[1])
        elif line.startswith("pasarela_sqlite_writer_transactions_total"):
            values["transactions"] = float(line.rsplit(" ", 1)[1])
    return values


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def start(command, log, pattern, executor=None):
    """Starts a process whose output names its URL after `pattern`; returns (process, url). `executor`: the process's
    PASARELA_EXECUTOR ("swift" keeps Swift's own task pool instead of running tasks on NIO's event loops)."""
    out = open(log, "w")
    env = dict(os.environ, **({"PASARELA_EXECUTOR": executor} if executor else {}))
    process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    deadline = time.time() + 120
    while time.time() < deadline:
        with open(log) as f:
            match = re.search(pattern + r"(\S+)", f.read())
        if match:
            return process, match.group(1)
        if process.poll() is not None:
            sys.exit(f"{command[1]} exited:\n" + open(log).read()[-3000:])
        time.sleep(0.05)
    sys.exit(f"{command[1]} did not start")


def http(method, url, body=None, headers=None):
    data = body.encode() if isinstance(body, str) else body
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"null")


def payment_body(order):
    return ('{"amount":{"value":15000,"currency":"PEN"},"country":"PE","payment_method":{"type":"cash"},'
            f'"order_id":"{order}","description":"Pedido",'
            '"customer":{"name":"Pedro Gomez","email":"pedro@example.com","document":{"type":"DNI","number":"27662162"}}}')


def dlocal_signature(date, body):
    return hmac.new(DLOCAL_SECRET.encode(), DLOCAL_LOGIN.encode() + date.encode() + body, hashlib.sha256).hexdigest()


def now_x_date():
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + ".000Z"


LUA_COMMON = r"""
local counter = 0
local lines = nil
function load_lines(path)
  local out = {}
  for line in io.lines(path) do out[#out + 1] = line end
  return out
end
function split(line)
  local fields = {}
  for field in string.gmatch(line, "[^\t]+") do fields[#fields + 1] = field end
  return fields
end
local started = 0
function setup(thread)
  thread:set("index", started)
  started = started + 1
end
function init(args)
  stride = tonumber(os.getenv("LOAD_THREADS"))
  if os.getenv("LOAD_LINES") then lines = load_lines(os.getenv("LOAD_LINES")) end
end
function next_line()
  -- Each thread walks its own share of the lines; past the end it stops (no request is sent twice by mistake).
  local i = index + 1 + counter * (stride or 1)
  counter = counter + 1
  if i > #lines then wrk.thread:stop() return nil end
  return lines[i]
end
done = function(summary, latency, requests)
  io.write(string.format("PCT50 %d\nPCT99 %d\nREQUESTS %d\n", latency:percentile(50), latency:percentile(99), summary.requests))
  local e = summary.errors
  io.write(string.format("ERRORS %d\n", e.connect + e.read + e.write + e.timeout + e.status))
end
"""

LUA_CREATE = LUA_COMMON + r"""
local prefix = os.getenv("LOAD_PREFIX")
request = function()
  counter = counter + 1
  local order = prefix .. "-" .. index .. "-" .. counter
  local body = '{"amount":{"value":15000,"currency":"PEN"},"country":"PE","payment_method":{"type":"cash"},"order_id":"' .. order ..
    '","description":"Pedido","customer":{"name":"Pedro Gomez","email":"pedro@example.com","document":{"type":"DNI","number":"27662162"}}}'
  return wrk.format("POST", "/v1/payments", {["Authorization"] = "Bearer " .. os.getenv("LOAD_KEY"),
    ["Content-Type"] = "application/json", ["Idempotency-Key"] = order}, body)
end
"""

# Lines: X-Date \t signature \t body (dLocal create, called on the emulator directly).
LUA_DIRECT = LUA_COMMON + r"""
request = function()
  local line = next_line()
  if line == nil then return wrk.format("GET", "/") end
  local f = split(line)
  return wrk.format("POST", os.getenv("LOAD_PATH"), {["X-Date"] = f[1], ["X-Login"] = os.getenv("LOAD_LOGIN"),
    ["X-Trans-Key"] = os.getenv("LOAD_TRANS"), ["X-Version"] = "2.1", ["Content-Type"] = "application/json",
    ["Authorization"] = "V2-HMAC-SHA256, Signature: " .. f[2]}, f[3])
end
"""

# Lines: X-Date \t signature \t body (a dLocal notification).
LUA_WEBHOOK = LUA_COMMON + r"""
request = function()
  local line = next_line()
  if line == nil then return wrk.format("GET", "/healthz") end
  local f = split(line)
  return wrk.format("POST", "/webhooks/dlocal", {["X-Date"] = f[1], ["X-Login"] = os.getenv("LOAD_LOGIN"),
    ["Content-Type"] = "application/json", ["Authorization"] = "V2-HMAC-SHA256, Signature: " .. f[2]}, f[3])
end
"""

# Lines as for LUA_WEBHOOK, sent round and round (every one a duplicate by now).
LUA_WEBHOOK_AGAIN = LUA_COMMON + r"""
request = function()
  counter = counter + 1
  local f = split(lines[(index + counter * (stride or 1)) % #lines + 1])
  return wrk.format("POST", "/webhooks/dlocal", {["X-Date"] = f[1], ["X-Login"] = os.getenv("LOAD_LOGIN"),
    ["Content-Type"] = "application/json", ["Authorization"] = "V2-HMAC-SHA256, Signature: " .. f[2]}, f[3])
end
"""

# Lines: a path to GET.
LUA_GET = LUA_COMMON + r"""
local all = nil
request = function()
  if all == nil then all = lines end
  counter = counter + 1
  return wrk.format("GET", all[(index + counter * (stride or 1)) % #all + 1], {["Authorization"] = "Bearer " .. os.getenv("LOAD_KEY")})
end
"""


class Run:
    def __init__(self, args, work, gateway_url=None):
        self.args, self.work, self.rows, self.gateway_url = args, work, [], gateway_url
        for name, text in [("create", LUA_CREATE), ("direct", LUA_DIRECT), ("webhook", LUA_WEBHOOK), ("get_webhook", LUA_WEBHOOK_AGAIN), ("get", LUA_GET)]:
            with open(f"{work}/{name}.lua", "w") as f:
                f.write(text)

    def wrk(self, name, url, script, connections, duration, env=None, lines=None, cpu=()):
        environment = dict(os.environ, LOAD_KEY=KEY, LOAD_PREFIX=uuid.uuid4().hex[:8], LOAD_LOGIN=DLOCAL_LOGIN,
                           LOAD_TRANS=DLOCAL_TRANS_KEY, **(env or {}))
        if lines is not None:
            path = f"{self.work}/{name.replace(' ', '_')}-{connections}.lines"
            with open(path, "w") as f:
                f.write("\n".join(lines) + "\n")
            environment["LOAD_LINES"] = path
        threads = min(2, connections)
        environment["LOAD_THREADS"] = str(threads)
        before = {label: cpu_seconds(pid) for label, pid in cpu}
        writer_before = writer_counters(self.gateway_url) if self.gateway_url and url == self.gateway_url else None
        gateway_pid = dict(cpu).get("gateway")
        writer_cpu_before = thread_cpu_seconds(gateway_pid, "sqlite-writer") if gateway_pid else 0.0
        profile = os.environ.get("LOAD_PROFILE")
        perf = None
        if profile and profile in name and cpu:
            # LOAD_PROFILE=<part of a row's name>: perf records the gateway during those rows (needs `perf`).
            data = f"{tempfile.gettempdir()}/pasarela-load-{name.replace(' ', '_').replace(',', '')}-{connections}.perf.data"
            perf = subprocess.Popen(["perf", "record", "-F", "999", "-g", "-p", str(dict(cpu)["gateway"]), "-o", data, "--",
                                     "sleep", str(duration)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            print(f"  perf data: {data}", file=sys.stderr)
        output = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s", "--latency",
                                 "-s", f"{self.work}/{script}.lua", url], env=environment, capture_output=True, text=True).stdout
        after = {label: cpu_seconds(pid) for label, pid in cpu}
        writer_after = writer_counters(self.gateway_url) if writer_before else None
        if perf:
            perf.wait()
        values = dict(re.findall(r"^(PCT50|PCT99|REQUESTS|ERRORS) (\d+)$", output, re.M))
        seconds = float(re.search(r"requests in ([\d.]+)(\w+)", output).group(1)) if "requests in" in output else duration
        unit = re.search(r"requests in [\d.]+(\w+)", output)
        if unit and unit.group(1) == "m":
            seconds *= 60
        requests = int(values.get("REQUESTS", 0))
        rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)) if "Requests/sec" in output else 0
        non2xx = int(re.search(r"Non-2xx or 3xx responses: (\d+)", output).group(1)) if "Non-2xx" in output else 0
        row = {"name": name, "conns": connections, "rate": rate, "p50": int(values.get("PCT50", 0)) / 1000,
               "p99": int(values.get("PCT99", 0)) / 1000, "requests": requests, "errors": int(values.get("ERRORS", 0)) + non2xx}
        for label, _ in cpu:
            row[f"cpu_{label}"] = (after[label] - before[label]) * 1e6 / max(requests, 1)
        if writer_before and writer_after and writer_after["groups"] > writer_before["groups"]:
            row["writer_us"] = (writer_after["busy"] - writer_before["busy"]) / max(requests, 1)
            row["writer_run_us"] = (writer_after["run"] - writer_before["run"]) / max(requests, 1)
            row["writer_cpu_us"] = (thread_cpu_seconds(gateway_pid, "sqlite-writer") - writer_cpu_before) * 1e6 / max(requests, 1)
            row["group"] = (writer_after["transactions"] - writer_before["transactions"]) / (writer_after["groups"] - writer_before["groups"])
        self.rows.append(row)
        print(f"  {name:38} c={connections:<3} {rate:9.0f}/s  p50 {row['p50']:7.2f} ms  p99 {row['p99']:7.2f} ms  errors {row['errors']}",
              file=sys.stderr)
        return row

    def table(self, title, rss):
        print(f"\n{title}")
        header = (f"{'measure':40} {'conns':>5} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'gw CPU µs':>10} {'emu CPU µs':>10} "
                  f"{'proxy µs':>9} {'PG µs':>7} {'writer µs':>9} {'of it run':>9} {'its CPU':>8} {'group':>6} {'errors':>6}")
        print(header)
        print("-" * len(header))
        for row in self.rows:
            print(f"{row['name']:40} {row['conns']:>5} {row['rate']:>9.0f} {row['p50']:>8.2f} {row['p99']:>8.2f} "
                  f"{row.get('cpu_gateway', 0):>10.0f} {row.get('cpu_emulators', 0):>10.0f} {row.get('cpu_proxy', 0):>9.0f} "
                  f"{row.get('cpu_postgres', 0):>7.0f} {row.get('writer_us', 0):>9.0f} {row.get('writer_run_us', 0):>9.0f} "
                  f"{row.get('writer_cpu_us', 0):>8.0f} "
                  f"{row.get('group', 0):>6.1f} {row['errors']:>6}")
        for label, value in rss:
            print(f"{label:40} {value}")


def start_proxy(work, upstream):
    """nginx (Debian's package, installed by Benchmarks/load) in front of `upstream` with a keep-alive pool, on a free
    port; `None` when nginx is not there."""
    binary = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if not binary:
        return None
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    host_port = upstream.split("//")[1]
    os.makedirs(f"{work}/nginx", exist_ok=True)
    with open(f"{work}/nginx/nginx.conf", "w") as f:
        f.write(f"""
worker_processes 1;
master_process off;
daemon off;
pid {work}/nginx/nginx.pid;
error_log {work}/nginx/error.log;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {work}/nginx/body;
    proxy_temp_path {work}/nginx/proxy;
    upstream emulators {{ server {host_port}; keepalive 256; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://emulators;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_buffering off;
        }}
    }}
}}
""")
    process = subprocess.Popen([binary, "-c", f"{work}/nginx/nginx.conf", "-p", f"{work}/nginx"], stdout=subprocess.DEVNULL,
                               stderr=open(f"{work}/nginx/stderr.log", "w"))
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    process.terminate()
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=".build/release/pasarela")
    parser.add_argument("--config", default=".")
    parser.add_argument("--database", default=None, help="a postgres:// URL (default: a SQLite file in a temp folder)")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", default="1,16,64")
    args = parser.parse_args()
    levels = [int(c) for c in args.connections.split(",")]
    work = tempfile.mkdtemp(prefix="pasarela-load-")
    config = f"{work}/config"
    shutil.copytree(f"{args.config}/adapters", f"{config}/adapters")
    with open(f"{args.config}/routes.yaml") as f:
        routes = f.read()
    with open(f"{config}/routes.yaml", "w") as f:
        f.write("rate_limit: { requests_per_second: 1000000, burst: 1000000 }\n" + routes)
    processes = []
    try:
        sandbox, sandbox_url = start([args.binary, "sandbox", "--port", "0", "--config", config], f"{work}/sandbox.log",
                                     "Pasarela sandbox listening on ", executor=os.environ.get("LOAD_EMULATOR_EXECUTOR"))
        processes.append(sandbox)
        database = args.database or f"{work}/load.sqlite"
        gateway, url = start([args.binary, "serve", "--port", "0", "--database", database, "--config", config,
                              "--sandbox-url", sandbox_url], f"{work}/gateway.log", "Pasarela listening on ",
                              executor=os.environ.get("LOAD_GATEWAY_EXECUTOR"))
        processes.append(gateway)
        run = Run(args, work, gateway_url=url)
        cpu = (("gateway", gateway.pid), ("emulators", sandbox.pid)) + ((("postgres", "postgres"),) if args.database else ())
        print(f"gateway {url} (pid {gateway.pid}), emulators {sandbox_url} (pid {sandbox.pid}), database {database}", file=sys.stderr)
        http("POST", url + "/v1/payments", payment_body("warm-" + uuid.uuid4().hex), {"Authorization": f"Bearer {KEY}",
             "Content-Type": "application/json"})

        # Creates through the gateway, and the same signed dLocal create on the emulator directly.
        created = {}
        for connections in levels:
            created[connections] = run.wrk("PE cash create via gateway", url, "create", connections, args.duration, cpu=cpu)
        def signed_creates(prefix, connections):
            lines = []
            for i in range(int(max(created[connections]["rate"] * 3, 4000) * args.duration)):
                body = json.dumps({"amount": 150, "currency": "PEN", "country": "PE", "payment_method_id": "EF",
                                   "payment_method_flow": "DIRECT", "order_id": f"{prefix}-{connections}-{i}-{uuid.uuid4().hex[:6]}",
                                   "notification_url": url + "/webhooks/dlocal", "description": "Pedido",
                                   "payer": {"name": "Pedro Gomez", "email": "pedro@example.com", "document": "27662162"}},
                                  separators=(",", ":"))
                date = now_x_date()
                lines.append(f"{date}\t{dlocal_signature(date, body.encode())}\t{body}")
            return lines

        direct = {}
        for connections in levels:
            direct[connections] = run.wrk("same create on the emulator directly", sandbox_url, "direct", connections,
                                          args.duration, env={"LOAD_PATH": "/dlocal/payments"},
                                          lines=signed_creates("direct", connections), cpu=cpu)
        # The cheapest possible gateway: nginx passing the same signed create to the same emulator over keep-alive.
        proxied = {}
        proxy = start_proxy(work, sandbox_url)
        if proxy:
            process, proxy_url = proxy
            processes.append(process)
            for connections in levels:
                proxied[connections] = run.wrk("same create through nginx (pass-through)", proxy_url, "direct", connections,
                                               args.duration, env={"LOAD_PATH": "/dlocal/payments"},
                                               lines=signed_creates("direct-proxy", connections),
                                               cpu=cpu + (("proxy", process.pid),))

        # Webhooks: every pending payment's PAID notification once (a new status), then all of them again (duplicates).
        ledger = http("GET", sandbox_url + "/sandbox/dlocal/payments")
        pending = [p for p in ledger if p.get("status") == "PENDING" and not str(p.get("order_id", "")).startswith("direct-")]
        notifications = []
        for payment in pending:
            payment = dict(payment, status="PAID", status_code="200", status_detail="The payment was paid.")
            body = json.dumps(payment, separators=(",", ":")).encode()
            date = now_x_date()
            notifications.append(f"{date}\t{dlocal_signature(date, body)}\t{body.decode()}")
        share = len(notifications) // 2
        run.wrk("dLocal webhook, new status", url, "webhook", 16, args.duration, lines=notifications[:share], cpu=cpu)
        run.wrk("dLocal webhook, new status", url, "webhook", 64, args.duration, lines=notifications[share:], cpu=cpu)
        for connections in (16, 64):
            run.wrk("dLocal webhook, duplicate", url, "get_webhook", connections, args.duration, lines=notifications, cpu=cpu)

        # Reads.
        ids = [p["id"] for p in http("GET", url + "/v1/payments?limit=100", headers={"Authorization": f"Bearer {KEY}"})["data"]]
        for connections in levels:
            run.wrk("GET payment", url, "get", connections, args.duration, lines=[f"/v1/payments/{i}" for i in ids], cpu=cpu)
        for status in ("succeeded", "requires_action", "expired"):
            run.wrk(f"list 20 by status={status}", url, "get", 16, args.duration,
                    lines=[f"/v1/payments?status={status}&limit=20"], cpu=cpu)
        deep = ids[-1]
        run.wrk("list 20, deep page (starting_after)", url, "get", 16, args.duration,
                lines=[f"/v1/payments?limit=20&starting_after={deep}"], cpu=cpu)

        total = sum(r["requests"] for r in run.rows if r["name"].startswith("PE cash create"))
        top = max(levels)
        ratio = created[top]["rate"] / max(direct[top]["rate"], 1)
        cpu_ratio = created[top].get("cpu_gateway", 0) / max(direct[top].get("cpu_emulators", 0), 1)
        rss = [(f"gateway RSS after {total} creates", f"{rss_mb(gateway.pid):.0f} MB"),
               ("emulators RSS", f"{rss_mb(sandbox.pid):.0f} MB"),
               (f"gateway/emulator create ratio at {top}", f"{ratio:.2f}"),
               (f"gateway/proxy create ratio at {top}", f"{created[top]['rate'] / max(proxied[top]['rate'], 1):.2f}" if proxied else "no nginx"),
               (f"CPU per create: gateway / emulator at {top}", f"{cpu_ratio:.2f} ({created[top].get('cpu_gateway', 0):.0f} µs / "
                                                             f"{direct[top].get('cpu_emulators', 0):.0f} µs)"),
               ("added latency at 1 conn (p50, p99)",
                f"{created[1]['p50'] - direct[1]['p50']:+.2f} ms, {created[1]['p99'] - direct[1]['p99']:+.2f} ms" if 1 in levels else "-")]

        # A fresh gateway holding 1,000 idle connections.
        fresh, fresh_url = start([args.binary, "serve", "--port", "0", "--database", f"{work}/fresh.sqlite", "--config", config,
                                  "--sandbox-url", sandbox_url], f"{work}/fresh.log", "Pasarela listening on ")
        processes.append(fresh)
        host, port = fresh_url.split("//")[1].split(":")
        sockets = []
        for _ in range(1000):
            s = socket.create_connection((host, int(port)))
            sockets.append(s)
        time.sleep(1)
        rss.append(("fresh gateway RSS, 1,000 open connections", f"{rss_mb(fresh.pid):.0f} MB"))
        for s in sockets:
            s.close()
        run.table(f"Pasarela load ({'PostgreSQL' if args.database else 'SQLite'}, {args.binary}, {os.cpu_count()} cores, "
                  f"{args.duration} s per row)", rss)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
