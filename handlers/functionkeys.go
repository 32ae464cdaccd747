package handlers

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"
)

// keyOrToken runs an on-demand function for a caller with the function's key (run-service calls
// services without a token, so the key travels in the URL as ?code=, as Azure function keys do) or
// with an access token.
func (s *Server) keyOrToken(w http.ResponseWriter, r *http.Request, name string, run handlerFunc) error {
	if s.hasFunctionKey(r, name) {
		return run(w, r)
	}
	s.requireAccess(s.handle(run), false).ServeHTTP(w, r)
	return nil
}

// functionKey is the key that lets a caller without a token (run-service) run a function:
// derived from the token signing key, so it needs no setting of its own and changes with it.
func (s *Server) functionKey(name string) string {
	mac := hmac.New(sha256.New, s.cfg.JWTSecret)
	mac.Write([]byte("dtbase function key\x00" + name))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// hasFunctionKey reports whether the request carries the function's key, in the code query
// parameter (as Azure function keys travel) or the x-functions-key header.
func (s *Server) hasFunctionKey(r *http.Request, name string) bool {
	if len(s.cfg.JWTSecret) == 0 {
		return false
	}
	given := r.URL.Query().Get("code")
	if given == "" {
		given = r.Header.Get("x-functions-key")
	}
	want := s.functionKey(name)
	return given != "" && subtle.ConstantTimeCompare([]byte(given), []byte(want)) == 1
}

// keyedFunctions are the functions that accept their function key instead of a token, by name,
// with their paths under /api; /api/forecast/function-keys lists them.
var keyedFunctions = map[string]string{"arima": "/forecast/arima", "hodmd": "/forecast/hodmd", "ingress_weather": "/ingress/weather"}

// functionKeyJSON tells an admin how to call a function without a token.
type functionKeyJSON struct {
	Path string `json:"path"`
	Code string `json:"code"`
	URL  string `json:"url"`
}

// forecastFunctionKeys gives admins the keys and URLs of the functions that take one (the model
// functions and any other in keyedFunctions), to register them as services.
func (s *Server) forecastFunctionKeys(w http.ResponseWriter, r *http.Request) error {
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	host := r.Header.Get("X-Forwarded-Host")
	if host == "" {
		host = r.Host
	}
	out := map[string]functionKeyJSON{}
	for name, route := range keyedFunctions {
		path := apiPrefix + route
		code := s.functionKey(name)
		out[name] = functionKeyJSON{Path: path, Code: code, URL: scheme + "://" + host + path + "?code=" + code}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
