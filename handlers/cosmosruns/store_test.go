package cosmosruns

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"

	"github.com/dtbase-go/dtbase/dbcore"
)

func ptr[T any](v T) *T { return &v }

// TestStoreDeleteManyRuns deletes more runs than one batch takes, and only those of the service.
func TestStoreDeleteManyRuns(t *testing.T) {
	s := newCosmosStore(t, 0, nil)
	ctx := context.Background()
	ts := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	record := func(service string, i int) {
		t.Helper()
		err := s.RecordRun(ctx, dbcore.ServiceRun{ServiceName: service, Parameters: json.RawMessage(fmt.Sprintf(`{"i":%d}`, i)),
			ResponseStatusCode: 200, Timestamp: ts, DurationMS: ptr(1.5)})
		if err != nil {
			t.Fatalf("RecordRun: %v\n%s", err, emulatorLog())
		}
	}
	const many = 2*deleteWorkers*10 + 17
	for i := range many {
		record("busy", i)
		if i%100 == 0 {
			record("quiet", i)
		}
	}
	runs, err := s.ListRuns(ctx, ptr("busy"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != many {
		t.Fatalf("%d runs of busy, want %d", len(runs), many)
	}
	for i, r := range runs { // recording order, however fast the runs came
		if want := fmt.Sprintf(`{"i":%d}`, i); string(r.Parameters) != want {
			t.Fatalf("run %d: parameters %s, want %s", i, r.Parameters, want)
		}
	}
	if err := s.DeleteServiceRuns(ctx, "busy"); err != nil {
		t.Fatalf("DeleteServiceRuns: %v\n%s", err, emulatorLog())
	}
	if err := s.DeleteServiceRuns(ctx, "never-ran"); err != nil {
		t.Fatalf("DeleteServiceRuns of a service without runs: %v", err)
	}
	runs, err = s.ListRuns(ctx, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got, want []string
	for _, r := range runs {
		got = append(got, r.ServiceName+string(r.Parameters))
	}
	for i := 0; i < many; i += 100 {
		want = append(want, fmt.Sprintf(`quiet{"i":%d}`, i))
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("runs left: %s, want %s", got, want)
	}
}

// TestStoreTTL: the container's default time to live follows TTLDays, also when it exists already.
func TestStoreTTL(t *testing.T) {
	s := newCosmosStore(t, 0, nil)
	ctx := context.Background()
	check := func(want *int32) {
		t.Helper()
		resp, err := s.container.Read(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !equalTTL(resp.ContainerProperties.DefaultTimeToLive, want) {
			t.Errorf("default TTL %s, want %s", describeTTL(resp.ContainerProperties.DefaultTimeToLive), describeTTL(want))
		}
	}
	check(nil)
	for _, days := range []int{7, 7, MaxTTLDays, 0} {
		opts := s.opts
		opts.TTLDays = days
		again, err := New(ctx, opts)
		if err != nil {
			t.Fatalf("New with %d days: %v", days, err)
		}
		again.Close()
		if days == 0 {
			check(nil)
		} else {
			check(ptr(int32(days * 86400)))
		}
	}
}

// TestStoreContainerMismatch: a container partitioned otherwise is refused, not written into.
func TestStoreContainerMismatch(t *testing.T) {
	s := newCosmosStore(t, 0, nil)
	ctx := context.Background()
	db, err := s.client.NewDatabase(s.opts.Database)
	if err != nil {
		t.Fatal(err)
	}
	name := s.opts.Container + "_by_id"
	if _, err := db.CreateContainer(ctx, azcosmos.ContainerProperties{ID: name,
		PartitionKeyDefinition: azcosmos.PartitionKeyDefinition{Paths: []string{"/id"}}}, nil); err != nil {
		t.Fatal(err)
	}
	opts := s.opts
	opts.Container = name
	if _, err := New(ctx, opts); err == nil || !strings.Contains(err.Error(), "partitioned by [/id], not /serviceName") {
		t.Errorf("New on a container partitioned by /id: %v", err)
	}
}

// TestStoreOpen: Open checks its options and contacts nobody; a store that cannot reach its
// account fails its calls, then works once it can.
func TestStoreOpen(t *testing.T) {
	for _, opts := range []Options{{}, {Endpoint: "https://x", TTLDays: -1}, {Endpoint: "https://x", TTLDays: MaxTTLDays + 1},
		{Endpoint: "https://x", Key: "not base64!"}} {
		if _, err := Open(opts); err == nil {
			t.Errorf("Open(%+v) succeeded", opts)
		}
	}
	endpoint, client := emulator(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "https://" + ln.Addr().String() + "/"
	ln.Close()
	s, err := Open(Options{Endpoint: dead, Key: emulatorKey, HTTPClient: client})
	if err != nil {
		t.Fatal(err)
	}
	if s.opts.Database != "dtbase" || s.opts.Container != "service_runs" {
		t.Errorf("defaults: %s/%s", s.opts.Database, s.opts.Container)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := s.ListRuns(ctx, nil, nil); err == nil {
		t.Error("ListRuns on a dead endpoint succeeded")
	}
	s.Close()

	// Lazily: the first call creates the container.
	s, err = Open(Options{Endpoint: endpoint, Key: emulatorKey, Database: "dtbase_lazy", Container: "runs", HTTPClient: client})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.RecordRun(context.Background(), dbcore.ServiceRun{ServiceName: "x", Timestamp: time.Now()}); err != nil {
		t.Fatalf("RecordRun on a new store: %v\n%s", err, emulatorLog())
	}
	runs, err := s.ListRuns(context.Background(), ptr("x"), nil)
	if err != nil || len(runs) != 1 || string(runs[0].Parameters) != "null" || string(runs[0].ResponseJSON) != "null" {
		t.Fatalf("ListRuns: %+v, %v", runs, err)
	}
}
