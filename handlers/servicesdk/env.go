package servicesdk

import (
	"errors"
	"os"
)

// Environment variables read by the package.
const (
	EnvBackendURL      = "DT_BACKEND_URL"       // the base URL (New)
	EnvUserEmail       = "DT_USER_EMAIL"        // the service account's email (CredentialsFromEnv)
	EnvUserPass        = "DT_USER_PASS"         // its password
	EnvDefaultUserPass = "DT_DEFAULT_USER_PASS" // the default user's password, as in the original
)

// DefaultUserEmail is the original's default user, used when DT_USER_EMAIL is unset.
const DefaultUserEmail = "default_user@localhost"

// CredentialsFromEnv returns the credentials a service logs in with: DT_USER_EMAIL and
// DT_USER_PASS; without DT_USER_EMAIL, the default user default_user@localhost with DT_USER_PASS
// or else DT_DEFAULT_USER_PASS (the original's services always use the default user, which
// operators are told to delete in production: prefer a dedicated account).
func CredentialsFromEnv() (email, password string, err error) {
	email, password = os.Getenv(EnvUserEmail), os.Getenv(EnvUserPass)
	if email == "" {
		email = DefaultUserEmail
		if password == "" {
			password = os.Getenv(EnvDefaultUserPass)
		}
	}
	if password == "" {
		return "", "", errors.New("servicesdk: no password: set " + EnvUserPass + " (or " + EnvDefaultUserPass + " for the default user)")
	}
	return email, password, nil
}
