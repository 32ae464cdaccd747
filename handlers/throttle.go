package handlers

import (
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// loginThrottle slows password guessing: each email and each client address has a bucket of
// failed-login allowances that refills slowly. With a bucket empty, logins answer 429 with
// Retry-After, whatever the password. It is per instance: a deployment with n instances allows at
// most n times the rate.
type loginThrottle struct {
	mu      sync.Mutex
	buckets map[string]*bucket
	now     func() time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

// Failed-login allowances: a burst, then one per refill interval.
var (
	emailLimit   = rateLimit{burst: 10, every: 30 * time.Second}
	addressLimit = rateLimit{burst: 50, every: 2 * time.Second}
)

type rateLimit struct {
	burst float64
	every time.Duration
}

func newLoginThrottle(now func() time.Time) *loginThrottle {
	return &loginThrottle{buckets: map[string]*bucket{}, now: now}
}

// wait returns how long the client must wait before its next attempt (0: go ahead).
func (t *loginThrottle) wait(email, address string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	return max(t.level("e:"+email, emailLimit), t.level("a:"+address, addressLimit))
}

// failed spends one allowance of the email and of the address.
func (t *loginThrottle) failed(email, address string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.spend("e:"+email, emailLimit)
	t.spend("a:"+address, addressLimit)
	if len(t.buckets) > 100_000 {
		t.prune()
	}
}

// level refills key's bucket and returns the wait until it holds a whole allowance.
func (t *loginThrottle) level(key string, l rateLimit) time.Duration {
	b := t.refill(key, l)
	if b.tokens >= 1 {
		return 0
	}
	return time.Duration((1 - b.tokens) * float64(l.every))
}

func (t *loginThrottle) spend(key string, l rateLimit) {
	b := t.refill(key, l)
	b.tokens = math.Max(b.tokens-1, 0)
}

func (t *loginThrottle) refill(key string, l rateLimit) *bucket {
	now := t.now()
	b, ok := t.buckets[key]
	if !ok {
		b = &bucket{tokens: l.burst, at: now}
		t.buckets[key] = b
	}
	b.tokens = math.Min(l.burst, b.tokens+float64(now.Sub(b.at))/float64(l.every))
	b.at = now
	return b
}

// prune drops full buckets, which carry no information.
func (t *loginThrottle) prune() {
	for k, b := range t.buckets {
		l := addressLimit
		if strings.HasPrefix(k, "e:") {
			l = emailLimit
		}
		if b.tokens+float64(t.now().Sub(b.at))/float64(l.every) >= l.burst {
			delete(t.buckets, k)
		}
	}
}

// clientAddress is the caller's IP: the first X-Forwarded-For entry when a front end (the
// Functions host, Static Web Apps) forwarded the request, else the peer address.
func clientAddress(r *http.Request) string {
	if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
		first, _, _ := strings.Cut(xff, ",")
		return strings.TrimSpace(first)
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func tooManyLogins(wait time.Duration) error {
	secs := int(math.Ceil(wait.Seconds()))
	return &apiError{status: http.StatusTooManyRequests, detail: "Too many login attempts; try again in " + strconv.Itoa(secs) + " s",
		header: http.Header{"Retry-After": {strconv.Itoa(secs)}}}
}
