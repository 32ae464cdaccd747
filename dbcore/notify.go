package dbcore

import (
	"context"
	"fmt"
)

// userChangedChannel carries the email of each user updated or deleted (migration 00005).
const userChangedChannel = "dtbase_user_changed"

// ListenUserChanges holds one connection listening for user changes: it calls listening once the
// subscription is active, then changed with the email of each user updated or deleted, until ctx
// ends or the connection fails (the error is returned; the caller decides whether to retry).
func (db *DB) ListenUserChanges(ctx context.Context, listening func(), changed func(email string)) error {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return translate(fmt.Errorf("acquire connection to listen: %w", err))
	}
	// The connection leaves the pool: a LISTEN must not leak into other requests' sessions.
	pgConn := conn.Hijack()
	defer pgConn.Close(context.WithoutCancel(ctx))
	if _, err := pgConn.Exec(ctx, "LISTEN "+userChangedChannel); err != nil {
		return translate(fmt.Errorf("listen for user changes: %w", err))
	}
	listening()
	for {
		n, err := pgConn.WaitForNotification(ctx)
		if err != nil {
			return translate(fmt.Errorf("wait for user changes: %w", err))
		}
		changed(n.Payload)
	}
}
