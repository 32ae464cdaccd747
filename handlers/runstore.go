package handlers

import (
	"context"

	"github.com/dtbase-go/dtbase/dbcore"
)

// RunStore keeps the history of service runs: PostgreSQL by default (*dbcore.DB), or Azure Cosmos
// DB when configured. Both give list-runs the same answers.
type RunStore interface {
	// RecordRun stores one run; its ServiceName must name an existing service.
	RecordRun(ctx context.Context, run dbcore.ServiceRun) error
	// ListRuns returns runs in the order they were recorded, optionally of one service and one of
	// its parameter sets.
	ListRuns(ctx context.Context, serviceName, setName *string) ([]dbcore.ServiceRun, error)
	// DeleteServiceRuns deletes every run of a service (when the service is deleted).
	DeleteServiceRuns(ctx context.Context, serviceName string) error
}

var _ RunStore = (*dbcore.DB)(nil)
