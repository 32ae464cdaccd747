package handlers

import (
	"context"
	_ "embed"
	"net/http"
	"time"
)

func (s *Server) health(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, struct {
			Status   string `json:"status"`
			Database string `json:"database"`
			Detail   string `json:"detail"`
		}{"unavailable", "unreachable", "Database unavailable"})
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
