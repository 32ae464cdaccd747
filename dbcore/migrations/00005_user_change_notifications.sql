-- +goose Up
-- Handlers cache "this user exists" to spare a query per request; every change to a user that
-- could invalidate a token is announced on a channel each instance listens to, so caches drop the
-- entry as soon as the change commits.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION dtbase_notify_user_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('dtbase_user_changed', OLD.email);
  RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER dtbase_user_changed AFTER UPDATE OR DELETE ON "User"
  FOR EACH ROW EXECUTE FUNCTION dtbase_notify_user_change();

-- +goose Down
DROP TRIGGER dtbase_user_changed ON "User";
DROP FUNCTION dtbase_notify_user_change();
