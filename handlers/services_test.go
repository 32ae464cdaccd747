package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dtbase-go/dtbase/dbcore"
	"github.com/dtbase-go/dtbase/handlers"
)

// The original's service test data (api-contract.md §3.1).
const (
	svcName1     = "Get me some milk"
	svcName2     = "Collect honey"
	svcSet1      = "Half a pint of skimmed"
	svcSet2      = "Lavender"
	svcSet1JSON  = `{"milk_type":"skimmed","quantity":0.5}`
	svcSet2JSON  = `{"honey_type":"lavender"}`
	svcU1JSON    = `{"milk_type":"whole","quantity":1}`
	svcMilkJSON  = `{"message":"Here's your milk"}`
	svcHoneyJSON = `{"message":"Here's your honey"}`
)

// svcRequest is what a fake service received.
type svcRequest struct {
	Method, Path, ContentType, Authorization, Body string
	ContentLength                                  int64
}

// fakeService is a service on 127.0.0.1 that records its requests and answers each with one
// status and body.
type fakeService struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []svcRequest
}

func startFakeService(t *testing.T, status int, body string) *fakeService {
	t.Helper()
	f := &fakeService{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.reqs = append(f.reqs, svcRequest{r.Method, r.URL.Path, r.Header.Get("Content-Type"), r.Header.Get("Authorization") + r.Header.Get("X-DT-Authorization"), string(data), r.ContentLength})
		f.mu.Unlock()
		if body != "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(f.Close)
	return f
}

// requests returns the requests received so far and forgets them.
func (f *fakeService) requests() []svcRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.reqs
	f.reqs = nil
	return r
}

// jsonRequest is a request with a JSON body, as the services receive them.
func jsonRequest(method, body string) svcRequest {
	return svcRequest{Method: method, Path: "/", ContentType: "application/json", Body: body, ContentLength: int64(len(body))}
}

// runRecord is one list-runs record in the original's key order.
func runRecord(service string, set *string, params, response string, status int, ts string) string {
	setJSON := "null"
	if set != nil {
		setJSON = fmt.Sprintf("%q", *set)
	}
	return fmt.Sprintf(`{"service_name":%q,"parameter_set_name":%s,"parameters":%s,"response_json":%s,"response_status_code":%d,"timestamp":%q}`,
		service, setJSON, params, response, status, ts)
}

func ptr(s string) *string { return &s }

func insertService(a *api, name, url, method string) {
	a.t.Helper()
	a.post("/api/service/insert-service", map[string]string{"name": name, "url": url, "http_method": method}).expect(201, "Service created successfully.")
}

func insertParameterSet(a *api, service, name, params string) {
	a.t.Helper()
	a.post("/api/service/insert-parameter-set", fmt.Sprintf(`{"service_name":%q,"name":%q,"parameters":%s}`, service, name, params)).
		expect(201, "Parameter set created successfully.")
}

func TestServicesInsertListDelete(t *testing.T) {
	a := newAPI(t)
	services := func() string { return listRaw(a, "GET", "/api/service/list-services", nil) }
	if got := services(); got != "[]" {
		t.Fatalf("empty list-services = %s", got)
	}
	insertService(a, svcName1, "http://dairyland.com/milk", "GET")
	insertService(a, svcName2, "http://beesknees.net/nectar-of-the-gods", "POST")
	both := `[{"name":"Get me some milk","url":"http://dairyland.com/milk","http_method":"GET"},{"name":"Collect honey","url":"http://beesknees.net/nectar-of-the-gods","http_method":"POST"}]`
	if got := services(); got != both {
		t.Fatalf("list-services = %s, want %s", got, both)
	}
	a.post("/api/service/insert-service", map[string]string{"name": svcName1, "url": "http://other.example/", "http_method": "PUT"}).expect(409, "Service already exists.")
	for _, m := range []string{"get", "PATCH", "HEAD", "", " GET"} {
		a.post("/api/service/insert-service", map[string]string{"name": "m" + m, "url": "http://x.example/", "http_method": m}).
			expect(400, "http_method must be one of GET, POST, PUT, DELETE")
	}
	for _, u := range []string{"dairyland.com/milk", "ftp://dairyland.com/milk", "file:///etc/passwd", "http://", "", "javascript:alert(1)", "http://%zz/"} {
		a.post("/api/service/insert-service", map[string]string{"name": "u" + u, "url": u, "http_method": "GET"}).
			expect(400, "Service URL must be an absolute http or https URL")
	}
	// Link-local and cloud metadata addresses are refused (SSRF, 4.24).
	for _, u := range []string{"http://169.254.169.254/latest/meta-data/", "https://169.254.1.1:8443/x", "http://[fe80::1]/", "http://[::ffff:169.254.169.254]/", "http://[fd00:ec2::254]/", "http://0.0.0.0:80/", "http://[::]/"} {
		a.post("/api/service/insert-service", map[string]string{"name": "ip" + u, "url": u, "http_method": "GET"}).
			expect(400, "Service URL must not point at a link-local or cloud metadata address")
	}
	if got := services(); got != both {
		t.Fatalf("refused inserts changed list-services: %s", got)
	}
	a.post("/api/service/delete-service", map[string]string{"name": "This ain't no service"}).expect(400, "Service does not exist.")
	if got := services(); got != both {
		t.Fatalf("list-services after a refused delete = %s", got)
	}
	a.post("/api/service/delete-service", map[string]string{"name": svcName1}).expect(200, "Service deleted successfully.")
	if got := services(); got != `[{"name":"Collect honey","url":"http://beesknees.net/nectar-of-the-gods","http_method":"POST"}]` {
		t.Fatalf("list-services after delete = %s", got)
	}
	a.post("/api/service/delete-service", map[string]string{"name": svcName1}).expect(400, "Service does not exist.")
	// Every method of the enum is accepted.
	for _, m := range []string{"GET", "POST", "PUT", "DELETE"} {
		insertService(a, "method "+m, "https://x.example:8443/a?b=c", m)
	}
}

func TestParameterSets(t *testing.T) {
	a := newAPI(t)
	sets := func(body any) string { return listRaw(a, "POST", "/api/service/list-parameter-sets", body) }
	if got := sets(nil); got != "[]" {
		t.Fatalf("empty list-parameter-sets = %s", got)
	}
	insertService(a, svcName1, "http://dairyland.com/milk", "GET")
	insertService(a, svcName2, "http://beesknees.net/nectar-of-the-gods", "POST")
	insertParameterSet(a, svcName1, svcSet1, svcSet1JSON)
	insertParameterSet(a, svcName2, svcSet2, svcSet2JSON)
	np1 := fmt.Sprintf(`{"service_name":%q,"name":%q,"parameters":%s}`, svcName1, svcSet1, svcSet1JSON)
	np2 := fmt.Sprintf(`{"service_name":%q,"name":%q,"parameters":%s}`, svcName2, svcSet2, svcSet2JSON)
	for _, c := range []struct {
		name string
		body any
		want string
	}{
		{"no body", nil, "[" + np1 + "," + np2 + "]"},
		{"null body", "null", "[" + np1 + "," + np2 + "]"},
		{"empty object", map[string]any{}, "[" + np1 + "," + np2 + "]"},
		{"null service", map[string]any{"service_name": nil}, "[" + np1 + "," + np2 + "]"},
		{"service 1", map[string]any{"service_name": svcName1}, "[" + np1 + "]"},
		{"service 2", map[string]any{"service_name": svcName2}, "[" + np2 + "]"},
		{"unknown service", map[string]any{"service_name": "nope"}, "[]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := listRaw(a.withT(t), "POST", "/api/service/list-parameter-sets", c.body); got != c.want {
				t.Fatalf("got %s, want %s", got, c.want)
			}
		})
	}
	// 4.20: duplicates are a 409 and an unknown service a 400.
	a.post("/api/service/insert-parameter-set", fmt.Sprintf(`{"service_name":%q,"name":%q,"parameters":{}}`, svcName1, svcSet1)).expect(409, "Parameter set already exists.")
	a.post("/api/service/insert-parameter-set", `{"service_name":"nope","name":"x","parameters":{}}`).expect(400, "Service does not exist.")
	a.post("/api/service/insert-parameter-set", `{"service_name":"nope","name":"x","parameters":null}`).expect(422, "")
	// The same name under another service is another set; parameters keep the client's key order.
	insertParameterSet(a, svcName2, svcSet1, `{ "z": 1, "a": {"y": [1, 2.50, "<&>"], "b": null} }`)
	if got, want := sets(map[string]any{"service_name": svcName2}), fmt.Sprintf(`[%s,{"service_name":%q,"name":%q,"parameters":{"z":1,"a":{"y":[1,2.50,"<&>"],"b":null}}}]`, np2, svcName2, svcSet1); got != want {
		t.Fatalf("list-parameter-sets S2\n got %s\nwant %s", got, want)
	}
	a.post("/api/service/delete-parameter-set", map[string]string{"service_name": svcName2, "name": svcSet1}).expect(200, "Parameter set deleted successfully.")

	// Item 47: edit replaces the stored object wholesale.
	edited := `{"milk_type":"skimmed","quantity":1.5}`
	a.post("/api/service/edit-parameter-set", fmt.Sprintf(`{"service_name":%q,"name":%q,"parameters":%s}`, svcName1, svcSet1, edited)).expect(200, "Parameter set edited successfully.")
	np1 = fmt.Sprintf(`{"service_name":%q,"name":%q,"parameters":%s}`, svcName1, svcSet1, edited)
	if got := sets(nil); got != "["+np1+","+np2+"]" {
		t.Fatalf("list-parameter-sets after edit = %s", got)
	}
	for _, c := range []struct{ service, name string }{{svcName1, "nope"}, {"nope", svcSet1}, {svcName2, svcSet1}} {
		a.post("/api/service/edit-parameter-set", map[string]any{"service_name": c.service, "name": c.name, "parameters": map[string]any{}}).expect(400, "Parameter set does not exist.")
		a.post("/api/service/delete-parameter-set", map[string]any{"service_name": c.service, "name": c.name}).expect(400, "Parameter set does not exist.")
	}
	a.post("/api/service/edit-parameter-set", map[string]any{"service_name": svcName1, "name": svcSet1, "parameters": []any{}}).expect(422, "")
	a.post("/api/service/delete-parameter-set", map[string]string{"service_name": svcName2, "name": svcSet2}).expect(200, "Parameter set deleted successfully.")
	a.post("/api/service/delete-parameter-set", map[string]string{"service_name": svcName2, "name": svcSet2}).expect(400, "Parameter set does not exist.")
	if got := sets(nil); got != "["+np1+"]" {
		t.Fatalf("list-parameter-sets after delete = %s", got)
	}
	// Deleting a service takes its parameter sets with it.
	a.post("/api/service/delete-service", map[string]string{"name": svcName1}).expect(200, "")
	if got := sets(nil); got != "[]" {
		t.Fatalf("list-parameter-sets after delete-service = %s", got)
	}
}

// TestRunServiceAndListRuns runs the original's six calls with the clock frozen (3.2 items 48-49)
// and checks what the services received and what was recorded.
func TestRunServiceAndListRuns(t *testing.T) {
	a := newAPI(t)
	milk := startFakeService(t, 200, svcMilkJSON)
	honey := startFakeService(t, 201, svcHoneyJSON)
	insertService(a, svcName1, milk.URL+"/", "GET")
	insertService(a, svcName2, honey.URL+"/", "POST")
	insertParameterSet(a, svcName1, svcSet1, svcSet1JSON)
	insertParameterSet(a, svcName2, svcSet2, svcSet2JSON)
	if got := listRaw(a, "POST", "/api/service/list-runs", nil); got != "[]" {
		t.Fatalf("empty list-runs = %s", got)
	}
	a.Srv.SetClock(func() time.Time { return time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC) })
	for i, body := range []string{
		fmt.Sprintf(`{"service_name":%q,"parameter_set_name":%q}`, svcName1, svcSet1),
		fmt.Sprintf(`{"service_name":%q,"parameters":%s}`, svcName1, svcU1JSON),
		fmt.Sprintf(`{"service_name":%q,"parameter_set_name":%q}`, svcName2, svcSet2),
		// U2: parameters null, and an extra key that is ignored.
		fmt.Sprintf(`{"service_name":%q,"name":%q,"parameters":null}`, svcName2, svcSet2),
		fmt.Sprintf(`{"service_name":%q,"parameter_set_name":%q}`, svcName1, svcSet1),
		// A set plus parameters: the parameters win, the set is recorded (4.25).
		fmt.Sprintf(`{"service_name":%q,"parameter_set_name":%q,"parameters":%s}`, svcName1, svcSet1, svcU1JSON),
	} {
		res := a.post("/api/service/run-service", body).expect(200, "Service called successfully.")
		if string(res.Body) != `{"detail":"Service called successfully."}` {
			t.Errorf("call %d answered %s", i+1, res.Body)
		}
	}
	// The JSON body goes with every method, GET included; no body at all when parameters are null;
	// the caller's token is never passed on.
	wantMilk := []svcRequest{jsonRequest("GET", svcSet1JSON), jsonRequest("GET", svcU1JSON), jsonRequest("GET", svcSet1JSON), jsonRequest("GET", svcU1JSON)}
	wantHoney := []svcRequest{jsonRequest("POST", svcSet2JSON), {Method: "POST", Path: "/"}}
	if got := milk.requests(); !reflect.DeepEqual(got, wantMilk) {
		t.Errorf("S1 received\n %+v\nwant\n %+v", got, wantMilk)
	}
	if got := honey.requests(); !reflect.DeepEqual(got, wantHoney) {
		t.Errorf("S2 received\n %+v\nwant\n %+v", got, wantHoney)
	}

	const ts = "2021-01-01T00:00:00Z"
	r1 := runRecord(svcName1, ptr(svcSet1), svcSet1JSON, svcMilkJSON, 200, ts)
	r2 := runRecord(svcName1, nil, svcU1JSON, svcMilkJSON, 200, ts)
	r3 := runRecord(svcName2, ptr(svcSet2), svcSet2JSON, svcHoneyJSON, 201, ts)
	r4 := runRecord(svcName2, nil, "null", svcHoneyJSON, 201, ts)
	r6 := runRecord(svcName1, ptr(svcSet1), svcU1JSON, svcMilkJSON, 200, ts)
	join := func(rs ...string) string { return "[" + strings.Join(rs, ",") + "]" }
	for _, c := range []struct {
		name string
		body any
		want string
	}{
		{"no body", nil, join(r1, r2, r3, r4, r1, r6)},
		{"null body", "null", join(r1, r2, r3, r4, r1, r6)},
		{"nulls", map[string]any{"service_name": nil, "parameter_set_name": nil}, join(r1, r2, r3, r4, r1, r6)},
		{"service 1", map[string]any{"service_name": svcName1}, join(r1, r2, r1, r6)},
		{"service 2", map[string]any{"service_name": svcName2}, join(r3, r4)},
		{"service 1 and its set", map[string]any{"service_name": svcName1, "parameter_set_name": svcSet1}, join(r1, r1, r6)},
		{"set of another service", map[string]any{"service_name": svcName1, "parameter_set_name": svcSet2}, "[]"},
		{"unknown service", map[string]any{"service_name": "nope"}, "[]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := listRaw(a.withT(t), "POST", "/api/service/list-runs", c.body); got != c.want {
				t.Fatalf("list-runs\n got %s\nwant %s", got, c.want)
			}
		})
	}
	a.post("/api/service/list-runs", map[string]any{"parameter_set_name": svcSet1}).expect(400, "parameter_set_name cannot be provided without service_name.")
	a.post("/api/service/list-runs", map[string]any{"service_name": nil, "parameter_set_name": svcSet1}).expect(400, "parameter_set_name cannot be provided without service_name.")

	// Unknown services and sets are refused before any call, and nothing is recorded.
	for _, body := range []map[string]any{
		{"service_name": "nope"},
		{"service_name": "nope", "parameters": map[string]any{}},
		{"service_name": svcName1, "parameter_set_name": "nope"},
		{"service_name": svcName1, "parameter_set_name": svcSet2},
		{"service_name": svcName1, "parameter_set_name": svcSet2, "parameters": map[string]any{}},
	} {
		a.post("/api/service/run-service", body).expect(400, "Service or parameter set does not exist.")
	}
	if len(milk.requests())+len(honey.requests()) != 0 {
		t.Errorf("a refused run called a service")
	}

	// 4.21: deleting a set keeps its runs, now without a set.
	a.post("/api/service/delete-parameter-set", map[string]string{"service_name": svcName1, "name": svcSet1}).expect(200, "")
	r1n := runRecord(svcName1, nil, svcSet1JSON, svcMilkJSON, 200, ts)
	r6n := runRecord(svcName1, nil, svcU1JSON, svcMilkJSON, 200, ts)
	if got, want := listRaw(a, "POST", "/api/service/list-runs", nil), join(r1n, r2, r3, r4, r1n, r6n); got != want {
		t.Fatalf("list-runs after delete-parameter-set\n got %s\nwant %s", got, want)
	}
	// Deleting a service takes its run history with it.
	a.post("/api/service/delete-service", map[string]string{"name": svcName2}).expect(200, "")
	if got, want := listRaw(a, "POST", "/api/service/list-runs", nil), join(r1n, r2, r1n, r6n); got != want {
		t.Fatalf("list-runs after delete-service\n got %s\nwant %s", got, want)
	}
}

// TestRunServiceResponses checks that whatever a service answers is recorded and listed (item 65,
// 4.23), and that every method sends the parameters.
func TestRunServiceResponses(t *testing.T) {
	a := newAPI(t)
	a.Srv.SetClock(func() time.Time { return time.Date(2024, 2, 12, 17, 0, 0, 123456000, time.UTC) })
	const ts = "2024-02-12T17:00:00.123456Z"
	for i, c := range []struct {
		name     string
		method   string
		status   int
		reply    string
		params   string // the run-service parameters; "" leaves them out
		sent     string // the body the service must receive
		recorded string // response_json as listed
	}{
		{"404 without a body", "GET", 404, "", "", "", "null"},
		{"500 with JSON", "POST", 500, `{"error":"boom"}`, `{"a":1}`, `{"a":1}`, `{"error":"boom"}`},
		{"JSON array", "PUT", 200, ` [1, "two", null] `, `[1,2]`, `[1,2]`, `[1,"two",null]`},
		{"JSON string", "DELETE", 200, `"ok"`, `{}`, `{}`, `"ok"`},
		{"JSON null", "POST", 200, `null`, `[]`, `[]`, `null`},
		{"JSON number", "POST", 202, `4.50`, `{"k":[{"n":{}}]}`, `{"k":[{"n":{}}]}`, `4.50`},
		{"not JSON", "GET", 200, `Here's your milk`, `{"b":2,"a":1}`, `{"b":2,"a":1}`, "null"},
		{"NUL escape", "GET", 200, `{"a":"\u0000"}`, "", "", `{"a":"\u0000"}`},
		{"invalid UTF-8", "GET", 200, "{\"a\":\"\xff\"}", "", "", `{"a":"` + "\ufffd" + `"}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := a.withT(t)
			f := startFakeService(t, c.status, c.reply)
			name := fmt.Sprintf("service %d", i)
			insertService(a, name, f.URL+"/p?q=1", c.method)
			body := map[string]any{"service_name": name}
			if c.params != "" {
				body["parameters"] = json.RawMessage(c.params)
			}
			a.post("/api/service/run-service", body).expect(200, "Service called successfully.")
			got := f.requests()
			if len(got) != 1 || got[0].Method != c.method || got[0].Path != "/p" || got[0].Body != c.sent || got[0].Authorization != "" {
				t.Fatalf("service received %+v", got)
			}
			if ct := got[0].ContentType; (c.sent == "") != (ct == "") || (ct != "" && ct != "application/json") {
				t.Errorf("Content-Type %q with body %q", ct, c.sent)
			}
			params := c.params
			if params == "" {
				params = "null"
			}
			want := "[" + runRecord(name, nil, params, c.recorded, c.status, ts) + "]"
			if got := listRaw(a, "POST", "/api/service/list-runs", map[string]any{"service_name": name}); got != want {
				t.Fatalf("list-runs\n got %s\nwant %s", got, want)
			}
		})
	}
	// A set with explicit empty parameters: {} counts as given.
	f := startFakeService(t, 200, `{}`)
	insertService(a, "empty", f.URL, "POST")
	insertParameterSet(a, "empty", "set", `{"x":1}`)
	a.post("/api/service/run-service", map[string]any{"service_name": "empty", "parameter_set_name": "set", "parameters": map[string]any{}}).expect(200, "")
	if got := f.requests(); len(got) != 1 || got[0].Body != "{}" {
		t.Fatalf("service received %+v", got)
	}
	// Invalid UTF-8 in parameters is replaced, as a JSON decoder replaces it, rather than refused
	// by the database after the call.
	insertParameterSet(a, "empty", "bad utf-8", "{\"a\":\"x\xffy\"}")
	a.post("/api/service/run-service", "{\"service_name\":\"empty\",\"parameters\":{\"b\":\"\xfe\"}}").expect(200, "")
	if got := f.requests(); len(got) != 1 || got[0].Body != `{"b":"\ufffd"}` && got[0].Body != "{\"b\":\"\ufffd\"}" {
		t.Fatalf("service received %+v", got)
	}
	var setList []struct {
		Name       string          `json:"name"`
		Parameters json.RawMessage `json:"parameters"`
	}
	a.post("/api/service/list-parameter-sets", map[string]any{"service_name": "empty"}).expect(200, "").decode(&setList)
	var decoded map[string]string
	if len(setList) != 2 || json.Unmarshal(setList[1].Parameters, &decoded) != nil || decoded["a"] != "x\ufffdy" {
		t.Fatalf("parameter sets %+v", setList)
	}
	// Redirects are followed.
	target := startFakeService(t, 201, svcMilkJSON)
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/milk", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirect.Close)
	insertService(a, "redirected", redirect.URL, "POST")
	a.post("/api/service/run-service", map[string]any{"service_name": "redirected", "parameters": map[string]any{"m": 1}}).expect(200, "")
	if got := target.requests(); len(got) != 1 || got[0].Path != "/milk" || got[0].Body != `{"m":1}` {
		t.Fatalf("redirect target received %+v", got)
	}
	want := "[" + runRecord("redirected", nil, `{"m":1}`, svcMilkJSON, 201, ts) + "]"
	if got := listRaw(a, "POST", "/api/service/list-runs", map[string]any{"service_name": "redirected"}); got != want {
		t.Fatalf("list-runs\n got %s\nwant %s", got, want)
	}
}

// failedRun checks that the last recorded run of service failed without a response and that its
// error mentions what.
func failedRun(a *api, service, params, what string) {
	a.t.Helper()
	var runs []map[string]any
	a.post("/api/service/list-runs", map[string]any{"service_name": service}).expect(200, "").decode(&runs)
	if len(runs) == 0 {
		a.t.Fatalf("the failed call of %s was not recorded", service)
	}
	run := runs[len(runs)-1]
	p, _ := json.Marshal(run["parameters"])
	errText, _ := run["error"].(string)
	if run["response_status_code"] != 0.0 || run["response_json"] != nil || string(p) != params || !strings.Contains(errText, what) {
		a.t.Fatalf("recorded failed run of %s: %v", service, run)
	}
}

// TestRunServiceFailures covers 4.24: a call that gets no answer is a 502 "Service call failed",
// and it is recorded; never a 500.
func TestRunServiceFailures(t *testing.T) {
	a := newAPI(t)
	// A closed port on 127.0.0.1.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	insertService(a, "closed", "http://"+closed+"/x", "POST")
	res := a.post("/api/service/run-service", map[string]any{"service_name": "closed", "parameters": map[string]any{"a": 1}}).expect(502, "")
	if !strings.HasPrefix(res.Detail(), "Service call failed") {
		t.Fatalf("detail %q", res.Detail())
	}
	failedRun(a, "closed", `{"a":1}`, "refused")

	// A metadata URL stored before the check existed (the original accepted any URL) is refused
	// without a connection being attempted.
	if err := a.DB.InsertService(context.Background(), dbcore.Service{Name: "metadata", URL: "http://169.254.169.254/latest/meta-data/", HTTPMethod: "GET"}); err != nil {
		t.Fatal(err)
	}
	res = a.post("/api/service/run-service", map[string]any{"service_name": "metadata"}).expect(502, "")
	if !strings.HasPrefix(res.Detail(), "Service call failed") {
		t.Fatalf("detail %q", res.Detail())
	}
	failedRun(a, "metadata", "null", "link-local")

	// A redirect to the metadata address is not followed.
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
	}))
	t.Cleanup(redirect.Close)
	insertService(a, "redirect to metadata", redirect.URL, "GET")
	a.post("/api/service/run-service", map[string]any{"service_name": "redirect to metadata"}).expect(502, "")
	failedRun(a, "redirect to metadata", "null", "link-local")

	// Too many redirects.
	var loop *httptest.Server
	loop = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, loop.URL+r.URL.Path+"x", http.StatusFound)
	}))
	t.Cleanup(loop.Close)
	insertService(a, "loop", loop.URL+"/", "GET")
	a.post("/api/service/run-service", map[string]any{"service_name": "loop"}).expect(502, "")
	failedRun(a, "loop", "null", "redirects")

	// A service that does not answer in time, on a server with a short timeout.
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // the server notices a closed connection only after the body
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	t.Cleanup(slow.Close)
	insertService(a, "slow", slow.URL, "GET")
	srv := handlers.New(a.DB, handlers.Config{JWTSecret: []byte(testSecret), AccessTokenTTL: time.Hour, RefreshTokenGrace: time.Hour,
		ServiceTimeout: 200 * time.Millisecond}, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	b := *a
	b.Srv, b.h = srv, srv.Routes()
	start := time.Now()
	res = b.post("/api/service/run-service", map[string]any{"service_name": "slow", "parameters": []any{1}}).expect(502, "")
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the timeout took %v", d)
	}
	if !strings.HasPrefix(res.Detail(), "Service call failed") {
		t.Fatalf("detail %q", res.Detail())
	}
	failedRun(a, "slow", "[1]", "")
	// Failed runs are listed with the others, and the list still works.
	var runs []map[string]any
	a.post("/api/service/list-runs", nil).expect(200, "").decode(&runs)
	if len(runs) != 5 {
		t.Fatalf("%d runs recorded, want 5", len(runs))
	}
}

func TestServiceHostileBodies(t *testing.T) {
	a := newAPI(t)
	f := startFakeService(t, 200, `{}`)
	insertService(a, svcName1, f.URL, "GET")
	insertParameterSet(a, svcName1, svcSet1, svcSet1JSON)
	withField := func(valid map[string]any, field string, bad ...any) []hostileCase {
		var out []hostileCase
		for _, v := range bad {
			body := map[string]any{}
			for k, x := range valid {
				body[k] = x
			}
			if v == "<missing>" {
				delete(body, field)
			} else {
				body[field] = v
			}
			out = append(out, hostileCase{fmt.Sprintf("%s=%v", field, v), body, 422})
		}
		return out
	}
	notString := []any{"<missing>", nil, 5, 5.5, true, []any{"x"}, map[string]any{"x": "y"}}
	optString := []any{5, true, []any{"x"}, map[string]any{"x": "y"}}
	notObject := []any{"<missing>", nil, "x", 5, true, []any{1}}
	cases := func(valid map[string]any, fields map[string][]any) []hostileCase {
		out := hostileBodyShapes()
		for field, bad := range fields {
			out = append(out, withField(valid, field, bad...)...)
		}
		return out
	}
	service := map[string]any{"name": "new", "url": "http://x.example/", "http_method": "GET"}
	checkHostile(t, a, "/api/service/insert-service", cases(service, map[string][]any{"name": notString, "url": notString, "http_method": notString}))
	checkHostile(t, a, "/api/service/delete-service", cases(map[string]any{"name": "new"}, map[string][]any{"name": notString}))
	set := map[string]any{"service_name": svcName1, "name": "new", "parameters": map[string]any{}}
	checkHostile(t, a, "/api/service/insert-parameter-set", cases(set, map[string][]any{"service_name": notString, "name": notString, "parameters": notObject}))
	checkHostile(t, a, "/api/service/edit-parameter-set", cases(set, map[string][]any{"service_name": notString, "name": notString, "parameters": notObject}))
	checkHostile(t, a, "/api/service/delete-parameter-set", cases(set, map[string][]any{"service_name": notString, "name": notString}))
	run := map[string]any{"service_name": svcName1}
	checkHostile(t, a, "/api/service/run-service", cases(run, map[string][]any{"service_name": notString, "parameter_set_name": optString,
		"parameters": {"x", 5, true, 1.5}}))
	// The two list endpoints take an optional body, but not one of another shape.
	for _, path := range []string{"/api/service/list-parameter-sets", "/api/service/list-runs"} {
		var shapes []hostileCase
		for _, c := range hostileBodyShapes() {
			if c.name != "no body" && c.name != "empty" && c.name != "null" {
				shapes = append(shapes, c)
			}
		}
		checkHostile(t, a, path, append(shapes, withField(map[string]any{}, "service_name", optString...)...))
	}
	checkHostile(t, a, "/api/service/list-runs", withField(map[string]any{"service_name": svcName1}, "parameter_set_name", optString...))
	// Unstorable text is a 400, not a database error.
	checkHostile(t, a, "/api/service/insert-service", []hostileCase{{"NUL in name", map[string]any{"name": "a\x00", "url": "http://x.example/", "http_method": "GET"}, 400}})
	checkHostile(t, a, "/api/service/insert-parameter-set", []hostileCase{{"NUL in name", map[string]any{"service_name": svcName1, "name": "a\x00", "parameters": map[string]any{}}, 400}})
	for _, path := range []string{"/api/service/list-runs", "/api/service/list-parameter-sets", "/api/service/delete-service"} {
		checkHostile(t, a, path, []hostileCase{{"NUL", map[string]any{"service_name": "a\x00", "name": "a\x00"}, 400}})
	}
	// None of this called the service or changed anything.
	if got := f.requests(); len(got) != 0 {
		t.Errorf("hostile bodies called the service: %+v", got)
	}
	if got, want := listRaw(a, "POST", "/api/service/list-parameter-sets", nil), fmt.Sprintf(`[{"service_name":%q,"name":%q,"parameters":%s}]`, svcName1, svcSet1, svcSet1JSON); got != want {
		t.Errorf("list-parameter-sets = %s", got)
	}
	if got := listRaw(a, "POST", "/api/service/list-runs", nil); got != "[]" {
		t.Errorf("list-runs = %s", got)
	}
}
