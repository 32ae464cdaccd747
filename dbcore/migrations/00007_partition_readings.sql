-- +goose Up
-- Readings at scale: each of the four readings tables becomes a table partitioned by range of
-- timestamp, one partition per UTC month, keeping its name, columns and primary key (sensor_id,
-- measure_id, timestamp). Partitions live in their own schema, reading_partitions, named
-- <table>_pYYYY_MM (e.g. reading_partitions.sensor_float_reading_p2024_03); dbcore creates them
-- ahead of time and on demand (a write into a month without one), and drops those older than the
-- retention setting (dbcore/partitions.go). There is deliberately no DEFAULT partition: with one,
-- PostgreSQL cannot read the partitions in timestamp order and "latest reading" queries merge every
-- partition instead of stopping at the newest one (about 10 times slower, measured).
--
-- Existing rows, of fresh or adopted databases, are copied into the new tables: every month holding
-- readings gets its partition, as do the current month and the three after it.
CREATE SCHEMA IF NOT EXISTS reading_partitions;

-- +goose StatementBegin
DO $$
DECLARE
  d text;
  parent text;
  old text;
  m timestamp; -- a month's first instant, in UTC
BEGIN
  FOREACH d IN ARRAY ARRAY['string', 'integer', 'float', 'boolean'] LOOP
    parent := 'sensor_' || d || '_reading';
    old := parent || '_unpartitioned';
    EXECUTE format('ALTER TABLE %I RENAME TO %I', parent, old);
    EXECUTE format('ALTER TABLE %I RENAME CONSTRAINT %I TO %I', old, parent || '_pkey', old || '_pkey');
    EXECUTE format('CREATE TABLE %I (sensor_id integer NOT NULL, measure_id integer NOT NULL, '
                   '"timestamp" timestamptz NOT NULL, value %s NOT NULL, '
                   'CONSTRAINT %I PRIMARY KEY (sensor_id, measure_id, "timestamp")) PARTITION BY RANGE ("timestamp")',
                   parent, CASE d WHEN 'string' THEN 'text' WHEN 'integer' THEN 'integer'
                                  WHEN 'float' THEN 'double precision' ELSE 'boolean' END,
                   parent || '_pkey');
    FOR m IN EXECUTE format(
        'SELECT DISTINCT date_trunc(''month'', "timestamp" AT TIME ZONE ''UTC'') FROM %I
         UNION SELECT date_trunc(''month'', now() AT TIME ZONE ''UTC'') + make_interval(months => k)
           FROM generate_series(0, 3) AS k', old) LOOP
      EXECUTE format('CREATE TABLE reading_partitions.%I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                     parent || '_p' || to_char(m, 'YYYY_MM'), parent,
                     to_char(m, 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                     to_char(m + interval '1 month', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'));
    END LOOP;
    EXECUTE format('INSERT INTO %I (sensor_id, measure_id, "timestamp", value)
                    SELECT sensor_id, measure_id, "timestamp", value FROM %I', parent, old);
    EXECUTE format('DROP TABLE %I', old);
  END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
SELECT 1;
