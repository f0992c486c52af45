#!/usr/bin/env python3
"""Where a process's CPU went, per layer: reads a `perf record -g` file (as `LOAD_PROFILE=... Benchmarks/load` writes
them) and prints two tables.

- Self time by layer: the function a sample landed in, its layer (the kernel split by what it was doing for us, the
  Swift runtime, the allocator, Swift concurrency, NIO, Hummingbird, AsyncHTTPClient, SQLite, GRDB, PostgresNIO,
  crypto, Foundation, Pasarela's modules).
- By owner: each sample charged to the innermost frame of a library or Pasarela module on its stack, so that a
  retain, a malloc or a system call counts for whoever asked for it (SQLite's WAL writes count for SQLite).

    python3 Benchmarks/perf-layers.py /tmp/pasarela-load-PE_cash_create_via_gateway-64.perf.data [--top 15] [--only REGEX]
"""
import argparse
import re
import subprocess
import sys
from collections import Counter

# Swift symbols are mangled: a module's name appears as <length><name> ($s15PasarelaGateway...).
OWNERS = [
    ("Pasarela: Store", r"13PasarelaStore"),
    ("Pasarela: Gateway (use cases, PSP client)", r"15PasarelaGateway"),
    ("Pasarela: Adapters (build, sign, parse)", r"16PasarelaAdapters"),
    ("Pasarela: Core (machine, JSON, times)", r"12PasarelaCore"),
    ("Pasarela: Server (routes, HTTP mapping)", r"14PasarelaServer"),
    ("Pasarela: Routing", r"15PasarelaRouting"),
    ("Pasarela: App", r"11PasarelaApp"),
    ("SQLite", r"^sqlite3|^pager|^btree|^vdbe"),
    ("GRDB", r"4GRDB"),
    ("PostgresNIO", r"11PostgresNIO"),
    ("AsyncHTTPClient", r"15AsyncHTTPClient"),
    ("Hummingbird", r"11Hummingbird|HummingbirdCore|HummingbirdHTTP1"),
    ("crypto (HMAC, SHA-256)", r"6Crypto|CCryptoBoringSSL|sha256|SHA256"),
    ("NIO (event loops, HTTP/1 codec)", r"NIO|llhttp|c_nio"),
    ("logging and metrics", r"7Logging|7Metrics|10Prometheus"),
    ("Foundation", r"10Foundation|FoundationEssentials|FoundationInternationalization|__CF|^CF"),
]


def owner_of(symbol, dso):
    if "sqlite" in dso.lower():
        return "SQLite"
    for name, pattern in OWNERS:
        if re.search(pattern, symbol):
            return name
    return None


# What the kernel was doing, from the system calls (or faults) on a kernel sample's stack; first match wins.
KERNEL_REASONS = [
    ("kernel: fsync", r"fdatasync|fsync|jbd2"),
    ("kernel: file writes (SQLite WAL)", r"pwrite64|ext4|generic_perform_write|iomap"),
    ("kernel: file reads, page faults", r"pread64|filemap_read|mmap|page_fault|exc_page_fault"),
    ("kernel: futex (thread wake-ups and waits)", r"futex"),
    ("kernel: sockets and epoll", r"epoll|tcp|sock|inet|recv|send|skb|net_rx|__x64_sys_write|__x64_sys_read|ksys_write|ksys_read"),
    ("kernel: context switches", r"schedule|finish_task_switch|switch_to"),
]

# The layer of a user-space function, matched against "<symbol> dso:<library>"; first match wins.
RUNTIME_LAYERS = [
    ("Swift runtime: retain/release", r"swift_(retain|release|bridgeObjectRetain|bridgeObjectRelease|unknownObjectRe|isUniquelyReferenced)|_swift_release_dealloc|RefCounts"),
    ("allocation (malloc/free)", r"malloc|free|^_int_|swift_allocObject|swift_deallocObject|swift_slowAlloc|swift_slowDealloc|tcache|unlink_chunk|arena"),
    ("memory copies", r"memmove|memcpy|memset|memcmp"),
    ("Swift concurrency", r"dso:.*libswift_Concurrency|swift_task|swift_job|swift_continuation|runJobInEstablished"),
    ("dispatch", r"dso:.*libdispatch"),
    ("Swift standard library and runtime (hashing, arrays, generics)", r"dso:.*libswiftCore|^\$ss|^swift"),
]


def first_match(table, text):
    return next((name for name, pattern in table if re.search(pattern, text)), None)


def self_layer(symbol, dso, frames):
    if dso.startswith("[kernel") or dso == "[unknown]" and symbol.startswith("0x"):
        return first_match(KERNEL_REASONS, " ".join(s for s, _ in frames)) or "kernel: other"
    layer = first_match(RUNTIME_LAYERS, f"{symbol} dso:{dso}")
    if layer:
        return layer
    return owner_of(symbol, dso) or "libc, other"


def samples(data, tid=None):
    """Yields each sample's frames, innermost first, as (symbol, dso)."""
    process = subprocess.Popen(["perf", "script", "-i", data, "-F", "ip,sym,dso", "--no-inline"] + (["--tid", tid] if tid else []),
                               stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True, errors="replace")
    frames = []
    for line in process.stdout:
        line = line.strip()
        if not line:
            if frames:
                yield frames
            frames = []
            continue
        match = re.match(r"([0-9a-f]+)\s+(.*?)\s+\((.*)\)$", line)
        if match:
            symbol = re.sub(r"\+0x[0-9a-f]+$", "", match.group(2))
            frames.append((symbol, match.group(3)))
    if frames:
        yield frames
    process.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--tid", help="only this thread (perf report --sort pid lists them)")
    parser.add_argument("--only", help="a regular expression: only samples with a matching frame (e.g. 'WriteQueue.*drain')")
    args = parser.parse_args()
    layers, owners, functions, total = Counter(), Counter(), Counter(), 0
    for frames in samples(args.data, args.tid):
        if args.only and not any(re.search(args.only, symbol) for symbol, _ in frames):
            continue
        total += 1
        symbol, dso = frames[0]
        layers[self_layer(symbol, dso, frames)] += 1
        functions[symbol] += 1
        owner = next((o for o in (owner_of(s, d) for s, d in frames) if o), None)
        if owner is None:
            owner = "kernel, no user frame (scheduler, interrupts)" if dso.startswith("[kernel") else "runtime and libc, no owner on the stack"
        owners[owner] += 1
    if not total:
        sys.exit(f"no samples read from {args.data}")
    for title, table in (("self time by layer", layers), ("by owner (innermost library or module on the stack)", owners)):
        print(f"{title:66} {'%':>6}")
        print("-" * 73)
        for name, count in table.most_common():
            if count * 1000 >= total:
                print(f"{name:66} {100 * count / total:6.1f}")
        print()
    print(f"{'top functions (self time)':86} {'%':>6}")
    print("-" * 93)
    for symbol, count in functions.most_common(args.top):
        shown = symbol if len(symbol) < 85 else symbol[:82] + "..."
        print(f"{shown:86} {100 * count / total:6.2f}")
    print(f"\n{total} samples")


if __name__ == "__main__":
    main()
