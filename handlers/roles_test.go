package handlers_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/dtbase-go/dtbase/dbcore"
	"github.com/dtbase-go/dtbase/handlers"
)

func TestRoles(t *testing.T) {
	a := newAPI(t) // test@test.com is the first user, so an admin
	a.post("/api/user/create-user", map[string]string{"email": "plain@test.com", "password": "pw"}).expect(201, "User created")
	plain := a.login("plain@test.com", "pw").AccessToken

	var users []map[string]string
	a.do("GET", "/api/user/list-users?with_roles=true", nil, a.Token).expect(200, "").decode(&users)
	if len(users) != 2 || users[0]["role"] != "admin" || users[1]["role"] != "user" || users[1]["email"] != "plain@test.com" {
		t.Fatalf("list-users with roles = %v", users)
	}

	// Every admin-only route refuses a plain user before looking at the body.
	n := 0
	for _, e := range handlers.Endpoints() {
		if !e.Admin {
			continue
		}
		n++
		a.do(e.Method, e.Path, map[string]any{}, plain).expect(403, "Not permitted")
	}
	if n < 12 {
		t.Fatalf("only %d admin-only routes", n)
	}
	// Reading and writing data stays open to plain users; so does changing one's own password.
	a.do("GET", "/api/user/list-users", nil, plain).expect(200, "")
	a.do("POST", "/api/model/insert-model", map[string]string{"name": "m"}, plain).expect(201, "Model inserted")
	a.do("POST", "/api/user/change-password", map[string]string{"email": testEmail, "password": "x"}, plain).expect(403, "Not permitted")
	a.do("POST", "/api/user/change-password", map[string]string{"email": "plain@test.com", "password": "pw2"}, plain).expect(200, "Password changed")

	// Admins manage users; a new admin can too; the last admin cannot go.
	a.post("/api/user/create-user", map[string]string{"email": "boss@test.com", "password": "pw", "role": "admin"}).expect(201, "")
	a.post("/api/user/create-user", map[string]string{"email": "x@test.com", "password": "pw", "role": "owner"}).expect(400, "role must be admin or user")
	boss := a.login("boss@test.com", "pw").AccessToken
	a.do("POST", "/api/user/delete-user", map[string]string{"email": testEmail}, boss).expect(200, "User deleted")
	a.do("POST", "/api/user/delete-user", map[string]string{"email": "boss@test.com"}, boss).expect(409, "The last admin cannot be deleted")
	a.do("POST", "/api/user/delete-user", map[string]string{"email": "plain@test.com"}, boss).expect(200, "User deleted")
}

func TestFirstUserAndDefaultUserAreAdmins(t *testing.T) {
	ctx := context.Background()
	a := newAPI(t)
	var users []map[string]string
	a.do("GET", "/api/user/list-users?with_roles=true", nil, a.Token).expect(200, "").decode(&users)
	if users[0]["role"] != "admin" {
		t.Fatalf("first user = %v", users[0])
	}
	if err := handlers.SetUpDefaultUser(ctx, a.DB, "pw"); err != nil {
		t.Fatal(err)
	}
	a.do("GET", "/api/user/list-users?with_roles=true", nil, a.Token).expect(200, "").decode(&users)
	if len(users) != 2 || users[1]["email"] != dbcore.DefaultUserEmail || users[1]["role"] != "admin" {
		t.Fatalf("users = %v", users)
	}
	// A restart with the same password keeps the default user's tokens valid.
	a.Srv.SetClock(func() time.Time { return time.Now().UTC().Add(-2 * time.Second) })
	token := a.login(dbcore.DefaultUserEmail, "pw").AccessToken
	if err := handlers.SetUpDefaultUser(ctx, a.DB, "pw"); err != nil {
		t.Fatal(err)
	}
	a.do("GET", "/api/user/list-users", nil, token).expect(200, "")
	// A new password does invalidate them.
	if err := handlers.SetUpDefaultUser(ctx, a.DB, "pw2"); err != nil {
		t.Fatal(err)
	}
	a.do("GET", "/api/user/list-users", nil, token).expect(401, "Could not validate credentials")
}

func TestRefreshTokenBeforePasswordChange(t *testing.T) {
	a := newAPI(t)
	a.Srv.SetClock(func() time.Time { return time.Now().UTC().Add(-2 * time.Second) })
	old := a.login(testEmail, testPassword)
	a.Srv.SetClock(func() time.Time { return time.Now().UTC() })
	a.do("POST", "/api/user/change-password", map[string]string{"email": testEmail, "password": "new"}, old.AccessToken).expect(200, "")
	a.do("POST", "/api/auth/refresh", nil, old.RefreshToken).expect(401, "Could not validate credentials")
	a.do("GET", "/api/user/list-users", nil, old.AccessToken).expect(401, "Could not validate credentials")
}

func TestLoginThrottle(t *testing.T) {
	// Cheap hashes: this test makes many failed logins, and unknown emails cost a hash comparison.
	a := newAPIWith(t, func(c *handlers.Config) { c.BcryptCost = bcrypt.MinCost })
	now := time.Now().UTC()
	a.Srv.SetClock(func() time.Time { return now })
	bad := map[string]string{"email": testEmail, "password": "guess"}
	for i := 0; i < 10; i++ {
		a.do("POST", "/api/auth/login", bad, "").expect(401, "Incorrect email or password")
	}
	res := a.do("POST", "/api/auth/login", bad, "").expect(429, "")
	if secs, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || secs < 1 || secs > 30 {
		t.Fatalf("Retry-After %q", res.Header.Get("Retry-After"))
	}
	// Even the right password waits: the throttle does not tell guesses from the real one.
	a.do("POST", "/api/auth/login", map[string]string{"email": testEmail, "password": testPassword}, "").expect(429, "")
	// Unknown emails are throttled alike (no enumeration through the throttle).
	for i := 0; i < 10; i++ {
		a.do("POST", "/api/auth/login", map[string]string{"email": "ghost@test.com", "password": "x"}, "").expect(401, "Incorrect email or password")
	}
	a.do("POST", "/api/auth/login", map[string]string{"email": "ghost@test.com", "password": "x"}, "").expect(429, "")
	// After the wait, a login works again.
	now = now.Add(31 * time.Second)
	a.do("POST", "/api/auth/login", map[string]string{"email": testEmail, "password": testPassword}, "").expect(200, "")
	// Another client address guessing many emails is throttled too.
	for i := 0; i < 60; i++ {
		res := a.do("POST", "/api/auth/login", map[string]string{"email": "u" + strconv.Itoa(i) + "@x", "password": "x"}, "", "X-Forwarded-For", "203.0.113.9")
		if res.Status == 429 {
			if i < 50 || !strings.Contains(res.Detail(), "Too many login attempts") {
				t.Fatalf("throttled at attempt %d: %s", i, res.Body)
			}
			return
		}
	}
	t.Fatal("60 failed logins from one address were never throttled")
}
