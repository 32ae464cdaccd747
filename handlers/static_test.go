package handlers_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dtbase-go/dtbase/handlers"
)

// staticRouter is the router of a server without a database (none of these requests reach it)
// serving the web app in dir ("" for none).
func staticRouter(t *testing.T, dir string) http.Handler {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	return handlers.New(nil, handlers.Config{JWTSecret: []byte("x"), FrontendDir: dir}, log, nil).Routes()
}

func get(h http.Handler, method, target string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec
}

func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestStaticSiteOffKeepsTheReadinessAnswer(t *testing.T) {
	h := staticRouter(t, "")
	if rec := get(h, "GET", "/"); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"detail":"DTBase handler running"`) {
		t.Fatalf("GET / = %d %s", rec.Code, rec.Body)
	}
	if rec := get(h, "GET", "/sensors"); rec.Code != 404 || !strings.Contains(rec.Body.String(), "Not Found") {
		t.Fatalf("GET /sensors without a site = %d %s", rec.Code, rec.Body)
	}
}

func TestStaticSiteNotBuiltStillAnswersTheProbe(t *testing.T) {
	h := staticRouter(t, t.TempDir())
	if rec := get(h, "GET", "/"); rec.Code != 200 || !strings.Contains(rec.Body.String(), "DTBase handler running") {
		t.Fatalf("GET / = %d %s", rec.Code, rec.Body)
	}
}

func TestStaticSite(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "dist")
	const index = `<!doctype html><div id="app"></div>`
	writeFiles(t, parent, map[string]string{"secret.txt": "outside the site"})
	writeFiles(t, dir, map[string]string{
		"index.html":            index,
		"favicon.svg":           "<svg/>",
		"assets/app-abc.js":     "console.log(1)",
		"assets/app-abc.js.map": "{}",
		"staticwebapp.config.json": `{
			"globalHeaders": {"Content-Security-Policy": "default-src 'none'", "Cache-Control": "no-cache"},
			"routes": [
				{"route": "/assets/*", "headers": {"Cache-Control": "public, max-age=31536000, immutable"}},
				{"route": "/index.html", "headers": {"X-Index": "yes"}}
			]}`,
	})
	h := staticRouter(t, dir)

	for _, target := range []string{"/", "/index.html", "/sensors", "/sensors/view?uid=a%2Fb", "/services/view/deep/link"} {
		rec := get(h, "GET", target)
		if rec.Code != 200 || rec.Body.String() != index {
			t.Fatalf("GET %s = %d %q, want index.html", target, rec.Code, rec.Body)
		}
		if got := rec.Header().Get("Content-Type"); got != "text/html; charset=utf-8" {
			t.Errorf("GET %s: Content-Type %q", target, got)
		}
		if rec.Header().Get("Content-Security-Policy") != "default-src 'none'" || rec.Header().Get("Cache-Control") != "no-cache" || rec.Header().Get("X-Index") != "yes" {
			t.Errorf("GET %s: headers %v", target, rec.Header())
		}
	}
	if rec := get(h, "HEAD", "/readings"); rec.Code != 200 || rec.Body.Len() != 0 {
		t.Errorf("HEAD /readings = %d, %d bytes", rec.Code, rec.Body.Len())
	}

	rec := get(h, "GET", "/assets/app-abc.js")
	if rec.Code != 200 || rec.Body.String() != "console.log(1)" {
		t.Fatalf("GET asset = %d %q", rec.Code, rec.Body)
	}
	if !strings.Contains(rec.Header().Get("Content-Type"), "javascript") || rec.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" ||
		rec.Header().Get("Content-Security-Policy") != "default-src 'none'" {
		t.Errorf("asset headers %v", rec.Header())
	}
	if rec := get(h, "GET", "/assets/app-abc.js.map"); rec.Code != 200 || rec.Header().Get("Content-Type") != "application/json" {
		t.Errorf("source map = %d %v", rec.Code, rec.Header())
	}
	if rec := get(h, "GET", "/favicon.svg"); rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "image/svg") {
		t.Errorf("favicon = %d %v", rec.Code, rec.Header())
	}

	// Missing files, the config file, paths outside the site and the API are never index.html.
	for _, target := range []string{"/assets/app-old.js", "/missing.png", "/staticwebapp.config.json", "/../secret.txt", "/%2e%2e/secret.txt", "/assets/../../secret.txt"} {
		if rec := get(h, "GET", target); rec.Code != 404 || strings.Contains(rec.Body.String(), "outside") {
			t.Errorf("GET %s = %d %q, want 404", target, rec.Code, rec.Body)
		}
	}
	for _, target := range []string{"/api", "/api/no-such-endpoint"} {
		rec := get(h, "GET", target)
		if rec.Code != 404 || !strings.Contains(rec.Header().Get("Content-Type"), "json") {
			t.Errorf("GET %s = %d %q, want the API's 404", target, rec.Code, rec.Body)
		}
	}
	if rec := get(h, "POST", "/sensors"); rec.Code == 200 {
		t.Errorf("POST /sensors = 200, want an error")
	}
}
