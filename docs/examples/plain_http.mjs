// Plain HTTP from Node (18 or later; fetch is built in), no SDK: one decision, a listing, a
// usage report. The sidecar's provenance (where the answer's data came from) is in the
// top-level "sidecar" object and in the X-Sidecar-Source header.
//
//   SIDECAR_URL=http://127.0.0.1:8787 SIDECAR_AUTH_TOKEN=... node docs/examples/plain_http.mjs
//
// Run by scripts/check-examples against an offline sidecar with the demo snapshot.
import { randomUUID } from "node:crypto";

const base = process.env.SIDECAR_URL ?? "http://127.0.0.1:8787";
const headers = { "Content-Type": "application/json" };
if (process.env.SIDECAR_AUTH_TOKEN) headers.Authorization = `Bearer ${process.env.SIDECAR_AUTH_TOKEN}`;

async function call(method, path, body) {
  // The sidecar answers from memory; fail fast instead of hanging a request of your own.
  const response = await fetch(base + path, {
    method, headers, body: body && JSON.stringify(body), signal: AbortSignal.timeout(2000),
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${json.error?.code}: ${json.error?.message}`);
  return { json, source: response.headers.get("x-sidecar-source") };
}

// One decision. customerId, featureId and requestedUsage go in the query, percent-encoded.
const query = new URLSearchParams({ customerId: "demo-pro", featureId: "feature-api-calls", requestedUsage: "100" });
const check = await call("GET", `/entitlements/check?${query}`);
console.log(`feature-api-calls granted: ${check.json.data.isGranted}`,
  `(${check.json.data.currentUsage}/${check.json.data.usageLimit} used, source ${check.source})`);

// Every entitlement of the customer.
const listing = await call("GET", "/entitlements?customerId=demo-pro");
for (const e of listing.json.data.entitlements) {
  console.log(`  ${e.type.padEnd(8)} ${(e.feature?.id ?? e.currency.currencyId).padEnd(20)} granted=${e.isGranted}`);
}

// Report usage through the sidecar's durable outbox (Stigg's body); the next check counts it.
const report = await call("POST", "/api/v1/usage", {
  usages: [{ customerId: "demo-pro", featureId: "feature-api-calls", value: 25, idempotencyKey: `example-${randomUUID()}` }],
});
console.log(`reported; currentUsage is now ${report.json.data[0].currentUsage}`);
const after = await call("GET", "/entitlements/check?customerId=demo-pro&featureId=feature-api-calls");
if (after.json.data.currentUsage !== report.json.data[0].currentUsage) throw new Error("the check did not count the report");

// A denial is HTTP 200 with a reason; a bad request is 400 naming the parameter.
const seats = await call("GET", "/entitlements/check?customerId=demo-free&featureId=feature-seats");
console.log(`demo-free feature-seats granted: ${seats.json.data.isGranted} reason: ${seats.json.data.accessDeniedReason}`);
try {
  await call("GET", "/entitlements/check?customerId=demo-pro&requestedUsage=-1&featureId=x");
} catch (error) {
  console.log(`refused as expected: ${error.message}`);
}
