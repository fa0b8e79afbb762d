// Plain HTTP from Go, no SDK: one decision, a listing, a usage report.
//
//	SIDECAR_URL=http://127.0.0.1:8787 SIDECAR_AUTH_TOKEN=... go run docs/examples/plain_http.go
//
// Standard library only. Not run by the tests (the build machine has no Go toolchain);
// scripts/check-examples runs it when `go` is on PATH.
package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
	"time"
)

// Entitlement holds the fields of Stigg's entitlement this example reads; the sidecar sends
// the rest too (usagePeriodEnd, resetPeriod, ...).
type Entitlement struct {
	Type               string   `json:"type"`
	IsGranted          bool     `json:"isGranted"`
	AccessDeniedReason *string  `json:"accessDeniedReason"`
	CurrentUsage       *float64 `json:"currentUsage"`
	UsageLimit         *float64 `json:"usageLimit"`
	Feature            *struct {
		ID string `json:"id"`
	} `json:"feature"`
	Currency *struct {
		CurrencyID string `json:"currencyId"`
	} `json:"currency"`
}

// Provenance is the sidecar's own top-level object: where the answer's data came from.
type Provenance struct {
	Source     string  `json:"source"`
	SyncedAt   *string `json:"syncedAt"`
	AgeSeconds *int    `json:"ageSeconds"`
}

type checkAnswer struct {
	Data    Entitlement `json:"data"`
	Sidecar Provenance  `json:"sidecar"`
}

type listingAnswer struct {
	Data struct {
		AccessDeniedReason *string       `json:"accessDeniedReason"`
		Entitlements       []Entitlement `json:"entitlements"`
	} `json:"data"`
	Sidecar Provenance `json:"sidecar"`
}

type usageAnswer struct {
	Data []struct {
		ID           string   `json:"id"`
		CurrentUsage *float64 `json:"currentUsage"`
	} `json:"data"`
}

var (
	base   = envOr("SIDECAR_URL", "http://127.0.0.1:8787")
	token  = os.Getenv("SIDECAR_AUTH_TOKEN")
	client = &http.Client{Timeout: 2 * time.Second} // the sidecar answers from memory: fail fast
)

func envOr(name, fallback string) string {
	if value := os.Getenv(name); value != "" {
		return value
	}
	return fallback
}

func call(method, path string, body any, out any) error {
	var reader io.Reader
	if body != nil {
		encoded, err := json.Marshal(body)
		if err != nil {
			return err
		}
		reader = bytes.NewReader(encoded)
	}
	request, err := http.NewRequest(method, base+path, reader)
	if err != nil {
		return err
	}
	request.Header.Set("Content-Type", "application/json")
	if token != "" {
		request.Header.Set("Authorization", "Bearer "+token)
	}
	response, err := client.Do(request)
	if err != nil {
		return err
	}
	defer response.Body.Close()
	payload, err := io.ReadAll(response.Body)
	if err != nil {
		return err
	}
	if response.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, path, response.StatusCode, payload)
	}
	return json.Unmarshal(payload, out)
}

func main() {
	query := url.Values{"customerId": {"demo-pro"}, "featureId": {"feature-api-calls"}, "requestedUsage": {"100"}}
	var check checkAnswer
	if err := call("GET", "/entitlements/check?"+query.Encode(), nil, &check); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("feature-api-calls granted: %v (%v/%v used, source %s)\n",
		check.Data.IsGranted, *check.Data.CurrentUsage, *check.Data.UsageLimit, check.Sidecar.Source)

	var listing listingAnswer
	if err := call("GET", "/entitlements?customerId=demo-pro", nil, &listing); err != nil {
		log.Fatal(err)
	}
	for _, e := range listing.Data.Entitlements {
		name := ""
		if e.Feature != nil {
			name = e.Feature.ID
		} else if e.Currency != nil {
			name = e.Currency.CurrencyID
		}
		fmt.Printf("  %-8s %-20s granted=%v\n", e.Type, name, e.IsGranted)
	}

	key := make([]byte, 8)
	if _, err := rand.Read(key); err != nil {
		log.Fatal(err)
	}
	usage := map[string]any{"usages": []map[string]any{{
		"customerId": "demo-pro", "featureId": "feature-api-calls", "value": 25,
		"idempotencyKey": "example-" + hex.EncodeToString(key),
	}}}
	var report usageAnswer
	if err := call("POST", "/api/v1/usage", usage, &report); err != nil {
		log.Fatal(err)
	}
	if report.Data[0].CurrentUsage != nil {
		fmt.Printf("reported; currentUsage is now %v\n", *report.Data[0].CurrentUsage)
	}

	var seats checkAnswer
	if err := call("GET", "/entitlements/check?customerId=demo-free&featureId=feature-seats", nil, &seats); err != nil {
		log.Fatal(err)
	}
	reason := "none"
	if seats.Data.AccessDeniedReason != nil {
		reason = *seats.Data.AccessDeniedReason
	}
	fmt.Printf("demo-free feature-seats granted: %v reason: %s\n", seats.Data.IsGranted, reason)
}
