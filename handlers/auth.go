package handlers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"

	"github.com/dtbase-go/dtbase/dbcore"
)

// defaultBcryptCost matches the original's hashes ($2b$12$...).
const defaultBcryptCost = 12

// claims are the JWT claims exactly as the original writes them, in its order (api-contract.md §1.2),
// so that tokens are interchangeable between the two implementations sharing a secret.
type claims struct {
	Sub       string `json:"sub"`
	TokenType string `json:"token_type"`
	Exp       int64  `json:"exp"`
}

func (c claims) GetExpirationTime() (*jwt.NumericDate, error) {
	return jwt.NewNumericDate(time.Unix(c.Exp, 0)), nil
}
func (c claims) GetIssuedAt() (*jwt.NumericDate, error)  { return nil, nil }
func (c claims) GetNotBefore() (*jwt.NumericDate, error) { return nil, nil }
func (c claims) GetIssuer() (string, error)              { return "", nil }
func (c claims) GetSubject() (string, error)             { return c.Sub, nil }
func (c claims) GetAudience() (jwt.ClaimStrings, error)  { return nil, nil }

// rawClaims checks that each claim is present and of the right JSON type before it is trusted.
type rawClaims struct {
	Sub       *string `json:"sub"`
	TokenType *string `json:"token_type"`
	Exp       *int64  `json:"exp"`
}

const (
	accessToken  = "access"
	refreshToken = "refresh"
)

var (
	errNotAuthenticated = &apiError{status: http.StatusUnauthorized, detail: "Not authenticated", header: http.Header{"Www-Authenticate": {"Bearer"}}}
	errExpired          = &apiError{status: http.StatusUnauthorized, detail: "Token has expired"}
	errBadCredentials   = &apiError{status: http.StatusUnauthorized, detail: "Could not validate credentials"}
	errWrongType        = &apiError{status: http.StatusUnauthorized, detail: "Token of wrong type"}
	errBadLogin         = &apiError{status: http.StatusUnauthorized, detail: "Incorrect email or password"}
)

type tokenPair struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
}

func (s *Server) issueTokens(email string) (tokenPair, error) {
	now := s.now()
	sign := func(typ string, ttl time.Duration) (string, error) {
		c := claims{Sub: email, TokenType: typ, Exp: now.Add(ttl).Unix()}
		return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(s.cfg.JWTSecret)
	}
	access, err := sign(accessToken, s.cfg.AccessTokenTTL)
	if err != nil {
		return tokenPair{}, err
	}
	refresh, err := sign(refreshToken, s.cfg.AccessTokenTTL+s.cfg.RefreshTokenGrace)
	if err != nil {
		return tokenPair{}, err
	}
	return tokenPair{AccessToken: access, RefreshToken: refresh}, nil
}

// bearerToken finds the token: X-DT-Authorization first (Static Web Apps overwrites Authorization on
// proxied calls), then Authorization. The scheme word is matched case-insensitively.
func bearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("X-DT-Authorization")
	if h == "" {
		h = r.Header.Get("Authorization")
	}
	// Like the original, "Bearer" with nothing after it is a (malformed) bearer token, not a
	// missing one.
	scheme, token, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "bearer") {
		return "", false
	}
	return token, true
}

// caller is the authenticated user of a request.
type caller struct {
	email string
	role  string
}

// authenticate verifies the request's token and that its user still exists, and checks its type.
// A token issued before its user's last password change is refused; its issue time is its expiry
// less its lifetime, so the original's tokens (which carry no iat) are judged alike.
func (s *Server) authenticate(r *http.Request, wantType string) (caller, error) {
	token, ok := bearerToken(r)
	if !ok {
		return caller{}, errNotAuthenticated
	}
	parser := jwt.NewParser(jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired(), jwt.WithTimeFunc(s.now))
	var raw rawClaims
	// First pass: claim presence and types. The signature is verified in the same call.
	if _, err := parser.ParseWithClaims(token, &rawMapClaims{&raw}, s.key); err != nil {
		if errors.Is(err, jwt.ErrTokenExpired) {
			return caller{}, errExpired
		}
		return caller{}, errBadCredentials
	}
	if raw.Sub == nil || raw.TokenType == nil || raw.Exp == nil {
		return caller{}, errBadCredentials
	}
	user, ok := s.users.lookup(*raw.Sub)
	if !ok {
		epoch := s.users.currentEpoch()
		var exists bool
		var err error
		user, exists, err = s.db.AuthUser(r.Context(), *raw.Sub)
		if de, ok := dbcore.AsError(err); ok && de.Kind == dbcore.KindInvalid {
			return caller{}, errBadCredentials // a sub that cannot name a user, e.g. one with a NUL byte
		}
		if err != nil {
			return caller{}, err
		}
		if !exists {
			return caller{}, errBadCredentials
		}
		s.users.add(*raw.Sub, user, epoch)
	}
	if *raw.TokenType != wantType {
		return caller{}, errWrongType
	}
	lifetime := s.cfg.AccessTokenTTL
	if wantType == refreshToken {
		lifetime += s.cfg.RefreshTokenGrace
	}
	issued := time.Unix(*raw.Exp, 0).Add(-lifetime)
	if user.PasswordChangedAt != nil && issued.Before(user.PasswordChangedAt.Truncate(time.Second)) {
		return caller{}, errBadCredentials
	}
	return caller{email: *raw.Sub, role: user.Role}, nil
}

var errNotPermitted = &apiError{status: http.StatusForbidden, detail: "Not permitted"}

func (s *Server) key(t *jwt.Token) (any, error) { return s.cfg.JWTSecret, nil }

// rawMapClaims lets the parser validate exp while the claim types are checked by rawClaims.
type rawMapClaims struct{ *rawClaims }

func (c rawMapClaims) GetExpirationTime() (*jwt.NumericDate, error) {
	if c.Exp == nil {
		return nil, nil
	}
	return jwt.NewNumericDate(time.Unix(*c.Exp, 0)), nil
}
func (c rawMapClaims) GetIssuedAt() (*jwt.NumericDate, error)  { return nil, nil }
func (c rawMapClaims) GetNotBefore() (*jwt.NumericDate, error) { return nil, nil }
func (c rawMapClaims) GetIssuer() (string, error)              { return "", nil }
func (c rawMapClaims) GetSubject() (string, error)             { return "", nil }
func (c rawMapClaims) GetAudience() (jwt.ClaimStrings, error)  { return nil, nil }

// requireAccess lets a request through only with a valid access token of an existing user, and,
// with admin set, only for admins.
func (s *Server) requireAccess(next http.Handler, admin bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := s.authenticate(r, accessToken)
		if err == nil && admin && c.role != dbcore.RoleAdmin {
			err = errNotPermitted
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey, c)))
	})
}

// currentCaller returns the authenticated user of a request.
func currentCaller(ctx context.Context) caller {
	c, _ := ctx.Value(userKey).(caller)
	return c
}

// checkPassword compares password with a stored bcrypt hash. Like Python's bcrypt it uses only the
// first 72 bytes, so hashes made by the original keep verifying.
func checkPassword(hash []byte, password string) bool {
	return bcrypt.CompareHashAndPassword(hash, truncate72(password)) == nil
}

// hashPassword hashes like the original: only the first 72 bytes count, and the hash is labelled
// "$2b$" as Python's bcrypt writes it (Go's "$2a$" output is the same algorithm for passwords of at
// most 72 bytes, and both labels verify in either implementation).
func hashPassword(password string, cost int) ([]byte, error) {
	hash, err := bcrypt.GenerateFromPassword(truncate72(password), cost)
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	if bytes.HasPrefix(hash, []byte("$2a$")) {
		hash[2] = 'b'
	}
	return hash, nil
}

func truncate72(password string) []byte {
	b := []byte(password)
	if len(b) > 72 {
		b = b[:72]
	}
	return b
}

// dummyHash is compared against when the email is unknown, so that a login takes as long whether
// or not the user exists. It has the cost of new hashes.
func (s *Server) dummyHash() []byte {
	s.dummyOnce.Do(func() { s.dummy, _ = bcrypt.GenerateFromPassword([]byte("dtbase-no-such-user"), s.cfg.BcryptCost) })
	return s.dummy
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	body, err := s.decodeBody(r, false)
	if err != nil {
		return err
	}
	email, password := body.str("email"), body.str("password")
	if err := body.err(); err != nil {
		return err
	}
	address := clientAddress(r)
	if wait := s.logins.wait(email, address); wait > 0 {
		return tooManyLogins(wait)
	}
	hash, err := s.db.UserPasswordHash(r.Context(), email)
	if de, ok := dbcore.AsError(err); ok && de.Kind == dbcore.KindInvalid {
		// An unknown email costs the same time and allowance as a wrong password: no enumeration.
		checkPassword(s.dummyHash(), password)
		s.logins.failed(email, address)
		return errBadLogin
	}
	if err != nil {
		return err
	}
	if !checkPassword(hash, password) {
		s.logins.failed(email, address)
		return errBadLogin
	}
	pair, err := s.issueTokens(email)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pair)
	return nil
}

func (s *Server) refresh(w http.ResponseWriter, r *http.Request) error {
	c, err := s.authenticate(r, refreshToken)
	if err != nil {
		return err
	}
	pair, err := s.issueTokens(c.email)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pair)
	return nil
}

// emailPattern is the original's check (api-contract.md §2.2).
var emailPattern = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._%+-]*@[A-Za-z0-9.-]*[A-Za-z0-9]$`)

// listUsers answers the original's list of emails, or, with ?with_roles=true, {email, role} objects.
func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) error {
	if r.URL.Query().Get("with_roles") == "true" {
		users, err := s.db.ListUserInfos(r.Context())
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, users)
		return nil
	}
	users, err := s.db.ListUsers(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, users)
	return nil
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) error {
	body, err := s.decodeBody(r, false)
	if err != nil {
		return err
	}
	email, password := body.str("email"), body.str("password")
	role := dbcore.RoleUser
	if v := body.optStr("role"); v != nil {
		role = *v
	}
	if err := body.err(); err != nil {
		return err
	}
	if role != dbcore.RoleUser && role != dbcore.RoleAdmin {
		return badRequest("role must be admin or user")
	}
	if !emailPattern.MatchString(email) {
		return badRequest("Not a valid email address")
	}
	hash, err := hashPassword(password, s.cfg.BcryptCost)
	if err != nil {
		return err
	}
	if err := s.db.CreateUserWithRole(r.Context(), email, hash, role); err != nil {
		return err
	}
	writeDetail(w, http.StatusCreated, "User created")
	return nil
}

func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request) error {
	body, err := s.decodeBody(r, false)
	if err != nil {
		return err
	}
	email := body.str("email")
	if err := body.err(); err != nil {
		return err
	}
	defer s.users.forget(email) // at once here; other instances hear of it from the database
	if err := s.db.DeleteUser(r.Context(), email); err != nil {
		return err
	}
	writeDetail(w, http.StatusOK, "User deleted")
	return nil
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) error {
	body, err := s.decodeBody(r, false)
	if err != nil {
		return err
	}
	email, password := body.str("email"), body.str("password")
	if err := body.err(); err != nil {
		return err
	}
	// Anyone may change their own password; only admins another's.
	if c := currentCaller(r.Context()); c.email != email && c.role != dbcore.RoleAdmin {
		return errNotPermitted
	}
	hash, err := hashPassword(password, s.cfg.BcryptCost)
	if err != nil {
		return err
	}
	defer s.users.forget(email)
	if err := s.db.SetPassword(r.Context(), email, hash); err != nil {
		return err
	}
	writeDetail(w, http.StatusOK, "Password changed")
	return nil
}

// SetUpDefaultUser makes default_user@localhost an admin with password; its password is reset
// only when it differs, so restarts and new instances do not invalidate its tokens. With an empty
// password it deletes the user (api-contract.md §1.6, with its fix).
func SetUpDefaultUser(ctx context.Context, db *dbcore.DB, password string) error {
	if password == "" {
		return db.DeleteUserIfExists(ctx, dbcore.DefaultUserEmail)
	}
	if hash, err := db.UserPasswordHash(ctx, dbcore.DefaultUserEmail); err == nil && checkPassword(hash, password) {
		return db.MakeAdmin(ctx, dbcore.DefaultUserEmail)
	}
	hash, err := hashPassword(password, defaultBcryptCost)
	if err != nil {
		return err
	}
	return db.UpsertAdmin(ctx, dbcore.DefaultUserEmail, hash)
}
