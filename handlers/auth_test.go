package handlers_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"

	"github.com/dtbase-go/dtbase/handlers"
)

func TestLoginAndUsers(t *testing.T) {
	a := newAPI(t)
	a.do("POST", "/api/auth/login", map[string]string{"email": "snoopy@dogg.land", "password": "whatsmyname?"}, "").
		expect(401, "Incorrect email or password")
	a.post("/api/user/create-user", map[string]string{"email": "hubby@hobbob.bubbly", "password": "iknowsecurity"}).expect(201, "User created")
	a.post("/api/user/create-user", map[string]string{"email": "hubby@hobbob.bubbly", "password": "x"}).expect(409, "User already exists")
	var users []string
	a.get("/api/user/list-users").expect(200, "").decode(&users)
	if len(users) != 2 || users[0] != testEmail || users[1] != "hubby@hobbob.bubbly" {
		t.Fatalf("list-users = %v", users)
	}
	a.login("hubby@hobbob.bubbly", "iknowsecurity")
	a.do("GET", "/api/user/list-users", nil, "").expect(401, "Not authenticated")
}

// withT returns a copy of a whose requests report to t, for use inside subtests.
func (a *api) withT(t *testing.T) *api {
	b := *a
	b.t = t
	return &b
}

// jsonObjectKeys returns the sorted keys of a JSON object body.
func jsonObjectKeys(t *testing.T, body []byte) []string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("not a JSON object (%v): %s", err, body)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// jwtParts returns the raw JSON texts of a token's header and payload.
func jwtParts(t *testing.T, token string) (header, payload string) {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q has %d parts", token, len(parts))
	}
	h, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	p, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	if err1 != nil || err2 != nil {
		t.Fatalf("token %q is not base64url: %v %v", token, err1, err2)
	}
	return string(h), string(p)
}

// signRaw builds an HS256-signed token from raw header and payload JSON texts, so that tests can
// send claims of any shape.
func signRaw(secret, header, payload string) string {
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload))
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(signing))
	return signing + "." + enc.EncodeToString(mac.Sum(nil))
}

const hs256Header = `{"alg":"HS256","typ":"JWT"}`

// claimsJSON is a payload in the original's claim order.
func claimsJSON(sub, typ string, exp int64) string {
	return fmt.Sprintf(`{"sub":%q,"token_type":%q,"exp":%d}`, sub, typ, exp)
}

func TestAuthLogin(t *testing.T) {
	a := newAPI(t)
	res := a.do("POST", "/api/auth/login", map[string]string{"email": testEmail, "password": testPassword}, "").expect(200, "")
	if got := jsonObjectKeys(t, res.Body); !reflect.DeepEqual(got, []string{"access_token", "refresh_token"}) {
		t.Fatalf("login keys = %v", got)
	}
	if !strings.HasPrefix(string(res.Body), `{"access_token":"`) {
		t.Errorf("login body does not start with access_token: %s", res.Body)
	}
	for _, c := range []struct{ name, email, password string }{
		{"unknown user", "snoopy@dogg.land", "whatsmyname?"},
		{"wrong password", testEmail, "test "},
		{"email differs in case", "TEST@test.com", testPassword},
		{"empty password", testEmail, ""},
		{"NUL in email", "test\x00@test.com", testPassword},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := a.withT(t)
			res := a.do("POST", "/api/auth/login", map[string]string{"email": c.email, "password": c.password}, "")
			res.expect(401, "Incorrect email or password")
			if res.Header.Get("Www-Authenticate") != "" {
				t.Errorf("unexpected WWW-Authenticate on a failed login")
			}
		})
	}
	// A login needs no token, and the body is validated.
	a.do("POST", "/api/auth/login", nil, "").expect(422, "")
	res = a.do("POST", "/api/auth/login", "{}", "").expect(422, "")
	want := `{"detail":[{"type":"missing","loc":["body","email"],"msg":"Field required","input":{}},{"type":"missing","loc":["body","password"],"msg":"Field required","input":{}}]}`
	if string(res.Body) != want {
		t.Errorf("login {} body\n got %s\nwant %s", res.Body, want)
	}
}

func TestAuthTokenFormat(t *testing.T) {
	a := newAPI(t)
	// Fractions of a second are truncated from exp, as the original does.
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 750_000_000, time.UTC)
	a.Srv.SetClock(func() time.Time { return t0 })
	tk := a.login(testEmail, testPassword)
	for _, c := range []struct {
		token, typ string
		exp        int64
	}{
		{tk.AccessToken, "access", t0.Unix() + 3600},
		{tk.RefreshToken, "refresh", t0.Unix() + 7200},
	} {
		header, payload := jwtParts(t, c.token)
		if header != hs256Header {
			t.Errorf("%s header = %s, want %s", c.typ, header, hs256Header)
		}
		if want := claimsJSON(testEmail, c.typ, c.exp); payload != want {
			t.Errorf("%s payload = %s, want %s", c.typ, payload, want)
		}
	}
	// Tokens made by the original (PyJWT, the same secret) verify, so build one independently.
	var pair tokens
	a.do("POST", "/api/auth/refresh", nil, tk.RefreshToken).expect(200, "").decode(&pair)
	if _, payload := jwtParts(t, pair.AccessToken); payload != claimsJSON(testEmail, "access", t0.Unix()+3600) {
		t.Errorf("refreshed access payload = %s", payload)
	}
}

func TestAuthTokenFromOriginal(t *testing.T) {
	a := newAPI(t)
	exp := time.Now().Add(time.Hour).Unix()
	// A token minted from a map, as PyJWT does from a dict.
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": testEmail, "token_type": "access", "exp": exp}).
		SignedString([]byte(testSecret))
	if err != nil {
		t.Fatal(err)
	}
	a.do("GET", "/api/user/list-users", nil, token).expect(200, "")
	// The original's exact bytes: header and claims in PyJWT's order.
	a.do("GET", "/api/user/list-users", nil, signRaw(testSecret, hs256Header, claimsJSON(testEmail, "access", exp))).expect(200, "")
	// Extra claims are ignored.
	extra := fmt.Sprintf(`{"sub":%q,"token_type":"refresh","exp":%d,"iat":1,"foo":"bar"}`, testEmail, exp)
	a.do("POST", "/api/auth/refresh", nil, signRaw(testSecret, hs256Header, extra)).expect(200, "")
}

func TestAuthTokenExpiry(t *testing.T) {
	a := newAPI(t)
	t0 := time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)
	clock := t0
	a.Srv.SetClock(func() time.Time { return clock })
	tk := a.login(testEmail, testPassword)
	const expired = `{"detail":"Token has expired"}`
	for _, c := range []struct {
		name    string
		at      time.Duration
		path    string
		token   string
		status  int
		rawBody string
	}{
		{"access just valid", time.Hour - time.Nanosecond, "/api/user/list-users", tk.AccessToken, 200, ""},
		// exp is checked with zero leeway: a token is expired at its exp second.
		{"access at exp", time.Hour, "/api/user/list-users", tk.AccessToken, 401, expired},
		{"access long expired", 48 * time.Hour, "/api/user/list-users", tk.AccessToken, 401, expired},
		{"refresh just valid", 2*time.Hour - time.Nanosecond, "/api/auth/refresh", tk.RefreshToken, 200, ""},
		{"refresh at exp", 2 * time.Hour, "/api/auth/refresh", tk.RefreshToken, 401, expired},
		// Expiry is checked before the token type.
		{"expired refresh on a normal route", 3 * time.Hour, "/api/user/list-users", tk.RefreshToken, 401, expired},
		{"expired access on refresh", 3 * time.Hour, "/api/auth/refresh", tk.AccessToken, 401, expired},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := a.withT(t)
			clock = t0.Add(c.at)
			method := "GET"
			if c.path == "/api/auth/refresh" {
				method = "POST"
			}
			res := a.do(method, c.path, nil, c.token).expect(c.status, "")
			if c.rawBody != "" && string(res.Body) != c.rawBody {
				t.Errorf("body %s, want %s", res.Body, c.rawBody)
			}
			if c.status == 401 && res.Header.Get("Www-Authenticate") != "" {
				t.Errorf("WWW-Authenticate sent with an expired token")
			}
		})
	}
	// Expiry is checked while decoding, before the user: an expired token of a deleted user.
	clock = t0
	// Another admin first: the last admin cannot be deleted (roles, issue 9).
	if err := a.DB.CreateUserWithRole(context.Background(), "admin2@test.com", []byte("x"), "admin"); err != nil {
		t.Fatal(err)
	}
	a.do("POST", "/api/user/delete-user", map[string]string{"email": testEmail}, tk.AccessToken).expect(200, "User deleted")
	clock = t0.Add(5 * time.Hour)
	a.do("GET", "/api/model/list-models", nil, tk.AccessToken).expect(401, "Token has expired")
}

func TestAuthTokenRejected(t *testing.T) {
	a := newAPI(t)
	tk := a.login(testEmail, testPassword)
	exp := time.Now().Add(time.Hour).Unix()
	mapToken := func(method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(method, claims).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	enc := base64.RawURLEncoding.EncodeToString
	parts := strings.Split(tk.AccessToken, ".")
	_, payload := jwtParts(t, tk.AccessToken)
	otherUser := strings.Replace(payload, testEmail, "default_user@localhost", 1)
	validClaims := jwt.MapClaims{"sub": testEmail, "token_type": "access", "exp": exp}

	const cvc = "Could not validate credentials"
	for _, c := range []struct {
		name, path, token, detail string
	}{
		{"refresh token on a normal route", "/api/user/list-users", tk.RefreshToken, "Token of wrong type"},
		{"access token on refresh", "/api/auth/refresh", tk.AccessToken, "Token of wrong type"},
		{"unknown token type", "/api/user/list-users", signRaw(testSecret, hs256Header, claimsJSON(testEmail, "Access", exp)), "Token of wrong type"},
		{"wrong key", "/api/user/list-users", mapToken(jwt.SigningMethodHS256, []byte("another-secret"), validClaims), cvc},
		// The signature is checked before the expiry.
		{"wrong key, expired", "/api/user/list-users", signRaw("another-secret", hs256Header, claimsJSON(testEmail, "access", 1000)), cvc},
		{"expired", "/api/user/list-users", signRaw(testSecret, hs256Header, claimsJSON(testEmail, "access", 1000)), "Token has expired"},
		{"expired, exp zero", "/api/user/list-users", signRaw(testSecret, hs256Header, claimsJSON(testEmail, "access", 0)), "Token has expired"},
		{"HS512", "/api/user/list-users", mapToken(jwt.SigningMethodHS512, []byte(testSecret), validClaims), cvc},
		{"HS384", "/api/user/list-users", mapToken(jwt.SigningMethodHS384, []byte(testSecret), validClaims), cvc},
		{"alg none", "/api/user/list-users", enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + ".", cvc},
		{"alg none with signature", "/api/user/list-users", enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "." + parts[2], cvc},
		{"RS256 header, HMAC signature", "/api/user/list-users", signRaw(testSecret, `{"alg":"RS256","typ":"JWT"}`, payload), cvc},
		{"tampered payload", "/api/user/list-users", parts[0] + "." + enc([]byte(otherUser)) + "." + parts[2], cvc},
		{"tampered signature", "/api/user/list-users", parts[0] + "." + parts[1] + "." + enc([]byte("not the signature")), cvc},
		{"no signature", "/api/user/list-users", parts[0] + "." + parts[1] + ".", cvc},
		{"two parts", "/api/user/list-users", parts[0] + "." + parts[1], cvc},
		{"garbage", "/api/user/list-users", "not-a-token", cvc},
		{"missing sub", "/api/user/list-users", signRaw(testSecret, hs256Header, fmt.Sprintf(`{"token_type":"access","exp":%d}`, exp)), cvc},
		{"missing token_type", "/api/user/list-users", signRaw(testSecret, hs256Header, fmt.Sprintf(`{"sub":%q,"exp":%d}`, testEmail, exp)), cvc},
		{"missing exp", "/api/user/list-users", signRaw(testSecret, hs256Header, fmt.Sprintf(`{"sub":%q,"token_type":"access"}`, testEmail)), cvc},
		{"sub a number", "/api/user/list-users", signRaw(testSecret, hs256Header, fmt.Sprintf(`{"sub":5,"token_type":"access","exp":%d}`, exp)), cvc},
		{"sub null", "/api/user/list-users", signRaw(testSecret, hs256Header, fmt.Sprintf(`{"sub":null,"token_type":"access","exp":%d}`, exp)), cvc},
		{"sub a list", "/api/user/list-users", signRaw(testSecret, hs256Header, fmt.Sprintf(`{"sub":[%q],"token_type":"access","exp":%d}`, testEmail, exp)), cvc},
		{"token_type a number", "/api/user/list-users", signRaw(testSecret, hs256Header, fmt.Sprintf(`{"sub":%q,"token_type":1,"exp":%d}`, testEmail, exp)), cvc},
		{"exp a fraction", "/api/user/list-users", signRaw(testSecret, hs256Header, fmt.Sprintf(`{"sub":%q,"token_type":"access","exp":%d.5}`, testEmail, exp)), cvc},
		{"exp a string", "/api/user/list-users", signRaw(testSecret, hs256Header, fmt.Sprintf(`{"sub":%q,"token_type":"access","exp":"soon"}`, testEmail)), cvc},
		{"exp a boolean", "/api/user/list-users", signRaw(testSecret, hs256Header, fmt.Sprintf(`{"sub":%q,"token_type":"access","exp":true}`, testEmail)), cvc},
		{"exp null", "/api/user/list-users", signRaw(testSecret, hs256Header, fmt.Sprintf(`{"sub":%q,"token_type":"access","exp":null}`, testEmail)), cvc},
		{"exp huge", "/api/user/list-users", signRaw(testSecret, hs256Header, fmt.Sprintf(`{"sub":%q,"token_type":"access","exp":1e400}`, testEmail)), cvc},
		{"payload not an object", "/api/user/list-users", signRaw(testSecret, hs256Header, `["sub"]`), cvc},
		{"payload not JSON", "/api/user/list-users", signRaw(testSecret, hs256Header, `sub`), cvc},
		{"unknown user", "/api/user/list-users", signRaw(testSecret, hs256Header, claimsJSON("nobody@test.com", "access", exp)), cvc},
		{"user differs in case", "/api/user/list-users", signRaw(testSecret, hs256Header, claimsJSON("Test@test.com", "access", exp)), cvc},
		{"NUL in sub", "/api/user/list-users", signRaw(testSecret, hs256Header, fmt.Sprintf(`{"sub":"test\u0000@test.com","token_type":"access","exp":%d}`, exp)), cvc},
		{"unknown user on refresh", "/api/auth/refresh", signRaw(testSecret, hs256Header, claimsJSON("nobody@test.com", "refresh", exp)), cvc},
		// The user is checked before the type.
		{"unknown user, wrong type", "/api/auth/refresh", signRaw(testSecret, hs256Header, claimsJSON("nobody@test.com", "access", exp)), cvc},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := a.withT(t)
			method := "GET"
			if c.path == "/api/auth/refresh" {
				method = "POST"
			}
			res := a.do(method, c.path, nil, c.token).expect(401, c.detail)
			if want := fmt.Sprintf(`{"detail":%q}`, c.detail); string(res.Body) != want {
				t.Errorf("body %s, want %s", res.Body, want)
			}
		})
	}
}

func TestAuthHeaders(t *testing.T) {
	a := newAPI(t)
	tk := a.login(testEmail, testPassword)
	for _, c := range []struct {
		name    string
		headers []string
		status  int
		detail  string
	}{
		{"no header", nil, 401, "Not authenticated"},
		{"empty header", []string{"Authorization", ""}, 401, "Not authenticated"},
		{"other scheme", []string{"Authorization", "Basic " + tk.AccessToken}, 401, "Not authenticated"},
		{"token without scheme", []string{"Authorization", tk.AccessToken}, 401, "Not authenticated"},
		{"bearer without token", []string{"Authorization", "Bearer"}, 401, "Could not validate credentials"},
		{"bearer with empty token", []string{"Authorization", "Bearer "}, 401, "Could not validate credentials"},
		{"two spaces", []string{"Authorization", "Bearer  " + tk.AccessToken}, 401, "Could not validate credentials"},
		{"Bearer", []string{"Authorization", "Bearer " + tk.AccessToken}, 200, ""},
		{"lowercase bearer", []string{"Authorization", "bearer " + tk.AccessToken}, 200, ""},
		{"uppercase BEARER", []string{"Authorization", "BEARER " + tk.AccessToken}, 200, ""},
		// Static Web Apps overwrites Authorization on proxied calls.
		{"X-DT-Authorization", []string{"X-DT-Authorization", "Bearer " + tk.AccessToken}, 200, ""},
		{"X-DT-Authorization over a platform token", []string{"Authorization", "Bearer platform.token.x", "X-DT-Authorization", "Bearer " + tk.AccessToken}, 200, ""},
		{"X-DT-Authorization with a refresh token", []string{"X-DT-Authorization", "Bearer " + tk.RefreshToken}, 401, "Token of wrong type"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := a.withT(t)
			res := a.do("GET", "/api/user/list-users", nil, "", c.headers...).expect(c.status, c.detail)
			auth := res.Header.Get("Www-Authenticate")
			if c.detail == "Not authenticated" && auth != "Bearer" {
				t.Errorf("WWW-Authenticate = %q, want Bearer", auth)
			}
			if c.detail != "Not authenticated" && auth != "" {
				t.Errorf("WWW-Authenticate = %q, want none", auth)
			}
		})
	}
	a.do("POST", "/api/auth/refresh", nil, "", "X-DT-Authorization", "Bearer "+tk.RefreshToken).expect(200, "")
	res := a.do("POST", "/api/auth/refresh", nil, "").expect(401, "Not authenticated")
	if res.Header.Get("Www-Authenticate") != "Bearer" {
		t.Errorf("refresh without a token: WWW-Authenticate = %q", res.Header.Get("Www-Authenticate"))
	}
	// Auth is checked before the body: no token and a bad body is still 401.
	a.do("POST", "/api/user/create-user", "[1]", "").expect(401, "Not authenticated")
}

func TestAuthRefresh(t *testing.T) {
	a := newAPI(t)
	tk := a.login(testEmail, testPassword)
	// Any body is ignored.
	for _, body := range []any{nil, "not json", map[string]string{"refresh_token": "x"}} {
		res := a.do("POST", "/api/auth/refresh", body, tk.RefreshToken).expect(200, "")
		if got := jsonObjectKeys(t, res.Body); !reflect.DeepEqual(got, []string{"access_token", "refresh_token"}) {
			t.Fatalf("refresh keys = %v", got)
		}
		var pair tokens
		res.decode(&pair)
		a.do("GET", "/api/user/list-users", nil, pair.AccessToken).expect(200, "")
		a.do("POST", "/api/auth/refresh", nil, pair.RefreshToken).expect(200, "")
	}
	a.do("GET", "/api/auth/refresh", nil, tk.RefreshToken).expect(405, "Method Not Allowed")
	a.do("GET", "/api/auth/login", nil, "").expect(405, "Method Not Allowed")
}

// hashLikeOriginal makes a bcrypt hash the way Python's bcrypt stores it: "$2b$" and only the
// first 72 bytes of the password counted (cost 4 to keep tests fast).
func hashLikeOriginal(t *testing.T, password string) []byte {
	t.Helper()
	if len(password) > 72 {
		password = password[:72]
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(h), "$2a$") {
		t.Fatalf("unexpected hash prefix %q", h[:4])
	}
	return append([]byte("$2b$"), h[4:]...)
}

func TestAuthPasswordHashes(t *testing.T) {
	a := newAPI(t)
	ctx := context.Background()
	long := strings.Repeat("ab€", 30) // 150 bytes
	for _, c := range []struct {
		email, stored, login string
		ok                   bool
	}{
		{"py@b", "pythonpass", "pythonpass", true},
		{"py2@b", "pythonpass", "pythonpasS", false},
		{"long@b", long, long, true},
		// Python's bcrypt ignores everything after byte 72.
		{"long2@b", long, long[:72] + "whatever follows", true},
		{"long3@b", long, long[:71], false},
		{"empty@b", "", "", true},
	} {
		if err := a.DB.CreateUser(ctx, c.email, hashLikeOriginal(t, c.stored)); err != nil {
			t.Fatal(err)
		}
		res := a.do("POST", "/api/auth/login", map[string]string{"email": c.email, "password": c.login}, "")
		if c.ok {
			res.expect(200, "")
		} else {
			res.expect(401, "Incorrect email or password")
		}
	}
	// A password over 72 bytes set through the API is cut the same way, and stored like the
	// original's hashes ($2b$, cost 12).
	a.post("/api/user/create-user", map[string]string{"email": "verylong@b", "password": long}).expect(201, "User created")
	a.do("POST", "/api/auth/login", map[string]string{"email": "verylong@b", "password": long[:72]}, "").expect(200, "")
	hash, err := a.DB.UserPasswordHash(ctx, "verylong@b")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(hash), "$2b$12$") {
		t.Errorf("stored hash %q, want a $2b$12$ hash", hash)
	}
}

func TestUsers(t *testing.T) {
	a := newAPI(t)
	// The default user exists, as an admin, in every deployment the original's tests run against.
	if err := a.DB.CreateUserWithRole(context.Background(), "default_user@localhost", hashLikeOriginal(t, "defaultpass"), "admin"); err != nil {
		t.Fatal(err)
	}
	listUsers := func() []string {
		t.Helper()
		var users []string
		a.get("/api/user/list-users").expect(200, "").decode(&users)
		return users
	}
	const hubby = "hubby@hobbob.bubbly"
	a.post("/api/user/create-user", map[string]string{"email": hubby, "password": "iknowsecurity"}).expect(201, "User created")
	if got, want := listUsers(), []string{testEmail, "default_user@localhost", hubby}; !reflect.DeepEqual(got, want) {
		t.Fatalf("list-users = %v, want %v", got, want)
	}
	// Issued two seconds ago: token issue times are whole seconds, so a password change refuses
	// tokens issued in an earlier second.
	a.Srv.SetClock(func() time.Time { return time.Now().UTC().Add(-2 * time.Second) })
	hubbyToken := a.login(hubby, "iknowsecurity").AccessToken
	a.post("/api/user/create-user", map[string]string{"email": hubby, "password": "other"}).expect(409, "User already exists")

	// change-password: the new password works, the old one no longer does, and tokens issued before
	// the change stop working (issue 9; the original kept them valid).
	a.do("GET", "/api/user/list-users", nil, hubbyToken).expect(200, "")
	a.Srv.SetClock(func() time.Time { return time.Now().UTC().Add(time.Second) }) // tokens from here on are issued after the change
	a.post("/api/user/change-password", map[string]string{"email": hubby, "password": "new kids on the block"}).expect(200, "Password changed")
	newToken := a.login(hubby, "new kids on the block").AccessToken
	a.do("POST", "/api/auth/login", map[string]string{"email": hubby, "password": "iknowsecurity"}, "").expect(401, "Incorrect email or password")
	a.do("GET", "/api/user/list-users", nil, hubbyToken).expect(401, "Could not validate credentials")
	a.do("GET", "/api/user/list-users", nil, newToken).expect(200, "")
	a.post("/api/user/change-password", map[string]string{"email": "snoopy@dogg.land", "password": "x"}).expect(400, "User doesn't exist")

	a.post("/api/user/delete-user", map[string]string{"email": hubby}).expect(200, "User deleted")
	if got, want := listUsers(), []string{testEmail, "default_user@localhost"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("list-users after delete = %v, want %v", got, want)
	}
	a.post("/api/user/delete-user", map[string]string{"email": hubby}).expect(400, "User doesn't exist")
	a.post("/api/user/delete-user", map[string]string{"email": "HUBBY@hobbob.bubbly"}).expect(400, "User doesn't exist")
	// A deleted user's tokens stop working.
	a.do("GET", "/api/user/list-users", nil, hubbyToken).expect(401, "Could not validate credentials")
	// Users can delete themselves.
	a.post("/api/user/delete-user", map[string]string{"email": testEmail}).expect(200, "User deleted")
	a.get("/api/user/list-users").expect(401, "Could not validate credentials")
}

func TestUserEmailValidation(t *testing.T) {
	a := newAPI(t)
	for _, email := range []string{"a@b", "x_y.z+w%v-u@sub-domain.example.co.uk"} {
		a.post("/api/user/create-user", map[string]string{"email": email, "password": ""}).expect(201, "User created")
	}
	for _, email := range []string{"", "x@y.", ".x@y", "-x@y", "no-at-sign", "a@", "@b", "a b@c", "a@b c", "a@@b", "a@b_c", "é@b", "a@b-", "a\x00@b"} {
		t.Run(email, func(t *testing.T) {
			a := a.withT(t)
			a.post("/api/user/create-user", map[string]string{"email": email, "password": "x"}).expect(400, "Not a valid email address")
		})
	}
	var users []string
	a.get("/api/user/list-users").expect(200, "").decode(&users)
	if want := []string{testEmail, "a@b", "x_y.z+w%v-u@sub-domain.example.co.uk"}; !reflect.DeepEqual(users, want) {
		t.Fatalf("list-users = %v, want %v", users, want)
	}
}

// TestRoutesNeedToken checks every route of the protected groups, with each of its methods, with
// no token and with and without a body (3.2 items 11, 43, 50).
func TestRoutesNeedToken(t *testing.T) {
	a := newAPI(t)
	// The contract's routes of these groups; routes added later are checked too.
	want := map[string]bool{}
	for _, p := range []string{
		"GET /user/list-users", "POST /user/create-user", "POST /user/delete-user", "POST /user/change-password",
		"POST /model/insert-model", "GET /model/list-models", "POST /model/delete-model", "POST /model/insert-model-scenario",
		"GET /model/list-model-scenarios", "POST /model/delete-model-scenario", "POST /model/insert-model-measure",
		"GET /model/list-model-measures", "POST /model/delete-model-measure", "POST /model/insert-model-run",
		"POST /model/list-model-runs", "POST /model/get-model-run", "POST /model/get-model-run-sensor-measure",
		"POST /service/insert-service", "GET /service/list-services", "POST /service/delete-service",
		"POST /service/insert-parameter-set", "POST /service/delete-parameter-set", "POST /service/list-parameter-sets",
		"POST /service/edit-parameter-set", "POST /service/run-service", "POST /service/list-runs",
	} {
		want[strings.Replace(p, " /", " /api/", 1)] = true
	}
	for _, e := range handlers.Endpoints() {
		if e.Public || !(strings.HasPrefix(e.Path, "/api/user/") || strings.HasPrefix(e.Path, "/api/model/") || strings.HasPrefix(e.Path, "/api/service/")) {
			continue
		}
		delete(want, e.Method+" "+e.Path)
		for _, body := range []any{nil, map[string]string{"name": "x"}} {
			res := a.do(e.Method, e.Path, body, "").expect(401, "Not authenticated")
			if res.Header.Get("Www-Authenticate") != "Bearer" {
				t.Errorf("%s %s: WWW-Authenticate = %q", e.Method, e.Path, res.Header.Get("Www-Authenticate"))
			}
		}
	}
	if len(want) != 0 {
		t.Errorf("routes not served: %v", want)
	}
}

// hostileCase is a request body that must be refused with a 4xx and a JSON detail.
type hostileCase struct {
	name   string
	body   any // sent as is when a string
	status int // 0: any 4xx
}

// checkHostile posts each body to path and checks for a 4xx with a JSON detail: a string, or a
// list of errors for 422.
func checkHostile(t *testing.T, a *api, path string, cases []hostileCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(strings.TrimPrefix(path, "/api/")+"/"+c.name, func(t *testing.T) {
			res := a.withT(t).post(path, c.body)
			if c.status != 0 && res.Status != c.status || res.Status < 400 || res.Status > 499 {
				want := "a 4xx"
				if c.status != 0 {
					want = fmt.Sprint(c.status)
				}
				t.Fatalf("status %d, want %s; body %s", res.Status, want, res.Body)
			}
			var body struct {
				Detail json.RawMessage `json:"detail"`
			}
			if err := json.Unmarshal(res.Body, &body); err != nil || len(body.Detail) == 0 {
				t.Fatalf("no JSON detail: %s", res.Body)
			}
			if res.Status == 422 {
				var errs []struct {
					Type string `json:"type"`
					Loc  []any  `json:"loc"`
					Msg  string `json:"msg"`
				}
				if err := json.Unmarshal(body.Detail, &errs); err != nil || len(errs) == 0 || errs[0].Type == "" || len(errs[0].Loc) == 0 || errs[0].Loc[0] != "body" {
					t.Fatalf("422 detail is not a list of errors: %s", res.Body)
				}
			} else if res.Detail() == "" {
				t.Fatalf("detail is not a string: %s", res.Body)
			}
		})
	}
}

// hostileBodyShapes are bodies that no endpoint with a required object body accepts.
func hostileBodyShapes() []hostileCase {
	deep := strings.Repeat("[", 200) + strings.Repeat("]", 200)
	return []hostileCase{
		{"no body", nil, 422},
		{"empty", "", 422},
		{"null", "null", 422},
		{"array", "[1]", 422},
		{"empty array", "[]", 422},
		{"string", `"x"`, 422},
		{"number", "5", 422},
		{"true", "true", 422},
		{"malformed", "{", 422},
		{"trailing comma", `{"name":"x",}`, 422},
		{"two objects", `{}{}`, 422},
		{"NaN", `{"name":NaN}`, 422},
		{"deep nesting", deep, 0},
		{"deep nesting in a field", `{"name":` + deep + `}`, 0},
	}
}

func TestAuthUserHostileBodies(t *testing.T) {
	a := newAPI(t)
	creds := func(field string, v any) map[string]any {
		m := map[string]any{"email": "h@b", "password": "p"}
		if v == nil {
			delete(m, field)
		} else {
			m[field] = v
		}
		return m
	}
	wrongTypes := func(field string) []hostileCase {
		return []hostileCase{
			{field + " missing", creds(field, nil), 422},
			{field + " null", fmt.Sprintf(`{"email":"h@b","password":"p",%q:null}`, field), 422},
			{field + " number", creds(field, 5), 422},
			{field + " bool", creds(field, true), 422},
			{field + " list", creds(field, []string{"h@b"}), 422},
			{field + " object", creds(field, map[string]string{"a": "b"}), 422},
		}
	}
	for _, path := range []string{"/api/user/create-user", "/api/user/change-password"} {
		checkHostile(t, a, path, append(append(hostileBodyShapes(), wrongTypes("email")...), wrongTypes("password")...))
	}
	checkHostile(t, a, "/api/user/delete-user", append(hostileBodyShapes(), wrongTypes("email")...))
	// login is public: its hostile bodies need no token.
	for _, c := range append(append(hostileBodyShapes(), wrongTypes("email")...), wrongTypes("password")...) {
		res := a.do("POST", "/api/auth/login", c.body, "")
		if res.Status < 400 || res.Status > 499 || (c.status != 0 && res.Status != c.status) {
			t.Errorf("login %s: status %d; body %s", c.name, res.Status, res.Body)
		}
	}
	a.do("POST", "/api/user/create-user", `{"email":"h@b","password":"p"}`, a.Token, "Content-Type", "text/plain").expect(422, "")
	// Nothing was created by any of these.
	var users []string
	a.get("/api/user/list-users").expect(200, "").decode(&users)
	if !reflect.DeepEqual(users, []string{testEmail}) {
		t.Fatalf("list-users = %v", users)
	}
}
