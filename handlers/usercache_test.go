package handlers_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dtbase-go/dtbase/handlers"
)

// TestDeletedUserAcrossInstances: with the user cache on (each instance listening for user
// changes), a deleted user's token stops working at once on the instance that deleted it and as
// soon as the change is announced on another.
func TestDeletedUserAcrossInstances(t *testing.T) {
	a := newAPI(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	other := handlers.New(a.DB, handlers.Config{JWTSecret: []byte(testSecret), AccessTokenTTL: time.Hour, RefreshTokenGrace: time.Hour},
		slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	otherRoutes := other.Routes()
	go a.Srv.ListenForUserChanges(ctx)
	go other.ListenForUserChanges(ctx)

	a.post("/api/user/create-user", map[string]string{"email": "x@y.z", "password": "pw"}).expect(201, "")
	a.post("/api/user/create-user", map[string]string{"email": "v@y.z", "password": "pw"}).expect(201, "")
	x, v := a.login("x@y.z", "pw").AccessToken, a.login("v@y.z", "pw").AccessToken
	onOther := func(token string) int {
		req := httptest.NewRequest("GET", "/api/user/list-users", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		otherRoutes.ServeHTTP(rec, req)
		return rec.Code
	}
	// Warm both caches (the listeners may still be subscribing; retry until cached answers are 200).
	for _, tk := range []string{x, v} {
		a.do("GET", "/api/user/list-users", nil, tk).expect(200, "")
		if code := onOther(tk); code != 200 {
			t.Fatalf("other instance: %d", code)
		}
	}

	// Deleted on this instance: refused here at once.
	a.post("/api/user/delete-user", map[string]string{"email": "x@y.z"}).expect(200, "User deleted")
	a.do("GET", "/api/user/list-users", nil, x).expect(401, "Could not validate credentials")
	// ... and on the other instance once the notification arrives (within milliseconds).
	deadline := time.Now().Add(5 * time.Second)
	for onOther(x) != 401 {
		if time.Now().After(deadline) {
			t.Fatal("the other instance still accepts a deleted user's token")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Deleted through the other instance: refused here too.
	req := httptest.NewRequest("POST", "/api/user/delete-user", stringsReader(`{"email":"v@y.z"}`))
	req.Header.Set("Authorization", "Bearer "+a.Token)
	rec := httptest.NewRecorder()
	otherRoutes.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("delete on other: %d %s", rec.Code, rec.Body)
	}
	deadline = time.Now().Add(5 * time.Second)
	for a.do("GET", "/api/user/list-users", nil, v).Status != 401 {
		if time.Now().After(deadline) {
			t.Fatal("this instance still accepts a user deleted on the other")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func stringsReader(s string) io.Reader { return strings.NewReader(s) }
