package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dtbase-go/dtbase/dbcore/dbtest"
)

// TestMain doubles as the server process of the tests below: with DT_TEST_CHILD=serve the test
// binary runs the handler, so tests and benchmarks talk to a real separate process over TCP.
func TestMain(m *testing.M) {
	if os.Getenv("DT_TEST_CHILD") == "serve" {
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
		err := run(ctx, []string{"serve"}, os.Getenv)
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, "handler:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	dbtest.Main(m)
}

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestConfig(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     map[string]string
		wantErr string
		check   func(t *testing.T, c config)
	}{
		{
			name:    "missing secret",
			env:     map[string]string{"DT_DATABASE_URL": "postgres://x@h/db"},
			wantErr: "DT_JWT_SECRET_KEY is not set",
		},
		{
			name:    "no database",
			env:     map[string]string{"DT_JWT_SECRET_KEY": "k"},
			wantErr: "no database configured",
		},
		{
			name:    "bad number",
			env:     map[string]string{"DT_JWT_SECRET_KEY": "k", "DT_DATABASE_URL": "postgres://x@h/db", "DT_JWT_ACCESS_TOKEN_EXPIRES_SECONDS": "soon"},
			wantErr: "DT_JWT_ACCESS_TOKEN_EXPIRES_SECONDS must be a non-negative integer",
		},
		{
			name: "original's DT_SQL settings: trimmed, password encoded once, database lower-cased",
			env: map[string]string{"DT_JWT_SECRET_KEY": "k", "DT_SQL_USER": " dt ", "DT_SQL_PASS": "p%@/ss",
				"DT_SQL_HOST": "db.example", "DT_SQL_PORT": "5433", "DT_SQL_DBNAME": "DTBase"},
			check: func(t *testing.T, c config) {
				if want := "postgres://dt:p%25%40%2Fss@db.example:5433/dtbase"; c.DatabaseURL != want {
					t.Errorf("DatabaseURL = %q, want %q", c.DatabaseURL, want)
				}
			},
		},
		{
			name: "timers run in-process outside the host unless disabled",
			env:  map[string]string{"DT_JWT_SECRET_KEY": "k", "DT_DATABASE_URL": "postgres://x@h/db"},
			check: func(t *testing.T, c config) {
				if !c.RunTimers {
					t.Error("RunTimers off outside the host")
				}
				c2, _ := loadConfig(env(map[string]string{"DT_JWT_SECRET_KEY": "k", "DT_DATABASE_URL": "postgres://x@h/db", "DT_DISABLE_TIMERS": "true"}), true)
				c3, _ := loadConfig(env(map[string]string{"DT_JWT_SECRET_KEY": "k", "DT_DATABASE_URL": "postgres://x@h/db", "FUNCTIONS_CUSTOMHANDLER_PORT": "1234"}), true)
				if c2.RunTimers || c3.RunTimers {
					t.Error("RunTimers on with DT_DISABLE_TIMERS=true or under the Functions host")
				}
			},
		},
		{
			name: "defaults and the Functions host's port",
			env:  map[string]string{"DT_JWT_SECRET_KEY": "k", "DT_DATABASE_URL": "postgres://x@h/db", "FUNCTIONS_CUSTOMHANDLER_PORT": "40123", "DT_PORT": "1"},
			check: func(t *testing.T, c config) {
				if c.Port != 40123 || c.ListenAddr != "127.0.0.1" || c.AccessTokenTTL != time.Hour ||
					c.RefreshTokenGrace != time.Hour || !c.AutoMigrate || c.ServiceTimeout != 30*time.Second {
					t.Errorf("config = %+v", c)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := loadConfig(env(tc.env), true)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, c)
		})
	}
}

func TestServeRefusesBadConfig(t *testing.T) {
	err := run(context.Background(), nil, env(map[string]string{"DT_DATABASE_URL": "postgres://x@h/db"}))
	if err == nil || !strings.Contains(err.Error(), "DT_JWT_SECRET_KEY") {
		t.Fatalf("run = %v, want a configuration error naming DT_JWT_SECRET_KEY", err)
	}
}

// server is a handler process started by the tests.
type server struct {
	cmd    *exec.Cmd
	base   string
	output *strings.Builder
	done   chan error
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startServer runs the handler in a child process with the given settings (plus a port and a JWT
// secret) and waits until it answers the host's readiness probe.
func startServer(t testing.TB, settings map[string]string) *server {
	t.Helper()
	port := freePort(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "DT_TEST_CHILD=serve", "FUNCTIONS_CUSTOMHANDLER_PORT="+strconv.Itoa(port),
		"DT_JWT_SECRET_KEY=bench-secret", "DT_LOG_LEVEL=warn")
	for k, v := range settings {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	s := &server{cmd: cmd, base: fmt.Sprintf("http://127.0.0.1:%d", port), output: &strings.Builder{}, done: make(chan error, 1)}
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			s.output.WriteString(sc.Text() + "\n")
		}
		s.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-s.done
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(s.base + "/")
		if err == nil {
			resp.Body.Close()
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not answer: %v\n%s", err, s.output)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitHealthy waits until start-up (migrations, default user) is done and health answers 200.
func (s *server) waitHealthy(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, body := getStatus(t, s.base+"/api/health")
		if code == 200 {
			return
		}
		if code != 503 || time.Now().After(deadline) {
			t.Fatalf("health = %d %s\n%s", code, body, s.output)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func getStatus(t testing.TB, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestServeBeforeDatabase: the readiness probe answers although the database is down, and health
// says so with 503.
func TestServeBeforeDatabase(t *testing.T) {
	s := startServer(t, map[string]string{"DT_DATABASE_URL": fmt.Sprintf("postgres://x@127.0.0.1:%d/none?connect_timeout=1", freePort(t))})
	if code, body := getStatus(t, s.base+"/"); code != 200 {
		t.Fatalf("GET / = %d %s", code, body)
	}
	if code, body := getStatus(t, s.base+"/api/health"); code != 503 || !strings.Contains(body, "unavailable") {
		t.Fatalf("GET /api/health = %d %s, want 503", code, body)
	}
}

// TestServeEndToEnd starts the handler on an empty database: it migrates, creates the default user,
// serves the API, and drains and exits cleanly on SIGTERM.
func TestServeEndToEnd(t *testing.T) {
	url := dbtest.NewEmptyURL(t)
	s := startServer(t, map[string]string{"DT_DATABASE_URL": url, "DT_DEFAULT_USER_PASS": "pa55", "DT_LOG_LEVEL": "info"})
	s.waitHealthy(t)
	token := login(t, s.base, "default_user@localhost", "pa55")
	req, _ := http.NewRequest("GET", s.base+"/api/user/list-users", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("X-Azure-Functions-InvocationId", "3f9c1d2e-inv")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var users []string
	json.NewDecoder(resp.Body).Decode(&users)
	resp.Body.Close()
	if len(users) != 1 || users[0] != "default_user@localhost" {
		t.Fatalf("list-users = %v", users)
	}
	if code, body := getStatus(t, s.base+"/api/docs"); code != 200 || !strings.Contains(body, "openapi.json") {
		t.Fatalf("docs = %d %s", code, body)
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, s.output)
		}
		s.done <- nil // for the cleanup
	case <-time.After(10 * time.Second):
		t.Fatal("no exit after SIGTERM")
	}
	if !strings.Contains(s.output.String(), `"path":"/api/user/list-users","status":200`) ||
		!strings.Contains(s.output.String(), `"invocation_id":"3f9c1d2e-inv"`) {
		t.Errorf("no request log line with the invocation id:\n%s", s.output)
	}
	if strings.Contains(s.output.String(), token) || strings.Contains(s.output.String(), "pa55") {
		t.Error("a token or password reached the log")
	}
}

func login(t testing.TB, base, email, password string) string {
	t.Helper()
	body := fmt.Sprintf(`{"email":%q,"password":%q}`, email, password)
	resp, err := http.Post(base+"/api/auth/login", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tk struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tk); err != nil || resp.StatusCode != 200 {
		t.Fatalf("login: %d %v", resp.StatusCode, err)
	}
	return tk.AccessToken
}

func TestMigrateCommand(t *testing.T) {
	url := dbtest.NewEmptyURL(t)
	getenv := env(map[string]string{"DT_DATABASE_URL": url})
	if err := run(context.Background(), []string{"migrate", "up"}, getenv); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"migrate", "status"}, getenv); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"migrate", "sideways"}, getenv); err == nil {
		t.Fatal("unknown migrate subcommand accepted")
	}
}

// TestShutdownDrainsRequests: SIGTERM while a request is in flight lets it finish, then exits 0.
func TestShutdownDrainsRequests(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Second)
		w.Write([]byte(`{"done":true}`))
	}))
	defer slow.Close()
	s := startServer(t, map[string]string{"DT_DATABASE_URL": dbtest.NewEmptyURL(t), "DT_DEFAULT_USER_PASS": "pw"})
	s.waitHealthy(t)
	token := login(t, s.base, "default_user@localhost", "pw")
	post := func(path, body string) (int, string) {
		req, _ := http.NewRequest("POST", s.base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(data)
	}
	if code, body := post("/api/service/insert-service", fmt.Sprintf(`{"name":"slow","url":%q,"http_method":"GET"}`, slow.URL)); code != 201 {
		t.Fatalf("insert-service: %d %s", code, body)
	}
	type answer struct {
		code int
		body string
	}
	done := make(chan answer, 1)
	go func() {
		code, body := post("/api/service/run-service", `{"service_name":"slow"}`)
		done <- answer{code, body}
	}()
	time.Sleep(300 * time.Millisecond)
	s.cmd.Process.Signal(syscall.SIGTERM)
	got := <-done
	if got.code != 200 {
		t.Fatalf("in-flight request: %d %s", got.code, got.body)
	}
	select {
	case err := <-s.done:
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, s.output)
		}
		s.done <- nil
	case <-time.After(10 * time.Second):
		t.Fatal("no exit after SIGTERM")
	}
}
