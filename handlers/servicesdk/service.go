package servicesdk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Call is one backend call of a service: a POST of Payload, as JSON, to Path (relative to the
// client's base URL, e.g. "/sensor/insert-sensor"). A nil Payload sends no body.
type Call struct {
	Path    string
	Payload any
}

// Result is the outcome of one call of PostAll.
type Result struct {
	Path   string `json:"path"`
	Status int    `json:"status"` // 0 when no answer came
}

// Summary reports what PostAll did.
type Summary struct {
	Calls     int      `json:"calls"`     // number of calls in the list
	Posted    int      `json:"posted"`    // calls answered with 2xx
	Conflicts int      `json:"conflicts"` // calls answered with 409 ("exists already"), tolerated
	Results   []Result `json:"results"`   // one per call made, in order
}

// PostAll posts the calls in order, as the original's BaseService does, treating 409 as "exists
// already": such calls are counted in Summary.Conflicts and do not stop the list. It stops at the
// first other failure and returns a *CallError naming that call, with the summary so far.
func (c *Client) PostAll(ctx context.Context, calls []Call) (Summary, error) {
	sum := Summary{Calls: len(calls), Results: make([]Result, 0, len(calls))}
	for i, call := range calls {
		status, err := c.Post(ctx, call.Path, call.Payload, nil)
		sum.Results = append(sum.Results, Result{Path: call.Path, Status: status})
		switch {
		case err == nil:
			sum.Posted++
			c.log.Info("servicesdk: posted", "path", call.Path, "status", status)
		case IsConflict(err):
			sum.Conflicts++
			c.log.Info("servicesdk: exists already", "path", call.Path, "err", err)
		default:
			c.log.Warn("servicesdk: call failed", "path", call.Path, "err", err)
			return sum, &CallError{Index: i, Total: len(calls), Path: call.Path, Err: err}
		}
	}
	return sum, nil
}

// Producer computes a service's calls from its parameters: the counterpart of the original's
// get_service_data. Ingresses and models are both Producers; a model typically produces
// ModelCalls. P is the type the parameters are decoded into (a struct, or map[string]any).
type Producer[P any] interface {
	Produce(ctx context.Context, params P) ([]Call, error)
}

// ProducerFunc adapts a function to Producer.
type ProducerFunc[P any] func(ctx context.Context, params P) ([]Call, error)

// Produce calls f.
func (f ProducerFunc[P]) Produce(ctx context.Context, params P) ([]Call, error) {
	return f(ctx, params)
}

// Run produces the calls and posts them in order with PostAll: the counterpart of calling an
// original service object. Like the original it produces before it posts, so nothing is posted
// when Produce fails.
func Run[P any](ctx context.Context, c *Client, p Producer[P], params P) (Summary, error) {
	calls, err := p.Produce(ctx, params)
	if err != nil {
		return Summary{}, fmt.Errorf("produce service data: %w", err)
	}
	return c.PostAll(ctx, calls)
}

// InvalidParams marks err as a problem with the parameters: Handler answers it with 400 rather
// than 500. Producers return it for parameters they reject.
func InvalidParams(err error) error { return &paramsError{err} }

type paramsError struct{ err error }

func (e *paramsError) Error() string { return "invalid parameters: " + e.err.Error() }
func (e *paramsError) Unwrap() error { return e.err }

// maxParamsBytes bounds the request body that Handler reads.
const maxParamsBytes = 16 << 20

// handlerAnswer is Handler's JSON answer: a detail, as the backend's own answers have, and the
// summary.
type handlerAnswer struct {
	Detail string `json:"detail"`
	Summary
}

// Handler returns an http.Handler that runs the service for each POST, so that the service can be
// registered with the backend (POST /service/insert-service, http_method POST) and started by
// /service/run-service. The request body, the run's parameters, is decoded into P; an empty body
// or JSON null gives the zero P. The handler then produces and posts as Run does, and answers:
//
//   - 200 with {"detail":"...","calls":..,"posted":..,"conflicts":..,"results":[..]} on success;
//   - 400 {"detail":...} when the body does not decode into P or Produce returns InvalidParams;
//   - 500 {"detail":...} when Produce fails otherwise;
//   - 502 {"detail":...,"calls":..,...} when a backend call fails (see PostAll);
//   - 405 for methods other than POST.
//
// The answer is always a JSON object, which the backend's run log stores as response_json. The
// backend waits for the answer (this platform up to its service timeout, 30 s by default; the
// original without limit), so a service should finish well within that.
func Handler[P any](c *Client, p Producer[P]) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeAnswer(w, http.StatusMethodNotAllowed, handlerAnswer{Detail: "Method Not Allowed"})
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxParamsBytes))
		if err != nil {
			writeAnswer(w, http.StatusBadRequest, handlerAnswer{Detail: "read parameters: " + err.Error()})
			return
		}
		var params P
		if text := strings.TrimSpace(string(body)); text != "" && text != "null" {
			if err := json.Unmarshal(body, &params); err != nil {
				writeAnswer(w, http.StatusBadRequest, handlerAnswer{Detail: "invalid parameters: " + err.Error()})
				return
			}
		}
		calls, err := p.Produce(r.Context(), params)
		if err != nil {
			status := http.StatusInternalServerError
			var pe *paramsError
			if errors.As(err, &pe) {
				status = http.StatusBadRequest
			}
			writeAnswer(w, status, handlerAnswer{Detail: "produce service data: " + err.Error()})
			return
		}
		sum, err := c.PostAll(r.Context(), calls)
		if err != nil {
			writeAnswer(w, http.StatusBadGateway, handlerAnswer{Detail: err.Error(), Summary: sum})
			return
		}
		detail := fmt.Sprintf("Service ran: %d calls, %d posted, %d existed already", sum.Calls, sum.Posted, sum.Conflicts)
		writeAnswer(w, http.StatusOK, handlerAnswer{Detail: detail, Summary: sum})
	})
}

func writeAnswer(w http.ResponseWriter, status int, a handlerAnswer) {
	if a.Results == nil {
		a.Results = []Result{}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(a)
}
