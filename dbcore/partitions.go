package dbcore

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Readings tables are partitioned by range of timestamp, one partition per UTC month (migration
// 00007). Partitions live in partitionSchema and are named <table>_pYYYY_MM. They are made:
//   - ahead of time: the current month and PartitionsAhead months after it, by the migration and by
//     MaintainReadingPartitions (at start-up and then periodically);
//   - on demand: a write that meets a month without a partition fails as a whole, without writing
//     anything; the months of the batch are then collected, their partitions created in the
//     writer's transaction, and the write runs again. The usual write, into months that exist,
//     costs no extra round trip and no per-row check.
//
// Partitions are created detached and then attached (ALTER TABLE ... ATTACH PARTITION), which
// takes a SHARE UPDATE EXCLUSIVE lock on the parent: readers and writers carry on meanwhile, where
// CREATE TABLE ... PARTITION OF would wait for every reader and block everyone behind it.
const partitionSchema = "reading_partitions"

// PartitionsAhead is how many months after the current one always have their partitions.
const PartitionsAhead = 3

// readingTables are the four partitioned readings tables.
var readingTables = []string{"sensor_float_reading", "sensor_integer_reading", "sensor_boolean_reading", "sensor_string_reading"}

// partitionLockKey serialises partition DDL across connections and instances (a transaction-level
// advisory lock): "dtbase partitions".
const partitionLockKey int64 = 0x647462_70617274

// maintenanceLockTimeout bounds how long maintenance waits for a table lock (dropping a partition
// waits for queries reading it), so that it never stalls the API behind it; it retries next time.
const maintenanceLockTimeout = "500ms"

// monthStart returns the first instant of t's UTC month.
func monthStart(t time.Time) time.Time {
	y, m, _ := t.UTC().Date()
	return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
}

// partitionName is the partition of table holding month (a month's first instant, UTC).
func partitionName(table string, month time.Time) string {
	return fmt.Sprintf("%s_p%04d_%02d", table, month.Year(), int(month.Month()))
}

// parsePartitionName returns the month of a partition of table named by partitionName.
func parsePartitionName(table, name string) (time.Time, bool) {
	rest, ok := strings.CutPrefix(name, table+"_p")
	if !ok || len(rest) != 7 || rest[4] != '_' {
		return time.Time{}, false
	}
	y, err1 := strconv.Atoi(rest[:4])
	m, err2 := strconv.Atoi(rest[5:])
	if err1 != nil || err2 != nil || m < 1 || m > 12 {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(m), 1, 0, 0, 0, 0, time.UTC), true
}

// isNoPartition reports whether err is PostgreSQL refusing a row for which no partition exists.
func isNoPartition(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23514" && strings.Contains(pgErr.Message, "no partition")
}

// monthSet collects distinct months cheaply from timestamps that mostly arrive in order.
type monthSet struct {
	lo, hi time.Time // the last month seen: [lo, hi)
	months map[time.Time]bool
}

func (s *monthSet) add(t time.Time) {
	if s.months != nil && !t.Before(s.lo) && t.Before(s.hi) {
		return
	}
	if s.months == nil {
		s.months = map[time.Time]bool{}
	}
	s.lo = monthStart(t)
	s.hi = s.lo.AddDate(0, 1, 0)
	s.months[s.lo] = true
}

func (s *monthSet) list() []time.Time {
	out := make([]time.Time, 0, len(s.months))
	for m := range s.months {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

// ensurePartitions creates, in q's transaction, the partitions of table for months (first instants
// of UTC months) that do not exist yet, and returns the names of those it created. It holds the
// partition advisory lock until the transaction ends, so concurrent writers needing the same month
// create it once.
func ensurePartitions(ctx context.Context, tx pgx.Tx, table string, months []time.Time) ([]string, error) {
	if len(months) == 0 {
		return nil, nil
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, partitionLockKey); err != nil {
		return nil, fmt.Errorf("lock partitions: %w", err)
	}
	var created []string
	for _, m := range months {
		name := partitionName(table, m)
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, partitionSchema+"."+name).Scan(&exists); err != nil {
			return created, fmt.Errorf("look up partition %s: %w", name, err)
		}
		if exists {
			continue
		}
		if err := attachPartition(ctx, tx, table, name, m); err != nil {
			return created, err
		}
		created = append(created, name)
	}
	return created, nil
}

// attachPartition creates partition name of table for the month starting at m and attaches it. The
// CHECK constraint lets ATTACH skip validating the (empty) table; PostgreSQL builds the primary key's
// index on it to match the parent's.
func attachPartition(ctx context.Context, q querier, table, name string, m time.Time) error {
	qualified := pgx.Identifier{partitionSchema, name}.Sanitize()
	lo, hi := m.Format(time.RFC3339), m.AddDate(0, 1, 0).Format(time.RFC3339)
	for _, stmt := range []string{
		`CREATE TABLE ` + qualified + ` (LIKE ` + pgx.Identifier{table}.Sanitize() + ` INCLUDING DEFAULTS)`,
		`ALTER TABLE ` + qualified + ` ADD CONSTRAINT month_bounds CHECK ("timestamp" >= '` + lo + `' AND "timestamp" < '` + hi + `')`,
		`ALTER TABLE ` + pgx.Identifier{table}.Sanitize() + ` ATTACH PARTITION ` + qualified + ` FOR VALUES FROM ('` + lo + `') TO ('` + hi + `')`,
		`ALTER TABLE ` + qualified + ` DROP CONSTRAINT month_bounds`,
	} {
		if _, err := q.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("create partition %s: %w", name, err)
		}
	}
	return nil
}

// writeEnsuringPartitions runs write in a savepoint of tx. When it fails because a reading's month
// has no partition, the partitions of the months that months reports are created apart
// (createPartitionsApart) and write runs again. Any other error is returned as it is.
func writeEnsuringPartitions(ctx context.Context, tx pgx.Tx, table string, months func() ([]time.Time, error), write func(pgx.Tx) error) error {
	err := inSavepoint(ctx, tx, write)
	for attempt := 0; attempt < 2 && isNoPartition(err); attempt++ {
		ms, mErr := months()
		if mErr != nil {
			return mErr
		}
		if err := createPartitionsApart(ctx, tx.Conn().Config(), table, ms); err != nil {
			return err
		}
		err = inSavepoint(ctx, tx, write)
	}
	return err
}

// createPartitionsApart creates the missing partitions of table for months, on a connection of its
// own in a transaction committed at once, and then announces them (touchReadingTable).
//
// Apart, because the writer's transaction must not hold the partition lock or the table locks of
// DDL until it commits: writers of overlapping readings wait for each other's rows, and holding
// those locks meanwhile deadlocks them. The partition's DDL waits for no writer (ATTACH takes a
// SHARE UPDATE EXCLUSIVE lock on the parent), so it completes while the writer's transaction is
// open, and the writer's next statement sees the partition.
//
// The announcement: a session that was building its cached list of a table's partitions at the
// moment a partition's transaction committed can cache the list without it and still consume the
// invalidation that announced it (a race in PostgreSQL, met with PostgreSQL 15 and concurrent
// writers). That session would then route rows of the month nowhere and, worse, leave the month out
// of its reads, until the table's definition changes again. The touch, a second invalidation sent
// once the partition is visible to all, closes that window; as it is sent whenever a writer met a
// missing partition, it also repairs a writer whose list went stale that way.
func createPartitionsApart(ctx context.Context, cfg *pgx.ConnConfig, table string, months []time.Time) error {
	conn, err := pgx.ConnectConfig(ctx, cfg.Copy())
	if err != nil {
		return fmt.Errorf("connect to create partitions: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		_, err := ensurePartitions(ctx, tx, table, months)
		return err
	}); err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error { return touchReadingTable(ctx, tx, table) })
}

// touchReadingTable makes every session read table's partitions afresh once this transaction
// commits: it rewrites a catalog entry of the table to the value it has (the value column's
// statistics target), which invalidates the table's cached definition everywhere. It takes a SHARE
// UPDATE EXCLUSIVE lock on the table, waiting at most 2 seconds: reads and writes go on.
func touchReadingTable(ctx context.Context, tx pgx.Tx, table string) error {
	var target int
	if err := tx.QueryRow(ctx, `SELECT attstattarget FROM pg_attribute WHERE attrelid = $1::regclass AND attname = 'value'`, table).Scan(&target); err != nil {
		return fmt.Errorf("refresh partitions of %s: %w", table, err)
	}
	if _, err := tx.Exec(ctx, `SET LOCAL lock_timeout = '2s'`); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `ALTER TABLE ONLY `+pgx.Identifier{table}.Sanitize()+` ALTER COLUMN value SET STATISTICS `+strconv.Itoa(target)); err != nil {
		return fmt.Errorf("refresh partitions of %s: %w", table, err)
	}
	return nil
}

func isLockTimeout(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "55P03"
}

// inSavepoint runs fn in a savepoint, released on success and rolled back on error, so that the
// enclosing transaction survives a failed statement.
func inSavepoint(ctx context.Context, tx pgx.Tx, fn func(pgx.Tx) error) error {
	sp, err := tx.Begin(ctx)
	if err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	if err := fn(sp); err != nil {
		if rbErr := sp.Rollback(ctx); rbErr != nil {
			return errors.Join(err, fmt.Errorf("roll back to savepoint: %w", rbErr))
		}
		return err
	}
	return sp.Commit(ctx)
}

// sourceMonths reads a ReadingSource to its end and returns the months of its timestamps.
func sourceMonths(src ReadingSource) ([]time.Time, error) {
	var set monthSet
	for src.Next() {
		t, _ := src.Reading()
		set.add(t)
	}
	return set.list(), src.Err()
}

// ReadingPartition is one monthly partition of a readings table.
type ReadingPartition struct {
	Table, Name string    // parent table and partition (in schema reading_partitions)
	From, To    time.Time // its range of timestamps: From <= timestamp < To
}

// ReadingPartitions lists the partitions of the readings tables, by table and month.
func (db *DB) ReadingPartitions(ctx context.Context) ([]ReadingPartition, error) {
	return listPartitions(ctx, db.pool)
}

func listPartitions(ctx context.Context, q querier) ([]ReadingPartition, error) {
	rows, _ := q.Query(ctx, `SELECT p.relname::text, c.relname::text
		FROM pg_inherits i
		JOIN pg_class p ON p.oid = i.inhparent
		JOIN pg_class c ON c.oid = i.inhrelid
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE p.relname = ANY($1) AND p.relnamespace = 'public'::regnamespace AND n.nspname = $2`,
		readingTables, partitionSchema)
	type pair struct{ table, name string }
	pairs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (pair, error) {
		var p pair
		return p, row.Scan(&p.table, &p.name)
	})
	if err != nil {
		return nil, translate(fmt.Errorf("list partitions: %w", err))
	}
	out := make([]ReadingPartition, 0, len(pairs))
	for _, p := range pairs {
		m, ok := parsePartitionName(p.table, p.name)
		if !ok {
			continue // not one of ours: left alone
		}
		out = append(out, ReadingPartition{Table: p.table, Name: p.name, From: m, To: m.AddDate(0, 1, 0)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Table != out[j].Table {
			return out[i].Table < out[j].Table
		}
		return out[i].From.Before(out[j].From)
	})
	return out, nil
}

// PartitionReport says what MaintainReadingPartitions changed.
type PartitionReport struct {
	Created []string // partitions created ahead of time
	Dropped []string // partitions dropped by the retention setting
	// Skipped is set when another instance was maintaining the partitions at the same moment, or a
	// partition to drop was in use (it is dropped next time).
	Skipped bool
}

// MaintainReadingPartitions creates the partitions of the month of now and of the PartitionsAhead
// months after it, for every readings table, and, when retention is positive, drops every partition
// whose whole month ended more than retention before now (its readings with it). Partitions are
// whole months, so readings are kept for between retention and retention plus one month. It is
// safe to run from several instances at once.
func (db *DB) MaintainReadingPartitions(ctx context.Context, now time.Time, retention time.Duration) (PartitionReport, error) {
	var rep PartitionReport
	err := db.transact(ctx, func(tx pgx.Tx) error {
		var got bool
		if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1)`, partitionLockKey).Scan(&got); err != nil {
			return fmt.Errorf("lock partitions: %w", err)
		}
		if !got {
			rep.Skipped = true
			return nil
		}
		first := monthStart(now)
		months := make([]time.Time, 0, PartitionsAhead+1)
		for k := 0; k <= PartitionsAhead; k++ {
			months = append(months, first.AddDate(0, k, 0))
		}
		for _, table := range readingTables {
			created, err := ensurePartitions(ctx, tx, table, months)
			rep.Created = append(rep.Created, created...)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil && len(rep.Created) > 0 {
		// Announce them, as createPartitionsApart does.
		err = db.transact(ctx, func(tx pgx.Tx) error {
			for _, table := range readingTables {
				if err := touchReadingTable(ctx, tx, table); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err != nil || rep.Skipped || retention <= 0 {
		return rep, err
	}
	cutoff := now.Add(-retention)
	parts, err := db.ReadingPartitions(ctx)
	if err != nil {
		return rep, err
	}
	for _, p := range parts {
		if p.To.After(cutoff) {
			continue
		}
		dropped, err := db.dropPartition(ctx, p)
		if err != nil {
			return rep, err
		}
		if dropped {
			rep.Dropped = append(rep.Dropped, p.Name)
		} else {
			rep.Skipped = true
		}
	}
	return rep, nil
}

// dropPartition drops one partition, unless its tables are locked for longer than
// maintenanceLockTimeout (queries reading it): then it reports false and leaves it for next time.
func (db *DB) dropPartition(ctx context.Context, p ReadingPartition) (bool, error) {
	err := db.transact(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL lock_timeout = '`+maintenanceLockTimeout+`'`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, partitionLockKey); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DROP TABLE IF EXISTS `+pgx.Identifier{partitionSchema, p.Name}.Sanitize())
		return err
	})
	if isLockTimeout(err) {
		return false, nil
	}
	if err != nil {
		return false, translate(fmt.Errorf("drop partition %s: %w", p.Name, err))
	}
	return true, nil
}
