-- +goose Up
-- Roles: admin or user. The default user and the first user are admins, so an adopted database keeps
-- someone who can manage users. password_changed_at lets tokens issued before a password change be
-- refused (the original's tokens carry no issue time; it is derived from their expiry).
ALTER TABLE "User" ADD COLUMN IF NOT EXISTS role text NOT NULL DEFAULT 'user' CHECK (role IN ('admin', 'user'));
ALTER TABLE "User" ADD COLUMN IF NOT EXISTS password_changed_at timestamptz;
UPDATE "User" SET role = 'admin'
  WHERE email = 'default_user@localhost' OR id = (SELECT min(id) FROM "User");

-- +goose Down
ALTER TABLE "User" DROP COLUMN IF EXISTS role, DROP COLUMN IF EXISTS password_changed_at;
