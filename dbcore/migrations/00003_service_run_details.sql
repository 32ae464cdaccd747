-- +goose Up
-- Run records say how long the call took and why it failed when the service could not be reached
-- (api-contract.md §4.24). Both are additive; the original's rows get NULL.
ALTER TABLE service_run_log ADD COLUMN IF NOT EXISTS duration_ms double precision;
ALTER TABLE service_run_log ADD COLUMN IF NOT EXISTS error text;

-- +goose Down
ALTER TABLE service_run_log DROP COLUMN IF EXISTS duration_ms, DROP COLUMN IF EXISTS error;
