package handlers

import (
	"context"
	_ "embed"
	"net/http"
	"time"
)

// health answers 200 when the database answers and start-up is done, 503 otherwise. It never waits
// for start-up, so it shows why a starting instance is not serving yet.
func (s *Server) health(w http.ResponseWriter, r *http.Request) error {
	type unhealthy struct {
		Status   string `json:"status"`
		Database string `json:"database"`
		Detail   string `json:"detail"`
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, unhealthy{"unavailable", "unreachable", "Database unavailable"})
		return nil
	}
	select {
	case <-s.ready:
	default:
		writeJSON(w, http.StatusServiceUnavailable, unhealthy{"starting", "ok", "Applying migrations; try again shortly"})
		return nil
	}
	writeJSON(w, http.StatusOK, struct {
		Status   string `json:"status"`
		Database string `json:"database"`
	}{"ok", "ok"})
	return nil
}

//go:embed openapi.json
var openAPIDocument []byte

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openAPIDocument) //nolint:errcheck
	return nil
}

//go:embed docs.html
var docsPage []byte

func (s *Server) docs(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(docsPage) //nolint:errcheck
	return nil
}
