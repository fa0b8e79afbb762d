#!/usr/bin/env python3
"""The measuring half of scripts/bench-fleet (run by it; not meant to be run alone).

    bench-fleet.py reads    MODE FAKE_PORT CUSTOMERS PORT...
    bench-fleet.py hot      MODE FAKE_PORT HOT SECONDS PORT...
    bench-fleet.py webhooks MODE FAKE_PORT EVENTS SECRET PORT...
    bench-fleet.py budget   MODE FAKE_PORT CUSTOMERS RPS PORT...

Upstream reads are counted by the fake (GET /_fake/counters): entitlement reads only, never
the start-up probe or the customer listing.
"""
import http.client
import json
import sys
import threading
import time
import uuid

CHECK = "/entitlements/check?customerId=%s&featureId=feature-api-calls"


def customer(i):
    return "synthetic-%06d" % i


class Client:
    """One keep-alive connection."""

    def __init__(self, port):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, method, path, body=None, headers=None):
        for attempt in (0, 1):
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                response = self.conn.getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, ConnectionError):
                if attempt:
                    raise
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def check(self, customer_id):
        status, body = self.request("GET", CHECK % customer_id)
        if status != 200:
            sys.exit("bench-fleet: check %s answered %d" % (customer_id, status))
        return json.loads(body)


class Fake(Client):
    def reads(self, prefix="/api/v1/customers/"):
        _, body = self.request("GET", "/_fake/counters")
        return sum(n for path, n in json.loads(body)["paths"].items()
                   if path.startswith(prefix) and "/entitlements" in path)

    def reset(self):
        self.request("DELETE", "/_fake/counters")


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, max(0, int(round(p / 100 * len(values) + 0.5)) - 1))]


def in_threads(jobs):
    threads = [threading.Thread(target=job) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def verdict(ok):
    return "PASS" if ok else "MISS"


def reads(mode, fake, count, ports):
    fake.reset()
    first, second = Client(ports[0]), Client(ports[1])
    sample = [customer(i) for i in range(1, min(count, 50) + 1)]
    for c in sample:
        first.check(c)
    # A miss on a second sidecar: answered from Redis in fleet mode, from upstream standalone.
    miss = []
    for c in sample:
        start = time.perf_counter()
        answer = second.check(c)
        miss.append((time.perf_counter() - start) * 1e6)
        assert answer["data"]["isGranted"] is True, answer
    # Then every sidecar asks every customer at once.
    ids = [customer(i) for i in range(1, count + 1)]

    def ask(port, offset):
        client = Client(port)
        for i in range(len(ids)):
            client.check(ids[(i + offset) % len(ids)])

    in_threads([lambda p=p, k=k: ask(p, k * 7) for k, p in enumerate(ports)])
    total = fake.reads()
    # A local hit, on a keep-alive connection.
    local, client = [], Client(ports[-1])
    for _ in range(3000):
        start = time.perf_counter()
        client.check(ids[0])
        local.append((time.perf_counter() - start) * 1e6)
    target = len(ports) * count if mode == "standalone" else int(count * 1.1)
    print("[%s] %d customers asked on each of %d sidecars: %d upstream entitlement reads (%s; target %s %d) %s" % (
        mode, count, len(ports), total, "one per sidecar per customer" if mode == "standalone" else "fleet",
        "about" if mode == "standalone" else "<=", target, verdict(total <= target) if mode == "fleet" else ""))
    print("[%s]   check latency, local hit: p50 %.0f us, p99 %.0f us (client: python http.client, keep-alive)" % (
        mode, pct(local, 50), pct(local, 99)))
    print("[%s]   check latency, miss on a second sidecar (%s): p50 %.0f us, p99 %.0f us" % (
        mode, "answered from Redis" if mode == "fleet" else "read from upstream", pct(miss, 50), pct(miss, 99)))


def hot(mode, fake, count, seconds, ports):
    ids = [customer(i) for i in range(1, count + 1)]

    def warm(port):
        client = Client(port)
        for c in ids:
            client.check(c)

    in_threads([lambda p=p: warm(p) for p in ports])
    fake.reset()
    time.sleep(seconds)
    total = fake.reads()
    standalone = len(ports) * count * seconds / 2
    target = 1.25 * count * seconds / 2
    print("[%s] %d hot customers, refresh interval 2 s, %d s: %d upstream entitlement reads (standalone model %d; fleet target <= %d) %s" % (
        mode, count, seconds, total, standalone, target, verdict(total <= target) if mode == "fleet" else ""))


def webhooks(mode, fake, events, secret, ports):
    ids = [customer(i) for i in range(1, events + 1)]

    def warm(port):
        client = Client(port)
        for c in ids:
            client.check(c)

    in_threads([lambda p=p: warm(p) for p in ports])
    clients = [Client(p) for p in ports]
    lapsed = json.dumps({"accessDeniedReason": "NoActiveSubscription", "entitlements": []})
    latencies, per_customer = [], []
    for index, c in enumerate(ids):
        before = fake.reads("/api/v1/customers/%s/" % c)
        assert fake.request("PUT", "/_fake/customers/%s/entitlements" % c, lapsed)[0] == 200
        now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
        event = json.dumps({"type": "entitlements.updated", "messageId": str(uuid.uuid4()), "timestamp": now,
                            "customer": {"id": c}, "resource": None, "entitlements": []})
        receiver = clients[index % len(clients)]
        status, _ = receiver.request("POST", "/webhooks/stigg", event,
                                     {"Stigg-Webhooks-Secret": secret, "Content-Type": "application/json"})
        accepted = time.perf_counter()
        assert status == 202, status
        waiting = set(range(len(clients)))
        while waiting:
            for k in list(waiting):
                if clients[k].check(c)["data"]["isGranted"] is False:
                    waiting.discard(k)
            if time.perf_counter() - accepted > 10:
                sys.exit("bench-fleet: %s never reached %d sidecars" % (c, len(waiting)))
        latencies.append((time.perf_counter() - accepted) * 1000)
        time.sleep(0.2)
        per_customer.append(fake.reads("/api/v1/customers/%s/" % c) - before)
    print("[%s] webhook accepted by one sidecar -> all %d sidecars answer the new state, %d events: p50 %.0f ms, p99 %.0f ms, max %.0f ms (target <= 1000 ms) %s" % (
        mode, len(ports), events, pct(latencies, 50), pct(latencies, 99), max(latencies), verdict(max(latencies) <= 1000)))
    print("[%s]   upstream reads per webhook: max %d, total %d for %d events (target <= 2 each) %s" % (
        mode, max(per_customer), sum(per_customer), events, verdict(max(per_customer) <= 2)))


def budget(mode, fake, count, rps, ports):
    fake.reset()
    ids = [customer(i) for i in range(1, count + 1)]
    samples, done = [], threading.Event()

    def sample():
        while not done.is_set():
            samples.append((time.perf_counter(), fake_sampler.reads()))
            time.sleep(0.05)

    fake_sampler = Fake(fake.port)

    def ask(port, share):
        client = Client(port)
        for c in share:
            client.check(c)

    sampler = threading.Thread(target=sample)
    sampler.start()
    start = time.perf_counter()
    in_threads([lambda p=p, k=k: ask(p, ids[k::len(ports)]) for k, p in enumerate(ports)])
    # The misses answered at their deadline; the reads go on within the budget.
    while fake.reads() < count and time.perf_counter() - start < 60:
        time.sleep(0.05)
    done.set()
    sampler.join()
    elapsed = time.perf_counter() - start
    worst, worst_window = 0.0, 0
    for i, (t1, n1) in enumerate(samples):
        for t2, n2 in samples[i + 1:]:
            excess = (n2 - n1) - rps * (t2 - t1)
            worst = max(worst, excess)
            if t2 - t1 <= 1.0:
                worst_window = max(worst_window, n2 - n1)
    total = fake.reads()
    print("[%s] budget %d reads/s, %d misses spread over %d sidecars at once: %d reads in %.1f s (%.1f/s); busiest 1-s window %d; most reads above rate x window %.0f (target <= one second's burst, %d) %s" % (
        mode, rps, count, len(ports), total, elapsed, total / elapsed, worst_window, worst, rps, verdict(worst <= rps)))


def main():
    scenario, mode, fake_port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    fake = Fake(fake_port)
    if scenario == "reads":
        reads(mode, fake, int(sys.argv[4]), [int(p) for p in sys.argv[5:]])
    elif scenario == "hot":
        hot(mode, fake, int(sys.argv[4]), int(sys.argv[5]), [int(p) for p in sys.argv[6:]])
    elif scenario == "webhooks":
        webhooks(mode, fake, int(sys.argv[4]), sys.argv[5], [int(p) for p in sys.argv[6:]])
    elif scenario == "budget":
        budget(mode, fake, int(sys.argv[4]), int(sys.argv[5]), [int(p) for p in sys.argv[6:]])
    else:
        sys.exit("bench-fleet.py: unknown scenario %s" % scenario)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
