-- +goose Up
-- Fixes to the original schema (api-contract.md §4), applied alike to fresh and adopted databases.

-- §4.5: NULL units must be unique like any other value. An adopted database may already hold duplicate
-- (name, NULL) measures or identifiers; merge each group of one datatype into its oldest row first,
-- re-pointing every reference. A sensor with readings under two merged measures at the same instant
-- keeps the older measure's reading, as the original keeps the first of two duplicate readings.
-- +goose StatementBegin
DO $$
DECLARE
  dup record;
  t text;
BEGIN
  FOR dup IN
    SELECT m.id AS old_id, k.keep_id
    FROM sensor_measure m
    JOIN (SELECT name, datatype, min(id) AS keep_id FROM sensor_measure WHERE units IS NULL
          GROUP BY name, datatype HAVING count(*) > 1) k
      ON m.name = k.name AND m.datatype = k.datatype AND m.units IS NULL AND m.id <> k.keep_id
  LOOP
    DELETE FROM sensor_type_measure_relation r WHERE r.measure_id = dup.old_id
      AND EXISTS (SELECT 1 FROM sensor_type_measure_relation k WHERE k.type_id = r.type_id AND k.measure_id = dup.keep_id);
    UPDATE sensor_type_measure_relation SET measure_id = dup.keep_id WHERE measure_id = dup.old_id;
    FOREACH t IN ARRAY ARRAY['sensor_string_reading', 'sensor_integer_reading', 'sensor_float_reading', 'sensor_boolean_reading'] LOOP
      EXECUTE format('UPDATE %I r SET measure_id = $1 WHERE measure_id = $2 AND NOT EXISTS '
                     '(SELECT 1 FROM %I k WHERE k.measure_id = $1 AND k.sensor_id = r.sensor_id AND k.timestamp = r.timestamp)', t, t)
        USING dup.keep_id, dup.old_id;
    END LOOP;
    UPDATE model_run SET sensor_measure_id = dup.keep_id WHERE sensor_measure_id = dup.old_id;
    -- Any reading left on the old id duplicates one already kept for the same sensor and time.
    FOREACH t IN ARRAY ARRAY['sensor_string_reading', 'sensor_integer_reading', 'sensor_float_reading', 'sensor_boolean_reading'] LOOP
      EXECUTE format('DELETE FROM %I WHERE measure_id = $1', t) USING dup.old_id;
    END LOOP;
    DELETE FROM sensor_measure WHERE id = dup.old_id;
  END LOOP;

  FOR dup IN
    SELECT i.id AS old_id, k.keep_id
    FROM location_identifier i
    JOIN (SELECT name, datatype, min(id) AS keep_id FROM location_identifier WHERE units IS NULL
          GROUP BY name, datatype HAVING count(*) > 1) k
      ON i.name = k.name AND i.datatype = k.datatype AND i.units IS NULL AND i.id <> k.keep_id
  LOOP
    DELETE FROM location_schema_identifier_relation r WHERE r.identifier_id = dup.old_id
      AND EXISTS (SELECT 1 FROM location_schema_identifier_relation k WHERE k.schema_id = r.schema_id AND k.identifier_id = dup.keep_id);
    UPDATE location_schema_identifier_relation SET identifier_id = dup.keep_id WHERE identifier_id = dup.old_id;
    FOREACH t IN ARRAY ARRAY['location_string_value', 'location_integer_value', 'location_float_value', 'location_boolean_value'] LOOP
      EXECUTE format('UPDATE %I SET identifier_id = $1 WHERE identifier_id = $2', t) USING dup.keep_id, dup.old_id;
    END LOOP;
    DELETE FROM location_identifier WHERE id = dup.old_id;
  END LOOP;

  -- Duplicates left differ in datatype: merging would strand their values in the wrong table, so
  -- the later rows get the datatype in their name, e.g. "door (integer)", and stay readable.
  UPDATE sensor_measure m SET name = m.name || ' (' || m.datatype || ')'
    WHERE m.units IS NULL AND EXISTS (SELECT 1 FROM sensor_measure o WHERE o.name = m.name AND o.units IS NULL AND o.id < m.id);
  UPDATE location_identifier i SET name = i.name || ' (' || i.datatype || ')'
    WHERE i.units IS NULL AND EXISTS (SELECT 1 FROM location_identifier o WHERE o.name = i.name AND o.units IS NULL AND o.id < i.id);
END
$$;
-- +goose StatementEnd

ALTER TABLE sensor_measure DROP CONSTRAINT sensor_measure_name_units_key,
  ADD CONSTRAINT sensor_measure_name_units_key UNIQUE NULLS NOT DISTINCT (name, units);
ALTER TABLE location_identifier DROP CONSTRAINT location_identifier_name_units_key,
  ADD CONSTRAINT location_identifier_name_units_key UNIQUE NULLS NOT DISTINCT (name, units);

-- Readings are the bulk of the data: drop the surrogate id and bookkeeping columns nothing reads, and
-- key each table on (sensor, measure, timestamp). Rows get narrower, ingest skips a sequence call per
-- row, a window read is one ordered index range scan, and deleting a sensor uses the key's prefix.
-- The foreign keys go too: their per-row trigger checks cost ingest four times its speed. dbcore keeps
-- the integrity instead: a batch locks its sensor row (FOR KEY SHARE) while it writes, and deleting a
-- sensor locks the row (FOR UPDATE) and deletes its readings in the same transaction.
ALTER TABLE sensor_string_reading DROP CONSTRAINT sensor_string_reading_pkey,
  DROP CONSTRAINT sensor_string_reading_measure_id_sensor_id_timestamp_key,
  DROP CONSTRAINT sensor_string_reading_measure_id_fkey, DROP CONSTRAINT sensor_string_reading_sensor_id_fkey,
  DROP COLUMN id, DROP COLUMN time_created, DROP COLUMN time_updated,
  ADD CONSTRAINT sensor_string_reading_pkey PRIMARY KEY (sensor_id, measure_id, timestamp);
ALTER TABLE sensor_integer_reading DROP CONSTRAINT sensor_integer_reading_pkey,
  DROP CONSTRAINT sensor_integer_reading_measure_id_sensor_id_timestamp_key,
  DROP CONSTRAINT sensor_integer_reading_measure_id_fkey, DROP CONSTRAINT sensor_integer_reading_sensor_id_fkey,
  DROP COLUMN id, DROP COLUMN time_created, DROP COLUMN time_updated,
  ADD CONSTRAINT sensor_integer_reading_pkey PRIMARY KEY (sensor_id, measure_id, timestamp);
ALTER TABLE sensor_float_reading DROP CONSTRAINT sensor_float_reading_pkey,
  DROP CONSTRAINT sensor_float_reading_measure_id_sensor_id_timestamp_key,
  DROP CONSTRAINT sensor_float_reading_measure_id_fkey, DROP CONSTRAINT sensor_float_reading_sensor_id_fkey,
  DROP COLUMN id, DROP COLUMN time_created, DROP COLUMN time_updated,
  ADD CONSTRAINT sensor_float_reading_pkey PRIMARY KEY (sensor_id, measure_id, timestamp);
ALTER TABLE sensor_boolean_reading DROP CONSTRAINT sensor_boolean_reading_pkey,
  DROP CONSTRAINT sensor_boolean_reading_measure_id_sensor_id_timestamp_key,
  DROP CONSTRAINT sensor_boolean_reading_measure_id_fkey, DROP CONSTRAINT sensor_boolean_reading_sensor_id_fkey,
  DROP COLUMN id, DROP COLUMN time_created, DROP COLUMN time_updated,
  ADD CONSTRAINT sensor_boolean_reading_pkey PRIMARY KEY (sensor_id, measure_id, timestamp);

-- §4.34: the float model values cascade like their three siblings.
ALTER TABLE model_float_value DROP CONSTRAINT model_float_value_product_id_fkey,
  ADD CONSTRAINT model_float_value_product_id_fkey FOREIGN KEY (product_id)
    REFERENCES model_product (id) ON DELETE CASCADE ON UPDATE CASCADE;

-- §4.21: deleting a parameter set keeps its run history.
ALTER TABLE service_run_log DROP CONSTRAINT service_run_log_parameter_set_id_fkey,
  ADD CONSTRAINT service_run_log_parameter_set_id_fkey FOREIGN KEY (parameter_set_id)
    REFERENCES service_parameter_set (id) ON DELETE SET NULL ON UPDATE CASCADE;

CREATE INDEX IF NOT EXISTS model_run_model_id_time_created_idx ON model_run (model_id, time_created);
CREATE INDEX IF NOT EXISTS service_run_log_service_id_idx ON service_run_log (service_id, timestamp);

-- +goose Down
SELECT 1;
