package handlers

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"testing"
)

// FuzzDecodeBody checks the one-pass JSON scanner against encoding/json: both agree on what is
// valid JSON, every getter copes with any object, and nothing panics.
func FuzzDecodeBody(f *testing.F) {
	for _, seed := range []string{
		`{}`, `null`, `[1]`, `{"a":1}`, `{"readings":[1,2.5,true,"x"],"timestamps":["2024-01-01",1700000000]}`,
		`{"a":"\u00e9\ud83d\ude00","b":[[[]]]}`, `{"x":1e400}`, `{"x":-0}`, `{"x":01}`, `{"a":1,}`, `{"a" 1}`, `"\x00"`,
		`{"readings":[null],"timestamps":[{}]}`, `{"coordinates":{"x":1,"y":[1]}}`, `{"measures":[{"name":1,"units":null}]}`,
		"{\"s\":\"\xff\"}", `[` + string(bytes.Repeat([]byte("["), 70)), `{"a":"\q"}`, ` {"a":1} `, `{"a":1}{}`, `{"run_id":"5"}`,
	} {
		f.Add([]byte(seed))
	}
	s := New(nil, Config{}, nil, nil)
	f.Fuzz(func(t *testing.T, data []byte) {
		body, err := s.decodeBody(httptest.NewRequest("POST", "/", bytes.NewReader(data)), true)
		trimmed := bytes.TrimSpace(data)
		valid := json.Valid(trimmed)
		var ve validationError
		isJSONInvalid := err != nil && errorsAs(err, &ve) && len(ve) == 1 && ve[0].Type == "json_invalid"
		switch {
		case len(trimmed) == 0:
			if body != nil || err != nil {
				t.Fatalf("empty optional body: %v %v", body, err)
			}
			return
		case valid && isJSONInvalid:
			t.Fatalf("valid JSON %q refused as invalid", data)
		case !valid && err == nil:
			t.Fatalf("invalid JSON %q accepted", data)
		}
		if body == nil {
			return
		}
		// Every getter on every key: no panic, and errors stay errors.
		for key := range body.raw {
			_ = body.str(key)
			_ = body.optStr(key)
			_ = body.integer(key)
			_ = body.boolean(key, false)
			_ = body.optDatetime(key, s.now())
			_ = body.values(key)
			_ = body.datetimes(key)
			_ = body.coordinates(key, false)
			body.objects(key, func(_ int, e *object) { _ = e.str("name"); _ = e.values("values") })
		}
		if err := body.err(); err != nil {
			if _, ok := err.(validationError); !ok {
				t.Fatalf("getter error of type %T", err)
			}
			if _, err := json.Marshal(err); err != nil {
				t.Fatalf("422 body cannot be encoded: %v", err)
			}
		}
	})
}

func errorsAs(err error, target *validationError) bool {
	v, ok := err.(validationError)
	if ok {
		*target = v
	}
	return ok
}
