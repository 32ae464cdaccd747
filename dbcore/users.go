package dbcore

import (
	"context"
	"errors"
	"fmt"
	"time"

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

// Roles of users.
const (
	RoleAdmin = "admin"
	RoleUser  = "user"
)

// CreateUser stores a new user with role RoleUser, or RoleAdmin when it is the first user.
// KindConflict "User already exists" when the email is taken.
func (db *DB) CreateUser(ctx context.Context, email string, hash []byte) error {
	return db.CreateUserWithRole(ctx, email, hash, RoleUser)
}

// CreateUserWithRole stores a new user with a role (the first user is an admin whatever the role).
// KindConflict "User already exists" when the email is taken.
func (db *DB) CreateUserWithRole(ctx context.Context, email string, hash []byte, role string) error {
	tag, err := db.pool.Exec(ctx, `INSERT INTO "User" (email, password, role)
		SELECT $1, $2, CASE WHEN EXISTS (SELECT 1 FROM "User") THEN $3 ELSE 'admin' END
		ON CONFLICT (email) DO NOTHING`, email, hash, role)
	if err != nil {
		return translate(fmt.Errorf("create user %q: %w", email, err))
	}
	if tag.RowsAffected() == 0 {
		return Conflictf("User already exists")
	}
	return nil
}

// UserAuth is what a token check needs to know of its user.
type UserAuth struct {
	Role              string
	PasswordChangedAt *time.Time
}

// AuthUser returns a user's role and password change time; ok is false when there is no such user.
func (db *DB) AuthUser(ctx context.Context, email string) (u UserAuth, ok bool, err error) {
	err = db.pool.QueryRow(ctx, `SELECT role, password_changed_at FROM "User" WHERE email = $1`, email).Scan(&u.Role, &u.PasswordChangedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return u, false, nil
	}
	if err != nil {
		return u, false, translate(fmt.Errorf("read user %q: %w", email, err))
	}
	return u, true, nil
}

// UserInfo is a user as list-users shows it when asked for details.
type UserInfo struct {
	Email string `json:"email"`
	Role  string `json:"role"`
}

// ListUserInfos returns every user with its role, in creation order.
func (db *DB) ListUserInfos(ctx context.Context) ([]UserInfo, error) {
	rows, _ := db.pool.Query(ctx, `SELECT email, role FROM "User" ORDER BY id`)
	users, err := pgx.CollectRows(rows, pgx.RowToStructByPos[UserInfo])
	if err != nil {
		return nil, translate(fmt.Errorf("list users: %w", err))
	}
	return users, nil
}

// DeleteUser deletes a user; KindInvalid "User doesn't exist" when there is none, KindConflict
// when it is the last admin.
func (db *DB) DeleteUser(ctx context.Context, email string) error {
	return db.transact(ctx, func(tx pgx.Tx) error {
		// Admin rows are locked in a fixed order so that two concurrent deletions of the last two
		// admins cannot both pass the check.
		rows, _ := tx.Query(ctx, `SELECT email FROM "User" WHERE role = 'admin' ORDER BY id FOR UPDATE`)
		admins, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return fmt.Errorf("lock admins: %w", err)
		}
		if len(admins) == 1 && admins[0] == email {
			return Conflictf("The last admin cannot be deleted")
		}
		tag, err := tx.Exec(ctx, `DELETE FROM "User" WHERE email = $1`, email)
		if err != nil {
			return fmt.Errorf("delete user %q: %w", email, err)
		}
		if tag.RowsAffected() == 0 {
			return Invalidf("User doesn't exist")
		}
		return nil
	})
}

// SetPassword replaces a user's password hash; KindInvalid "User doesn't exist" when there is none.
func (db *DB) SetPassword(ctx context.Context, email string, hash []byte) error {
	tag, err := db.pool.Exec(ctx, `UPDATE "User" SET password = $2, time_updated = now(), password_changed_at = now() WHERE email = $1`, email, hash)
	if err != nil {
		return translate(fmt.Errorf("change password of %q: %w", email, err))
	}
	if tag.RowsAffected() == 0 {
		return Invalidf("User doesn't exist")
	}
	return nil
}

// UpsertAdmin creates the user as an admin, or makes it one and resets its password (the default
// user at start-up).
func (db *DB) UpsertAdmin(ctx context.Context, email string, hash []byte) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO "User" (email, password, role) VALUES ($1, $2, 'admin')
		ON CONFLICT (email) DO UPDATE SET password = EXCLUDED.password, role = 'admin', time_updated = now(), password_changed_at = now()`, email, hash)
	if err != nil {
		return translate(fmt.Errorf("upsert user %q: %w", email, err))
	}
	return nil
}

// MakeAdmin gives an existing user the admin role.
func (db *DB) MakeAdmin(ctx context.Context, email string) error {
	if _, err := db.pool.Exec(ctx, `UPDATE "User" SET role = 'admin' WHERE email = $1 AND role <> 'admin'`, email); err != nil {
		return translate(fmt.Errorf("make %q an admin: %w", email, err))
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
