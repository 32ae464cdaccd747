// Package apitest starts the real API server in-process, on a fresh database, for the tests of
// servicesdk and of its example. Callers' TestMain must call dbtest.Main.
package apitest

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/dtbase-go/dtbase/dbcore"
	"github.com/dtbase-go/dtbase/dbcore/dbtest"
	"github.com/dtbase-go/dtbase/handlers"
)

// The user that Start creates.
const (
	Email    = "sdk@test.com"
	Password = "sdk-password"
)

// Server is a running API server.
type Server struct {
	Srv     *handlers.Server
	DB      *dbcore.DB
	TS      *httptest.Server
	BaseURL string // TS.URL + "/api"

	mu    sync.Mutex
	paths []string
}

// Start serves the API on a fresh database holding the user Email/Password. Zero fields of cfg get
// test defaults (secret "k", one-hour tokens).
func Start(t testing.TB, cfg handlers.Config) *Server {
	t.Helper()
	ctx := context.Background()
	db, err := dbcore.Open(ctx, dbtest.NewURL(t), dbcore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	hash, err := bcrypt.GenerateFromPassword([]byte(Password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateUser(ctx, Email, hash); err != nil {
		t.Fatal(err)
	}
	if cfg.JWTSecret == nil {
		cfg.JWTSecret = []byte("k")
	}
	if cfg.AccessTokenTTL == 0 {
		cfg.AccessTokenTTL = time.Hour
	}
	if cfg.RefreshTokenGrace == 0 {
		cfg.RefreshTokenGrace = time.Hour
	}
	if cfg.ServiceTimeout == 0 {
		cfg.ServiceTimeout = 10 * time.Second
	}
	srv := handlers.New(db, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	s := &Server{Srv: srv, DB: db}
	routes := srv.Routes()
	s.TS = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.paths = append(s.paths, r.URL.Path)
		s.mu.Unlock()
		routes.ServeHTTP(w, r)
	}))
	t.Cleanup(s.TS.Close)
	s.BaseURL = s.TS.URL + "/api"
	return s
}

// Count returns how many requests the server has received for path (e.g. "/api/auth/refresh").
func (s *Server) Count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, p := range s.paths {
		if p == path {
			n++
		}
	}
	return n
}

// Paths returns the paths of all requests received so far, in order.
func (s *Server) Paths() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.paths...)
}
