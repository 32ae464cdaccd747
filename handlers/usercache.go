package handlers

import (
	"context"
	"sync"
	"time"

	"github.com/dtbase-go/dtbase/dbcore"
)

// userCache remembers which users exist, sparing the per-request query that token checks need. It
// is trusted only while a LISTEN connection receives the database's user-change notifications, so
// a deleted user's tokens stop working as soon as the deletion commits, on every instance. While
// the listener is down the cache is bypassed. Entries also expire after userCacheTTL.
type userCache struct {
	mu      sync.Mutex
	active  bool
	entries map[string]cachedUser
	now     func() time.Time
	// epoch counts invalidations: an answer read from the database is cached only if no change was
	// announced while it was being read, or a deletion could be overwritten by a stale "exists".
	epoch uint64
}

const userCacheTTL = 5 * time.Minute

type cachedUser struct {
	auth    dbcore.UserAuth
	expires time.Time
}

func newUserCache() *userCache {
	return &userCache{entries: map[string]cachedUser{}, now: time.Now}
}

// lookup returns what is cached of email, if the cache is active and holds it.
func (c *userCache) lookup(email string) (dbcore.UserAuth, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[email]
	return e.auth, c.active && ok && c.now().Before(e.expires)
}

// currentEpoch is taken before reading a user from the database, for add.
func (c *userCache) currentEpoch() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.epoch
}

// add caches an existing user, if the cache is active and nothing changed since epoch.
func (c *userCache) add(email string, auth dbcore.UserAuth, epoch uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.active && c.epoch == epoch {
		c.entries[email] = cachedUser{auth: auth, expires: c.now().Add(userCacheTTL)}
	}
}

func (c *userCache) forget(email string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	delete(c.entries, email)
}

// setActive turns the cache on or off, emptying it either way: changes may have been missed.
func (c *userCache) setActive(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.active = on
	c.epoch++
	clear(c.entries)
}

// ListenForUserChanges keeps the user cache in step with the database until ctx ends, reconnecting
// after failures. Without it running, every request checks its user in the database.
func (s *Server) ListenForUserChanges(ctx context.Context) {
	for delay := time.Second; ctx.Err() == nil; delay = min(2*delay, 30*time.Second) {
		err := s.db.ListenUserChanges(ctx, func() {
			s.users.setActive(true)
			delay = time.Second
		}, s.users.forget)
		s.users.setActive(false)
		if ctx.Err() != nil {
			return
		}
		s.log.Warn("user change listener stopped; checking users in the database until it is back", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(delay):
		}
	}
}
