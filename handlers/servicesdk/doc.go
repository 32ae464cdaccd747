// Package servicesdk helps to write DTBase services (ingresses and models) in Go.
//
// A DTBase service computes an ordered list of backend calls, each an endpoint path and a JSON
// payload, and posts them to the backend in order. This package is the Go counterpart of the
// original Python base classes in dtbase/services/base.py:
//
//	Python (original)                      Go (this package)
//	BaseService / BaseIngress / BaseModel  any type implementing Producer
//	get_service_data(**kwargs)             Producer.Produce(ctx, params) ([]Call, error)
//	post_service_data(pairs, email, pw)    Client.PostAll(ctx, calls)
//	service(**kwargs)  (__call__)          Run(ctx, client, producer, params)
//	Azure Function wrapping a service      Handler(client, producer), an http.Handler
//
// Unlike the original, the Client
//
//   - renews its access token before it expires (refresh via /auth/refresh, and a new login with
//     the stored credentials when the refresh token is rejected), and once more after an
//     unexpected 401;
//   - retries network errors and 5xx answers with exponential backoff and jitter, a bounded number
//     of times, never retrying 4xx answers. POSTs are retried too: the API's inserts are idempotent
//     (readings that exist already are skipped) or answer 409, which PostAll tolerates;
//   - bounds each HTTP attempt with a timeout (DefaultTimeout unless configured) and respects ctx;
//   - reports failures as *APIError values that errors.Is can match against ErrConflict,
//     ErrNotFound, ErrUnauthorized and ErrBadRequest;
//   - treats 409 as "already exists": PostAll counts it and goes on, and stops at the first other
//     failure with a *CallError naming the call (the original logged every failure and went on).
//
// # Base URL
//
// Paths such as "/sensor/insert-sensor" are appended to the base URL as they are, so the same
// client works against both backends: http://localhost:7071/api for this platform (its routes live
// under /api) and http://localhost:5000 for the original Python backend. The base URL comes from
// WithBaseURL, else from the DT_BACKEND_URL environment variable, else DefaultBaseURL.
//
// # Use
//
//	c, err := servicesdk.New() // DT_BACKEND_URL
//	if err != nil { ... }
//	email, password, err := servicesdk.CredentialsFromEnv()
//	if err != nil { ... }
//	if err := c.Login(ctx, email, password); err != nil { ... }
//	sum, err := servicesdk.Run(ctx, c, myIngress, params)
//
// or, to deploy the service as an HTTP endpoint that the backend's /service/run-service calls
// (register it with http_method POST):
//
//	http.ListenAndServe(addr, servicesdk.Handler(c, myIngress))
//
// A producer that needs data from the backend (a model reading its training data, say) keeps a
// *Client in its own struct and calls Client.Post or Client.Get from Produce.
//
// # Floats
//
// The original backend rejects an integer literal such as 290 for a float measure; this platform
// accepts it. The payload helpers therefore encode float values with the Float type, which always
// writes a decimal point or an exponent (290.0, 1e-07), so that payloads work with both backends.
// Use Float (or Floats) in your own payload structs for float measures.
//
// # Differences between the backends
//
// Against the original backend a duplicate model measure gives 500, not 409, so re-running a model
// that posts /model/insert-model-measure fails there (after the retries) while it succeeds here.
// The original also answers 500 to many other domain errors that this platform answers with 400.
package servicesdk
