-- +goose Up
-- Schedules run a service on a six-field NCRONTAB expression (UTC), with a parameter set or inline
-- parameters. next_due is claimed with FOR UPDATE SKIP LOCKED, so each due time runs once however
-- many scheduler invocations overlap.
CREATE TABLE service_schedule (
  id serial PRIMARY KEY,
  service_id integer NOT NULL REFERENCES service (id) ON DELETE CASCADE ON UPDATE CASCADE,
  name text NOT NULL,
  parameter_set_id integer REFERENCES service_parameter_set (id) ON UPDATE CASCADE,
  parameters json,
  cron text NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  next_due timestamptz,
  last_run timestamptz,
  last_status integer,
  last_error text,
  time_created timestamptz DEFAULT now(),
  time_updated timestamptz,
  UNIQUE (service_id, name)
);
CREATE INDEX service_schedule_due_idx ON service_schedule (next_due) WHERE enabled;

-- +goose Down
DROP TABLE service_schedule;
