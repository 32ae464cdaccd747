-- +goose Up
-- The schema exactly as the original DTBase creates it (api-contract.md §5), so that a database the
-- original made is adopted as it is: every statement is a no-op on such a database.
-- +goose StatementBegin
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'value_datatype') THEN
    CREATE TYPE value_datatype AS ENUM ('string', 'float', 'integer', 'boolean');
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'http_method') THEN
    CREATE TYPE http_method AS ENUM ('GET', 'POST', 'PUT', 'DELETE');
  END IF;
END
$$;
-- +goose StatementEnd

CREATE TABLE IF NOT EXISTS location_identifier (
  id serial PRIMARY KEY,
  name varchar(100) NOT NULL,
  units varchar(100),
  datatype value_datatype NOT NULL,
  time_created timestamptz DEFAULT now(),
  time_updated timestamptz,
  UNIQUE (name, units)
);
CREATE TABLE IF NOT EXISTS location_schema (
  id serial PRIMARY KEY,
  name varchar(100) NOT NULL,
  description text,
  time_created timestamptz DEFAULT now(),
  time_updated timestamptz,
  UNIQUE (name)
);
CREATE TABLE IF NOT EXISTS location_schema_identifier_relation (
  id serial PRIMARY KEY,
  schema_id integer NOT NULL REFERENCES location_schema (id) ON DELETE CASCADE ON UPDATE CASCADE,
  identifier_id integer NOT NULL REFERENCES location_identifier (id),
  time_created timestamptz DEFAULT now(),
  time_updated timestamptz,
  UNIQUE (schema_id, identifier_id)
);
CREATE TABLE IF NOT EXISTS location (
  id serial PRIMARY KEY,
  schema_id integer NOT NULL REFERENCES location_schema (id),
  time_created timestamptz DEFAULT now(),
  time_updated timestamptz,
  UNIQUE (id)
);
CREATE TABLE IF NOT EXISTS location_string_value (
  id serial PRIMARY KEY,
  value text NOT NULL,
  identifier_id integer NOT NULL REFERENCES location_identifier (id),
  location_id integer NOT NULL REFERENCES location (id) ON DELETE CASCADE ON UPDATE CASCADE,
  time_created timestamptz DEFAULT now(),
  time_updated timestamptz,
  UNIQUE (identifier_id, location_id)
);
CREATE TABLE IF NOT EXISTS location_integer_value (
  id serial PRIMARY KEY,
  value integer NOT NULL,
  identifier_id integer NOT NULL REFERENCES location_identifier (id),
  location_id integer NOT NULL REFERENCES location (id) ON DELETE CASCADE ON UPDATE CASCADE,
  time_created timestamptz DEFAULT now(),
  time_updated timestamptz,
  UNIQUE (identifier_id, location_id)
);
CREATE TABLE IF NOT EXISTS location_float_value (
  id serial PRIMARY KEY,
  value double precision NOT NULL,
  identifier_id integer NOT NULL REFERENCES location_identifier (id),
  location_id integer NOT NULL REFERENCES location (id) ON DELETE CASCADE ON UPDATE CASCADE,
  time_created timestamptz DEFAULT now(),
  time_updated timestamptz,
  UNIQUE (identifier_id, location_id)
);
CREATE TABLE IF NOT EXISTS location_boolean_value (
  id serial PRIMARY KEY,
  value boolean NOT NULL,
  identifier_id integer NOT NULL REFERENCES location_identifier (id),
  location_id integer NOT NULL REFERENCES location (id) ON DELETE CASCADE ON UPDATE CASCADE,
  time_created timestamptz DEFAULT now(),
  time_updated timestamptz,
  UNIQUE (identifier_id, location_id)
);

CREATE TABLE IF NOT EXISTS sensor_measure (
  id serial PRIMARY KEY,
  name varchar(100) NOT NULL,
  units varchar(100),
  datatype value_datatype NOT NULL,
  time_created timestamptz DEFAULT now(),
  time_updated timestamptz,
  UNIQUE (name, units)
);
CREATE TABLE IF NOT EXISTS sensor_type (
  id serial PRIMARY KEY,
  name varchar(100) NOT NULL,
  description text,
  time_created timestamptz DEFAULT now(),
  time_updated timestamptz,
  UNIQUE (name)
);
CREATE TABLE IF NOT EXISTS sensor_type_measure_relation (
  id serial PRIMARY KEY,
  type_id integer NOT NULL REFERENCES sensor_type (id) ON DELETE CASCADE ON UPDATE CASCADE,
  measure_id integer NOT NULL REFERENCES sensor_measure (id),
  time_created timestamptz DEFAULT now(),
  time_updated timestamptz,
  UNIQUE (type_id, measure_id)
);
CREATE TABLE IF NOT EXISTS sensor (
  id serial PRIMARY KEY,
  type_id integer NOT NULL REFERENCES sensor_type (id),
  unique_identifier varchar(100) NOT NULL,
  name varchar(100),
  notes text,
  time_created timestamptz DEFAULT now(),
  time_updated timestamptz,
  UNIQUE (unique_identifier)
);
CREATE TABLE IF NOT EXISTS sensor_string_reading (
  id serial PRIMARY KEY,
  value text NOT NULL,
  measure_id integer NOT NULL REFERENCES sensor_measure (id),
  sensor_id integer NOT NULL REFERENCES sensor (id) ON DELETE CASCADE ON UPDATE CASCADE,
  timestamp timestamptz NOT NULL,
  time_created timestamptz DEFAULT now(),
  time_updated timestamptz,
  UNIQUE (measure_id, sensor_id, timestamp)
);
CREATE TABLE IF NOT EXISTS sensor_integer_reading (
  id serial PRIMARY KEY,
  value integer NOT NULL,
  measure_id integer NOT NULL REFERENCES sensor_measure (id),
  sensor_id integer NOT NULL REFERENCES sensor (id) ON DELETE CASCADE ON UPDATE CASCADE,
  timestamp timestamptz NOT NULL,
  time_created timestamptz DEFAULT now(),
  time_updated timestamptz,
  UNIQUE (measure_id, sensor_id, timestamp)
);
CREATE TABLE IF NOT EXISTS sensor_float_reading (
  id serial PRIMARY KEY,
  value double precision NOT NULL,
  measure_id integer NOT NULL REFERENCES sensor_measure (id),
  sensor_id integer NOT NULL REFERENCES sensor (id) ON DELETE CASCADE ON UPDATE CASCADE,
  timestamp timestamptz NOT NULL,
  time_created timestamptz DEFAULT now(),
  time_updated timestamptz,
  UNIQUE (measure_id, sensor_id, timestamp)
);
CREATE TABLE IF NOT EXISTS sensor_boolean_reading (
  id serial PRIMARY KEY,
  value boolean NOT NULL,
  measure_id integer NOT NULL REFERENCES sensor_measure (id),
  sensor_id integer NOT NULL REFERENCES sensor (id) ON DELETE CASCADE ON UPDATE CASCADE,
  timestamp timestamptz NOT NULL,
  time_created timestamptz DEFAULT now(),
  time_updated timestamptz,
  UNIQUE (measure_id, sensor_id, timestamp)
);
CREATE TABLE IF NOT EXISTS sensor_location (
  id serial PRIMARY KEY,
  sensor_id integer NOT NULL REFERENCES sensor (id) ON DELETE CASCADE ON UPDATE CASCADE,
  location_id integer NOT NULL REFERENCES location (id),
  installation_datetime timestamptz NOT NULL,
  time_created timestamptz DEFAULT now(),
  time_updated timestamptz,
  UNIQUE (sensor_id, installation_datetime)
);

CREATE TABLE IF NOT EXISTS model (
  id serial PRIMARY KEY,
  name varchar(100) NOT NULL,
  time_created timestamptz DEFAULT now(),
  time_updated timestamptz,
  UNIQUE (name)
);
CREATE TABLE IF NOT EXISTS model_scenario (
  id serial PRIMARY KEY,
  model_id integer NOT NULL REFERENCES model (id) ON DELETE CASCADE ON UPDATE CASCADE,
  description text,
  time_created timestamptz DEFAULT now(),
  time_updated timestamptz,
  UNIQUE (model_id, description)
);
CREATE TABLE IF NOT EXISTS model_measure (
  id serial PRIMARY KEY,
  name varchar(100),
  units varchar(100) NOT NULL,
  datatype value_datatype NOT NULL,
  time_created timestamptz DEFAULT now(),
  time_updated timestamptz,
  UNIQUE (name, units)
);
CREATE TABLE IF NOT EXISTS model_run (
  id serial PRIMARY KEY,
  model_id integer NOT NULL REFERENCES model (id),
  scenario_id integer REFERENCES model_scenario (id),
  sensor_id integer REFERENCES sensor (id),
  sensor_measure_id integer REFERENCES sensor_measure (id),
  time_created timestamptz DEFAULT now(),
  time_updated timestamptz,
  UNIQUE (model_id, scenario_id, time_created)
);
CREATE TABLE IF NOT EXISTS model_product (
  id serial PRIMARY KEY,
  run_id integer NOT NULL REFERENCES model_run (id) ON DELETE CASCADE ON UPDATE CASCADE,
  measure_id integer NOT NULL REFERENCES model_measure (id),
  time_created timestamptz DEFAULT now(),
  time_updated timestamptz,
  UNIQUE (run_id, measure_id)
);
CREATE TABLE IF NOT EXISTS model_string_value (
  id serial PRIMARY KEY,
  product_id integer NOT NULL REFERENCES model_product (id) ON DELETE CASCADE ON UPDATE CASCADE,
  timestamp timestamptz NOT NULL,
  value varchar NOT NULL,
  time_created timestamptz DEFAULT now(),
  time_updated timestamptz,
  UNIQUE (product_id, timestamp)
);
CREATE TABLE IF NOT EXISTS model_integer_value (
  id serial PRIMARY KEY,
  product_id integer NOT NULL REFERENCES model_product (id) ON DELETE CASCADE ON UPDATE CASCADE,
  timestamp timestamptz NOT NULL,
  value integer NOT NULL,
  time_created timestamptz DEFAULT now(),
  time_updated timestamptz,
  UNIQUE (product_id, timestamp)
);
CREATE TABLE IF NOT EXISTS model_float_value (
  id serial PRIMARY KEY,
  product_id integer NOT NULL REFERENCES model_product (id),
  timestamp timestamptz NOT NULL,
  value double precision NOT NULL,
  time_created timestamptz DEFAULT now(),
  time_updated timestamptz,
  UNIQUE (product_id, timestamp)
);
CREATE TABLE IF NOT EXISTS model_booleanvalue (
  id serial PRIMARY KEY,
  product_id integer NOT NULL REFERENCES model_product (id) ON DELETE CASCADE ON UPDATE CASCADE,
  timestamp timestamptz NOT NULL,
  value boolean NOT NULL,
  time_created timestamptz DEFAULT now(),
  time_updated timestamptz,
  UNIQUE (product_id, timestamp)
);

CREATE TABLE IF NOT EXISTS service (
  id serial PRIMARY KEY,
  name text NOT NULL,
  url text NOT NULL,
  http_method http_method NOT NULL,
  time_created timestamptz DEFAULT now(),
  time_updated timestamptz,
  UNIQUE (name)
);
CREATE TABLE IF NOT EXISTS service_parameter_set (
  id serial PRIMARY KEY,
  name text NOT NULL,
  service_id integer NOT NULL REFERENCES service (id) ON DELETE CASCADE ON UPDATE CASCADE,
  parameters json NOT NULL,
  time_created timestamptz DEFAULT now(),
  time_updated timestamptz,
  UNIQUE (service_id, name)
);
CREATE TABLE IF NOT EXISTS service_run_log (
  id serial PRIMARY KEY,
  service_id integer NOT NULL REFERENCES service (id) ON DELETE CASCADE ON UPDATE CASCADE,
  parameters json NOT NULL,
  parameter_set_id integer REFERENCES service_parameter_set (id) ON DELETE CASCADE ON UPDATE CASCADE,
  response_status_code integer NOT NULL,
  response_json json,
  timestamp timestamptz NOT NULL,
  time_created timestamptz DEFAULT now(),
  time_updated timestamptz
);

CREATE TABLE IF NOT EXISTS "User" (
  id serial PRIMARY KEY,
  email varchar NOT NULL,
  password bytea NOT NULL,
  time_created timestamptz DEFAULT now(),
  time_updated timestamptz,
  UNIQUE (email)
);

-- +goose Down
-- The original schema is never dropped by a migration: it may hold an adopted database's data.
SELECT 1;
