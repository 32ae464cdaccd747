package dbcore

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Kind classifies the errors dbcore returns, so callers can answer with the right status.
type Kind int

const (
	// KindInvalid is bad input or a reference to a row that does not exist.
	KindInvalid Kind = iota + 1
	// KindConflict is a uniqueness clash, or a delete refused because other rows refer to the row.
	KindConflict
	// KindUnavailable means the database could not be reached.
	KindUnavailable
)

// Error is a domain error with a message meant for the API's user.
type Error struct {
	Kind   Kind
	Detail string
	err    error // the underlying cause, if any
}

func (e *Error) Error() string {
	if e.err != nil {
		return e.Detail + ": " + e.err.Error()
	}
	return e.Detail
}

func (e *Error) Unwrap() error { return e.err }

// Invalidf returns a KindInvalid error whose detail is the formatted message.
func Invalidf(format string, args ...any) error {
	return &Error{Kind: KindInvalid, Detail: fmt.Sprintf(format, args...)}
}

// Conflictf returns a KindConflict error whose detail is the formatted message.
func Conflictf(format string, args ...any) error {
	return &Error{Kind: KindConflict, Detail: fmt.Sprintf(format, args...)}
}

// AsError returns the *Error inside err, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// translate turns driver errors into domain errors at the dbcore boundary. Errors it does not know
// are returned unchanged (they become 500s, which tests treat as bugs).
func translate(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := AsError(err); ok {
		return err
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "23505":
			return &Error{Kind: KindConflict, Detail: "Already exists", err: err}
		case pgErr.Code == "23503":
			return &Error{Kind: KindConflict, Detail: "Referenced by other records", err: err}
		case pgErr.Code == "22001":
			return &Error{Kind: KindInvalid, Detail: "Value too long: names, units and identifiers hold at most 100 characters", err: err}
		case pgErr.Code == "22021" || pgErr.Code == "22P05":
			return &Error{Kind: KindInvalid, Detail: "Text contains a character that cannot be stored (such as a NUL byte)", err: err}
		case pgErr.Code == "22003":
			return &Error{Kind: KindInvalid, Detail: "Number out of range", err: err}
		case pgErr.Code == "22008" || pgErr.Code == "22007":
			return &Error{Kind: KindInvalid, Detail: "Datetime out of range", err: err}
		case pgErr.Code == "40P01" || pgErr.Code == "40001":
			return &Error{Kind: KindUnavailable, Detail: "The database was busy with conflicting writes; try again", err: err}
		case pgErr.Code == "54000":
			return &Error{Kind: KindInvalid, Detail: "Value too large to index", err: err}
		case pgErr.Code[:2] == "08" || pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03":
			return &Error{Kind: KindUnavailable, Detail: "Database unavailable", err: err}
		}
		return err
	}
	var netErr net.Error
	if errors.As(err, &netErr) || pgconn.SafeToRetry(err) || errors.Is(err, pgx.ErrTxClosed) {
		return &Error{Kind: KindUnavailable, Detail: "Database unavailable", err: err}
	}
	var connErr *pgconn.ConnectError
	if errors.As(err, &connErr) {
		return &Error{Kind: KindUnavailable, Detail: "Database unavailable", err: err}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &Error{Kind: KindUnavailable, Detail: "Database did not answer in time", err: err}
	}
	return err
}

// isUniqueViolation reports whether err is PostgreSQL's unique_violation.
func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}

// isRetryable reports whether err is a deadlock or serialization failure, after which a
// transaction may simply run again.
func isRetryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40P01" || pgErr.Code == "40001")
}
