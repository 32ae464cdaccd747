package servicesdk

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"unicode/utf8"
)

// Sentinel errors that an *APIError matches with errors.Is, by status code.
var (
	ErrBadRequest   = errors.New("bad request")  // 400
	ErrUnauthorized = errors.New("unauthorized") // 401
	ErrNotFound     = errors.New("not found")    // 404
	ErrConflict     = errors.New("conflict")     // 409: the object exists already
)

// ErrNotLoggedIn is returned by requests made before Login (and without WithCredentials).
var ErrNotLoggedIn = errors.New("servicesdk: not logged in (call Login or use WithCredentials)")

// APIError is a response of the backend with a status of 400 or more.
type APIError struct {
	// Status is the HTTP status code.
	Status int
	// Detail is the "detail" member of a JSON error body: a string for errors the backend raises
	// itself, a list of validation errors for 422. It is nil when the body has no detail (the
	// original answers some errors with a plain-text body).
	Detail any
	// Body is the raw response body.
	Body []byte
}

func newAPIError(status int, body []byte) *APIError {
	e := &APIError{Status: status, Body: body}
	var d struct {
		Detail any `json:"detail"`
	}
	if json.Unmarshal(body, &d) == nil {
		e.Detail = d.Detail
	}
	return e
}

// Error describes the status and the detail, or the start of the body when there is no detail.
func (e *APIError) Error() string {
	msg := fmt.Sprintf("status %d %s", e.Status, http.StatusText(e.Status))
	var text string
	switch d := e.Detail.(type) {
	case nil:
		text = string(e.Body)
	case string:
		text = d
	default:
		b, _ := json.Marshal(d)
		text = string(b)
	}
	if text != "" {
		msg += ": " + truncate(text, 300)
	}
	return msg
}

// Is reports whether target is the sentinel error for e's status (ErrConflict for 409 and so on).
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrBadRequest:
		return e.Status == http.StatusBadRequest
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	case ErrConflict:
		return e.Status == http.StatusConflict
	}
	return false
}

// IsConflict reports whether err comes from a 409 answer ("exists already").
func IsConflict(err error) bool { return errors.Is(err, ErrConflict) }

// IsNotFound reports whether err comes from a 404 answer. The backend uses 404 only for unknown
// paths; objects that do not exist give 400 (IsBadRequest).
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// IsUnauthorized reports whether err comes from a 401 answer.
func IsUnauthorized(err error) bool { return errors.Is(err, ErrUnauthorized) }

// IsBadRequest reports whether err comes from a 400 answer.
func IsBadRequest(err error) bool { return errors.Is(err, ErrBadRequest) }

// StatusCode returns the HTTP status of the *APIError in err's chain, or 0 when there is none
// (for example a network error).
func StatusCode(err error) int {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status
	}
	return 0
}

// CallError is returned by PostAll when a call fails with anything but 409.
type CallError struct {
	Index int    // position of the failed call in the list, from 0
	Total int    // number of calls in the list
	Path  string // the call's endpoint path
	Err   error  // the failure, usually wrapping an *APIError
}

func (e *CallError) Error() string {
	return fmt.Sprintf("call %d of %d failed: %v", e.Index+1, e.Total, e.Err)
}

// Unwrap returns the underlying failure.
func (e *CallError) Unwrap() error { return e.Err }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
