#!/usr/bin/env python3
"""Helpers for scripts/bench-* (standard library only). Each subcommand prints one JSON object
on stdout; progress goes to stderr.

  snapshot     writes an offline snapshot of N generated customers (bench-memory)
  ready        starts the sidecar, times exec -> first 200 from /readyz, reads memory (bench-memory)
  requests     a fixed number of keep-alive GETs over C connections in lock-step (bench-profile)
  callgrind    per-request summary of a callgrind output file (bench-profile)
"""
import argparse
import http.client
import json
import os
import re
import socket
import subprocess
import time


# --- snapshot ----------------------------------------------------------------------------
SNAPSHOT_CUSTOMER = (
    '{"customerId":"%s","resourceId":null,"accessDeniedReason":null,"entitlements":['
    '{"type":"FEATURE","isGranted":true,"accessDeniedReason":null,'
    '"feature":{"id":"feature-api-calls","displayName":"API Calls","featureType":"NUMBER","featureStatus":"ACTIVE"},'
    '"usageLimit":1000,"hasUnlimitedUsage":false,"currentUsage":%d,"resetPeriod":"MONTH",'
    '"usagePeriodAnchor":"2026-01-01T00:00:00.000Z","usagePeriodStart":"2099-11-01T00:00:00.000Z",'
    '"usagePeriodEnd":"2099-12-01T00:00:00.000Z","validUntil":"2099-12-01T00:00:00.000Z",'
    '"entitlementUpdatedAt":"2026-01-01T00:00:00.000Z"},'
    '{"type":"FEATURE","isGranted":true,"accessDeniedReason":null,'
    '"feature":{"id":"feature-sso","displayName":"Single Sign-On","featureType":"BOOLEAN","featureStatus":"ACTIVE"}}]}')


def snapshot(a):
    """Customers synthetic-000001... with the fake's synthetic shape (a monthly metered feature
    and a boolean one). currentUsage is 100 + i % 899, always three digits, so --bump (one
    more for that customer) changes one value without changing the file's size."""
    def usage(i):
        return 100 + i % 899
    with open(a.out, "w") as f:
        f.write('{"customers":[\n')
        for i in range(1, a.customers + 1):
            f.write(SNAPSHOT_CUSTOMER % ("synthetic-%06d" % i, usage(i) + (1 if i == a.bump else 0)))
            f.write(",\n" if i < a.customers else "\n")
        f.write("]}\n")
    out = {"file": a.out, "bytes": os.path.getsize(a.out), "customers": a.customers}
    if a.bump:
        out.update({"customer": "synthetic-%06d" % a.bump, "old": usage(a.bump), "new": usage(a.bump) + 1})
    print(json.dumps(out))


# --- ready -------------------------------------------------------------------------------
def status_kib(pid, key):
    with open("/proc/%d/status" % pid) as f:
        m = re.search(r"^%s:\s+(\d+) kB" % key, f.read(), re.M)
    return int(m.group(1)) if m else 0


def get(port, path, timeout=2):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, r.read().decode(errors="replace"), dict(r.getheaders())
    finally:
        conn.close()


def ready(a):
    """Starts the sidecar (environment from the caller plus SIDECAR_PORT), and measures exec to
    the first 200 from /readyz (polled every 2 ms), VmRSS and VmHWM at that moment and VmRSS
    one second later. Optionally checks one answer (--expect-usage) and then asks once for every
    customer (--touch) and reads VmRSS again. Stops the sidecar before it returns."""
    port = a.port
    logf = open(a.log, "w") if a.log else subprocess.DEVNULL
    start = time.monotonic()
    proc = subprocess.Popen([a.binary], env=dict(os.environ, SIDECAR_PORT=str(port)), stdout=logf, stderr=logf)
    result = {"ready": False}
    try:
        body = ""
        while time.monotonic() - start < a.timeout:
            if proc.poll() is not None:
                raise SystemExit("sidecar exited with %d before it was ready (see %s)" % (proc.returncode, a.log))
            try:
                status, body, _ = get(port, "/readyz", timeout=1)
                if status == 200:
                    result["ready"] = True
                    break
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.002)
        ready_s = time.monotonic() - start
        rss0, hwm0 = status_kib(proc.pid, "VmRSS"), status_kib(proc.pid, "VmHWM")
        try:
            readyz = json.loads(body)["status"]
        except (ValueError, KeyError, TypeError):
            readyz = body.strip()[:40]
        result.update({"ready_ms": round(ready_s * 1000), "readyz": readyz,
                       "rss_ready_mib": round(rss0 / 1024, 1), "hwm_ready_mib": round(hwm0 / 1024, 1)})
        if not result["ready"]:
            return result
        # §9: resident memory "when ready" is the larger of the readings at ready and 1 s later.
        time.sleep(1.0)
        rss1 = status_kib(proc.pid, "VmRSS")
        result["rss_1s_mib"] = round(rss1 / 1024, 1)
        result["rss_mib"] = round(max(rss0, rss1) / 1024, 1)
        if a.expect_customer:
            status, text, headers = get(port, "/entitlements/check?customerId=%s&featureId=feature-api-calls" % a.expect_customer)
            try:
                usage = json.loads(text)["data"].get("currentUsage")
            except (ValueError, KeyError, AttributeError):
                usage = None
            result["answer"] = {"status": status, "currentUsage": usage, "source": headers.get("X-Sidecar-Source")}
            if a.expect_usage is not None:
                result["answer"]["expected"] = a.expect_usage
                result["answer"]["ok"] = status == 200 and usage == a.expect_usage
        if a.touch:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            sources = {}
            t0 = time.monotonic()
            for i in range(1, a.touch + 1):
                conn.request("GET", "/entitlements/check?customerId=%s%06d&featureId=feature-api-calls" % (a.touch_prefix, i))
                r = conn.getresponse()
                r.read()
                key = "%d %s" % (r.status, r.getheader("X-Sidecar-Source", "-"))
                sources[key] = sources.get(key, 0) + 1
            conn.close()
            result["touch_s"] = round(time.monotonic() - t0, 1)
            result["touch_answers"] = sources
            result["rss_touched_mib"] = round(status_kib(proc.pid, "VmRSS") / 1024, 1)
            result["hwm_touched_mib"] = round(status_kib(proc.pid, "VmHWM") / 1024, 1)
        return result
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        print(json.dumps(result))


# --- requests ----------------------------------------------------------------------------
def requests(a):
    """N GETs of PATH over C keep-alive connections: each round sends one request on every
    connection, then reads every answer (so the server sees C requests in flight)."""
    req = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % a.path).encode()
    socks = [socket.create_connection(("127.0.0.1", a.port)) for _ in range(a.connections)]
    for s in socks:
        s.settimeout(60)
    bufs = [b""] * len(socks)
    done = 0
    statuses = {}
    t0 = time.monotonic()
    while done < a.n:
        active = socks[: min(len(socks), a.n - done)]
        for s in active:
            s.sendall(req)
        for i, s in enumerate(active):
            while True:
                head_end = bufs[i].find(b"\r\n\r\n")
                if head_end >= 0:
                    head = bufs[i][:head_end].decode()
                    m = re.search(r"(?im)^content-length:\s*(\d+)", head)
                    total = head_end + 4 + (int(m.group(1)) if m else 0)
                    if len(bufs[i]) >= total:
                        status = head.split(" ", 2)[1]
                        statuses[status] = statuses.get(status, 0) + 1
                        bufs[i] = bufs[i][total:]
                        break
                chunk = s.recv(65536)
                if not chunk:
                    raise SystemExit("server closed the connection")
                bufs[i] += chunk
        done += len(active)
    for s in socks:
        s.close()
    print(json.dumps({"requests": done, "statuses": statuses, "seconds": round(time.monotonic() - t0, 2)}))


# --- callgrind ---------------------------------------------------------------------------
def demangle(names):
    """Swift symbol -> readable name, through `swift demangle --simplified` when it exists."""
    names = [n for n in names if n.startswith("$s") or n.startswith("_$s")]
    try:
        out = subprocess.run(["swift", "demangle", "--simplified"], input="\n".join(names), text=True,
                             capture_output=True, timeout=120).stdout.split("\n")
    except (OSError, subprocess.SubprocessError):
        return {}
    return dict(zip(names, out)) if len(out) >= len(names) else {}


def callgrind(a):
    """Reads a callgrind.out file (instructions, Ir) and prints, per request: total Ir, the
    exclusive and inclusive Ir of the top functions, and call counts of chosen functions."""
    names = {}          # compressed id -> name, per kind ("fn", "cfn" share the fn table)
    self_ir = {}
    incl_calls = {}     # caller -> inclusive Ir of its calls
    calls_to = {}       # callee -> number of calls
    callee_ir = {}      # callee -> inclusive Ir over all calls (recursion counts twice)
    edges = {}          # (caller, callee) -> [calls, inclusive Ir]
    objs = {}
    fn = None
    fn_obj = {}
    pending_call = None
    cur_obj = None

    def name_of(spec, table):
        m = re.match(r"\((\d+)\)(?:\s+(.*))?", spec)
        if not m:
            return spec
        if m.group(2) is not None:
            table[m.group(1)] = m.group(2)
        return table.get(m.group(1), spec)

    total = 0
    with open(a.file) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            c = line[0]
            if c.isdigit() or c in "+-*":
                parts = line.split()
                ir = int(parts[1]) if len(parts) > 1 else 0
                if pending_call is not None:
                    callee, n = pending_call
                    calls_to[callee] = calls_to.get(callee, 0) + n
                    callee_ir[callee] = callee_ir.get(callee, 0) + ir
                    incl_calls[fn] = incl_calls.get(fn, 0) + ir
                    e = edges.setdefault((fn, callee), [0, 0])
                    e[0] += n
                    e[1] += ir
                    pending_call = None
                else:
                    self_ir[fn] = self_ir.get(fn, 0) + ir
                    total += ir
                continue
            if line.startswith("fn="):
                fn = name_of(line[3:], names)
                fn_obj.setdefault(fn, cur_obj)
            elif line.startswith("ob="):
                cur_obj = name_of(line[3:], objs)
            elif line.startswith("cfn="):
                cfn = name_of(line[4:], names)
            elif line.startswith("calls="):
                pending_call = (cfn, int(line[6:].split()[0]))
            elif line.startswith("cob=") or line.startswith("cfi=") or line.startswith("cfl="):
                if line.startswith("cob="):
                    name_of(line[4:], objs)
            elif line.startswith("totals:") or line.startswith("summary:"):
                pass
    n = a.requests

    demangled = demangle(set(self_ir) | set(calls_to))

    def short(name, width=120):
        name = demangled.get(name, name)
        return name if len(name) <= width else name[: width - 1] + "…"

    out = {"requests": n, "total_ir": total, "ir_per_request": round(total / n, 1)}
    top_self = sorted(self_ir.items(), key=lambda kv: -kv[1])[: a.top]
    out["top_self"] = [{"fn": short(k), "obj": os.path.basename(fn_obj.get(k) or "?"),
                        "ir_per_req": round(v / n, 1), "pct": round(100 * v / total, 1)} for k, v in top_self]
    inclusive = {k: self_ir.get(k, 0) + incl_calls.get(k, 0) for k in set(self_ir) | set(incl_calls)}
    top_incl = sorted(inclusive.items(), key=lambda kv: -kv[1])[: a.top]
    out["top_inclusive"] = [{"fn": short(k), "ir_per_req": round(v / n, 1), "pct": round(100 * v / total, 1),
                             "calls_per_req": round(calls_to.get(k, 0) / n, 2)} for k, v in top_incl]
    # Call counts (and inclusive cost) of functions whose name matches a pattern, per request.
    groups = {}
    for label, pattern in (a.count or []):
        rx = re.compile(pattern)
        hits = [k for k in calls_to if rx.search(k)]
        groups[label] = {"calls_per_req": round(sum(calls_to[k] for k in hits) / n, 2),
                         "incl_ir_per_req": round(sum(callee_ir.get(k, 0) for k in hits) / n, 1),
                         "self_ir_per_req": round(sum(self_ir.get(k, 0) for k in hits) / n, 1),
                         "functions": len(hits)}
    out["groups"] = groups
    # The callees of chosen functions (a call tree one level deep), per request.
    trees = {}
    for pattern in (a.tree or []):
        rx = re.compile(pattern)
        for caller in sorted((k for k in inclusive if rx.search(k)), key=lambda k: -inclusive[k])[:3]:
            kids = sorted(((callee, c, ir) for (f, callee), (c, ir) in edges.items() if f == caller), key=lambda t: -t[2])
            trees[short(caller)] = {"incl_ir_per_req": round(inclusive[caller] / n, 1), "self_ir_per_req": round(self_ir.get(caller, 0) / n, 1),
                                    "callees": [{"fn": short(k), "calls_per_req": round(c / n, 2), "incl_ir_per_req": round(ir / n, 1)}
                                                for k, c, ir in kids[: a.top] if ir / n >= 1]}
    out["trees"] = trees
    print(json.dumps(out, indent=1))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("snapshot")
    s.add_argument("--customers", type=int, required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--bump", type=int, default=0, help="customer whose currentUsage is one higher")
    r = sub.add_parser("ready")
    r.add_argument("--binary", required=True)
    r.add_argument("--port", type=int, required=True)
    r.add_argument("--log")
    r.add_argument("--timeout", type=float, default=120)
    r.add_argument("--expect-customer")
    r.add_argument("--expect-usage", type=float)
    r.add_argument("--touch", type=int, default=0)
    r.add_argument("--touch-prefix", default="synthetic-")
    q = sub.add_parser("requests")
    q.add_argument("--port", type=int, required=True)
    q.add_argument("--path", required=True)
    q.add_argument("-n", type=int, required=True)
    q.add_argument("--connections", type=int, default=1)
    c = sub.add_parser("callgrind")
    c.add_argument("file")
    c.add_argument("--requests", type=int, required=True)
    c.add_argument("--top", type=int, default=40)
    c.add_argument("--count", nargs=2, action="append", metavar=("LABEL", "REGEX"))
    c.add_argument("--tree", action="append", metavar="REGEX", help="list the callees of the (up to 3) costliest functions matching")
    a = p.parse_args()
    {"snapshot": snapshot, "ready": ready, "requests": requests, "callgrind": callgrind}[a.cmd](a)


if __name__ == "__main__":
    main()
