package handlers_test

import (
	"testing"

	"github.com/dtbase-go/dtbase/handlers"
)

func TestSecurityHeaders(t *testing.T) {
	a := newAPI(t)
	res := a.get("/api/sensor/list-measures").expect(200, "")
	for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store", "X-Frame-Options": "DENY"} {
		if got := res.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	// No CORS unless configured, as the original.
	res = a.do("GET", "/api/health", nil, "", "Origin", "https://app.example")
	if res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Error("CORS header sent without configured origins")
	}
	a.do("OPTIONS", "/api/sensor/list-sensors", nil, "", "Origin", "https://app.example", "Access-Control-Request-Method", "POST").expect(405, "Method Not Allowed")
}

func TestCORS(t *testing.T) {
	a := newAPIWith(t, func(c *handlers.Config) { c.CORSOrigins = []string{"https://app.example"} })
	res := a.do("OPTIONS", "/api/sensor/list-sensors", nil, "", "Origin", "https://app.example", "Access-Control-Request-Method", "POST",
		"Access-Control-Request-Headers", "x-dt-authorization, content-type")
	if res.Status != 204 || res.Header.Get("Access-Control-Allow-Origin") != "https://app.example" ||
		res.Header.Get("Access-Control-Allow-Headers") != "Authorization, X-DT-Authorization, Content-Type" {
		t.Fatalf("preflight: %d %v", res.Status, res.Header)
	}
	res = a.do("POST", "/api/sensor/list-sensors", map[string]any{}, a.Token, "Origin", "https://app.example").expect(200, "")
	if res.Header.Get("Access-Control-Allow-Origin") != "https://app.example" || res.Header.Get("Vary") != "Origin" {
		t.Errorf("headers %v", res.Header)
	}
	res = a.do("POST", "/api/sensor/list-sensors", map[string]any{}, a.Token, "Origin", "https://evil.example").expect(200, "")
	if res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Error("a foreign origin was allowed")
	}
	a.do("OPTIONS", "/api/sensor/list-sensors", nil, "", "Origin", "https://evil.example", "Access-Control-Request-Method", "POST").expect(405, "")
}
