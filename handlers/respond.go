package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/dtbase-go/dtbase/dbcore"
)

// apiError is an error answered with its status and {"detail": detail}.
type apiError struct {
	status int
	detail string
	header http.Header
}

func (e *apiError) Error() string { return e.detail }

func badRequest(detail string) error { return &apiError{status: http.StatusBadRequest, detail: detail} }

func conflict(detail string) error { return &apiError{status: http.StatusConflict, detail: detail} }

// handlerFunc is an endpoint: it writes its success response itself and returns any error to
// the adapter, which alone turns errors into responses.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// handle adapts a handlerFunc to http.HandlerFunc, answering errors by kind.
func (s *Server) handle(f handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := f(w, r); err != nil {
			s.writeError(w, r, err)
		}
	}
}

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var aborted errAbortResponse
	if errors.As(err, &aborted) {
		s.log.ErrorContext(r.Context(), "response aborted", "err", err, "path", r.URL.Path, "invocation_id", invocationID(r))
		panic(http.ErrAbortHandler)
	}
	var ae *apiError
	var ve validationError
	switch {
	case errors.As(err, &ae):
		for k, v := range ae.header {
			w.Header()[k] = v
		}
		writeJSON(w, ae.status, detail{ae.detail})
	case errors.As(err, &ve):
		writeJSON(w, http.StatusUnprocessableEntity, struct {
			Detail validationError `json:"detail"`
		}{ve})
	default:
		if de, ok := dbcore.AsError(err); ok {
			status := http.StatusBadRequest
			switch de.Kind {
			case dbcore.KindConflict:
				status = http.StatusConflict
			case dbcore.KindUnavailable:
				status = http.StatusServiceUnavailable
				s.log.WarnContext(r.Context(), "database unavailable", "err", err, "invocation_id", invocationID(r))
			}
			writeJSON(w, status, detail{de.Detail})
			return
		}
		if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
			return // the client went away; nobody reads an answer
		}
		s.log.ErrorContext(r.Context(), "internal error", "err", err, "path", r.URL.Path, "invocation_id", invocationID(r))
		writeJSON(w, http.StatusInternalServerError, detail{"Internal server error"})
	}
}

// detail is the body of every message response: {"detail": "..."}.
type detail struct {
	Detail string `json:"detail"`
}

// writeJSON writes v compactly with HTML escaping off, as the original's encoder does.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		slog.Error("encode response", "err", err)
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"detail":"Internal server error"}`)
	}
	body := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body) //nolint:errcheck // nothing to do when the client has gone
}

// writeDetail answers with {"detail": msg}.
func writeDetail(w http.ResponseWriter, status int, msg string) { writeJSON(w, status, detail{msg}) }

// errAbortResponse is an error after the response has started: the adapter can only log it and cut
// the connection.
type errAbortResponse struct{ err error }

func (e errAbortResponse) Error() string { return "response aborted: " + e.err.Error() }
func (e errAbortResponse) Unwrap() error { return e.err }
