package dbcore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/jackc/pgx/v5"
)

// EntraScope is the token scope of Azure Database for PostgreSQL (and the other Azure open-source
// databases) for Microsoft Entra authentication.
const EntraScope = "https://ossrdbms-aad.database.windows.net/.default"

// entraRefreshMargin is how long before its expiry a cached token is replaced, so a connection never
// starts its handshake with a token about to lapse.
const entraRefreshMargin = 5 * time.Minute

// entraGrace is the least remaining lifetime for which a cached token is still used when getting a
// fresh one fails: within the refresh margin a failed refresh falls back on the old token.
const entraGrace = 30 * time.Second

// NewEntraBeforeConnect returns a BeforeConnect hook (for Options.BeforeConnect) that signs in to
// PostgreSQL with Microsoft Entra tokens from azidentity's DefaultAzureCredential: the app's managed
// identity in Azure, the developer's Azure CLI login or AZURE_* environment variables elsewhere.
func NewEntraBeforeConnect() (func(context.Context, *pgx.ConnConfig) error, error) {
	cred, err := azidentity.NewDefaultAzureCredential(nil)
	if err != nil {
		return nil, fmt.Errorf("microsoft entra credential for PostgreSQL: %w", err)
	}
	return EntraBeforeConnect(cred, EntraScope), nil
}

// EntraBeforeConnect returns a BeforeConnect hook that sets a Microsoft Entra access token for scope
// (EntraScope for Azure Database for PostgreSQL) as the password of each new connection. The token
// is cached and shared by all connections until five minutes before it expires (or until the
// credential's suggested refresh time, when earlier); concurrent connects wait for a single
// refresh. Established connections are not affected: PostgreSQL checks the token only at sign-in.
func EntraBeforeConnect(cred azcore.TokenCredential, scope string) func(context.Context, *pgx.ConnConfig) error {
	src := &entraTokenSource{cred: cred, scope: scope, now: time.Now}
	return func(ctx context.Context, cc *pgx.ConnConfig) error {
		token, err := src.token(ctx)
		if err != nil {
			return err
		}
		cc.Password = token
		return nil
	}
}

// entraTokenSource caches one access token and refreshes it before it expires.
type entraTokenSource struct {
	cred  azcore.TokenCredential
	scope string
	now   func() time.Time

	mu        sync.Mutex
	cached    azcore.AccessToken
	refreshAt time.Time // zero: nothing cached
}

func (s *entraTokenSource) token(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if !s.refreshAt.IsZero() && now.Before(s.refreshAt) {
		return s.cached.Token, nil
	}
	tk, err := s.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{s.scope}})
	if err == nil && tk.Token == "" {
		err = errors.New("the credential returned an empty token")
	}
	if err != nil {
		// A token still valid for a while keeps new connections going; the next connect tries again.
		if !s.refreshAt.IsZero() && now.Before(s.cached.ExpiresOn.Add(-entraGrace)) {
			return s.cached.Token, nil
		}
		return "", fmt.Errorf("get a Microsoft Entra token for PostgreSQL (scope %s): %w", s.scope, err)
	}
	s.cached = tk
	s.refreshAt = tk.ExpiresOn.Add(-entraRefreshMargin)
	if !tk.RefreshOn.IsZero() && tk.RefreshOn.Before(s.refreshAt) {
		s.refreshAt = tk.RefreshOn
	}
	if !s.refreshAt.After(now) {
		// A token this short-lived is used for this connect only.
		s.refreshAt = now
	}
	return tk.Token, nil
}
