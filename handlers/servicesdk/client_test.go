package servicesdk_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dtbase-go/dtbase/handlers"
	"github.com/dtbase-go/dtbase/handlers/servicesdk"
	"github.com/dtbase-go/dtbase/handlers/servicesdk/internal/apitest"
)

func TestLoginAndCalls(t *testing.T) {
	s := apitest.Start(t, handlers.Config{})
	ctx := context.Background()
	c := loggedIn(t, s.BaseURL)

	status, err := c.Post(ctx, servicesdk.PathInsertSensorType, servicesdk.SensorType{
		Name: "T", Measures: []servicesdk.SensorMeasure{{Name: "m", Units: "u", Datatype: "float"}},
	}, nil)
	if err != nil || status != 201 {
		t.Fatalf("insert-sensor-type: %d %v", status, err)
	}
	var types []struct {
		Name     string `json:"name"`
		Measures []servicesdk.SensorMeasure
	}
	if status, err := c.Get(ctx, "/sensor/list-sensor-types", &types); err != nil || status != 200 {
		t.Fatalf("list-sensor-types: %d %v", status, err)
	}
	if len(types) != 1 || types[0].Name != "T" || len(types[0].Measures) != 1 || types[0].Measures[0].Units != "u" {
		t.Fatalf("types %+v", types)
	}
	// A path without the leading slash is the same path.
	var detail struct{ Detail string }
	if _, err := c.Post(ctx, "sensor/insert-sensor", servicesdk.Sensor{TypeName: "T", UniqueIdentifier: "s1"}, &detail); err != nil || detail.Detail != "Sensor inserted" {
		t.Fatalf("insert-sensor: %v %+v", err, detail)
	}
	if n := s.Count("/api/auth/login"); n != 1 {
		t.Errorf("%d logins, want 1", n)
	}
}

func TestLoginFailures(t *testing.T) {
	s := apitest.Start(t, handlers.Config{})
	ctx := context.Background()

	c := newClient(t, s.BaseURL)
	if _, err := c.Get(ctx, "/sensor/list-sensor-types", nil); !errors.Is(err, servicesdk.ErrNotLoggedIn) {
		t.Fatalf("before login: %v, want ErrNotLoggedIn", err)
	}
	if s.Count("/api/sensor/list-sensor-types") != 0 {
		t.Fatal("a request was sent without a token")
	}
	err := c.Login(ctx, apitest.Email, "wrong")
	var ae *servicesdk.APIError
	if !servicesdk.IsUnauthorized(err) || !errors.As(err, &ae) || ae.Detail != "Incorrect email or password" {
		t.Fatalf("wrong password: %v", err)
	}
	if n := s.Count("/api/auth/login"); n != 1 {
		t.Errorf("a 401 was retried: %d logins", n)
	}

	// WithCredentials logs in lazily, once.
	lazy := newClient(t, s.BaseURL, servicesdk.WithCredentials(apitest.Email, apitest.Password))
	for range 2 {
		if _, err := lazy.Get(ctx, "/sensor/list-sensor-types", nil); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.Count("/api/auth/login"); n != 2 {
		t.Errorf("%d logins in all, want 2", n)
	}
}

func TestAPIErrors(t *testing.T) {
	s := apitest.Start(t, handlers.Config{})
	ctx := context.Background()
	c := loggedIn(t, s.BaseURL)

	// 422: the detail is the list of validation errors.
	status, err := c.Post(ctx, servicesdk.PathInsertSensor, map[string]any{}, nil)
	var ae *servicesdk.APIError
	if status != 422 || !errors.As(err, &ae) || servicesdk.StatusCode(err) != 422 {
		t.Fatalf("422: %d %v", status, err)
	}
	if list, ok := ae.Detail.([]any); !ok || len(list) != 2 {
		t.Fatalf("422 detail %#v", ae.Detail)
	}
	if servicesdk.IsBadRequest(err) || servicesdk.IsConflict(err) {
		t.Fatal("422 matches another status")
	}

	// 400 with the backend's text, and the method and path in the message.
	_, err = c.Post(ctx, servicesdk.PathInsertSensor, servicesdk.Sensor{TypeName: "nope", UniqueIdentifier: "x"}, nil)
	if !servicesdk.IsBadRequest(err) || !errors.Is(err, servicesdk.ErrBadRequest) {
		t.Fatalf("unknown type: %v", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "POST /sensor/insert-sensor") || !strings.Contains(msg, "status 400 Bad Request: Sensor type does not exist") {
		t.Fatalf("message %q", msg)
	}

	// 409.
	ts := servicesdk.SensorType{Name: "T", Measures: []servicesdk.SensorMeasure{}}
	if _, err := c.Post(ctx, servicesdk.PathInsertSensorType, ts, nil); err != nil {
		t.Fatal(err)
	}
	status, err = c.Post(ctx, servicesdk.PathInsertSensorType, ts, nil)
	if status != 409 || !servicesdk.IsConflict(err) || !errors.Is(err, servicesdk.ErrConflict) || servicesdk.IsNotFound(err) {
		t.Fatalf("duplicate: %d %v", status, err)
	}

	// 404 for an unknown path.
	if _, err := c.Get(ctx, "/sensor/no-such-endpoint", nil); !servicesdk.IsNotFound(err) {
		t.Fatalf("unknown path: %v", err)
	}
	if servicesdk.StatusCode(errors.New("x")) != 0 {
		t.Fatal("StatusCode of a non-API error")
	}
}

func TestNewBaseURL(t *testing.T) {
	t.Setenv(servicesdk.EnvBackendURL, "")
	c, err := servicesdk.New()
	if err != nil || c.BaseURL() != servicesdk.DefaultBaseURL {
		t.Fatalf("default: %v %v", c, err)
	}
	t.Setenv(servicesdk.EnvBackendURL, "http://backend:7071/api/")
	if c, err := servicesdk.New(); err != nil || c.BaseURL() != "http://backend:7071/api" {
		t.Fatalf("from the environment: %v", err)
	}
	if c, err := servicesdk.New(servicesdk.WithBaseURL("https://x.example/")); err != nil || c.BaseURL() != "https://x.example" {
		t.Fatalf("option: %v", err)
	}
	for _, bad := range []string{"localhost:5000", "ftp://x", "http://", "::"} {
		if _, err := servicesdk.New(servicesdk.WithBaseURL(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestCredentialsFromEnv(t *testing.T) {
	for _, tc := range []struct {
		email, pass, defPass string
		wantEmail, wantPass  string
	}{
		{"", "", "dp", servicesdk.DefaultUserEmail, "dp"},
		{"", "p", "dp", servicesdk.DefaultUserEmail, "p"},
		{"me@x", "p", "dp", "me@x", "p"},
		{"me@x", "", "dp", "", ""}, // the default user's password is not sent for another user
		{"", "", "", "", ""},
	} {
		t.Setenv(servicesdk.EnvUserEmail, tc.email)
		t.Setenv(servicesdk.EnvUserPass, tc.pass)
		t.Setenv(servicesdk.EnvDefaultUserPass, tc.defPass)
		email, pass, err := servicesdk.CredentialsFromEnv()
		if tc.wantPass == "" {
			if err == nil {
				t.Errorf("%+v: no error", tc)
			}
			continue
		}
		if err != nil || email != tc.wantEmail || pass != tc.wantPass {
			t.Errorf("%+v: %q %q %v", tc, email, pass, err)
		}
	}
}

// The access token is refreshed when less than the margin is left, and not before.
func TestTokenRefresh(t *testing.T) {
	s := apitest.Start(t, handlers.Config{AccessTokenTTL: time.Hour})
	clk := newClock()
	s.Srv.SetClock(clk.Now)
	c := loggedIn(t, s.BaseURL, servicesdk.WithClock(clk.Now), servicesdk.WithRefreshMargin(time.Minute))
	ctx := context.Background()
	get := func() {
		t.Helper()
		if _, err := c.Get(ctx, "/sensor/list-sensor-types", nil); err != nil {
			t.Fatal(err)
		}
	}

	get()
	clk.Advance(50 * time.Minute)
	get()
	if n := s.Count("/api/auth/refresh"); n != 0 {
		t.Fatalf("refreshed %d times with 10 minutes left", n)
	}
	clk.Advance(9*time.Minute + 30*time.Second) // 30 s left
	get()
	if n := s.Count("/api/auth/refresh"); n != 1 {
		t.Fatalf("refreshed %d times with 30 s left, want 1", n)
	}
	// The new token lives an hour from the refresh.
	clk.Advance(30 * time.Minute)
	get()
	if n := s.Count("/api/auth/refresh"); n != 1 {
		t.Fatalf("refreshed %d times with a fresh token, want 1", n)
	}
	clk.Advance(29*time.Minute + 30*time.Second)
	get()
	if r, l := s.Count("/api/auth/refresh"), s.Count("/api/auth/login"); r != 2 || l != 1 {
		t.Fatalf("%d refreshes and %d logins, want 2 and 1", r, l)
	}
}

// Concurrent calls that find the token about to expire renew it once.
func TestConcurrentRefresh(t *testing.T) {
	s := apitest.Start(t, handlers.Config{AccessTokenTTL: time.Hour})
	clk := newClock()
	s.Srv.SetClock(clk.Now)
	c := loggedIn(t, s.BaseURL, servicesdk.WithClock(clk.Now))
	clk.Advance(time.Hour - time.Second)
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for range 10 {
		wg.Go(func() {
			if _, err := c.Get(context.Background(), "/sensor/list-sensor-types", nil); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if r, l := s.Count("/api/auth/refresh"), s.Count("/api/auth/login"); r != 1 || l != 1 {
		t.Fatalf("%d refreshes and %d logins, want 1 and 1", r, l)
	}
}

// When the refresh token is rejected (401), the client logs in again with the stored credentials.
func TestReloginWhenRefreshRejected(t *testing.T) {
	s := apitest.Start(t, handlers.Config{AccessTokenTTL: time.Hour, RefreshTokenGrace: time.Hour})
	clk := newClock()
	s.Srv.SetClock(clk.Now)
	c := loggedIn(t, s.BaseURL, servicesdk.WithClock(clk.Now))
	clk.Advance(3 * time.Hour) // both tokens have expired
	if _, err := c.Get(context.Background(), "/sensor/list-sensor-types", nil); err != nil {
		t.Fatal(err)
	}
	if r, l := s.Count("/api/auth/refresh"), s.Count("/api/auth/login"); r != 1 || l != 2 {
		t.Fatalf("%d refreshes and %d logins, want 1 and 2", r, l)
	}
	if n := s.Count("/api/sensor/list-sensor-types"); n != 1 {
		t.Fatalf("the call was sent %d times, want 1 (with the new token)", n)
	}
}

// A 401 the client did not foresee (here the server's clock is ahead) renews the token once and
// repeats the call.
func TestRenewAfterUnexpected401(t *testing.T) {
	s := apitest.Start(t, handlers.Config{AccessTokenTTL: time.Hour})
	server := newClock()
	s.Srv.SetClock(server.Now)
	client := newClock()
	c := loggedIn(t, s.BaseURL, servicesdk.WithClock(client.Now))
	server.Advance(3 * time.Hour)
	if _, err := c.Get(context.Background(), "/sensor/list-sensor-types", nil); err != nil {
		t.Fatal(err)
	}
	if n, r, l := s.Count("/api/sensor/list-sensor-types"), s.Count("/api/auth/refresh"), s.Count("/api/auth/login"); n != 2 || r != 1 || l != 2 {
		t.Fatalf("%d calls, %d refreshes, %d logins; want 2, 1, 2", n, r, l)
	}

	// When the renewal fails too (the password has changed), the call fails, once.
	if _, err := c.Post(context.Background(), "/user/change-password", map[string]string{"email": apitest.Email, "password": "changed"}, nil); err != nil {
		t.Fatal(err)
	}
	server.Advance(3 * time.Hour)
	_, err := c.Get(context.Background(), "/sensor/list-sensor-types", nil)
	if !servicesdk.IsUnauthorized(err) || !strings.Contains(err.Error(), "renewing the token failed") {
		t.Fatalf("changed password: %v", err)
	}
	if n, l := s.Count("/api/sensor/list-sensor-types"), s.Count("/api/auth/login"); n != 3 || l != 3 {
		t.Fatalf("%d calls and %d logins in all, want 3 and 3", n, l)
	}
}

func TestRetry5xx(t *testing.T) {
	s := apitest.Start(t, handlers.Config{})
	p := newProxy(t, s.TS.URL)
	c := loggedIn(t, p.URL+"/api")
	ctx := context.Background()

	p.set(func(p *proxy) { p.fail503 = 3 })
	var types []any
	if status, err := c.Get(ctx, "/sensor/list-sensor-types", &types); err != nil || status != 200 {
		t.Fatalf("after three 503s: %d %v", status, err)
	}
	if n := p.count("/api/sensor/list-sensor-types"); n != 4 {
		t.Fatalf("%d attempts, want 4", n)
	}

	// Attempts are bounded.
	p.set(func(p *proxy) { p.fail503 = 10 })
	status, err := c.Post(ctx, servicesdk.PathInsertSensor, servicesdk.Sensor{TypeName: "T", UniqueIdentifier: "x"}, nil)
	if status != 503 || servicesdk.StatusCode(err) != 503 || !strings.Contains(err.Error(), "after 4 attempts") {
		t.Fatalf("always 503: %d %v", status, err)
	}
	if n := p.count("/api/sensor/insert-sensor"); n != 4 {
		t.Fatalf("%d attempts, want 4", n)
	}
	p.set(func(p *proxy) { p.fail503 = 0 })

	// 4xx answers are never retried.
	if _, err := c.Post(ctx, "/sensor/list-sensors", "not an object", nil); servicesdk.StatusCode(err) != 422 {
		t.Fatalf("want 422: %v", err)
	}
	if n := p.count("/api/sensor/list-sensors"); n != 1 {
		t.Fatalf("a 422 was sent %d times", n)
	}
}

func TestRetryDroppedConnection(t *testing.T) {
	s := apitest.Start(t, handlers.Config{})
	p := newProxy(t, s.TS.URL)
	c := loggedIn(t, p.URL+"/api")
	p.set(func(p *proxy) { p.drop = 2 })
	status, err := c.Post(context.Background(), servicesdk.PathInsertSensorType, servicesdk.SensorType{Name: "T", Measures: []servicesdk.SensorMeasure{}}, nil)
	if err != nil || status != 201 {
		t.Fatalf("%d %v", status, err)
	}
	if n := p.count("/api/sensor/insert-sensor-type"); n != 3 {
		t.Fatalf("%d attempts, want 3", n)
	}

	// Without retries the network error is returned.
	c1 := loggedIn(t, p.URL+"/api", servicesdk.WithRetry(1, 0, 0))
	p.set(func(p *proxy) { p.drop = 1 })
	status, err = c1.Post(context.Background(), "/sensor/list-sensors", map[string]any{}, nil)
	if err == nil || status != 0 || servicesdk.StatusCode(err) != 0 {
		t.Fatalf("dropped without retries: %d %v", status, err)
	}
}

// A POST whose answer was lost is retried; the retry's 409 tells PostAll the object exists.
func TestRetryAfterLostAnswer(t *testing.T) {
	s := apitest.Start(t, handlers.Config{})
	p := newProxy(t, s.TS.URL)
	c := loggedIn(t, p.URL+"/api")
	p.set(func(p *proxy) { p.failAfter = 1 })
	sum, err := c.PostAll(context.Background(), ingressCalls("s1")[:1])
	if err != nil {
		t.Fatal(err)
	}
	if sum.Posted != 0 || sum.Conflicts != 1 || s.Count("/api/sensor/insert-sensor-type") != 2 {
		t.Fatalf("summary %+v, %d requests", sum, s.Count("/api/sensor/insert-sensor-type"))
	}
}

func TestTimeouts(t *testing.T) {
	s := apitest.Start(t, handlers.Config{})
	p := newProxy(t, s.TS.URL)
	ctx := context.Background()

	// Each attempt times out; both attempts are made.
	c := loggedIn(t, p.URL+"/api", servicesdk.WithTimeout(100*time.Millisecond), servicesdk.WithRetry(2, time.Millisecond, time.Millisecond))
	p.set(func(p *proxy) { p.hang = true })
	start := time.Now()
	_, err := c.Get(ctx, "/sensor/list-sensor-types", nil)
	if elapsed := time.Since(start); !errors.Is(err, context.DeadlineExceeded) || elapsed < 200*time.Millisecond || elapsed > 5*time.Second {
		t.Fatalf("per-request timeout: %v after %v", err, elapsed)
	}
	if n := p.count("/api/sensor/list-sensor-types"); n != 2 {
		t.Fatalf("%d attempts, want 2", n)
	}

	// The caller's deadline wins over the per-request timeout and stops the retries.
	c = loggedIn(t, p.URL+"/api", servicesdk.WithTimeout(time.Minute))
	dctx, cancel := context.WithTimeout(ctx, 150*time.Millisecond)
	defer cancel()
	start = time.Now()
	_, err = c.Post(dctx, "/sensor/list-sensors", map[string]any{}, nil)
	if elapsed := time.Since(start); !errors.Is(err, context.DeadlineExceeded) || elapsed > 5*time.Second {
		t.Fatalf("caller's deadline: %v after %v", err, elapsed)
	}
	if n := p.count("/api/sensor/list-sensors"); n != 1 {
		t.Fatalf("%d attempts after the deadline, want 1", n)
	}

	// A deadline during the backoff ends the wait, and the error tells both causes.
	p.set(func(p *proxy) { p.hang, p.fail503 = false, 100 })
	c = loggedIn(t, p.URL+"/api", servicesdk.WithRetry(5, time.Minute, time.Minute))
	dctx, cancel = context.WithTimeout(ctx, 150*time.Millisecond)
	defer cancel()
	start = time.Now()
	_, err = c.Get(dctx, "/model/list-models", nil)
	if elapsed := time.Since(start); !errors.Is(err, context.DeadlineExceeded) || servicesdk.StatusCode(err) != 503 || elapsed > 5*time.Second {
		t.Fatalf("deadline in the backoff: %v after %v", err, elapsed)
	}
}

// The client appends paths to the base URL as they are, so it works against the original backend,
// whose routes have no /api prefix: here a proxy without the prefix stands for the original.
func TestOriginalPathLayout(t *testing.T) {
	s := apitest.Start(t, handlers.Config{})
	original := newProxy(t, s.TS.URL+"/api") // serves /sensor/... by prepending /api
	c := loggedIn(t, original.URL)
	ctx := context.Background()
	sum, err := c.PostAll(ctx, ingressCalls("orig-1"))
	if err != nil || sum.Posted != 3 {
		t.Fatalf("%+v %v", sum, err)
	}
	if got := readingsOf(t, c, "orig-1", "Measure 1"); len(got) != 3 || got[0].Value != 5.0 {
		t.Fatalf("readings %+v", got)
	}
	want := []string{"/auth/login", "/sensor/insert-sensor-type", "/sensor/insert-sensor", "/sensor/insert-sensor-readings", "/sensor/sensor-readings"}
	if got := original.allPaths(); !slices.Equal(got, want) {
		t.Fatalf("paths at the original: %v, want %v", got, want)
	}
	if n := s.Count("/api/sensor/insert-sensor-readings"); n != 1 {
		t.Fatalf("%d readings inserts reached the API", n)
	}
}
