"""The official Stigg Python SDK (`pip install stigg`) pointed at the sidecar: the only change
from talking to Stigg directly is `base_url`. The API key the SDK sends (as X-API-KEY) is the
sidecar's SIDECAR_AUTH_TOKEN, or anything when no token is set; the real Stigg key stays in
the sidecar.

    SIDECAR_URL=http://127.0.0.1:8787 SIDECAR_AUTH_TOKEN=... python docs/examples/stigg_python_sdk.py

Run by scripts/check-examples against an offline sidecar with the demo snapshot.
"""
import os
import uuid
import warnings

from stigg import Stigg

# usage.report (POST /api/v1/usage) is marked deprecated in favour of /api/v2/usage, which the
# sidecar does not serve; v1 is what it takes.
warnings.filterwarnings("ignore", category=DeprecationWarning)

client = Stigg(
    api_key=os.environ.get("SIDECAR_AUTH_TOKEN", "no-token-configured"),
    base_url=os.environ.get("SIDECAR_URL", "http://127.0.0.1:8787"),
    max_retries=1,
    timeout=2.0,  # the sidecar answers in microseconds; a miss waits at most SIDECAR_MISS_TIMEOUT
)

# One decision: may demo-pro make 100 more API calls?
check = client.v1.customers.check_entitlement("demo-pro", feature_id="feature-api-calls", requested_usage=100)
print("feature-api-calls granted:", check.data.is_granted,
      f"({check.data.current_usage}/{check.data.usage_limit} used)")

# Every entitlement of a customer.
listing = client.v1.customers.retrieve_entitlements("demo-pro")
for entitlement in listing.data.entitlements:
    name = entitlement.feature.id if entitlement.type == "FEATURE" else entitlement.currency.currency_id
    print(f"  {entitlement.type:8} {name:20} granted={entitlement.is_granted}")

# Report usage: stored durably by the sidecar, counted by the next check at once, delivered to
# Stigg in the background. The idempotency key makes a retry safe.
report = client.v1.usage.report(usages=[{
    "customer_id": "demo-pro", "feature_id": "feature-api-calls", "value": 25,
    "idempotency_key": f"example-{uuid.uuid4()}",
}])
print("reported; currentUsage is now", report.data[0].current_usage)

after = client.v1.customers.check_entitlement("demo-pro", feature_id="feature-api-calls")
assert after.data.current_usage == report.data[0].current_usage, (after.data.current_usage, report.data[0].current_usage)

# A denial is still HTTP 200 with a reason, as from Stigg.
seats = client.v1.customers.check_entitlement("demo-free", feature_id="feature-seats")
print("demo-free feature-seats granted:", seats.data.is_granted, "reason:", seats.data.access_denied_reason)
