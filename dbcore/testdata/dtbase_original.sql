--
-- A database as the ORIGINAL Python DTBase (FastAPI backend, upstream commit 298e014) leaves it,
-- written as a plain-SQL dump. Used by handlers/adopt_test.go to check that our migrations adopt
-- such a database in place without losing or garbling a row.
--
-- The schema part is an independent rendering of api-contract.md §5 in the form SQLAlchemy 2
-- `metadata.create_all` emits on PostgreSQL: `SERIAL NOT NULL` ids with a table-level
-- `PRIMARY KEY (id)`, `time_created TIMESTAMP WITH TIME ZONE DEFAULT now()` and `time_updated
-- TIMESTAMP WITH TIME ZONE` on every table, and unnamed UNIQUE / FOREIGN KEY constraints, so that
-- PostgreSQL gives them its default names (<table>_pkey, <table>_<cols>_key, <table>_<col>_fkey).
-- It is deliberately NOT derived from dbcore/migrations/00001_original_schema.sql.
--
-- The data part holds a few rows of every kind, written as pg_dump writes them (explicit ids,
-- then setval on every sequence). Values are what the original's endpoints store: json columns
-- hold Python json.dumps text (with ", " and ": " separators, non-ASCII escaped), a Python None
-- in service_run_log.parameters is the JSON value null, passwords are the ASCII bcrypt hash as
-- bytea. It also holds states the original's bugs allow (api-contract.md §4): two sensor measures
-- named door_open with NULL units (§4.5) used by two types and both with readings, a scenario with
-- a NULL description that has a run (§4.22), run-log rows with array parameters and non-object
-- responses (§4.23), a schema with no identifiers (§4.17).
--
-- Users and their passwords (bcrypt cost 12, $2b$ prefix as Python's bcrypt writes it):
--   default_user@localhost / original-pass
--   alice@example.com      / alice-secret
--

SET statement_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SET check_function_bodies = false;
SET client_min_messages = warning;

-- ---------------------------------------------------------------------------------------------
-- Schema (the order create_all uses: types first, then tables in dependency order)
-- ---------------------------------------------------------------------------------------------

CREATE TYPE value_datatype AS ENUM ('string', 'float', 'integer', 'boolean');

CREATE TYPE http_method AS ENUM ('GET', 'POST', 'PUT', 'DELETE');

CREATE TABLE "User" (
	id SERIAL NOT NULL,
	email VARCHAR NOT NULL,
	password BYTEA NOT NULL,
	time_created TIMESTAMP WITH TIME ZONE DEFAULT now(),
	time_updated TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (id),
	UNIQUE (email)
);

CREATE TABLE location_identifier (
	id SERIAL NOT NULL,
	name VARCHAR(100) NOT NULL,
	units VARCHAR(100),
	datatype value_datatype NOT NULL,
	time_created TIMESTAMP WITH TIME ZONE DEFAULT now(),
	time_updated TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (id),
	UNIQUE (name, units)
);

CREATE TABLE location_schema (
	id SERIAL NOT NULL,
	name VARCHAR(100) NOT NULL,
	description TEXT,
	time_created TIMESTAMP WITH TIME ZONE DEFAULT now(),
	time_updated TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (id),
	UNIQUE (name)
);

CREATE TABLE model (
	id SERIAL NOT NULL,
	name VARCHAR(100) NOT NULL,
	time_created TIMESTAMP WITH TIME ZONE DEFAULT now(),
	time_updated TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (id),
	UNIQUE (name)
);

CREATE TABLE model_measure (
	id SERIAL NOT NULL,
	name VARCHAR(100),
	units VARCHAR(100) NOT NULL,
	datatype value_datatype NOT NULL,
	time_created TIMESTAMP WITH TIME ZONE DEFAULT now(),
	time_updated TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (id),
	UNIQUE (name, units)
);

CREATE TABLE sensor_measure (
	id SERIAL NOT NULL,
	name VARCHAR(100) NOT NULL,
	units VARCHAR(100),
	datatype value_datatype NOT NULL,
	time_created TIMESTAMP WITH TIME ZONE DEFAULT now(),
	time_updated TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (id),
	UNIQUE (name, units)
);

CREATE TABLE sensor_type (
	id SERIAL NOT NULL,
	name VARCHAR(100) NOT NULL,
	description TEXT,
	time_created TIMESTAMP WITH TIME ZONE DEFAULT now(),
	time_updated TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (id),
	UNIQUE (name)
);

CREATE TABLE service (
	id SERIAL NOT NULL,
	name TEXT NOT NULL,
	url TEXT NOT NULL,
	http_method http_method NOT NULL,
	time_created TIMESTAMP WITH TIME ZONE DEFAULT now(),
	time_updated TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (id),
	UNIQUE (name)
);

CREATE TABLE location (
	id SERIAL NOT NULL,
	schema_id INTEGER NOT NULL,
	time_created TIMESTAMP WITH TIME ZONE DEFAULT now(),
	time_updated TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (id),
	UNIQUE (id),
	FOREIGN KEY(schema_id) REFERENCES location_schema (id)
);

CREATE TABLE location_schema_identifier_relation (
	id SERIAL NOT NULL,
	schema_id INTEGER NOT NULL,
	identifier_id INTEGER NOT NULL,
	time_created TIMESTAMP WITH TIME ZONE DEFAULT now(),
	time_updated TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (id),
	UNIQUE (schema_id, identifier_id),
	FOREIGN KEY(schema_id) REFERENCES location_schema (id) ON DELETE CASCADE ON UPDATE CASCADE,
	FOREIGN KEY(identifier_id) REFERENCES location_identifier (id)
);

CREATE TABLE model_scenario (
	id SERIAL NOT NULL,
	model_id INTEGER NOT NULL,
	description TEXT,
	time_created TIMESTAMP WITH TIME ZONE DEFAULT now(),
	time_updated TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (id),
	UNIQUE (model_id, description),
	FOREIGN KEY(model_id) REFERENCES model (id) ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE sensor (
	id SERIAL NOT NULL,
	type_id INTEGER NOT NULL,
	unique_identifier VARCHAR(100) NOT NULL,
	name VARCHAR(100),
	notes TEXT,
	time_created TIMESTAMP WITH TIME ZONE DEFAULT now(),
	time_updated TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (id),
	UNIQUE (unique_identifier),
	FOREIGN KEY(type_id) REFERENCES sensor_type (id)
);

CREATE TABLE sensor_type_measure_relation (
	id SERIAL NOT NULL,
	type_id INTEGER NOT NULL,
	measure_id INTEGER NOT NULL,
	time_created TIMESTAMP WITH TIME ZONE DEFAULT now(),
	time_updated TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (id),
	UNIQUE (type_id, measure_id),
	FOREIGN KEY(type_id) REFERENCES sensor_type (id) ON DELETE CASCADE ON UPDATE CASCADE,
	FOREIGN KEY(measure_id) REFERENCES sensor_measure (id)
);

CREATE TABLE service_parameter_set (
	id SERIAL NOT NULL,
	name TEXT NOT NULL,
	service_id INTEGER NOT NULL,
	parameters JSON NOT NULL,
	time_created TIMESTAMP WITH TIME ZONE DEFAULT now(),
	time_updated TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (id),
	UNIQUE (service_id, name),
	FOREIGN KEY(service_id) REFERENCES service (id) ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE location_boolean_value (
	id SERIAL NOT NULL,
	value BOOLEAN NOT NULL,
	identifier_id INTEGER NOT NULL,
	location_id INTEGER NOT NULL,
	time_created TIMESTAMP WITH TIME ZONE DEFAULT now(),
	time_updated TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (id),
	UNIQUE (identifier_id, location_id),
	FOREIGN KEY(identifier_id) REFERENCES location_identifier (id),
	FOREIGN KEY(location_id) REFERENCES location (id) ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE location_float_value (
	id SERIAL NOT NULL,
	value FLOAT NOT NULL,
	identifier_id INTEGER NOT NULL,
	location_id INTEGER NOT NULL,
	time_created TIMESTAMP WITH TIME ZONE DEFAULT now(),
	time_updated TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (id),
	UNIQUE (identifier_id, location_id),
	FOREIGN KEY(identifier_id) REFERENCES location_identifier (id),
	FOREIGN KEY(location_id) REFERENCES location (id) ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE location_integer_value (
	id SERIAL NOT NULL,
	value INTEGER NOT NULL,
	identifier_id INTEGER NOT NULL,
	location_id INTEGER NOT NULL,
	time_created TIMESTAMP WITH TIME ZONE DEFAULT now(),
	time_updated TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (id),
	UNIQUE (identifier_id, location_id),
	FOREIGN KEY(identifier_id) REFERENCES location_identifier (id),
	FOREIGN KEY(location_id) REFERENCES location (id) ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE location_string_value (
	id SERIAL NOT NULL,
	value TEXT NOT NULL,
	identifier_id INTEGER NOT NULL,
	location_id INTEGER NOT NULL,
	time_created TIMESTAMP WITH TIME ZONE DEFAULT now(),
	time_updated TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (id),
	UNIQUE (identifier_id, location_id),
	FOREIGN KEY(identifier_id) REFERENCES location_identifier (id),
	FOREIGN KEY(location_id) REFERENCES location (id) ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE model_run (
	id SERIAL NOT NULL,
	model_id INTEGER NOT NULL,
	scenario_id INTEGER,
	sensor_id INTEGER,
	sensor_measure_id INTEGER,
	time_created TIMESTAMP WITH TIME ZONE DEFAULT now(),
	time_updated TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (id),
	UNIQUE (model_id, scenario_id, time_created),
	FOREIGN KEY(model_id) REFERENCES model (id),
	FOREIGN KEY(scenario_id) REFERENCES model_scenario (id),
	FOREIGN KEY(sensor_id) REFERENCES sensor (id),
	FOREIGN KEY(sensor_measure_id) REFERENCES sensor_measure (id)
);

CREATE TABLE sensor_boolean_reading (
	id SERIAL NOT NULL,
	value BOOLEAN NOT NULL,
	measure_id INTEGER NOT NULL,
	sensor_id INTEGER NOT NULL,
	timestamp TIMESTAMP WITH TIME ZONE NOT NULL,
	time_created TIMESTAMP WITH TIME ZONE DEFAULT now(),
	time_updated TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (id),
	UNIQUE (measure_id, sensor_id, timestamp),
	FOREIGN KEY(measure_id) REFERENCES sensor_measure (id),
	FOREIGN KEY(sensor_id) REFERENCES sensor (id) ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE sensor_float_reading (
	id SERIAL NOT NULL,
	value FLOAT NOT NULL,
	measure_id INTEGER NOT NULL,
	sensor_id INTEGER NOT NULL,
	timestamp TIMESTAMP WITH TIME ZONE NOT NULL,
	time_created TIMESTAMP WITH TIME ZONE DEFAULT now(),
	time_updated TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (id),
	UNIQUE (measure_id, sensor_id, timestamp),
	FOREIGN KEY(measure_id) REFERENCES sensor_measure (id),
	FOREIGN KEY(sensor_id) REFERENCES sensor (id) ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE sensor_integer_reading (
	id SERIAL NOT NULL,
	value INTEGER NOT NULL,
	measure_id INTEGER NOT NULL,
	sensor_id INTEGER NOT NULL,
	timestamp TIMESTAMP WITH TIME ZONE NOT NULL,
	time_created TIMESTAMP WITH TIME ZONE DEFAULT now(),
	time_updated TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (id),
	UNIQUE (measure_id, sensor_id, timestamp),
	FOREIGN KEY(measure_id) REFERENCES sensor_measure (id),
	FOREIGN KEY(sensor_id) REFERENCES sensor (id) ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE sensor_location (
	id SERIAL NOT NULL,
	sensor_id INTEGER NOT NULL,
	location_id INTEGER NOT NULL,
	installation_datetime TIMESTAMP WITH TIME ZONE NOT NULL,
	time_created TIMESTAMP WITH TIME ZONE DEFAULT now(),
	time_updated TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (id),
	UNIQUE (sensor_id, installation_datetime),
	FOREIGN KEY(sensor_id) REFERENCES sensor (id) ON DELETE CASCADE ON UPDATE CASCADE,
	FOREIGN KEY(location_id) REFERENCES location (id)
);

CREATE TABLE sensor_string_reading (
	id SERIAL NOT NULL,
	value TEXT NOT NULL,
	measure_id INTEGER NOT NULL,
	sensor_id INTEGER NOT NULL,
	timestamp TIMESTAMP WITH TIME ZONE NOT NULL,
	time_created TIMESTAMP WITH TIME ZONE DEFAULT now(),
	time_updated TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (id),
	UNIQUE (measure_id, sensor_id, timestamp),
	FOREIGN KEY(measure_id) REFERENCES sensor_measure (id),
	FOREIGN KEY(sensor_id) REFERENCES sensor (id) ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE service_run_log (
	id SERIAL NOT NULL,
	service_id INTEGER NOT NULL,
	parameters JSON NOT NULL,
	parameter_set_id INTEGER,
	response_status_code INTEGER NOT NULL,
	response_json JSON,
	timestamp TIMESTAMP WITH TIME ZONE NOT NULL,
	time_created TIMESTAMP WITH TIME ZONE DEFAULT now(),
	time_updated TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (id),
	FOREIGN KEY(service_id) REFERENCES service (id) ON DELETE CASCADE ON UPDATE CASCADE,
	FOREIGN KEY(parameter_set_id) REFERENCES service_parameter_set (id) ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE model_product (
	id SERIAL NOT NULL,
	run_id INTEGER NOT NULL,
	measure_id INTEGER NOT NULL,
	time_created TIMESTAMP WITH TIME ZONE DEFAULT now(),
	time_updated TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (id),
	UNIQUE (run_id, measure_id),
	FOREIGN KEY(run_id) REFERENCES model_run (id) ON DELETE CASCADE ON UPDATE CASCADE,
	FOREIGN KEY(measure_id) REFERENCES model_measure (id)
);

CREATE TABLE model_booleanvalue (
	id SERIAL NOT NULL,
	product_id INTEGER NOT NULL,
	timestamp TIMESTAMP WITH TIME ZONE NOT NULL,
	value BOOLEAN NOT NULL,
	time_created TIMESTAMP WITH TIME ZONE DEFAULT now(),
	time_updated TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (id),
	UNIQUE (product_id, timestamp),
	FOREIGN KEY(product_id) REFERENCES model_product (id) ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE model_float_value (
	id SERIAL NOT NULL,
	product_id INTEGER NOT NULL,
	timestamp TIMESTAMP WITH TIME ZONE NOT NULL,
	value FLOAT NOT NULL,
	time_created TIMESTAMP WITH TIME ZONE DEFAULT now(),
	time_updated TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (id),
	UNIQUE (product_id, timestamp),
	FOREIGN KEY(product_id) REFERENCES model_product (id)
);

CREATE TABLE model_integer_value (
	id SERIAL NOT NULL,
	product_id INTEGER NOT NULL,
	timestamp TIMESTAMP WITH TIME ZONE NOT NULL,
	value INTEGER NOT NULL,
	time_created TIMESTAMP WITH TIME ZONE DEFAULT now(),
	time_updated TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (id),
	UNIQUE (product_id, timestamp),
	FOREIGN KEY(product_id) REFERENCES model_product (id) ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE model_string_value (
	id SERIAL NOT NULL,
	product_id INTEGER NOT NULL,
	timestamp TIMESTAMP WITH TIME ZONE NOT NULL,
	value VARCHAR NOT NULL,
	time_created TIMESTAMP WITH TIME ZONE DEFAULT now(),
	time_updated TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (id),
	UNIQUE (product_id, timestamp),
	FOREIGN KEY(product_id) REFERENCES model_product (id) ON DELETE CASCADE ON UPDATE CASCADE
);

-- ---------------------------------------------------------------------------------------------
-- Data
-- ---------------------------------------------------------------------------------------------

-- Users. password is the ASCII bcrypt hash as bytea:
--   1: $2b$12$DSBUm7Z6T/0JIZ.p4bEOEuISLeOdReT285agE0iuz7TJO5BUREEMC  (original-pass)
--   2: $2b$12$fF3a/GA8QHstvEBK9pU/Pen9T/usNjR4h9qII.IukUA8s/BnmLL3.  (alice-secret)
INSERT INTO "User" (id, email, password, time_created, time_updated) VALUES
	(1, 'default_user@localhost', '\x24326224313224445342556d375a36542f304a495a2e703462454f457549534c654f645265543238356167453069757a37544a4f3542555245454d43', '2024-01-10 09:00:00+00', '2024-01-11 09:00:00+00'),
	(2, 'alice@example.com', '\x24326224313224664633612f474138514873747645424b3970552f50656e39542f75734e6a523468397149492e49756b554138732f426e6d4c4c332e', '2024-01-10 09:05:00+00', NULL);

-- Location identifiers; altitude is not used by any schema.
INSERT INTO location_identifier (id, name, units, datatype) VALUES
	(1, 'x', 'm', 'float'),
	(2, 'y', 'm', 'float'),
	(3, 'zone', NULL, 'string'),
	(4, 'floor', NULL, 'integer'),
	(5, 'indoor', NULL, 'boolean'),
	(6, 'altitude', 'm', 'float');

-- Schemas: x-y as insert-location names it, building with all four datatypes, site with a NULL
-- description, and empty with no identifiers at all.
INSERT INTO location_schema (id, name, description) VALUES
	(1, 'x-y', 'x-y'),
	(2, 'building', 'Rooms in buildings'),
	(3, 'site', NULL),
	(4, 'empty', 'A schema without identifiers');

-- Links are created in identifier-name order, as the original sorts them.
INSERT INTO location_schema_identifier_relation (id, schema_id, identifier_id) VALUES
	(1, 1, 1),
	(2, 1, 2),
	(3, 2, 4),
	(4, 2, 5),
	(5, 2, 3),
	(6, 3, 3);

INSERT INTO location (id, schema_id) VALUES
	(1, 1),
	(2, 1),
	(3, 2),
	(4, 2);

INSERT INTO location_float_value (id, value, identifier_id, location_id) VALUES
	(1, 0.23, 1, 1),
	(2, 1.44, 2, 1),
	(3, 1, 1, 2),
	(4, -23.1, 2, 2);

INSERT INTO location_integer_value (id, value, identifier_id, location_id) VALUES
	(1, 2, 4, 3),
	(2, -1, 4, 4);

INSERT INTO location_boolean_value (id, value, identifier_id, location_id) VALUES
	(1, true, 5, 3),
	(2, false, 5, 4);

INSERT INTO location_string_value (id, value, identifier_id, location_id) VALUES
	(1, 'A-wing', 3, 3),
	(2, 'Café <lab> & "B"', 3, 4);

-- Sensor measures. Rows 2 and 4 are the §4.5 duplicate: door_open with NULL units, once for each
-- type that declared it. pressure belongs to no type (its type was deleted).
INSERT INTO sensor_measure (id, name, units, datatype) VALUES
	(1, 'temperature', 'Degrees Celsius', 'float'),
	(2, 'door_open', NULL, 'boolean'),
	(3, 'status', NULL, 'string'),
	(4, 'door_open', NULL, 'boolean'),
	(5, 'battery', 'mV', 'integer'),
	(6, 'humidity', 'Percent', 'float'),
	(7, 'pressure', 'hPa', 'float');

INSERT INTO sensor_type (id, name, description) VALUES
	(1, 'thermometer', 'Measures temperature'),
	(2, 'door sensor', NULL),
	(3, 'unused type', 'No sensors and no measures');

INSERT INTO sensor_type_measure_relation (id, type_id, measure_id) VALUES
	(1, 1, 1),
	(2, 1, 2),
	(3, 1, 3),
	(4, 2, 4),
	(5, 2, 5),
	(6, 2, 6);

INSERT INTO sensor (id, type_id, unique_identifier, name, notes, time_created, time_updated) VALUES
	(1, 1, 'THERM-1', 'Lab thermometer', 'North wall', '2024-02-01 08:00:00+00', '2024-02-02 08:00:00+00'),
	(2, 1, 'THERM-2', NULL, NULL, '2024-02-01 08:01:00+00', NULL),
	(3, 2, 'DOOR-1', 'Front door', '', '2024-02-01 08:02:00+00', NULL);

-- Readings, deliberately not in timestamp order, with microseconds and one non-UTC offset.
INSERT INTO sensor_float_reading (id, value, measure_id, sensor_id, timestamp) VALUES
	(1, -23, 1, 1, '2024-02-12 18:00:00+00'),
	(2, 20.5, 1, 1, '2024-02-12 17:00:00.123456+00'),
	(3, 1e-05, 1, 1, '2024-02-12 19:00:00.000001+00'),
	(4, 1e+20, 1, 1, '2024-02-12 20:00:00+00'),
	(5, 0.1, 1, 2, '2024-02-12 17:00:00+00'),
	(6, 45.25, 6, 3, '2024-02-13 00:00:00.5+01'),
	(7, 290, 1, 1, '2024-02-12 16:59:59.999999+00');

INSERT INTO sensor_integer_reading (id, value, measure_id, sensor_id, timestamp) VALUES
	(1, 3300, 5, 3, '2024-02-12 17:00:00+00'),
	(2, -2147483648, 5, 3, '2024-02-12 17:30:00.000100+00'),
	(3, 2147483647, 5, 3, '2024-02-12 17:15:00+00');

-- door_open readings under both duplicate measures: THERM-1 (thermometer) under 2, DOOR-1 (door
-- sensor) under 4, at the same instants.
INSERT INTO sensor_boolean_reading (id, value, measure_id, sensor_id, timestamp) VALUES
	(1, true, 2, 1, '2024-02-12 17:00:00+00'),
	(2, false, 2, 1, '2024-02-12 18:00:00.250000+00'),
	(3, true, 4, 3, '2024-02-12 17:00:00+00'),
	(4, false, 4, 3, '2024-02-12 18:00:00.250000+00'),
	(5, true, 4, 3, '2024-02-12 19:00:00+00');

INSERT INTO sensor_string_reading (id, value, measure_id, sensor_id, timestamp) VALUES
	(1, 'überhitzt <hot> & "x"', 3, 1, '2024-02-12 18:00:00+00'),
	(2, 'ok', 3, 1, '2024-02-12 17:00:00.000010+00'),
	(3, '', 3, 2, '2024-02-12 17:00:00+00');

INSERT INTO sensor_location (id, sensor_id, location_id, installation_datetime) VALUES
	(1, 1, 1, '2024-01-01 10:00:00.123456+00'),
	(2, 1, 2, '2024-03-01 10:00:00+00'),
	(3, 3, 3, '2024-02-01 00:00:00+00');

INSERT INTO model (id, name) VALUES
	(1, 'ARIMA'),
	(2, 'Heat model'),
	(3, 'Unused model');

INSERT INTO model_scenario (id, model_id, description) VALUES
	(1, 1, 'Default'),
	(2, 1, NULL),
	(3, 2, 'Hot summer'),
	(4, 2, 'Cold winter');

INSERT INTO model_measure (id, name, units, datatype) VALUES
	(1, 'mean temperature', 'Degrees Celsius', 'float'),
	(2, 'upper bound', 'Degrees Celsius', 'float'),
	(3, 'alarm count', '', 'integer'),
	(4, 'frost', 'yes/no', 'boolean'),
	(5, 'summary', 'text', 'string'),
	(6, 'unused measure', 'kg', 'float');

-- Run 1 names a sensor and its measure; run 2 is under the NULL-description scenario; run 3 names
-- the duplicate door_open measure 4; run 4 has a sensor measure but no sensor, and no products.
INSERT INTO model_run (id, model_id, scenario_id, sensor_id, sensor_measure_id, time_created) VALUES
	(1, 1, 1, 1, 1, '2024-02-13 17:00:00.123456+00'),
	(2, 1, 2, NULL, NULL, '2024-02-14 00:00:00+00'),
	(3, 2, 3, 3, 4, '2024-02-15 12:00:00.000001+00'),
	(4, 1, 1, NULL, 5, '2024-02-16 06:30:00+00');

INSERT INTO model_product (id, run_id, measure_id) VALUES
	(1, 1, 1),
	(2, 1, 2),
	(3, 1, 3),
	(4, 2, 4),
	(5, 2, 5),
	(6, 3, 1);

INSERT INTO model_float_value (id, product_id, timestamp, value) VALUES
	(1, 1, '2024-02-13 18:00:00.123456+00', -23),
	(2, 1, '2024-02-13 17:00:00.123456+00', 20.1),
	(3, 2, '2024-02-13 17:00:00+00', 1e+20),
	(4, 6, '2024-02-15 13:00:00+00', 0.5),
	(5, 6, '2024-02-15 12:00:00+00', 1.5e-07);

INSERT INTO model_integer_value (id, product_id, timestamp, value) VALUES
	(1, 3, '2024-02-13 18:00:00+00', 0),
	(2, 3, '2024-02-13 17:00:00+00', 7);

INSERT INTO model_booleanvalue (id, product_id, timestamp, value) VALUES
	(1, 4, '2024-02-14 01:00:00+00', true),
	(2, 4, '2024-02-14 02:00:00.000002+00', false);

INSERT INTO model_string_value (id, product_id, timestamp, value) VALUES
	(1, 5, '2024-02-14 02:00:00+00', ''),
	(2, 5, '2024-02-14 01:00:00+00', 'sunny, 20°C');

INSERT INTO service (id, name, url, http_method) VALUES
	(1, 'arima', 'http://arima:8000/run', 'POST'),
	(2, 'weather-fetch', 'https://example.com/weather?x=1&y=2', 'GET'),
	(3, 'cleanup', 'http://cleanup/', 'DELETE'),
	(4, 'uploader', 'http://uploader/put', 'PUT');

INSERT INTO service_parameter_set (id, name, service_id, parameters) VALUES
	(1, 'default', 1, '{"days": 7, "threshold": 0.5}'),
	(2, 'empty', 1, '{}'),
	(3, 'nested', 2, '{"loc": {"lat": 51.5, "lon": -0.12}, "tags": ["a", "b"], "place": "caf\u00e9 <1>"}');

-- Run 1 used set 1; run 2 had no parameters (JSON null) and no JSON answer (SQL NULL); run 3 got a
-- JSON array back; run 4 sent an array and got the JSON value null back; run 5 used the empty set
-- and got a JSON string back.
INSERT INTO service_run_log (id, service_id, parameters, parameter_set_id, response_status_code, response_json, timestamp) VALUES
	(1, 1, '{"days": 7, "threshold": 0.5}', 1, 200, '{"status": "ok", "values": [1, 2.5]}', '2024-03-01 09:00:00.654321+00'),
	(2, 1, 'null', NULL, 500, NULL, '2024-03-01 09:05:00+00'),
	(3, 2, '{"loc": {"lat": 51.5, "lon": -0.12}, "tags": ["a", "b"], "place": "caf\u00e9 <1>"}', 3, 200, '[1, 2, 3]', '2024-03-01 09:10:00+00'),
	(4, 3, '[1, "two"]', NULL, 404, 'null', '2024-03-01 09:15:00+00'),
	(5, 1, '{}', 2, 201, '"done"', '2024-03-01 09:20:00.000001+00');

-- Sequences, as pg_dump leaves them.
SELECT pg_catalog.setval('"User_id_seq"', 2, true);
SELECT pg_catalog.setval('location_identifier_id_seq', 6, true);
SELECT pg_catalog.setval('location_schema_id_seq', 4, true);
SELECT pg_catalog.setval('location_schema_identifier_relation_id_seq', 6, true);
SELECT pg_catalog.setval('location_id_seq', 4, true);
SELECT pg_catalog.setval('location_float_value_id_seq', 4, true);
SELECT pg_catalog.setval('location_integer_value_id_seq', 2, true);
SELECT pg_catalog.setval('location_boolean_value_id_seq', 2, true);
SELECT pg_catalog.setval('location_string_value_id_seq', 2, true);
SELECT pg_catalog.setval('sensor_measure_id_seq', 7, true);
SELECT pg_catalog.setval('sensor_type_id_seq', 3, true);
SELECT pg_catalog.setval('sensor_type_measure_relation_id_seq', 6, true);
SELECT pg_catalog.setval('sensor_id_seq', 3, true);
SELECT pg_catalog.setval('sensor_float_reading_id_seq', 7, true);
SELECT pg_catalog.setval('sensor_integer_reading_id_seq', 3, true);
SELECT pg_catalog.setval('sensor_boolean_reading_id_seq', 5, true);
SELECT pg_catalog.setval('sensor_string_reading_id_seq', 3, true);
SELECT pg_catalog.setval('sensor_location_id_seq', 3, true);
SELECT pg_catalog.setval('model_id_seq', 3, true);
SELECT pg_catalog.setval('model_scenario_id_seq', 4, true);
SELECT pg_catalog.setval('model_measure_id_seq', 6, true);
SELECT pg_catalog.setval('model_run_id_seq', 4, true);
SELECT pg_catalog.setval('model_product_id_seq', 6, true);
SELECT pg_catalog.setval('model_float_value_id_seq', 5, true);
SELECT pg_catalog.setval('model_integer_value_id_seq', 2, true);
SELECT pg_catalog.setval('model_booleanvalue_id_seq', 2, true);
SELECT pg_catalog.setval('model_string_value_id_seq', 2, true);
SELECT pg_catalog.setval('service_id_seq', 4, true);
SELECT pg_catalog.setval('service_parameter_set_id_seq', 3, true);
SELECT pg_catalog.setval('service_run_log_id_seq', 5, true);
