package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/dtbase-go/dtbase/dbcore"
	"github.com/dtbase-go/dtbase/dbcore/dbtest"
	"github.com/dtbase-go/dtbase/handlers"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

const (
	testSecret   = "test-secret-key"
	testEmail    = "test@test.com"
	testPassword = "test"
)

var (
	testHashOnce sync.Once
	testHash     []byte
)

// api is one test's server: its own database, the router, and an access token of the test user.
type api struct {
	t     *testing.T
	URL   string // the database URL
	DB    *dbcore.DB
	Srv   *handlers.Server
	h     http.Handler
	Token string // access token of test@test.com
}

// newAPI starts a server on a fresh database holding the test user test@test.com / test, as the
// original's fixtures do.
func newAPI(t *testing.T) *api {
	t.Helper()
	return newAPIWith(t, nil)
}

// newAPIWith is newAPI with the server configuration adjusted by edit (when not nil).
func newAPIWith(t *testing.T, edit func(*handlers.Config)) *api {
	t.Helper()
	url := dbtest.NewURL(t)
	db, err := dbcore.Open(context.Background(), url, dbcore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	testHashOnce.Do(func() { testHash, _ = bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost) })
	if err := db.CreateUser(context.Background(), testEmail, testHash); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := handlers.Config{
		JWTSecret:         []byte(testSecret),
		AccessTokenTTL:    time.Hour,
		RefreshTokenGrace: time.Hour,
		ServiceTimeout:    5 * time.Second,
	}
	if edit != nil {
		edit(&cfg)
	}
	srv := handlers.New(db, cfg, log, nil)
	a := &api{t: t, URL: url, DB: db, Srv: srv, h: srv.Routes()}
	a.Token = a.login(testEmail, testPassword).AccessToken
	return a
}

type tokens struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
}

func (a *api) login(email, password string) tokens {
	a.t.Helper()
	res := a.do("POST", "/api/auth/login", map[string]string{"email": email, "password": password}, "")
	if res.Status != 200 {
		a.t.Fatalf("login %s: %d %s", email, res.Status, res.Body)
	}
	var tk tokens
	res.decode(&tk)
	return tk
}

// response is a recorded answer.
type response struct {
	t      *testing.T
	Status int
	Header http.Header
	Body   []byte
}

// decode unmarshals the body into v, failing the test when it is not JSON.
func (r *response) decode(v any) {
	r.t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		r.t.Fatalf("response is not JSON (%v): %s", err, r.Body)
	}
}

// JSON returns the body decoded into generic JSON values (numbers as json.Number).
func (r *response) JSON() any {
	r.t.Helper()
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		r.t.Fatalf("response is not JSON (%v): %s", err, r.Body)
	}
	return v
}

// Detail returns the body's "detail" when it is a string.
func (r *response) Detail() string {
	var d struct {
		Detail any `json:"detail"`
	}
	_ = json.Unmarshal(r.Body, &d)
	s, _ := d.Detail.(string)
	return s
}

// expect fails the test unless the status is want (and, when detail is not empty, the detail too).
func (r *response) expect(want int, detail string) *response {
	r.t.Helper()
	if r.Status != want {
		r.t.Fatalf("status %d, want %d; body %s", r.Status, want, r.Body)
	}
	if detail != "" && r.Detail() != detail {
		r.t.Fatalf("detail %q, want %q; body %s", r.Detail(), detail, r.Body)
	}
	return r
}

// do sends a request through the router. body is marshalled unless it is a string or []byte (sent
// as is) or nil (no body). token "" sends no Authorization header; use a.post/a.get for the test
// user's token.
func (a *api) do(method, path string, body any, token string, headers ...string) *response {
	a.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			a.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, req)
	return &response{t: a.t, Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// post sends a JSON POST with the test user's access token.
func (a *api) post(path string, body any) *response {
	a.t.Helper()
	return a.do("POST", path, body, a.Token)
}

// get sends a GET with the test user's access token.
func (a *api) get(path string) *response {
	a.t.Helper()
	return a.do("GET", path, nil, a.Token)
}
