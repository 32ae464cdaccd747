package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/dtbase-go/dtbase/dbcore"
	"github.com/dtbase-go/dtbase/dbcore/dbtest"
	"github.com/dtbase-go/dtbase/handlers"
)

// fuzzServer is one server and database shared by all inputs of a fuzzing process, seeded with
// objects of every kind so that inputs reach the deeper checks.
var fuzzServer = sync.OnceValues(func() (*fuzzTarget, error) {
	ctx := context.Background()
	url, err := dbtest.NewLongLivedURL()
	if err != nil {
		return nil, err
	}
	db, err := dbcore.Open(ctx, url, dbcore.Options{})
	if err != nil {
		return nil, err
	}
	hash, _ := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	if err := db.CreateUser(ctx, testEmail, hash); err != nil {
		return nil, err
	}
	srv := handlers.New(db, handlers.Config{JWTSecret: []byte(testSecret), AccessTokenTTL: time.Hour, RefreshTokenGrace: time.Hour,
		ServiceTimeout: time.Second, BcryptCost: bcrypt.MinCost}, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	ft := &fuzzTarget{h: srv.Routes()}
	login := ft.post("/api/auth/login", []byte(`{"email":"test@test.com","password":"test"}`), "")
	var tk tokens
	if err := json.Unmarshal(login.Body.Bytes(), &tk); err != nil {
		return nil, err
	}
	ft.token = tk.AccessToken
	for _, seed := range []struct{ path, body string }{
		{"/api/sensor/insert-sensor-type", `{"name":"weather","measures":[{"name":"temperature","units":"K","datatype":"float"},{"name":"n","units":null,"datatype":"integer"},{"name":"b","units":null,"datatype":"boolean"},{"name":"s","units":"","datatype":"string"}]}`},
		{"/api/sensor/insert-sensor", `{"type_name":"weather","unique_identifier":"S1"}`},
		{"/api/location/insert-location-schema", `{"name":"xy","description":null,"identifiers":[{"name":"x","units":"m","datatype":"float"},{"name":"y","units":"m","datatype":"float"}]}`},
		{"/api/location/insert-location-for-schema", `{"schema_name":"xy","coordinates":{"x":1.0,"y":2.0}}`},
		{"/api/model/insert-model", `{"name":"M"}`},
		{"/api/model/insert-model-scenario", `{"model_name":"M","description":"sc"}`},
		{"/api/model/insert-model-measure", `{"name":"mean","units":"K","datatype":"float"}`},
		{"/api/service/insert-service", `{"name":"svc","url":"http://127.0.0.1:9/x","http_method":"POST"}`},
		{"/api/service/insert-parameter-set", `{"service_name":"svc","name":"p","parameters":{}}`},
	} {
		if res := ft.post(seed.path, []byte(seed.body), ft.token); res.Code >= 300 {
			return nil, io.ErrUnexpectedEOF
		}
	}
	return ft, nil
})

type fuzzTarget struct {
	h     http.Handler
	token string
}

func (f *fuzzTarget) post(path string, body []byte, token string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return rec
}

// FuzzEndpoints posts arbitrary bodies to every POST endpoint: no input may produce a 5xx (other
// than 502 from run-service, whose service is unreachable by design) or a non-JSON answer.
func FuzzEndpoints(f *testing.F) {
	var posts []string
	for _, e := range handlers.Endpoints() {
		if e.Method == "POST" && e.Path != "/api/auth/login" {
			posts = append(posts, e.Path)
		}
	}
	for i := range posts {
		for _, body := range []string{`{}`, `null`, `[]`, `{"name":null}`, `{"unique_identifier":"S1","measure_name":"temperature","readings":[1e308,-0.0],"timestamps":["9999-12-31T23:59:59Z","0001-01-01"]}`,
			`{"schema_name":"xy","coordinates":{"x":"1","y":true}}`, `{"model_name":"M","scenario_description":"sc","measures_and_values":[{"measure_name":"mean","values":[1],"timestamps":[1e20]}]}`,
			`{"service_name":"svc","parameters":[[[[[]]]]]}`, `{"run_id":99999999999999999999}`, `{"type_name":"` + string(bytes.Repeat([]byte("é"), 120)) + `"}`,
			"{\"name\":\"a\\u0000b\"}", `{"email":"a@b","password":"x"}`} {
			f.Add(uint8(i), []byte(body))
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		ft, err := fuzzServer()
		if err != nil {
			t.Fatal(err)
		}
		path := posts[int(which)%len(posts)]
		res := ft.post(path, body, ft.token)
		if res.Code >= 500 && !(res.Code == 502 && path == "/api/service/run-service") {
			t.Fatalf("%s with %q: %d %s", path, body, res.Code, res.Body)
		}
		if !json.Valid(res.Body.Bytes()) {
			t.Fatalf("%s with %q: answer is not JSON: %q", path, body, res.Body)
		}
	})
}
