package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"time"

	"github.com/dtbase-go/dtbase/dbcore"
)

var httpMethods = map[string]bool{"GET": true, "POST": true, "PUT": true, "DELETE": true}

// checkServiceURL allows only absolute http and https URLs, and no literal link-local or metadata
// address (SSRF, api-contract.md §4.24). Names are checked again when dialling, whatever they
// resolve to.
func checkServiceURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return badRequest("Service URL must be an absolute http or https URL")
	}
	if ip := net.ParseIP(u.Hostname()); ip != nil && forbiddenServiceIP(ip) {
		return badRequest("Service URL must not point at a link-local or cloud metadata address")
	}
	return nil
}

func (s *Server) insertService(w http.ResponseWriter, r *http.Request) error {
	body, err := s.decodeBody(r, false)
	if err != nil {
		return err
	}
	svc := dbcore.Service{Name: body.str("name"), URL: body.str("url"), HTTPMethod: body.str("http_method")}
	if err := body.err(); err != nil {
		return err
	}
	if !httpMethods[svc.HTTPMethod] {
		return badRequest("http_method must be one of GET, POST, PUT, DELETE")
	}
	if err := checkServiceURL(svc.URL); err != nil {
		return err
	}
	if err := s.db.InsertService(r.Context(), svc); err != nil {
		return err
	}
	writeDetail(w, http.StatusCreated, "Service created successfully.")
	return nil
}

func (s *Server) listServices(w http.ResponseWriter, r *http.Request) error {
	svcs, err := s.db.ListServices(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, svcs)
	return nil
}

func (s *Server) deleteService(w http.ResponseWriter, r *http.Request) error {
	name, err := s.nameOnly(r, "name")
	if err != nil {
		return err
	}
	// PostgreSQL deletes a service's runs with it; another run store is emptied first, so that no
	// run outlives its service.
	if s.runs != RunStore(s.db) {
		if err := s.runs.DeleteServiceRuns(r.Context(), name); err != nil {
			return err
		}
	}
	if err := s.db.DeleteService(r.Context(), name); err != nil {
		return err
	}
	writeDetail(w, http.StatusOK, "Service deleted successfully.")
	return nil
}

// parameterSet reads service_name, name and the parameters object.
func (s *Server) parameterSet(r *http.Request, withParams bool) (dbcore.ParameterSet, error) {
	body, err := s.decodeBody(r, false)
	if err != nil {
		return dbcore.ParameterSet{}, err
	}
	p := dbcore.ParameterSet{ServiceName: body.str("service_name"), Name: body.str("name")}
	if withParams {
		params := body.jsonObject("parameters")
		if body.err() == nil {
			if p.Parameters, err = jsonText(body, "parameters", params); err != nil {
				return p, err
			}
		}
	}
	return p, body.err()
}

// jsonText returns the JSON text of a free-form field as the client sent it (compacted), so that
// its keys keep their order as the original stores them; v is the decoded value, re-encoded when
// the raw text is not at hand. Invalid UTF-8 is replaced as a JSON decoder replaces it, so that the
// database does not refuse the text after the service was called.
func jsonText(body *object, key string, v any) (json.RawMessage, error) {
	if raw, ok := body.rawField(key); ok {
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			return nil, fmt.Errorf("compact %s: %w", key, err)
		}
		return bytes.ToValidUTF8(buf.Bytes(), []byte("\uFFFD")), nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode %s: %w", key, err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func (s *Server) insertParameterSet(w http.ResponseWriter, r *http.Request) error {
	p, err := s.parameterSet(r, true)
	if err != nil {
		return err
	}
	if err := s.db.InsertParameterSet(r.Context(), p); err != nil {
		return err
	}
	writeDetail(w, http.StatusCreated, "Parameter set created successfully.")
	return nil
}

func (s *Server) deleteParameterSet(w http.ResponseWriter, r *http.Request) error {
	p, err := s.parameterSet(r, false)
	if err != nil {
		return err
	}
	if err := s.db.DeleteParameterSet(r.Context(), p.ServiceName, p.Name); err != nil {
		return err
	}
	writeDetail(w, http.StatusOK, "Parameter set deleted successfully.")
	return nil
}

func (s *Server) editParameterSet(w http.ResponseWriter, r *http.Request) error {
	p, err := s.parameterSet(r, true)
	if err != nil {
		return err
	}
	if err := s.db.EditParameterSet(r.Context(), p); err != nil {
		return err
	}
	writeDetail(w, http.StatusOK, "Parameter set edited successfully.")
	return nil
}

// serviceFilter reads the optional body {"service_name": str?} of the service list endpoints.
func (s *Server) serviceFilter(r *http.Request) (*string, error) {
	body, err := s.decodeBody(r, true)
	if err != nil || body == nil {
		return nil, err
	}
	service := body.optStr("service_name")
	return service, body.err()
}

func (s *Server) listParameterSets(w http.ResponseWriter, r *http.Request) error {
	service, err := s.serviceFilter(r)
	if err != nil {
		return err
	}
	sets, err := s.db.ListParameterSets(r.Context(), service)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sets)
	return nil
}

func (s *Server) runService(w http.ResponseWriter, r *http.Request) error {
	body, err := s.decodeBody(r, false)
	if err != nil {
		return err
	}
	name, setName := body.str("service_name"), body.optStr("parameter_set_name")
	var params any
	if v, ok := body.field("parameters", false); ok && v != nil {
		switch v.(type) {
		case map[string]any, []any:
			params = v
		default:
			body.fail(body.at("parameters"), "dict_type", "Input should be a valid dictionary or list", v)
		}
	}
	if err := body.err(); err != nil {
		return err
	}
	ctx := r.Context()
	svc, err := s.db.GetService(ctx, name)
	if de, ok := dbcore.AsError(err); ok && de.Kind == dbcore.KindInvalid {
		return badRequest("Service or parameter set does not exist.")
	}
	if err != nil {
		return err
	}
	var effective json.RawMessage
	if setName != nil {
		set, err := s.db.GetParameterSet(ctx, name, *setName)
		if err != nil {
			if de, ok := dbcore.AsError(err); ok && de.Kind == dbcore.KindInvalid {
				return badRequest("Service or parameter set does not exist.")
			}
			return err
		}
		effective = set.Parameters
	}
	// Explicit parameters win over the set's, but the run still records the set (tested upstream).
	if params != nil {
		if effective, err = jsonText(body, "parameters", params); err != nil {
			return err
		}
	}
	run := s.callService(ctx, svc, effective)
	run.ParameterSetName = setName
	if err := s.runs.RecordRun(context.WithoutCancel(ctx), run); err != nil {
		return err
	}
	if run.Error != nil {
		return &apiError{status: http.StatusBadGateway, detail: "Service call failed: " + *run.Error}
	}
	writeDetail(w, http.StatusOK, "Service called successfully.")
	return nil
}

// callService sends one request to the service and describes the outcome as a run record.
func (s *Server) callService(ctx context.Context, svc dbcore.Service, params json.RawMessage) dbcore.ServiceRun {
	run := dbcore.ServiceRun{ServiceName: svc.Name, Parameters: params, Timestamp: s.now()}
	start := time.Now()
	fail := func(err error) dbcore.ServiceRun {
		msg := err.Error()
		run.Error = &msg
		d := float64(time.Since(start).Microseconds()) / 1000
		run.DurationMS = &d
		return run
	}
	if err := checkServiceURL(svc.URL); err != nil {
		return fail(err)
	}
	// Bounded concurrency: slow or hanging services cannot take every connection and goroutine of
	// the handler; a call waits for a slot at most as long as a call may take.
	select {
	case s.serviceSlots <- struct{}{}:
		defer func() { <-s.serviceSlots }()
	case <-time.After(s.cfg.ServiceTimeout):
		return fail(errors.New("too many service calls in progress; try again later"))
	case <-ctx.Done():
		return fail(ctx.Err())
	}
	var reqBody io.Reader
	if params != nil {
		reqBody = bytes.NewReader(params)
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.ServiceTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, svc.HTTPMethod, svc.URL, reqBody)
	if err != nil {
		return fail(err)
	}
	if params != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := serviceClient.Do(req)
	if err != nil {
		return fail(errors.Unwrap(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fail(err)
	}
	d := float64(time.Since(start).Microseconds()) / 1000
	run.DurationMS = &d
	run.ResponseStatusCode = resp.StatusCode
	// Invalid UTF-8 is replaced as Python's requests decodes it; PostgreSQL would refuse it.
	data = bytes.ToValidUTF8(data, []byte("\uFFFD"))
	if json.Valid(data) {
		compact := new(bytes.Buffer)
		if json.Compact(compact, data) == nil {
			run.ResponseJSON = compact.Bytes()
		}
	}
	return run
}

// serviceClient refuses to connect to link-local and cloud metadata addresses (SSRF), wherever a
// name resolves or a redirect leads.
var serviceClient = &http.Client{
	Transport: &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout: 10 * time.Second,
			Control: func(network, address string, _ syscall.RawConn) error {
				host, _, err := net.SplitHostPort(address)
				if err != nil {
					return err
				}
				if ip := net.ParseIP(host); ip != nil && forbiddenServiceIP(ip) {
					return fmt.Errorf("address %s is not allowed for services", host)
				}
				return nil
			},
		}).DialContext,
		MaxIdleConnsPerHost: 8,
	},
	// The dial check cannot see through a proxy, so redirect targets are checked as URLs too.
	CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return checkServiceURL(req.URL.String())
	},
}

var metadataIPv6 = net.ParseIP("fd00:ec2::254")

func forbiddenServiceIP(ip net.IP) bool {
	return ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.Equal(metadataIPv6) || ip.IsUnspecified()
}

func (s *Server) listRuns(w http.ResponseWriter, r *http.Request) error {
	body, err := s.decodeBody(r, true)
	if err != nil {
		return err
	}
	var service, set *string
	page := readPage(nil, maxListLimit)
	if body != nil {
		service, set = body.optStr("service_name"), body.optStr("parameter_set_name")
		page = readPage(body, maxListLimit)
		if err := body.err(); err != nil {
			return err
		}
	}
	if set != nil && service == nil {
		return badRequest("parameter_set_name cannot be provided without service_name.")
	}
	var runs []dbcore.ServiceRun
	var next *string
	if page.on { // limit or cursor: one page (readings_scale.go); without them, the original's answer
		runs, next, err = s.runsPage(r.Context(), service, set, page)
	} else {
		runs, err = s.runs.ListRuns(r.Context(), service, set)
	}
	if err != nil {
		return err
	}
	// Exactly the original's six keys: its clients compare whole records (dict equality), so an
	// extra key would break them. Only a failed call, which the original never records, also says
	// why it failed.
	type runJSON struct {
		ServiceName        string          `json:"service_name"`
		ParameterSetName   *string         `json:"parameter_set_name"`
		Parameters         json.RawMessage `json:"parameters"`
		ResponseJSON       json.RawMessage `json:"response_json"`
		ResponseStatusCode int             `json:"response_status_code"`
		Timestamp          jsonTime        `json:"timestamp"`
		Error              *string         `json:"error,omitempty"`
	}
	out := make([]runJSON, len(runs))
	for i, run := range runs {
		out[i] = runJSON{run.ServiceName, run.ParameterSetName, run.Parameters, run.ResponseJSON,
			run.ResponseStatusCode, jsonTime(run.Timestamp), run.Error}
	}
	if page.on {
		writeJSON(w, http.StatusOK, pageJSON{out, next})
		return nil
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
