package main

import (
	"strings"
	"testing"
)

// DT_SQL_AUTH: password by default; entra requires a user and TLS (adding sslmode=require when unset)
// and wires dbcore's Entra BeforeConnect hook into the pool options.
func TestSQLAuthConfig(t *testing.T) {
	base := map[string]string{"DT_JWT_SECRET_KEY": "k"}
	with := func(kv ...string) func(string) string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	for _, tc := range []struct {
		name    string
		getenv  func(string) string
		auth    string
		url     string
		wantErr string
	}{
		{"default is password, URL untouched", with("DT_DATABASE_URL", "postgres://u:p@h/db"), "password", "postgres://u:p@h/db", ""},
		{"explicit password", with("DT_DATABASE_URL", "postgres://u:p@h/db", "DT_SQL_AUTH", "password"), "password", "postgres://u:p@h/db", ""},
		{"entra adds sslmode=require", with("DT_DATABASE_URL", "postgres://func-app@s.postgres.database.azure.com:5432/dtbase", "DT_SQL_AUTH", "entra"), "entra",
			"postgres://func-app@s.postgres.database.azure.com:5432/dtbase?sslmode=require", ""},
		{"entra keeps verify-full", with("DT_DATABASE_URL", "postgres://a@h/db?sslmode=verify-full", "DT_SQL_AUTH", "Entra"), "entra", "postgres://a@h/db?sslmode=verify-full", ""},
		{"entra from DT_SQL_*", with("DT_SQL_HOST", "s.postgres.database.azure.com", "DT_SQL_USER", "func-app", "DT_SQL_DBNAME", "DTBase", "DT_SQL_AUTH", "entra"), "entra",
			"postgres://func-app:@s.postgres.database.azure.com:5432/dtbase?sslmode=require", ""},
		{"entra keyword form", with("DT_DATABASE_URL", "host=h user=a dbname=d", "DT_SQL_AUTH", "entra"), "entra", "host=h user=a dbname=d sslmode=require", ""},
		{"entra refuses plaintext", with("DT_DATABASE_URL", "postgres://a@h/db?sslmode=disable", "DT_SQL_AUTH", "entra"), "", "", "sslmode=disable would let the token travel unencrypted"},
		{"entra refuses prefer in keyword form", with("DT_DATABASE_URL", "host=h user=a sslmode=prefer", "DT_SQL_AUTH", "entra"), "", "", "sslmode=prefer"},
		{"entra needs a user", with("DT_DATABASE_URL", "postgres://h/db", "DT_SQL_AUTH", "entra"), "", "", "must name the user"},
		{"unknown mode", with("DT_DATABASE_URL", "postgres://u:p@h/db", "DT_SQL_AUTH", "kerberos"), "", "", `DT_SQL_AUTH must be "password" or "entra", got "kerberos"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := loadConfig(tc.getenv, true)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.SQLAuth != tc.auth || c.DatabaseURL != tc.url {
				t.Fatalf("SQLAuth %q, DatabaseURL %q; want %q, %q", c.SQLAuth, c.DatabaseURL, tc.auth, tc.url)
			}
			opts, err := dbOptions(c)
			if err != nil {
				t.Fatal(err)
			}
			if (opts.BeforeConnect != nil) != (tc.auth == "entra") {
				t.Fatalf("BeforeConnect set = %v for DT_SQL_AUTH %s", opts.BeforeConnect != nil, tc.auth)
			}
		})
	}
}

// A Key Vault reference App Service could not resolve arrives as its literal text: the handler
// refuses to start rather than sign tokens with a guessable key.
func TestUnresolvedKeyVaultReference(t *testing.T) {
	ref := "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/dt-jwt-secret-key)"
	for _, name := range []string{"DT_JWT_SECRET_KEY", "DT_DEFAULT_USER_PASS"} {
		m := map[string]string{"DT_JWT_SECRET_KEY": "k", "DT_DATABASE_URL": "postgres://u:p@h/db", name: ref}
		_, err := loadConfig(func(k string) string { return m[k] }, true)
		if err == nil || !strings.Contains(err.Error(), name+" is an unresolved Key Vault reference") {
			t.Errorf("%s: err = %v, want an unresolved-reference error", name, err)
		}
	}
}
