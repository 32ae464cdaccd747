// Package cosmosruns keeps the history of service runs in Azure Cosmos DB for NoSQL: a
// handlers.RunStore that gives list-runs the same answers as PostgreSQL, with old runs expiring by
// themselves when the container has a default time to live.
//
// The container is partitioned by service name (/serviceName); one item per run:
//
//	{"id": "<19-digit UnixNano>-<8 hex>", "serviceName": "...", "parameterSetName": "..." | null,
//	 "parameters": <JSON>, "responseJson": <JSON> | null, "responseStatusCode": 200,
//	 "timestamp": "2024-03-05T10:20:30.123456Z", "durationMs": 12.3 | null, "error": "..." | null}
//
// Ids are time-ordered (recording order, monotonic within a process), so that sorting by id lists
// runs as PostgreSQL does by its serial id. The gateway that azcosmos talks to cannot ORDER BY
// across partitions, so runs are sorted here.
package cosmosruns

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"

	"github.com/dtbase-go/dtbase/dbcore"
)

// PartitionKeyPath is the container's partition key: the run's service name.
const PartitionKeyPath = "/serviceName"

// MaxTTLDays is the longest time to live a container can have (2^31-1 seconds).
const MaxTTLDays = (1<<31 - 1) / 86400

// Options configure a Store.
type Options struct {
	// Endpoint is the account's URL, e.g. https://myaccount.documents.azure.com:443/.
	Endpoint string
	// Key is the account key (the emulator's, for instance). Empty: Microsoft Entra ID through
	// azidentity.DefaultAzureCredential (managed identity in Azure), which needs the "Cosmos DB
	// Built-in Data Contributor" role; such a token cannot create the database or the container,
	// so they must exist already (infrastructure).
	Key string
	// Database and Container name where the runs are kept; created when missing (with a key).
	// Defaults "dtbase" and "service_runs".
	Database, Container string
	// TTLDays > 0 is the container's default time to live: a run expires that many days after it
	// was recorded. 0 keeps runs forever. An existing container is brought to this setting.
	TTLDays int
	// HTTPClient sends the requests; nil uses azcosmos's default. Tests give one that trusts the
	// emulator's certificate.
	HTTPClient *http.Client
	// ParameterSets lists the parameter sets that exist now, of one service or of all (as
	// (*dbcore.DB).ListParameterSets does). A run names its set only while a set of that name
	// exists, as PostgreSQL lists it (ON DELETE SET NULL, api-contract.md §4.21); nil lists the
	// name recorded with the run whatever became of the set.
	ParameterSets func(ctx context.Context, serviceName *string) ([]dbcore.ParameterSet, error)
	// Logger gets warnings (nil: slog.Default()).
	Logger *slog.Logger
}

// Store is a handlers.RunStore on a Cosmos DB container. Its methods are safe for concurrent use.
type Store struct {
	opts      Options
	client    *azcosmos.Client
	container *azcosmos.ContainerClient

	ready     atomic.Bool
	settingUp chan struct{} // a one-slot lock around setUp that callers can give up waiting on

	idMu   sync.Mutex
	lastID int64
}

// New returns a Store whose database and container are ready: created when missing, the time to
// live brought to opts.TTLDays.
func New(ctx context.Context, opts Options) (*Store, error) {
	s, err := Open(opts)
	if err != nil {
		return nil, err
	}
	if err := s.Connect(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Open returns a Store without contacting the account: the database and container are made ready
// by Connect or on first use (and tried again on the next use after a failure).
func Open(opts Options) (*Store, error) {
	if opts.Endpoint == "" {
		return nil, errors.New("cosmosruns: no endpoint")
	}
	if opts.Database == "" {
		opts.Database = "dtbase"
	}
	if opts.Container == "" {
		opts.Container = "service_runs"
	}
	if opts.TTLDays < 0 || opts.TTLDays > MaxTTLDays {
		return nil, fmt.Errorf("cosmosruns: TTL of %d days is not between 0 and %d", opts.TTLDays, MaxTTLDays)
	}
	copts := &azcosmos.ClientOptions{}
	if opts.HTTPClient != nil {
		copts.Transport = opts.HTTPClient
	}
	var client *azcosmos.Client
	if opts.Key != "" {
		cred, err := azcosmos.NewKeyCredential(opts.Key)
		if err != nil {
			return nil, fmt.Errorf("cosmosruns: account key: %w", err)
		}
		if client, err = azcosmos.NewClientWithKey(opts.Endpoint, cred, copts); err != nil {
			return nil, fmt.Errorf("cosmosruns: client: %w", err)
		}
	} else {
		credOpts := &azidentity.DefaultAzureCredentialOptions{}
		if opts.HTTPClient != nil {
			credOpts.Transport = opts.HTTPClient
		}
		cred, err := azidentity.NewDefaultAzureCredential(credOpts)
		if err != nil {
			return nil, fmt.Errorf("cosmosruns: Microsoft Entra credential: %w", err)
		}
		if client, err = azcosmos.NewClient(opts.Endpoint, cred, copts); err != nil {
			return nil, fmt.Errorf("cosmosruns: client: %w", err)
		}
	}
	container, err := client.NewContainer(opts.Database, opts.Container)
	if err != nil {
		client.Close()
		return nil, fmt.Errorf("cosmosruns: container: %w", err)
	}
	return &Store{opts: opts, client: client, container: container, settingUp: make(chan struct{}, 1)}, nil
}

// Close releases the client's caches.
func (s *Store) Close() { s.client.Close() }

// Connect makes the database and container ready unless they already are.
func (s *Store) Connect(ctx context.Context) error {
	if s.ready.Load() {
		return nil
	}
	select {
	case s.settingUp <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.settingUp }()
	if s.ready.Load() {
		return nil
	}
	if err := s.setUp(ctx); err != nil {
		return fmt.Errorf("cosmosruns: set up container %s/%s: %w", s.opts.Database, s.opts.Container, err)
	}
	s.ready.Store(true)
	return nil
}

// ttl is the container's wanted default time to live: nil keeps items forever.
func (s *Store) ttl() *int32 {
	if s.opts.TTLDays == 0 {
		return nil
	}
	secs := int32(s.opts.TTLDays * 86400)
	return &secs
}

func (s *Store) setUp(ctx context.Context) error {
	resp, err := s.container.Read(ctx, nil)
	if statusOf(err) == http.StatusNotFound {
		return s.create(ctx)
	}
	if err != nil {
		return err
	}
	props := resp.ContainerProperties
	if paths := props.PartitionKeyDefinition.Paths; len(paths) != 1 || paths[0] != PartitionKeyPath {
		return fmt.Errorf("the container is partitioned by %v, not %s", paths, PartitionKeyPath)
	}
	if want := s.ttl(); !equalTTL(props.DefaultTimeToLive, want) {
		props.DefaultTimeToLive = want
		_, err := s.container.Replace(ctx, *props, nil)
		if statusOf(err) == http.StatusForbidden {
			// A Microsoft Entra token may not change containers: keep working with the time to
			// live the infrastructure set.
			s.log().Warn("cannot change the run history container's default time to live; keeping it",
				"container", s.opts.Container, "ttl", describeTTL(props.DefaultTimeToLive), "wanted", describeTTL(want), "err", err)
			return nil
		}
		if err != nil {
			return fmt.Errorf("set the default time to live to %s: %w", describeTTL(want), err)
		}
	}
	return nil
}

func (s *Store) create(ctx context.Context) error {
	hint := ""
	if s.opts.Key == "" {
		hint = " (a Microsoft Entra token cannot create databases or containers: create them with the infrastructure)"
	}
	_, err := s.client.CreateDatabase(ctx, azcosmos.DatabaseProperties{ID: s.opts.Database}, nil)
	if err != nil && statusOf(err) != http.StatusConflict {
		return fmt.Errorf("create database%s: %w", hint, err)
	}
	db, err := s.client.NewDatabase(s.opts.Database)
	if err != nil {
		return err
	}
	_, err = db.CreateContainer(ctx, azcosmos.ContainerProperties{
		ID: s.opts.Container,
		PartitionKeyDefinition: azcosmos.PartitionKeyDefinition{
			Kind: azcosmos.PartitionKeyKindHash, Paths: []string{PartitionKeyPath}, Version: 2,
		},
		DefaultTimeToLive: s.ttl(),
	}, nil)
	if statusOf(err) == http.StatusConflict {
		return s.setUp(ctx) // another instance created it meanwhile
	}
	if err != nil {
		return fmt.Errorf("create container%s: %w", hint, err)
	}
	return nil
}

func (s *Store) log() *slog.Logger {
	if s.opts.Logger != nil {
		return s.opts.Logger
	}
	return slog.Default()
}

func equalTTL(a, b *int32) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

func describeTTL(ttl *int32) string {
	if ttl == nil {
		return "none"
	}
	return strconv.Itoa(int(*ttl)) + " s"
}

// statusOf is the HTTP status of a failed Cosmos request, or 0.
func statusOf(err error) int {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		return re.StatusCode
	}
	return 0
}

// item is a run as the container keeps it.
type item struct {
	ID                 string          `json:"id"`
	ServiceName        string          `json:"serviceName"`
	ParameterSetName   *string         `json:"parameterSetName"`
	Parameters         json.RawMessage `json:"parameters"`
	ResponseJSON       json.RawMessage `json:"responseJson"`
	ResponseStatusCode int             `json:"responseStatusCode"`
	Timestamp          string          `json:"timestamp"`
	DurationMS         *float64        `json:"durationMs"`
	Error              *string         `json:"error"`
}

// timeLayout keeps microseconds, as PostgreSQL does, in a fixed width.
const timeLayout = "2006-01-02T15:04:05.000000Z07:00"

// nextID returns an id that sorts after every id this Store gave before, and, across instances,
// in the order of their clocks.
func (s *Store) nextID() string {
	now := time.Now().UnixNano()
	s.idMu.Lock()
	if now <= s.lastID {
		now = s.lastID + 1
	}
	s.lastID = now
	s.idMu.Unlock()
	var suffix [4]byte
	_, _ = rand.Read(suffix[:])
	return fmt.Sprintf("%019d-%s", now, hex.EncodeToString(suffix[:]))
}

// RecordRun stores one run. Parameters nil is stored as JSON null, as PostgreSQL stores it.
func (s *Store) RecordRun(ctx context.Context, run dbcore.ServiceRun) error {
	if err := s.Connect(ctx); err != nil {
		return err
	}
	it := item{
		ID:                 s.nextID(),
		ServiceName:        run.ServiceName,
		ParameterSetName:   run.ParameterSetName,
		Parameters:         run.Parameters,
		ResponseJSON:       run.ResponseJSON,
		ResponseStatusCode: run.ResponseStatusCode,
		Timestamp:          run.Timestamp.UTC().Truncate(time.Microsecond).Format(timeLayout),
		DurationMS:         run.DurationMS,
		Error:              run.Error,
	}
	data, err := json.Marshal(it)
	if err != nil {
		return fmt.Errorf("cosmosruns: encode run of %q: %w", run.ServiceName, err)
	}
	if _, err := s.container.CreateItem(ctx, azcosmos.NewPartitionKeyString(run.ServiceName), data, nil); err != nil {
		return fmt.Errorf("cosmosruns: record run of %q: %w", run.ServiceName, err)
	}
	return nil
}

// ListRuns returns runs in the order they were recorded, optionally of one service and one of its
// parameter sets. The partition key condition is always in the WHERE clause too: the emulator
// ignores the partition key of a query.
func (s *Store) ListRuns(ctx context.Context, serviceName, setName *string) ([]dbcore.ServiceRun, error) {
	if err := s.Connect(ctx); err != nil {
		return nil, err
	}
	var where []string
	var params []azcosmos.QueryParameter
	pk := azcosmos.NewPartitionKey() // every partition
	if serviceName != nil {
		where = append(where, "c.serviceName = @service")
		params = append(params, azcosmos.QueryParameter{Name: "@service", Value: *serviceName})
		pk = azcosmos.NewPartitionKeyString(*serviceName)
	}
	if setName != nil {
		where = append(where, "c.parameterSetName = @set")
		params = append(params, azcosmos.QueryParameter{Name: "@set", Value: *setName})
	}
	query := "SELECT c.id, c.serviceName, c.parameterSetName, c.parameters, c.responseJson, " +
		"c.responseStatusCode, c.timestamp, c.durationMs, c.error FROM c"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	items, err := s.query(ctx, query, pk, params)
	if err != nil {
		return nil, fmt.Errorf("cosmosruns: list runs: %w", err)
	}
	slices.SortFunc(items, func(a, b item) int { return strings.Compare(a.ID, b.ID) })

	if err := s.forgetDeletedSets(ctx, serviceName, items); err != nil {
		return nil, err
	}
	out := make([]dbcore.ServiceRun, 0, len(items))
	for _, it := range items {
		if setName != nil && it.ParameterSetName == nil {
			continue // its set was deleted since
		}
		ts, err := time.Parse(time.RFC3339Nano, it.Timestamp)
		if err != nil {
			return nil, fmt.Errorf("cosmosruns: run %s: timestamp: %w", it.ID, err)
		}
		out = append(out, dbcore.ServiceRun{
			ServiceName:        it.ServiceName,
			ParameterSetName:   it.ParameterSetName,
			Parameters:         compactJSON(it.Parameters),
			ResponseJSON:       compactJSON(it.ResponseJSON),
			ResponseStatusCode: it.ResponseStatusCode,
			Timestamp:          ts.UTC(),
			DurationMS:         it.DurationMS,
			Error:              it.Error,
		})
	}
	return out, nil
}

// forgetDeletedSets clears the set of runs whose set no longer exists (Options.ParameterSets).
func (s *Store) forgetDeletedSets(ctx context.Context, serviceName *string, items []item) error {
	if s.opts.ParameterSets == nil || !slices.ContainsFunc(items, func(it item) bool { return it.ParameterSetName != nil }) {
		return nil
	}
	sets, err := s.opts.ParameterSets(ctx, serviceName)
	if err != nil {
		return fmt.Errorf("cosmosruns: list parameter sets: %w", err)
	}
	exists := make(map[[2]string]bool, len(sets))
	for _, p := range sets {
		exists[[2]string{p.ServiceName, p.Name}] = true
	}
	for i := range items {
		if p := items[i].ParameterSetName; p != nil && !exists[[2]string{items[i].ServiceName, *p}] {
			items[i].ParameterSetName = nil
		}
	}
	return nil
}

// compactJSON returns a stored JSON value as compact text; a missing value is JSON null.
func compactJSON(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage("null")
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return raw
	}
	return buf.Bytes()
}

// query runs a query to its last page.
func (s *Store) query(ctx context.Context, query string, pk azcosmos.PartitionKey, params []azcosmos.QueryParameter) ([]item, error) {
	pager := s.container.NewQueryItemsPager(query, pk, &azcosmos.QueryOptions{QueryParameters: params, PageSizeHint: -1})
	var items []item
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, raw := range page.Items {
			var it item
			if err := json.Unmarshal(raw, &it); err != nil {
				return nil, fmt.Errorf("decode item: %w", err)
			}
			items = append(items, it)
		}
	}
	return items, nil
}

// deleteWorkers is how many deletes DeleteServiceRuns has in flight. (A transactional batch would
// take 100 at a time, but the emulator cannot run the batches that azcosmos sends.)
const deleteWorkers = 16

// DeleteServiceRuns deletes every run of a service: every item of its partition.
func (s *Store) DeleteServiceRuns(ctx context.Context, serviceName string) error {
	if err := s.Connect(ctx); err != nil {
		return err
	}
	pk := azcosmos.NewPartitionKeyString(serviceName)
	items, err := s.query(ctx, "SELECT c.id FROM c WHERE c.serviceName = @service", pk,
		[]azcosmos.QueryParameter{{Name: "@service", Value: serviceName}})
	if err != nil {
		return fmt.Errorf("cosmosruns: list runs of %q to delete: %w", serviceName, err)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	ids := make(chan string)
	var wg sync.WaitGroup
	for range min(deleteWorkers, len(items)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range ids {
				// Gone already (expired, or deleted by another instance) is as good as deleted.
				if _, err := s.container.DeleteItem(ctx, pk, id, nil); err != nil && statusOf(err) != http.StatusNotFound {
					cancel(err)
				}
			}
		}()
	}
feed:
	for _, it := range items {
		select {
		case ids <- it.ID:
		case <-ctx.Done():
			break feed
		}
	}
	close(ids)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return fmt.Errorf("cosmosruns: delete runs of %q: %w", serviceName, err)
	}
	return nil
}
