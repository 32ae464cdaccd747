package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dtbase-go/dtbase/dbcore"
	"github.com/dtbase-go/dtbase/dbcore/dbtest"
	"github.com/dtbase-go/dtbase/handlers"
)

// TestDatabaseRestartUnderLoad stops PostgreSQL while writers ingest and readers read: during the
// outage requests get 503 with a detail, never a 500; afterwards the handler recovers by itself;
// every acknowledged batch is stored whole, and no batch is stored in part.
func TestDatabaseRestartUnderLoad(t *testing.T) {
	cluster := dbtest.Cluster()
	if cluster == nil {
		t.Skip("needs the test harness's own cluster (DT_TEST_DATABASE_URL is set)")
	}
	a := newAPI(t)
	a.post("/api/sensor/insert-sensor-type", map[string]any{"name": "t", "measures": []any{map[string]any{"name": "m", "units": nil, "datatype": "float"}}}).expect(201, "")
	a.post("/api/sensor/insert-sensor", map[string]any{"type_name": "t", "unique_identifier": "s"}).expect(201, "")

	const writers, batch = 4, 100
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	type outcome struct {
		first  time.Time
		status int
	}
	var mu sync.Mutex
	var outcomes []outcome
	statuses := map[int]int{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := 0; ; b++ {
				select {
				case <-stop:
					return
				default:
				}
				first := t0.Add(time.Duration(w*1_000_000+b*batch) * time.Second)
				values, stamps := make([]float64, batch), make([]string, batch)
				for i := range values {
					values[i] = float64(b) + 0.5
					stamps[i] = first.Add(time.Duration(i) * time.Second).Format(time.RFC3339)
				}
				res := a.do("POST", "/api/sensor/insert-sensor-readings", map[string]any{"unique_identifier": "s", "measure_name": "m",
					"readings": values, "timestamps": stamps}, a.Token)
				mu.Lock()
				outcomes = append(outcomes, outcome{first, res.Status})
				statuses[res.Status]++
				mu.Unlock()
				if res.Status != 201 && (res.Status != 503 || res.Detail() == "") {
					t.Errorf("writer got %d %s", res.Status, res.Body)
				}
				if res.Status == 503 {
					time.Sleep(20 * time.Millisecond)
				}
			}
		}()
	}
	wg.Add(1)
	go func() { // a reader alongside
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			res := a.post("/api/sensor/list-sensors", map[string]any{})
			if res.Status != 200 && res.Status != 503 {
				t.Errorf("reader got %d %s", res.Status, res.Body)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()

	time.Sleep(300 * time.Millisecond)
	if err := cluster.Stop(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(700 * time.Millisecond) // the outage
	if err := cluster.Resume(); err != nil {
		t.Fatal(err)
	}
	// Recovery: requests succeed again without any restart of the handler.
	deadline := time.Now().Add(20 * time.Second)
	for a.get("/api/sensor/list-measures").Status != 200 {
		if time.Now().After(deadline) {
			t.Fatal("no recovery after the database came back")
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	close(stop)
	wg.Wait()
	if statuses[503] == 0 || statuses[201] == 0 {
		t.Fatalf("statuses %v: want both 201s and 503s (the outage must be seen)", statuses)
	}

	// Each batch is stored whole or not at all; each acknowledged one is stored.
	count := map[time.Time]int{}
	err := a.DB.StreamReadings(context.Background(), dbcore.ReadingsQuery{UniqueID: "s", MeasureName: "m", From: t0, To: t0.Add(100 * 24 * time.Hour)},
		func() error { return nil }, func(ts time.Time, v dbcore.Value) error {
			b := int(v.F) // value b+0.5 of batch b
			w := int(ts.Sub(t0)/time.Second) / 1_000_000
			count[t0.Add(time.Duration(w*1_000_000+b*batch)*time.Second)]++
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	var problems []string
	for _, o := range outcomes {
		n := count[o.first]
		switch {
		case n != 0 && n != batch:
			problems = append(problems, fmt.Sprintf("batch at %v stored in part (%d of %d)", o.first, n, batch))
		case o.status == 201 && n != batch:
			problems = append(problems, fmt.Sprintf("acknowledged batch at %v lost", o.first))
		}
	}
	if len(problems) > 0 {
		t.Fatal(strings.Join(problems, "\n"))
	}
	t.Logf("statuses during the restart: %v", statuses)
}

// TestHangingServicesDoNotTieUpTheHandler: services that never answer use up at most the bounded
// number of call slots, each call gives up at the timeout, and the rest of the API stays quick.
func TestHangingServicesDoNotTieUpTheHandler(t *testing.T) {
	a := newAPIWith(t, func(c *handlers.Config) { c.ServiceTimeout = 300 * time.Millisecond; c.MaxServiceCalls = 2 })
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hang.Close()
	defer close(release)
	a.post("/api/service/insert-service", map[string]any{"name": "hang", "url": hang.URL, "http_method": "GET"}).expect(201, "")

	var wg sync.WaitGroup
	details := make(chan string, 6)
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := a.post("/api/service/run-service", map[string]any{"service_name": "hang"})
			if res.Status != 502 {
				t.Errorf("run-service: %d %s", res.Status, res.Body)
			}
			details <- res.Detail()
		}()
	}
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	a.get("/api/sensor/list-measures").expect(200, "")
	if d := time.Since(start); d > 200*time.Millisecond {
		t.Errorf("list-measures took %v while services hang", d)
	}
	wg.Wait()
	close(details)
	busy := 0
	for d := range details {
		if strings.Contains(d, "too many service calls in progress") {
			busy++
		}
	}
	if busy == 0 {
		t.Error("with 2 slots and 6 hanging calls, no call was turned away")
	}
}
