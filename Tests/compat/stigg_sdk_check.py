"""Points the official Stigg Python SDK at a running sidecar and checks that its answers parse
into the SDK's own models (strict response validation on). Starts the sidecar binary itself
on port 0 with the shipped offline demo data; stops it at the end.

usage: python stigg_sdk_check.py <path to entitlement-sidecar> <repo root>
"""
import os
import re
import subprocess
import sys
import tempfile
import time
import traceback
import warnings

import stigg
from stigg import Stigg

# usage.report is marked deprecated in favour of /api/v2/usage; v1 is what we serve.
warnings.filterwarnings("ignore", category=DeprecationWarning)

binary, root = sys.argv[1], sys.argv[2]
workdir = tempfile.mkdtemp(prefix="sidecar-sdk-")
env = {k: v for k, v in os.environ.items() if not k.startswith(("SIDECAR_", "STIGG_"))}
env.update({
    "SIDECAR_DB_PATH": os.path.join(workdir, "sidecar.sqlite"),
    "SIDECAR_OFFLINE_FILE": os.path.join(root, "config/offline-entitlements.json"),
    "ENTITLEMENTS_FALLBACK": '{"feature-x":{"hasAccess":true,"usageLimit":1000}}',
})
proc = subprocess.Popen([binary, "--port", "0"], env=env, stderr=subprocess.PIPE, text=True)
port = None
deadline = time.time() + 20
while time.time() < deadline and port is None:
    line = proc.stderr.readline()
    if not line:
        break
    match = re.search(r"port=(\d+)", line)
    if match:
        port = int(match.group(1))
if port is None:
    proc.kill()
    sys.exit("sidecar did not start")

client = Stigg(api_key="not-needed-offline", base_url=f"http://127.0.0.1:{port}",
               max_retries=0, _strict_response_validation=True)
customers = client.v1.customers
results = []


def check(name):
    def wrap(fn):
        try:
            fn()
            results.append((name, None))
            print(f"PASS {name}")
        except Exception:  # noqa: BLE001 - report every failure, keep going
            results.append((name, traceback.format_exc()))
            print(f"FAIL {name}\n{traceback.format_exc()}")
        return fn
    return wrap


@check("retrieve_entitlements parses features and credits")
def _():
    r = customers.retrieve_entitlements("demo-pro")
    kinds = sorted(type(e).__name__ for e in r.data.entitlements)
    assert len(r.data.entitlements) == 5, kinds
    assert r.data.access_denied_reason is None
    by_type = {e.type for e in r.data.entitlements}
    assert by_type == {"FEATURE", "CREDIT"}, by_type
    metered = next(e for e in r.data.entitlements if e.type == "FEATURE" and e.feature.id == "feature-api-calls")
    assert metered.usage_limit == 10000 and metered.current_usage == 2500, metered
    assert metered.reset_period == "MONTH"
    credit = next(e for e in r.data.entitlements if e.type == "CREDIT")
    assert credit.currency.currency_id == "ai-tokens"


@check("retrieve_entitlements with resource_id")
def _():
    r = customers.retrieve_entitlements("demo-pro", resource_id="workspace-1")
    assert {e.feature.id for e in r.data.entitlements} == {"feature-sso", "feature-seats"}


@check("retrieve_entitlements of an archived customer")
def _():
    r = customers.retrieve_entitlements("demo-archived")
    assert r.data.access_denied_reason == "CustomerIsArchived"
    assert r.data.entitlements == []


@check("check_entitlement granted metered")
def _():
    r = customers.check_entitlement("demo-pro", feature_id="feature-api-calls", requested_usage=100)
    assert r.data.is_granted is True and r.data.access_denied_reason is None
    assert r.data.type == "FEATURE" and r.data.feature.id == "feature-api-calls"


@check("check_entitlement denied over the limit")
def _():
    r = customers.check_entitlement("demo-pro", feature_id="feature-seats", requested_usage=100)
    assert r.data.is_granted is False
    assert r.data.access_denied_reason == "RequestedUsageExceedingLimit"


@check("check_entitlement credits")
def _():
    r = customers.check_entitlement("demo-pro", currency_id="ai-tokens", requested_usage=10)
    assert r.data.type == "CREDIT" and r.data.is_granted is True
    assert r.data.usage_limit == 5000


@check("check_entitlement unknown currency")
def _():
    r = customers.check_entitlement("demo-pro", currency_id="gold")
    assert r.data.is_granted is False and r.data.access_denied_reason == "EntitlementNotFound"


@check("check_entitlement feature not in plan")
def _():
    r = customers.check_entitlement("demo-pro", feature_id="feature-nope")
    assert r.data.access_denied_reason == "NoFeatureEntitlementInSubscription"


@check("check_entitlement for a customer with no data uses the fallback rule")
def _():
    r = customers.check_entitlement("stranger", feature_id="feature-x", requested_usage=5)
    assert r.data.is_granted is True


@check("check_entitlement with requested_values (sent comma-joined)")
def _():
    r = customers.check_entitlement("demo-pro", feature_id="feature-sso", requested_values=["a", "b"])
    assert r.data.type == "FEATURE"


@check("a 400 from the sidecar surfaces as the SDK's BadRequestError")
def _():
    try:
        customers.check_entitlement("demo-pro", feature_id="a", currency_id="b")
    except stigg.BadRequestError as error:
        assert "mutually exclusive" in str(error)
    else:
        raise AssertionError("expected BadRequestError")


@check("usage.report through the sidecar parses into UsageReportResponse, and the next check counts it")
def _():
    r = client.v1.usage.report(usages=[
        {"customer_id": "demo-pro", "feature_id": "feature-api-calls", "value": 40, "idempotency_key": "sdk-usage-1"},
        {"customer_id": "demo-pro", "feature_id": "feature-api-calls", "value": 2, "update_behavior": "DELTA",
         "dimensions": {"region": "eu"}},
    ])
    assert len(r.data) == 2, r
    assert r.data[0].current_usage == 2540 and r.data[1].current_usage == 2542, r.data
    assert r.data[0].id and r.data[0].customer_id == "demo-pro" and r.data[0].feature_id == "feature-api-calls"
    again = client.v1.usage.report(usages=[
        {"customer_id": "demo-pro", "feature_id": "feature-api-calls", "value": 40, "idempotency_key": "sdk-usage-1"}])
    assert again.data[0].id == r.data[0].id, (again.data[0].id, r.data[0].id)
    c = customers.check_entitlement("demo-pro", feature_id="feature-api-calls")
    assert c.data.current_usage == 2542, c.data


@check("events.report through the sidecar")
def _():
    client.v1.events.report(events=[
        {"customer_id": "demo-pro", "event_name": "api.request", "idempotency_key": "sdk-event-1",
         "dimensions": {"endpoint": "/search", "tokens": 812, "cached": False}}])


@check("an invalid usage record surfaces as BadRequestError naming the field")
def _():
    try:
        client.v1.usage.report(usages=[{"customer_id": "demo-pro", "feature_id": "", "value": 1}])
    except stigg.BadRequestError as error:
        assert "usages[0].featureId" in str(error), str(error)
    else:
        raise AssertionError("expected BadRequestError")


proc.terminate()
proc.wait(timeout=15)
failed = sum(1 for _, error in results if error)
print(f"stigg {stigg.__version__} SDK against the sidecar:")
print(f"{len(results) - failed} passed, {failed} failed")
sys.exit(1 if failed or proc.returncode != 0 else 0)
