package dbcore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// DefaultUserEmail is the built-in user's email, fixed as in the original.
const DefaultUserEmail = "default_user@localhost"

// UserPasswordHash returns the stored bcrypt hash of a user; KindInvalid when there is no such user.
func (db *DB) UserPasswordHash(ctx context.Context, email string) ([]byte, error) {
	var hash []byte
	err := db.pool.QueryRow(ctx, `SELECT password FROM "User" WHERE email = $1`, email).Scan(&hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, Invalidf("User doesn't exist")
	}
	if err != nil {
		return nil, translate(fmt.Errorf("read user %q: %w", email, err))
	}
	return hash, nil
}

// UserExists reports whether a user with this email exists.
func (db *DB) UserExists(ctx context.Context, email string) (bool, error) {
	var exists bool
	err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM "User" WHERE email = $1)`, email).Scan(&exists)
	if err != nil {
		return false, translate(fmt.Errorf("check user %q: %w", email, err))
	}
	return exists, nil
}

// ListUsers returns every user's email in creation order.
func (db *DB) ListUsers(ctx context.Context) ([]string, error) {
	rows, _ := db.pool.Query(ctx, `SELECT email FROM "User" ORDER BY id`)
	emails, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, translate(fmt.Errorf("list users: %w", err))
	}
	return emails, nil
}

// CreateUser stores a new user; KindConflict "User already exists" when the email is taken.
func (db *DB) CreateUser(ctx context.Context, email string, hash []byte) error {
	tag, err := db.pool.Exec(ctx, `INSERT INTO "User" (email, password) VALUES ($1, $2) ON CONFLICT (email) DO NOTHING`, email, hash)
	if err != nil {
		return translate(fmt.Errorf("create user %q: %w", email, err))
	}
	if tag.RowsAffected() == 0 {
		return Conflictf("User already exists")
	}
	return nil
}

// DeleteUser deletes a user; KindInvalid "User doesn't exist" when there is none.
func (db *DB) DeleteUser(ctx context.Context, email string) error {
	tag, err := db.pool.Exec(ctx, `DELETE FROM "User" WHERE email = $1`, email)
	if err != nil {
		return translate(fmt.Errorf("delete user %q: %w", email, err))
	}
	if tag.RowsAffected() == 0 {
		return Invalidf("User doesn't exist")
	}
	return nil
}

// SetPassword replaces a user's password hash; KindInvalid "User doesn't exist" when there is none.
func (db *DB) SetPassword(ctx context.Context, email string, hash []byte) error {
	tag, err := db.pool.Exec(ctx, `UPDATE "User" SET password = $2, time_updated = now() WHERE email = $1`, email, hash)
	if err != nil {
		return translate(fmt.Errorf("change password of %q: %w", email, err))
	}
	if tag.RowsAffected() == 0 {
		return Invalidf("User doesn't exist")
	}
	return nil
}

// UpsertUser creates the user or resets its password (the default user at start-up).
func (db *DB) UpsertUser(ctx context.Context, email string, hash []byte) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO "User" (email, password) VALUES ($1, $2)
		ON CONFLICT (email) DO UPDATE SET password = EXCLUDED.password, time_updated = now()`, email, hash)
	if err != nil {
		return translate(fmt.Errorf("upsert user %q: %w", email, err))
	}
	return nil
}

// DeleteUserIfExists deletes a user when present and is otherwise a no-op.
func (db *DB) DeleteUserIfExists(ctx context.Context, email string) error {
	if _, err := db.pool.Exec(ctx, `DELETE FROM "User" WHERE email = $1`, email); err != nil {
		return translate(fmt.Errorf("delete user %q: %w", email, err))
	}
	return nil
}
