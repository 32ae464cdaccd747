package servicesdk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Defaults of a Client.
const (
	// DefaultBaseURL is used when neither WithBaseURL nor DT_BACKEND_URL gives one. It is the
	// original backend's default address; this platform's is http://localhost:7071/api.
	DefaultBaseURL = "http://localhost:5000"
	// DefaultTimeout bounds each HTTP attempt.
	DefaultTimeout = 30 * time.Second
	// DefaultMaxAttempts is the number of attempts per request, the first one included.
	DefaultMaxAttempts = 4
	// DefaultMinBackoff and DefaultMaxBackoff bound the delay before a retry.
	DefaultMinBackoff = 250 * time.Millisecond
	DefaultMaxBackoff = 8 * time.Second
	// DefaultRefreshMargin: the access token is renewed when less than this is left before it
	// expires.
	DefaultRefreshMargin = 60 * time.Second
)

// maxResponseBytes bounds the size of a response body that is read.
const maxResponseBytes = 256 << 20

// Client calls the DTBase backend API. It keeps the tokens of one user and renews them; it is safe
// for concurrent use. Build one with New.
type Client struct {
	base       string
	hc         *http.Client
	timeout    time.Duration
	attempts   int
	minBackoff time.Duration
	maxBackoff time.Duration
	margin     time.Duration
	now        func() time.Time
	log        *slog.Logger

	// sem is a one-slot semaphore guarding the fields below. It is a channel so that waiting for
	// it respects the caller's context while another goroutine renews the token.
	sem             chan struct{}
	hasCredentials  bool
	email, password string
	access, refresh string
	exp             time.Time // expiry of access; zero when unknown
}

// Option configures a Client.
type Option func(*Client)

// WithBaseURL sets the backend's base URL, e.g. http://localhost:7071/api (this platform) or
// http://localhost:5000 (the original). It overrides DT_BACKEND_URL.
func WithBaseURL(u string) Option { return func(c *Client) { c.base = u } }

// WithHTTPClient sets the HTTP client that sends the requests (http.DefaultClient otherwise).
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// WithTimeout bounds each HTTP attempt, including reading the response; 0 means no bound beyond
// the caller's context.
func WithTimeout(d time.Duration) Option { return func(c *Client) { c.timeout = d } }

// WithRetry sets the number of attempts per request (the first one included; 1 disables retries)
// and the bounds of the backoff delay, which doubles from minBackoff up to maxBackoff, with
// jitter.
func WithRetry(attempts int, minBackoff, maxBackoff time.Duration) Option {
	return func(c *Client) {
		c.attempts, c.minBackoff, c.maxBackoff = max(attempts, 1), minBackoff, max(maxBackoff, minBackoff)
	}
}

// WithRefreshMargin sets how long before its expiry the access token is renewed.
func WithRefreshMargin(d time.Duration) Option { return func(c *Client) { c.margin = d } }

// WithClock sets the clock compared with the tokens' expiry, for tests.
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// WithLogger sets the logger for retries, renewals and PostAll's calls (nothing is logged
// otherwise).
func WithLogger(l *slog.Logger) Option { return func(c *Client) { c.log = l } }

// WithCredentials stores the credentials without logging in: the client logs in on its first
// request. It suits long-running services that may start before the backend.
func WithCredentials(email, password string) Option {
	return func(c *Client) { c.email, c.password, c.hasCredentials = email, password, true }
}

// New returns a Client. The base URL comes from WithBaseURL, else DT_BACKEND_URL, else
// DefaultBaseURL.
func New(opts ...Option) (*Client, error) {
	c := &Client{
		base:       os.Getenv(EnvBackendURL),
		hc:         http.DefaultClient,
		timeout:    DefaultTimeout,
		attempts:   DefaultMaxAttempts,
		minBackoff: DefaultMinBackoff,
		maxBackoff: DefaultMaxBackoff,
		margin:     DefaultRefreshMargin,
		now:        time.Now,
		log:        slog.New(slog.DiscardHandler),
		sem:        make(chan struct{}, 1),
	}
	for _, o := range opts {
		o(c)
	}
	if c.base == "" {
		c.base = DefaultBaseURL
	}
	u, err := url.Parse(c.base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("servicesdk: invalid base URL %q: want http(s)://host[:port][/prefix]", c.base)
	}
	c.base = strings.TrimRight(c.base, "/")
	return c, nil
}

// BaseURL returns the base URL that paths are appended to.
func (c *Client) BaseURL() string { return c.base }

// Login logs in with POST {base}/auth/login and stores the credentials, so that the client can
// log in again when its refresh token is rejected.
func (c *Client) Login(ctx context.Context, email, password string) error {
	if err := c.lock(ctx); err != nil {
		return err
	}
	defer c.unlock()
	c.email, c.password, c.hasCredentials = email, password, true
	return c.loginLocked(ctx)
}

// Get sends GET {base}{path} and decodes a JSON answer into out (unless out is nil). It returns the
// status; answers of 400 and more give an error wrapping an *APIError.
func (c *Client) Get(ctx context.Context, path string, out any) (int, error) {
	return c.Do(ctx, http.MethodGet, path, nil, out)
}

// Post sends payload as JSON to {base}{path} (no body when payload is nil) and decodes a JSON
// answer into out (unless out is nil). It returns the status; answers of 400 and more give an
// error wrapping an *APIError.
func (c *Client) Post(ctx context.Context, path string, payload, out any) (int, error) {
	return c.Do(ctx, http.MethodPost, path, payload, out)
}

// Do sends an authenticated request with a JSON payload (none when payload is nil) and decodes a
// JSON answer into out (unless out is nil). Network errors and 5xx answers are retried; a 401
// renews the token once and tries again. It returns the final status (0 when no answer came) and,
// for answers of 400 and more, an error wrapping an *APIError.
func (c *Client) Do(ctx context.Context, method, path string, payload, out any) (int, error) {
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	fail := func(status int, err error) (int, error) { return status, fmt.Errorf("%s %s: %w", method, path, err) }
	var body []byte
	if payload != nil {
		var err error
		if body, err = json.Marshal(payload); err != nil {
			return fail(0, fmt.Errorf("encode payload: %w", err))
		}
	}
	token, err := c.token(ctx)
	if err != nil {
		return fail(0, err)
	}
	status, resp, err := c.send(ctx, method, path, body, token)
	if IsUnauthorized(err) {
		// The token may have been rejected for a reason the client cannot see (clock skew, a
		// server restarted with tokens of shorter life): renew it once.
		renewed, rerr := c.renew(ctx, token)
		if rerr != nil {
			return fail(status, fmt.Errorf("%w (renewing the token failed: %v)", err, rerr))
		}
		status, resp, err = c.send(ctx, method, path, body, renewed)
	}
	if err != nil {
		return fail(status, err)
	}
	if out != nil && len(bytes.TrimSpace(resp)) > 0 {
		if err := json.Unmarshal(resp, out); err != nil {
			return fail(status, fmt.Errorf("decode response: %w", err))
		}
	}
	return status, nil
}

func (c *Client) lock(ctx context.Context) error {
	select {
	case c.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *Client) unlock() { <-c.sem }

// token returns an access token, logging in or renewing it first when needed.
func (c *Client) token(ctx context.Context) (string, error) {
	if err := c.lock(ctx); err != nil {
		return "", err
	}
	defer c.unlock()
	if c.access == "" {
		if !c.hasCredentials {
			return "", ErrNotLoggedIn
		}
		if err := c.loginLocked(ctx); err != nil {
			return "", err
		}
		return c.access, nil
	}
	now := c.now()
	if c.exp.IsZero() || now.Add(c.margin).Before(c.exp) {
		return c.access, nil
	}
	if err := c.renewLocked(ctx); err != nil {
		if now.Before(c.exp) {
			// The old token still works for a while: use it, and try again next time.
			c.log.Warn("servicesdk: renewing the access token failed; using the current one", "err", err)
			return c.access, nil
		}
		return "", err
	}
	return c.access, nil
}

// renew renews the token after stale was rejected, unless another goroutine did so meanwhile.
func (c *Client) renew(ctx context.Context, stale string) (string, error) {
	if err := c.lock(ctx); err != nil {
		return "", err
	}
	defer c.unlock()
	if c.access != stale && c.access != "" {
		return c.access, nil
	}
	if err := c.renewLocked(ctx); err != nil {
		return "", err
	}
	return c.access, nil
}

// renewLocked refreshes the tokens, or logs in again when there is no refresh token or it is
// rejected with 401.
func (c *Client) renewLocked(ctx context.Context) error {
	if c.refresh != "" {
		_, resp, err := c.send(ctx, http.MethodPost, "/auth/refresh", nil, c.refresh)
		if err == nil {
			return c.setTokens(resp)
		}
		if !IsUnauthorized(err) || !c.hasCredentials {
			return fmt.Errorf("refresh token: %w", err)
		}
		c.log.Info("servicesdk: refresh token rejected; logging in again", "err", err)
	}
	if !c.hasCredentials {
		return ErrNotLoggedIn
	}
	return c.loginLocked(ctx)
}

func (c *Client) loginLocked(ctx context.Context) error {
	body, err := json.Marshal(map[string]string{"email": c.email, "password": c.password})
	if err != nil {
		return err
	}
	_, resp, err := c.send(ctx, http.MethodPost, "/auth/login", body, "")
	if err != nil {
		return fmt.Errorf("log in as %s: %w", c.email, err)
	}
	if err := c.setTokens(resp); err != nil {
		return fmt.Errorf("log in as %s: %w", c.email, err)
	}
	return nil
}

// setTokens stores the tokens of a login or refresh answer.
func (c *Client) setTokens(resp []byte) error {
	var tk struct {
		Access  string `json:"access_token"`
		Refresh string `json:"refresh_token"`
	}
	if err := json.Unmarshal(resp, &tk); err != nil {
		return fmt.Errorf("decode tokens: %w", err)
	}
	if tk.Access == "" {
		return errors.New("the answer has no access_token")
	}
	c.access, c.refresh, c.exp = tk.Access, tk.Refresh, tokenExpiry(tk.Access)
	return nil
}

// tokenExpiry reads the exp claim of a JWT without verifying it; zero when there is none.
func tokenExpiry(token string) time.Time {
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(token, claims); err != nil {
		return time.Time{}
	}
	exp, err := claims.GetExpirationTime()
	if err != nil || exp == nil {
		return time.Time{}
	}
	return exp.Time
}

// send sends one request, retrying network errors and 5xx answers. Answers of 400 and more give an
// *APIError.
func (c *Client) send(ctx context.Context, method, path string, body []byte, token string) (int, []byte, error) {
	for attempt := 1; ; attempt++ {
		status, resp, err := c.attempt(ctx, method, c.base+path, body, token)
		if err == nil && status < 500 {
			if status >= 400 {
				return status, resp, newAPIError(status, resp)
			}
			return status, resp, nil
		}
		if err == nil {
			err = newAPIError(status, resp)
		}
		if ctx.Err() != nil {
			return status, nil, err
		}
		if attempt >= c.attempts {
			if attempt > 1 {
				err = fmt.Errorf("after %d attempts: %w", attempt, err)
			}
			return status, nil, err
		}
		delay := c.backoff(attempt)
		c.log.Warn("servicesdk: retrying", "method", method, "path", path, "attempt", attempt, "delay", delay, "err", err)
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return status, nil, fmt.Errorf("%w (after %d attempts, the last: %w)", ctx.Err(), attempt, err)
		case <-t.C:
		}
	}
}

// attempt sends one HTTP request and reads the whole answer within the per-attempt timeout.
func (c *Client) attempt(ctx context.Context, method, u string, body []byte, token string) (int, []byte, error) {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, maxResponseBytes))
	if err != nil {
		return 0, nil, fmt.Errorf("read the answer: %w", err)
	}
	return res.StatusCode, data, nil
}

// backoff returns the delay before retry number attempt (from 1): minBackoff doubled attempt-1
// times, capped at maxBackoff, with "equal jitter" (a random delay between half and all of it).
func (c *Client) backoff(attempt int) time.Duration {
	d := c.minBackoff
	for i := 1; i < attempt && d < c.maxBackoff; i++ {
		d *= 2
	}
	d = min(d, c.maxBackoff)
	if d <= 0 {
		return 0
	}
	half := d / 2
	return half + rand.N(d-half+1)
}
