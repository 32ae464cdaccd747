package handlers_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dtbase-go/dtbase/handlers"
)

// Framework-level behaviour (api-contract.md §1.1 and §1.3) seen through the router.

// fwNewAPI is newAPI with the server configuration adjusted by edit (for example a small body limit).
func fwNewAPI(t *testing.T, edit func(*handlers.Config)) *api {
	t.Helper()
	return newAPIWith(t, edit)
}

// raw sends body exactly as given with exactly the headers given (no Content-Type unless listed).
func (a *api) raw(method, path string, body []byte, headers ...string) *response {
	a.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, req)
	return &response{t: a.t, Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// decodeJSON decodes s with numbers as json.Number, for comparing bodies structurally.
func decodeJSON(t *testing.T, s []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("not JSON (%v): %s", err, s)
	}
	return v
}

// expectJSON fails unless the body is want as JSON (ignoring formatting and key order).
func (r *response) expectJSON(want string) *response {
	r.t.Helper()
	if got, exp := decodeJSON(r.t, r.Body), decodeJSON(r.t, []byte(want)); !reflect.DeepEqual(got, exp) {
		r.t.Fatalf("body\n  %s\nwant\n  %s", r.Body, want)
	}
	return r
}

// expectCompact fails unless the body is JSON without insignificant whitespace.
func (r *response) expectCompact() *response {
	r.t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, r.Body); err != nil {
		r.t.Fatalf("not JSON (%v): %s", err, r.Body)
	}
	if !bytes.Equal(buf.Bytes(), r.Body) {
		r.t.Fatalf("body is not compact JSON: %s", r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		r.t.Fatalf("Content-Type = %q, want application/json", ct)
	}
	return r
}

// validationErrors returns the error list of a 422 body.
func (r *response) validationErrors() []map[string]any {
	r.t.Helper()
	r.expect(422, "")
	var body struct {
		Detail []map[string]any `json:"detail"`
	}
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil || len(body.Detail) == 0 {
		r.t.Fatalf("422 body is not {\"detail\": [errors]}: %s", r.Body)
	}
	return body.Detail
}

func TestFrameworkNotFound(t *testing.T) {
	a := newAPI(t)
	for _, tc := range []struct{ method, path, token string }{
		{"GET", "/api/no-such-thing", ""},
		{"POST", "/api/sensor/no-such-endpoint", a.Token},
		{"GET", "/api/sensor/no-such-endpoint/", a.Token},
		{"POST", "/sensor/list-sensors", a.Token}, // the original's path without the /api prefix
		{"GET", "/api", ""},                       // no redirect to /api/, which does not exist either
		{"GET", "/api/", ""},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			a.t = t
			res := a.do(tc.method, tc.path, nil, tc.token).expect(404, "Not Found").expectCompact()
			if string(res.Body) != `{"detail":"Not Found"}` {
				t.Fatalf("body %s", res.Body)
			}
		})
	}
}

func TestFrameworkMethodNotAllowed(t *testing.T) {
	a := newAPI(t)
	for _, tc := range []struct{ method, path, allow, token string }{
		{"GET", "/api/sensor/list-sensors", "POST", a.Token},
		{"GET", "/api/sensor/list-sensors", "POST", ""}, // the method is checked before the token
		{"POST", "/api/sensor/list-measures", "GET", a.Token},
		{"PUT", "/api/auth/login", "POST", ""},
		{"DELETE", "/api/model/delete-model", "POST", a.Token},
		{"PATCH", "/api/sensor/edit-sensor", "POST", a.Token},
		{"POST", "/api/health", "GET", ""},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			a.t = t
			res := a.do(tc.method, tc.path, nil, tc.token).expect(405, "Method Not Allowed").expectCompact()
			if string(res.Body) != `{"detail":"Method Not Allowed"}` {
				t.Fatalf("body %s", res.Body)
			}
			allow := res.Header.Values("Allow")
			if !containsMethod(allow, tc.allow) {
				t.Fatalf("Allow header %q, want it to list %s (api-contract.md §1.1)", allow, tc.allow)
			}
		})
	}
}

// containsMethod reports whether Allow header values list method.
func containsMethod(values []string, method string) bool {
	for _, v := range values {
		for _, m := range strings.Split(v, ",") {
			if strings.TrimSpace(m) == method {
				return true
			}
		}
	}
	return false
}

// HEAD and OPTIONS are not served (api-contract.md §1.1).
func TestFrameworkHeadAndOptions(t *testing.T) {
	a := newAPI(t)
	for _, path := range []string{"/api/health", "/api/user/list-users", "/api/sensor/list-sensors"} {
		for _, method := range []string{"HEAD", "OPTIONS"} {
			if res := a.do(method, path, nil, a.Token); res.Status != 405 {
				t.Errorf("%s %s: status %d, want 405", method, path, res.Status)
			}
		}
	}
}

func TestFrameworkTrailingSlashRedirect(t *testing.T) {
	a := newAPI(t)
	for _, tc := range []struct{ method, path, want string }{
		{"POST", "/api/sensor/list-sensors/", "/api/sensor/list-sensors"},
		{"GET", "/api/health/", "/api/health"},
		{"GET", "/api/user/list-users/", "/api/user/list-users"},
		{"POST", "/api/auth/login/", "/api/auth/login"},
		// The original's framework (Starlette) redirects whenever the other path exists, whatever the
		// method; the canonical path then answers 405.
		{"GET", "/api/sensor/list-sensors/", "/api/sensor/list-sensors"},
		{"POST", "/api/health/", "/api/health"},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			a.t = t
			res := a.do(tc.method, tc.path, nil, "").expect(307, "")
			loc, err := url.Parse(res.Header.Get("Location"))
			if err != nil || loc.Path != tc.want {
				t.Fatalf("Location %q, want %s", res.Header.Get("Location"), tc.want)
			}
		})
	}
}

// Responses are compact UTF-8 JSON without escaping of non-ASCII characters or of <, > and &.
func TestFrameworkCompactUnescapedJSON(t *testing.T) {
	a := newAPI(t)
	const name = "Zürich <roof> & co"
	a.post("/api/sensor/insert-sensor-type", map[string]any{"name": "weather", "description": nil,
		"measures": []map[string]any{{"name": "temperature", "units": "°C", "datatype": "float"}}}).expect(201, "Sensor type inserted")
	a.post("/api/sensor/insert-sensor", map[string]any{"type_name": "weather", "unique_identifier": "zh-1", "name": name, "notes": "ünïcödé ✓ 温度"}).
		expect(201, "Sensor inserted")
	res := a.post("/api/sensor/list-sensors", map[string]any{}).expect(200, "").expectCompact()
	if want := `{"unique_identifier":"zh-1","name":"Zürich <roof> & co","notes":"ünïcödé ✓ 温度"`; !bytes.HasPrefix(res.Body, []byte("["+want)) {
		t.Fatalf("list-sensors body\n  %s\nwant it to start with\n  [%s", res.Body, want)
	}
	res = a.get("/api/sensor/list-measures").expect(200, "").expectCompact()
	if string(res.Body) != `[{"name":"temperature","units":"°C","datatype":"float"}]` {
		t.Fatalf("list-measures body %s", res.Body)
	}
	// Error bodies are compact as well, and echo inputs unescaped.
	res = a.do("POST", "/api/auth/login", `{"email":"<a> & ü"}`, "").expect(422, "").expectCompact()
	if !bytes.Contains(res.Body, []byte(`"input":{"email":"<a> & ü"}`)) {
		t.Fatalf("422 body %s", res.Body)
	}
}

func TestFrameworkValidationBodies(t *testing.T) {
	a := newAPI(t)
	missingBody := `{"detail":[{"type":"missing","loc":["body"],"msg":"Field required","input":null}]}`
	t.Run("no body", func(t *testing.T) {
		a.t = t
		a.raw("POST", "/api/auth/login", nil).expectCompact().expect(422, "").expectJSON(missingBody)
		a.raw("POST", "/api/auth/login", nil, "Content-Type", "application/json").expect(422, "").expectJSON(missingBody)
		a.raw("POST", "/api/auth/login", []byte(""), "Content-Type", "application/json").expect(422, "").expectJSON(missingBody)
		a.raw("POST", "/api/sensor/list-sensors", nil, "Authorization", "Bearer "+a.Token).expect(422, "").expectJSON(missingBody)
	})
	t.Run("null body", func(t *testing.T) {
		a.t = t
		a.do("POST", "/api/auth/login", "null", "").expect(422, "").expectJSON(missingBody)
	})
	t.Run("empty object to login", func(t *testing.T) {
		a.t = t
		a.do("POST", "/api/auth/login", "{}", "").expectCompact().expect(422, "").expectJSON(`{"detail":[` +
			`{"type":"missing","loc":["body","email"],"msg":"Field required","input":{}},` +
			`{"type":"missing","loc":["body","password"],"msg":"Field required","input":{}}]}`)
	})
	t.Run("wrong type", func(t *testing.T) {
		a.t = t
		a.do("POST", "/api/auth/login", `{"email":1,"password":"x"}`, "").expect(422, "").
			expectJSON(`{"detail":[{"type":"string_type","loc":["body","email"],"msg":"Input should be a valid string","input":1}]}`)
		for _, v := range []string{"true", "1.5", "null", "[]", "{}"} {
			errs := a.do("POST", "/api/auth/login", `{"email":"a@b","password":`+v+`}`, "").validationErrors()
			if len(errs) != 1 || errs[0]["type"] != "string_type" || !reflect.DeepEqual(errs[0]["loc"], []any{"body", "password"}) {
				t.Errorf("password %s: errors %v", v, errs)
			}
		}
	})
	t.Run("non-object body", func(t *testing.T) {
		a.t = t
		a.do("POST", "/api/auth/login", "[1]", "").expect(422, "").
			expectJSON(`{"detail":[{"type":"model_attributes_type","loc":["body"],"msg":"Input should be a valid dictionary or object to extract fields from","input":[1]}]}`)
		for _, body := range []string{`"x"`, `5`, `true`} {
			errs := a.do("POST", "/api/auth/login", body, "").validationErrors()
			if len(errs) != 1 || errs[0]["type"] != "model_attributes_type" || !reflect.DeepEqual(errs[0]["loc"], []any{"body"}) {
				t.Errorf("body %s: errors %v", body, errs)
			}
		}
	})
	t.Run("malformed JSON", func(t *testing.T) {
		a.t = t
		for _, body := range []string{`{"email": "a@b",`, `{"email": 'a'}`, `{"email":"a@b"} x`, `{`} {
			errs := a.do("POST", "/api/auth/login", body, "").validationErrors()
			e := errs[0]
			loc, _ := e["loc"].([]any)
			_, offsetIsNumber := func() (any, bool) {
				if len(loc) != 2 {
					return nil, false
				}
				n, ok := loc[1].(json.Number)
				return n, ok
			}()
			ctx, _ := e["ctx"].(map[string]any)
			if len(errs) != 1 || e["type"] != "json_invalid" || len(loc) != 2 || loc[0] != "body" || !offsetIsNumber ||
				e["msg"] != "JSON decode error" || !reflect.DeepEqual(e["input"], map[string]any{}) || ctx["error"] == nil {
				t.Errorf("body %s: errors %v", body, errs)
			}
		}
	})
	t.Run("NaN and Infinity are refused", func(t *testing.T) {
		a.t = t
		for _, v := range []string{"NaN", "Infinity", "-Infinity"} {
			res := a.post("/api/sensor/insert-sensor-readings", `{"measure_name":"m","unique_identifier":"u","readings":[`+v+`],"timestamps":["2023-03-29"]}`)
			if res.Status != 400 && res.Status != 422 {
				t.Errorf("%s: status %d, want 400 or 422 (api-contract.md §4.32); body %s", v, res.Status, res.Body)
			}
		}
	})
	t.Run("ValueType element of the wrong kind", func(t *testing.T) {
		a.t = t
		for _, elem := range []string{"null", "[1]", `{"a":1}`} {
			body := `{"measure_name":"m","unique_identifier":"u","readings":[` + elem + `],"timestamps":["2023-03-29T00:00:00"]}`
			want := `{"detail":[` +
				`{"type":"float_type","loc":["body","readings",0,"float"],"msg":"Input should be a valid number","input":` + elem + `},` +
				`{"type":"bool_type","loc":["body","readings",0,"bool"],"msg":"Input should be a valid boolean","input":` + elem + `},` +
				`{"type":"int_type","loc":["body","readings",0,"int"],"msg":"Input should be a valid integer","input":` + elem + `},` +
				`{"type":"string_type","loc":["body","readings",0,"str"],"msg":"Input should be a valid string","input":` + elem + `}]}`
			a.post("/api/sensor/insert-sensor-readings", body).expect(422, "").expectJSON(want)
		}
	})
	t.Run("non-JSON Content-Type", func(t *testing.T) {
		a.t = t
		body := []byte(`{"email":"` + testEmail + `","password":"` + testPassword + `"}`)
		for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "text/plain; charset=utf-8"} {
			errs := a.raw("POST", "/api/auth/login", body, "Content-Type", ct).validationErrors()
			if loc, _ := errs[0]["loc"].([]any); len(loc) == 0 || loc[0] != "body" {
				t.Errorf("Content-Type %s: errors %v", ct, errs)
			}
		}
		// JSON media types with parameters are JSON.
		a.raw("POST", "/api/auth/login", body, "Content-Type", "application/json; charset=utf-8").expect(200, "")
	})
	t.Run("no Content-Type is JSON", func(t *testing.T) {
		a.t = t
		body := []byte(`{"email":"` + testEmail + `","password":"` + testPassword + `"}`)
		req := httptest.NewRequest("POST", "/api/auth/login", bytes.NewReader(body))
		if _, ok := req.Header["Content-Type"]; ok {
			t.Fatal("the request has a Content-Type")
		}
		rec := httptest.NewRecorder()
		a.h.ServeHTTP(rec, req)
		if rec.Code != 200 || !bytes.Contains(rec.Body.Bytes(), []byte(`"access_token"`)) {
			t.Fatalf("status %d body %s", rec.Code, rec.Body)
		}
		a.raw("POST", "/api/sensor/list-sensors", []byte(`{}`), "Authorization", "Bearer "+a.Token).expect(200, "")
	})
	t.Run("unknown keys are ignored", func(t *testing.T) {
		a.t = t
		a.do("POST", "/api/auth/login", map[string]any{"email": testEmail, "password": testPassword, "csrf_token": "x", "nested": map[string]any{"a": []int{1}}}, "").
			expect(200, "")
		a.post("/api/sensor/insert-sensor-type", map[string]any{"name": "t", "measures": []map[string]any{{"name": "m", "units": nil, "datatype": "integer", "is_existing": false}}}).
			expect(201, "Sensor type inserted")
		a.post("/api/sensor/insert-sensor", map[string]any{"type_name": "t", "unique_identifier": "s", "csrf_token": "abc"}).expect(201, "Sensor inserted")
	})
}

// run_id accepts 5, 5.0 and "5", and rejects 5.5 and "abc" (Pydantic lax mode).
func TestFrameworkIntegerCoercion(t *testing.T) {
	a := newAPI(t)
	a.post("/api/model/insert-model", map[string]any{"name": "m"}).expect(201, "Model inserted")
	res := a.post("/api/model/insert-model-run", map[string]any{"model_name": "m", "scenario_description": "s",
		"measures_and_values": []any{}, "create_scenario": true, "sensor_unique_id": nil}).expect(201, "Model run inserted")
	var inserted struct {
		RunID json.Number `json:"run_id"`
	}
	res.decode(&inserted)
	id := inserted.RunID.String()
	if id == "" {
		t.Fatalf("insert-model-run answered no run_id: %s", res.Body)
	}
	for _, v := range []string{id, id + ".0", `"` + id + `"`, id + "e0"} {
		a.post("/api/model/get-model-run-sensor-measure", `{"run_id":`+v+`}`).expect(200, "").
			expectJSON(`{"sensor_unique_id":null,"sensor_measure":null}`)
		a.post("/api/model/get-model-run", `{"run_id":`+v+`}`).expect(200, "").expectJSON(`{}`)
	}
	// A different id that coerces is looked up as that id.
	a.post("/api/model/get-model-run-sensor-measure", `{"run_id":"999"}`).expect(400, "No such model run")

	for _, tc := range []struct{ value, typ, msg string }{
		{"5.5", "int_from_float", "Input should be a valid integer, got a number with a fractional part"},
		{`"abc"`, "int_parsing", "Input should be a valid integer, unable to parse string as an integer"},
		{`""`, "int_parsing", "Input should be a valid integer, unable to parse string as an integer"},
	} {
		a.post("/api/model/get-model-run", `{"run_id":`+tc.value+`}`).expect(422, "").
			expectJSON(`{"detail":[{"type":"` + tc.typ + `","loc":["body","run_id"],"msg":"` + tc.msg + `","input":` + tc.value + `}]}`)
	}
	for _, v := range []string{"null", "[5]", `{"a":5}`} {
		errs := a.post("/api/model/get-model-run", `{"run_id":`+v+`}`).validationErrors()
		if len(errs) != 1 || !reflect.DeepEqual(errs[0]["loc"], []any{"body", "run_id"}) {
			t.Errorf("run_id %s: errors %v", v, errs)
		}
	}
	a.post("/api/model/get-model-run", `{}`).expect(422, "").
		expectJSON(`{"detail":[{"type":"missing","loc":["body","run_id"],"msg":"Field required","input":{}}]}`)
}

// create_scenario accepts booleans, 0/1 and the usual strings in any case (Pydantic lax mode).
func TestFrameworkBooleanCoercion(t *testing.T) {
	a := newAPI(t)
	a.post("/api/model/insert-model", map[string]any{"name": "m"}).expect(201, "Model inserted")
	n := 0
	run := func(createScenario string) *response {
		n++
		body := fmt.Sprintf(`{"model_name":"m","scenario_description":"scenario %d","measures_and_values":[],"time_created":"2024-01-01T00:00:%02d","create_scenario":%s}`,
			n, n, createScenario)
		return a.post("/api/model/insert-model-run", body)
	}
	for _, v := range []string{"true", "1", `"true"`, `"TRUE"`, `"True"`, `"yes"`, `"YES"`, `"on"`, `"On"`, `"t"`, `"T"`, `"y"`, `"Y"`, `"1"`} {
		if res := run(v); res.Status != 201 {
			t.Errorf("create_scenario %s: status %d, want 201 (a new scenario); body %s", v, res.Status, res.Body)
		}
	}
	// False values: the scenario does not exist and is not created, so the run is refused, but the
	// body is valid (not 422).
	for _, v := range []string{"false", "0", `"false"`, `"False"`, `"no"`, `"NO"`, `"off"`, `"OFF"`, `"f"`, `"F"`, `"n"`, `"N"`, `"0"`} {
		if res := run(v); res.Status != 400 {
			t.Errorf("create_scenario %s: status %d, want 400 (unknown scenario); body %s", v, res.Status, res.Body)
		}
	}
	for _, v := range []string{"null", "2", "0.5", `"maybe"`, `""`, `"2"`, "[]", "{}"} {
		res := run(v)
		if res.Status != 422 {
			t.Errorf("create_scenario %s: status %d, want 422; body %s", v, res.Status, res.Body)
			continue
		}
		if errs := res.validationErrors(); len(errs) != 1 || !reflect.DeepEqual(errs[0]["loc"], []any{"body", "create_scenario"}) {
			t.Errorf("create_scenario %s: errors %v", v, errs)
		}
	}
	// Left out, it defaults to false.
	a.post("/api/model/insert-model-run", `{"model_name":"m","scenario_description":"absent","measures_and_values":[]}`).expect(400, "")
}

// Authentication is checked before the body: no token and no body gives 401, not 422.
func TestFrameworkAuthBeforeBody(t *testing.T) {
	a := newAPI(t)
	for _, path := range []string{"/api/sensor/list-sensors", "/api/user/create-user", "/api/service/list-runs", "/api/model/get-model-run"} {
		res := a.raw("POST", path, nil).expect(401, "Not authenticated").expectCompact()
		if res.Header.Get("WWW-Authenticate") != "Bearer" {
			t.Errorf("%s: WWW-Authenticate %q, want Bearer", path, res.Header.Get("WWW-Authenticate"))
		}
		a.do("POST", path, map[string]any{"unexpected": []int{1}}, "").expect(401, "Not authenticated")
	}
}

func TestFrameworkBodyTooLarge(t *testing.T) {
	a := fwNewAPI(t, func(c *handlers.Config) { c.MaxBodyBytes = 1024 })
	big := `{"email":"` + testEmail + `","password":"` + strings.Repeat("x", 2000) + `"}`
	res := a.do("POST", "/api/auth/login", big, "").expectCompact()
	if res.Status != http.StatusRequestEntityTooLarge || res.Detail() == "" {
		t.Fatalf("status %d, want 413 with a detail; body %s", res.Status, res.Body)
	}
	a.post("/api/sensor/list-sensors", `{"type_name":"`+strings.Repeat("y", 1100)+`"}`).expect(413, "")
	// Just under the limit is fine.
	fits := `{"type_name":"` + strings.Repeat("y", 1000) + `"}`
	if len(fits) > 1024 {
		t.Fatal("test body too big")
	}
	a.post("/api/sensor/list-sensors", fits).expect(200, "")
	// The limit is on the bytes read, not on the declared length.
	req := httptest.NewRequest("POST", "/api/auth/login", strings.NewReader(big))
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("chunked body: status %d, want 413; body %s", rec.Code, rec.Body)
	}
}

func TestFrameworkJSONDepth(t *testing.T) {
	a := newAPI(t)
	nested := func(depth int) string { // {"email": [[...]], ...} nested depth levels in all
		return `{"email":` + strings.Repeat("[", depth-1) + strings.Repeat("]", depth-1) + `,"password":"x"}`
	}
	res := a.do("POST", "/api/auth/login", nested(65), "").expect(400, "").expectCompact()
	if res.Detail() == "" {
		t.Fatalf("400 without a detail: %s", res.Body)
	}
	a.post("/api/sensor/list-sensors", `{"x":`+strings.Repeat(`{"a":`, 70)+`1`+strings.Repeat(`}`, 70)+`}`).expect(400, "")
	// 64 levels are still parsed (and then fail validation: email is not a string).
	errs := a.do("POST", "/api/auth/login", nested(64), "").validationErrors()
	if len(errs) != 1 || errs[0]["type"] != "string_type" {
		t.Fatalf("errors %v", errs)
	}
	// Brackets inside strings do not count.
	a.do("POST", "/api/auth/login", `{"email":"`+strings.Repeat("[{", 100)+`","password":"x"}`, "").expect(401, "Incorrect email or password")
}

func TestFrameworkHealth(t *testing.T) {
	a := newAPI(t)
	res := a.do("GET", "/api/health", nil, "").expect(200, "").expectCompact()
	if string(res.Body) != `{"status":"ok","database":"ok"}` {
		t.Fatalf("body %s", res.Body)
	}
}

// GET / is the Functions host's readiness probe: it answers at once, without a token, without the
// database and before start-up work is done.
func TestFrameworkRootProbe(t *testing.T) {
	never := make(chan struct{}) // start-up never finishes
	srv := handlers.New(nil, handlers.Config{JWTSecret: []byte(testSecret), AccessTokenTTL: time.Hour, RefreshTokenGrace: time.Hour},
		slog.New(slog.NewTextHandler(io.Discard, nil)), never)
	h := srv.Routes()
	done := make(chan *httptest.ResponseRecorder, 1)
	go func() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		done <- rec
	}()
	select {
	case rec := <-done:
		if rec.Code != 200 {
			t.Fatalf("GET /: status %d, want 200; body %s", rec.Code, rec.Body)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("GET / waits for start-up or the database")
	}
}

// Datetimes are read as Pydantic reads them (api-contract.md §1.4); naive values are UTC.
func TestFrameworkDatetimeParsing(t *testing.T) {
	a := newAPI(t)
	a.post("/api/sensor/insert-sensor-type", map[string]any{"name": "weather",
		"measures": []map[string]any{{"name": "temperature", "units": "C", "datatype": "float"}}}).expect(201, "")
	const midnight = "2023-03-29T00:00:00Z"
	for i, tc := range []struct {
		in   string // a JSON value
		want string
	}{
		{`"2023-03-29T00:00:00"`, midnight},
		{`"2023-03-29 00:00:00"`, midnight},
		{`"2023-03-29T00:00"`, midnight},
		{`"2023-03-29"`, midnight},
		{`"2023-03-29T02:00:00+02:00"`, midnight},
		{`"2023-03-28T19:00:00-05:00"`, midnight},
		{`"2023-03-29T00:00:00Z"`, midnight},
		{`"2023-03-29T00:00:00.5Z"`, "2023-03-29T00:00:00.500000Z"},
		{`"2023-03-29T00:00:00.123456"`, "2023-03-29T00:00:00.123456Z"},
		{`1680048000`, midnight},
		{`"1680048000"`, midnight},
		{`1680048000000`, midnight},
		{`"1680048000000"`, midnight},
		{`1680048000.5`, "2023-03-29T00:00:00.500000Z"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			a.t = t
			uid := fmt.Sprintf("dt-%d", i)
			a.post("/api/sensor/insert-sensor", map[string]any{"type_name": "weather", "unique_identifier": uid}).expect(201, "")
			a.post("/api/sensor/insert-sensor-readings", `{"measure_name":"temperature","unique_identifier":"`+uid+`","readings":[1.5],"timestamps":[`+tc.in+`]}`).
				expect(201, "Sensor readings inserted")
			a.post("/api/sensor/sensor-readings", map[string]any{"measure_name": "temperature", "unique_identifier": uid,
				"dt_from": "2000-01-01T00:00:00Z", "dt_to": "2100-01-01T00:00:00Z"}).expect(200, "").
				expectJSON(`[{"value":1.5,"timestamp":"` + tc.want + `"}]`)
			// The same input also works as a range bound, and both ends are inclusive.
			a.post("/api/sensor/sensor-readings", `{"measure_name":"temperature","unique_identifier":"`+uid+`","dt_from":`+tc.in+`,"dt_to":`+tc.in+`}`).
				expect(200, "").expectJSON(`[{"value":1.5,"timestamp":"` + tc.want + `"}]`)
		})
	}
	a.t = t
	a.post("/api/sensor/insert-sensor", map[string]any{"type_name": "weather", "unique_identifier": "bad"}).expect(201, "")
	for _, in := range []string{`"2023-02-30"`, `"yesterday"`, `"2023-03-29T25:00:00"`, `"2023-13-01"`, `"2023-03-29T00:60:00"`, `""`, `true`, `null`, `"2023-03-29T00:00:00+25:00"`} {
		errs := a.post("/api/sensor/insert-sensor-readings", `{"measure_name":"temperature","unique_identifier":"bad","readings":[1.5],"timestamps":[`+in+`]}`).
			validationErrors()
		if len(errs) != 1 || !reflect.DeepEqual(errs[0]["loc"], []any{"body", "timestamps", json.Number("0")}) {
			t.Errorf("timestamp %s: errors %v", in, errs)
		}
	}
	// Nothing was stored for the invalid ones.
	a.post("/api/sensor/sensor-readings", map[string]any{"measure_name": "temperature", "unique_identifier": "bad",
		"dt_from": "0001-01-01", "dt_to": "9999-12-31"}).expect(200, "").expectJSON(`[]`)
}
