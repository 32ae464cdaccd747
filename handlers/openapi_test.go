package handlers_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/dtbase-go/dtbase/handlers"
)

// openAPIMethods are the operation keys of an OpenAPI path item.
var openAPIMethods = map[string]bool{"get": true, "put": true, "post": true, "delete": true, "options": true, "head": true, "patch": true, "trace": true}

// loadOpenAPI reads the document from the source tree (the file that go:embed serves).
func loadOpenAPI(t *testing.T) (raw []byte, doc map[string]any) {
	t.Helper()
	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	return raw, doc
}

// operations returns the document's operations keyed by "METHOD /path".
func operations(t *testing.T, doc map[string]any) map[string]map[string]any {
	t.Helper()
	paths, ok := doc["paths"].(map[string]any)
	if !ok {
		t.Fatal("the document has no paths object")
	}
	ops := map[string]map[string]any{}
	for path, item := range paths {
		m, ok := item.(map[string]any)
		if !ok {
			t.Fatalf("path item %s is not an object", path)
		}
		for method, op := range m {
			if !openAPIMethods[method] {
				continue
			}
			o, ok := op.(map[string]any)
			if !ok {
				t.Fatalf("%s %s is not an object", method, path)
			}
			ops[strings.ToUpper(method)+" "+path] = o
		}
	}
	return ops
}

func TestOpenAPIDocumentMatchesRoutes(t *testing.T) {
	_, doc := loadOpenAPI(t)
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.") {
		t.Fatalf("openapi = %q, want 3.x", v)
	}
	info, _ := doc["info"].(map[string]any)
	if info == nil || info["title"] == nil || info["version"] == nil {
		t.Fatalf("info needs a title and a version: %v", doc["info"])
	}
	ops := operations(t, doc)
	want := map[string]bool{}
	for _, e := range handlers.Endpoints() {
		key := e.Method + " " + e.Path
		want[key] = true
		if ops[key] == nil {
			t.Errorf("route %s is not documented in openapi.json", key)
		}
	}
	var extra []string
	for key := range ops {
		if !want[key] {
			extra = append(extra, key)
		}
	}
	sort.Strings(extra)
	for _, key := range extra {
		t.Errorf("openapi.json documents %s, which the router does not serve", key)
	}
}

func TestOpenAPIOperations(t *testing.T) {
	_, doc := loadOpenAPI(t)
	ops := operations(t, doc)
	opIDs := map[string]string{}
	for key, op := range ops {
		if s, _ := op["summary"].(string); s == "" {
			t.Errorf("%s has no summary", key)
		}
		if id, ok := op["operationId"].(string); ok {
			if other, dup := opIDs[id]; dup {
				t.Errorf("%s and %s share operationId %q", key, other, id)
			}
			opIDs[id] = key
		}
		responses, ok := op["responses"].(map[string]any)
		if !ok || len(responses) == 0 {
			t.Errorf("%s has no responses", key)
			continue
		}
		has2xx := false
		for code := range responses {
			if n, err := strconv.Atoi(code); (err == nil && n >= 200 && n < 300) || code == "2XX" {
				has2xx = true
			}
		}
		if !has2xx {
			t.Errorf("%s has no 2xx response", key)
		}
	}
}

func TestOpenAPISecurity(t *testing.T) {
	_, doc := loadOpenAPI(t)
	comps, _ := doc["components"].(map[string]any)
	schemes, _ := comps["securitySchemes"].(map[string]any)
	var bearer, header string
	for name, s := range schemes {
		m, _ := s.(map[string]any)
		switch {
		case m["type"] == "http" && strings.EqualFold(fmt.Sprint(m["scheme"]), "bearer"):
			if m["bearerFormat"] != "JWT" {
				t.Errorf("security scheme %s: bearerFormat = %v, want JWT", name, m["bearerFormat"])
			}
			bearer = name
		case m["type"] == "apiKey" && m["in"] == "header" && m["name"] == "X-DT-Authorization":
			header = name
		case m["type"] == "oauth2":
			t.Errorf("security scheme %s is OAuth2; the API takes bearer JWTs (api-contract.md §4.27)", name)
		}
	}
	if bearer == "" || header == "" {
		t.Fatalf("want an http bearer scheme and an apiKey scheme for X-DT-Authorization, got %v", schemes)
	}
	// requires reports whether a security requirement list names scheme.
	requires := func(sec any, scheme string) bool {
		list, _ := sec.([]any)
		for _, req := range list {
			if m, ok := req.(map[string]any); ok {
				if _, ok := m[scheme]; ok {
					return true
				}
			}
		}
		return false
	}
	if !requires(doc["security"], bearer) || !requires(doc["security"], header) {
		t.Fatalf("the global security must accept both %s and %s: %v", bearer, header, doc["security"])
	}
	ops := operations(t, doc)
	for _, e := range handlers.Endpoints() {
		op := ops[e.Method+" "+e.Path]
		if op == nil {
			continue // reported by TestOpenAPIDocumentMatchesRoutes
		}
		sec, overridden := op["security"]
		list, isList := sec.([]any)
		if overridden && !isList {
			t.Errorf("%s %s: security is not an array", e.Method, e.Path)
		}
		empty := overridden && len(list) == 0
		public := e.Public && e.Path != "/api/auth/refresh" // refresh is routed publicly but takes a refresh token
		if public && !empty {
			t.Errorf("%s %s is public: it should declare security: []", e.Method, e.Path)
		}
		if !public {
			if empty {
				t.Errorf("%s %s needs a token but declares no security", e.Method, e.Path)
			}
			if overridden && !requires(sec, bearer) {
				t.Errorf("%s %s: its security does not accept %s", e.Method, e.Path, bearer)
			}
			if responses, _ := op["responses"].(map[string]any); responses["401"] == nil {
				t.Errorf("%s %s needs a token but documents no 401", e.Method, e.Path)
			}
		}
	}
}

// TestOpenAPIRefsResolve checks that every $ref is a local JSON pointer to something that exists.
func TestOpenAPIRefsResolve(t *testing.T) {
	_, doc := loadOpenAPI(t)
	count := 0
	var walk func(v any, at string)
	walk = func(v any, at string) {
		switch x := v.(type) {
		case map[string]any:
			if r, ok := x["$ref"]; ok {
				count++
				s, _ := r.(string)
				if !strings.HasPrefix(s, "#/") {
					t.Errorf("%s: $ref %v is not a local reference", at, r)
				} else if _, ok := resolvePointer(doc, s[1:]); !ok {
					t.Errorf("%s: $ref %s does not resolve", at, s)
				}
			}
			for k, c := range x {
				walk(c, at+"/"+k)
			}
		case []any:
			for i, c := range x {
				walk(c, at+"/"+strconv.Itoa(i))
			}
		}
	}
	walk(doc, "#")
	if count == 0 {
		t.Fatal("the document has no $ref at all; use components to avoid repetition")
	}
}

// resolvePointer follows a JSON pointer (RFC 6901) such as /components/schemas/Detail.
func resolvePointer(doc any, ptr string) (any, bool) {
	cur := doc
	for _, tok := range strings.Split(ptr, "/")[1:] {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch x := cur.(type) {
		case map[string]any:
			v, ok := x[tok]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			cur = x[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

func TestOpenAPIServed(t *testing.T) {
	a := newAPI(t)
	raw, _ := loadOpenAPI(t)
	res := a.do("GET", "/api/openapi.json", nil, "").expect(200, "")
	if mt, _, err := mime.ParseMediaType(res.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		t.Fatalf("Content-Type = %q, want application/json", res.Header.Get("Content-Type"))
	}
	if !bytes.Equal(res.Body, raw) {
		t.Fatal("GET /api/openapi.json does not serve handlers/openapi.json")
	}
	var v map[string]any
	res.decode(&v)
}

var docsSpecURL = regexp.MustCompile(`url:\s*["']openapi\.json["']`)

func TestDocsServed(t *testing.T) {
	a := newAPI(t)
	res := a.do("GET", "/api/docs", nil, "").expect(200, "")
	if mt, _, err := mime.ParseMediaType(res.Header.Get("Content-Type")); err != nil || mt != "text/html" {
		t.Fatalf("Content-Type = %q, want text/html", res.Header.Get("Content-Type"))
	}
	body := string(res.Body)
	if !strings.HasPrefix(strings.ToLower(strings.TrimSpace(body)), "<!doctype html>") || !strings.Contains(body, "</html>") {
		t.Fatalf("not an HTML document:\n%s", body)
	}
	// The spec is fetched relative to the page, so the docs keep working behind any path prefix.
	if !docsSpecURL.MatchString(body) {
		t.Fatalf("the page does not load openapi.json relative to itself:\n%s", body)
	}
	for _, want := range []string{"swagger-ui-bundle.js", "swagger-ui.css", "SwaggerUIBundle(", "persistAuthorization: true"} {
		if !strings.Contains(body, want) {
			t.Errorf("the page does not contain %q", want)
		}
	}
}
