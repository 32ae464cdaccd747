package dbcore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/jackc/pgx/v5"
)

// fakeCredential hands out numbered tokens valid for ttl from the fake clock, counting calls.
type fakeCredential struct {
	mu        sync.Mutex
	clock     *fakeClock
	ttl       time.Duration
	refreshIn time.Duration // when set, the token suggests a refresh this long after issue
	fail      error         // when set, GetToken fails with it
	delay     time.Duration // real time GetToken takes, to make concurrent callers overlap
	calls     atomic.Int32
	scopes    [][]string
}

func (f *fakeCredential) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	n := f.calls.Add(1)
	if f.delay > 0 {
		time.Sleep(f.delay)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.scopes = append(f.scopes, opts.Scopes)
	if f.fail != nil {
		return azcore.AccessToken{}, f.fail
	}
	now := f.clock.Now()
	tk := azcore.AccessToken{Token: fmt.Sprintf("token-%d", n), ExpiresOn: now.Add(f.ttl)}
	if f.refreshIn > 0 {
		tk.RefreshOn = now.Add(f.refreshIn)
	}
	return tk, nil
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newFakeSource(ttl time.Duration) (*entraTokenSource, *fakeCredential, *fakeClock) {
	clock := &fakeClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	cred := &fakeCredential{clock: clock, ttl: ttl}
	return &entraTokenSource{cred: cred, scope: EntraScope, now: clock.Now}, cred, clock
}

func mustToken(t *testing.T, s *entraTokenSource) string {
	t.Helper()
	tk, err := s.token(context.Background())
	if err != nil {
		t.Fatalf("token: %v", err)
	}
	return tk
}

func TestEntraBeforeConnectSetsTokenAsPassword(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	cred := &fakeCredential{clock: clock, ttl: time.Hour}
	hook := EntraBeforeConnect(cred, EntraScope)
	cc := &pgx.ConnConfig{}
	cc.Password = "from-the-url"
	if err := hook(context.Background(), cc); err != nil {
		t.Fatal(err)
	}
	if cc.Password != "token-1" {
		t.Fatalf("password = %q, want the token", cc.Password)
	}
	if len(cred.scopes) != 1 || len(cred.scopes[0]) != 1 || cred.scopes[0][0] != "https://ossrdbms-aad.database.windows.net/.default" {
		t.Fatalf("scopes requested = %v", cred.scopes)
	}
	// A second connection reuses the token.
	cc2 := &pgx.ConnConfig{}
	if err := hook(context.Background(), cc2); err != nil {
		t.Fatal(err)
	}
	if cc2.Password != "token-1" || cred.calls.Load() != 1 {
		t.Fatalf("second connect: password %q after %d credential calls, want token-1 after 1", cc2.Password, cred.calls.Load())
	}
}

func TestEntraTokenReusedWhileValid(t *testing.T) {
	s, cred, clock := newFakeSource(time.Hour)
	for i := 0; i < 5; i++ {
		if tk := mustToken(t, s); tk != "token-1" {
			t.Fatalf("call %d: got %q, want token-1", i, tk)
		}
		clock.Advance(10 * time.Minute) // up to 40 minutes in: still more than 5 minutes left
	}
	if n := cred.calls.Load(); n != 1 {
		t.Fatalf("credential called %d times, want 1", n)
	}
}

func TestEntraTokenRefreshedBeforeExpiry(t *testing.T) {
	s, cred, clock := newFakeSource(time.Hour)
	if tk := mustToken(t, s); tk != "token-1" {
		t.Fatalf("got %q", tk)
	}
	clock.Advance(54*time.Minute + 59*time.Second) // 5 min 1 s left: still cached
	if tk := mustToken(t, s); tk != "token-1" {
		t.Fatalf("with 5m1s left: got %q, want the cached token-1", tk)
	}
	clock.Advance(2 * time.Second) // 4 min 59 s left: inside the margin
	if tk := mustToken(t, s); tk != "token-2" {
		t.Fatalf("with 4m59s left: got %q, want a fresh token-2", tk)
	}
	if n := cred.calls.Load(); n != 2 {
		t.Fatalf("credential called %d times, want 2", n)
	}
	// The fresh token is cached in turn.
	clock.Advance(30 * time.Minute)
	if tk := mustToken(t, s); tk != "token-2" {
		t.Fatalf("got %q, want token-2", tk)
	}
}

func TestEntraTokenHonoursRefreshOn(t *testing.T) {
	s, cred, clock := newFakeSource(24 * time.Hour)
	cred.refreshIn = 12 * time.Hour
	mustToken(t, s)
	clock.Advance(11 * time.Hour)
	if tk := mustToken(t, s); tk != "token-1" {
		t.Fatalf("before RefreshOn: got %q", tk)
	}
	clock.Advance(time.Hour)
	if tk := mustToken(t, s); tk != "token-2" {
		t.Fatalf("at RefreshOn: got %q, want token-2", tk)
	}
}

func TestEntraShortLivedTokenNotCachedPastExpiry(t *testing.T) {
	s, cred, clock := newFakeSource(2 * time.Minute) // shorter than the refresh margin
	if tk := mustToken(t, s); tk != "token-1" {
		t.Fatalf("got %q", tk)
	}
	clock.Advance(time.Second)
	if tk := mustToken(t, s); tk != "token-2" {
		t.Fatalf("got %q, want a fresh token for a token inside the margin", tk)
	}
	if n := cred.calls.Load(); n != 2 {
		t.Fatalf("credential called %d times, want 2", n)
	}
}

func TestEntraErrorsWrapped(t *testing.T) {
	s, cred, _ := newFakeSource(time.Hour)
	cause := errors.New("managed identity endpoint unavailable")
	cred.fail = cause
	_, err := s.token(context.Background())
	if err == nil {
		t.Fatal("want an error")
	}
	if !errors.Is(err, cause) {
		t.Fatalf("error %v does not wrap the credential's error", err)
	}
	if !strings.Contains(err.Error(), "Microsoft Entra token") || !strings.Contains(err.Error(), EntraScope) {
		t.Fatalf("error %q does not say what failed", err)
	}
	// Nothing was cached: the next connect asks again.
	cred.fail = nil
	if tk := mustToken(t, s); tk != "token-2" {
		t.Fatalf("after a failure: got %q, want token-2", tk)
	}

	// Through the hook: the connect fails with the wrapped error and the password is untouched.
	cred.fail = cause
	hook := EntraBeforeConnect(cred, EntraScope)
	cc := &pgx.ConnConfig{}
	if err := hook(context.Background(), cc); !errors.Is(err, cause) {
		t.Fatalf("hook error = %v, want one wrapping the cause", err)
	}
	if cc.Password != "" {
		t.Fatalf("password set to %q on failure", cc.Password)
	}
}

func TestEntraEmptyTokenIsAnError(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	s := &entraTokenSource{cred: emptyCredential{}, scope: EntraScope, now: clock.Now}
	if _, err := s.token(context.Background()); err == nil || !strings.Contains(err.Error(), "empty token") {
		t.Fatalf("err = %v, want an empty-token error", err)
	}
}

type emptyCredential struct{}

func (emptyCredential) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{ExpiresOn: time.Now().Add(time.Hour)}, nil
}

func TestEntraFailedRefreshFallsBackOnValidToken(t *testing.T) {
	s, cred, clock := newFakeSource(time.Hour)
	mustToken(t, s)
	clock.Advance(57 * time.Minute) // 3 minutes left: refresh due
	cred.fail = errors.New("transient")
	if tk := mustToken(t, s); tk != "token-1" {
		t.Fatalf("got %q, want the still-valid token-1 while the refresh fails", tk)
	}
	clock.Advance(2*time.Minute + 31*time.Second) // 29 s left: too close to expiry to hand out
	if _, err := s.token(context.Background()); err == nil {
		t.Fatal("want an error once the cached token is about to expire")
	}
	cred.fail = nil
	if tk := mustToken(t, s); tk != "token-4" {
		t.Fatalf("after recovery: got %q, want token-4", tk)
	}
}

func TestEntraConcurrentConnectsShareOneRefresh(t *testing.T) {
	s, cred, clock := newFakeSource(time.Hour)
	cred.delay = 20 * time.Millisecond
	hook := func(ctx context.Context, cc *pgx.ConnConfig) error {
		tk, err := s.token(ctx)
		cc.Password = tk
		return err
	}
	run := func(want string) {
		var wg sync.WaitGroup
		errs := make(chan error, 32)
		for i := 0; i < 32; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cc := &pgx.ConnConfig{}
				if err := hook(context.Background(), cc); err != nil {
					errs <- err
					return
				}
				if cc.Password != want {
					errs <- fmt.Errorf("password %q, want %q", cc.Password, want)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	}
	run("token-1")
	if n := cred.calls.Load(); n != 1 {
		t.Fatalf("32 concurrent connects made %d credential calls, want 1", n)
	}
	clock.Advance(56 * time.Minute)
	run("token-2")
	if n := cred.calls.Load(); n != 2 {
		t.Fatalf("after expiry, 32 concurrent connects made %d credential calls in all, want 2", n)
	}
}
