package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

// Config is the whole stack configuration (`pulumi config set <key> <value>`, keys in the project's
// namespace "dtbase:"; the README lists each with its default). loadConfig reads and validates it.
type Config struct {
	Location   string // Azure region of everything but the Static Web App
	NamePrefix string // first part of every resource name
	NameSuffix string // pinned random part of the names; empty: generated once per stack

	DeployPackage bool   // upload PackagePath to the Flex deployment container
	PackagePath   string // the zip built by `make package`

	InstanceMemoryMB     int // Flex Consumption instance size
	MaximumInstanceCount int // Flex Consumption scale-out limit

	PostgresSku                 string // e.g. Standard_B1ms
	PostgresTier                string // derived from PostgresSku
	PostgresStorageGB           int
	PostgresBackupRetentionDays int
	PostgresAllowedIPs          []string       // extra client IPs allowed through the firewall
	PostgresAdmin               *PostgresAdmin // an Entra user or group made server administrator

	CosmosDatabase  string
	CosmosContainer string
	RunLogTTLDays   int

	StaticWebAppLocation  string
	LinkAPIToStaticWebApp bool     // link the Function App as the Static Web App's /api backend
	CORSOrigins           []string // extra origins allowed to call the API from a browser

	LogRetentionDays int
	AppSettings      map[string]string // extra plain (non-secret) app settings

	// DefaultUserPassword, when configured (as a secret), creates default_user@localhost.
	DefaultUserPassword pulumi.StringOutput
	HasDefaultUser      bool
}

// PostgresAdmin names a Microsoft Entra principal that becomes a PostgreSQL administrator besides
// the Function App's identity, for operators (psql with an Entra token).
type PostgresAdmin struct {
	ObjectID string `json:"objectId"`
	Name     string `json:"name"`
	Type     string `json:"type"` // User, Group or ServicePrincipal
}

// Regions where Azure Static Web Apps can be created.
var staticWebAppLocations = []string{"centralus", "eastasia", "eastus2", "westeurope", "westus2"}

// App settings the program manages, and settings Flex Consumption rejects: neither may be set
// through the appSettings config key.
var (
	reservedAppSettings = []string{
		"AzureWebJobsStorage", "AzureWebJobsStorage__accountName", "APPLICATIONINSIGHTS_CONNECTION_STRING",
		"APPLICATIONINSIGHTS_AUTHENTICATION_STRING", "DT_DATABASE_URL", "DT_SQL_AUTH", "DT_SQL_HOST",
		"DT_SQL_USER", "DT_SQL_PASS", "DT_SQL_PORT", "DT_SQL_DBNAME", "DT_JWT_SECRET_KEY",
		"DT_DEFAULT_USER_PASS", "DT_COSMOS_ENDPOINT", "DT_COSMOS_DATABASE", "DT_COSMOS_CONTAINER",
		"DT_COSMOS_KEY", "DT_RUN_LOG_TTL_DAYS", "DT_CORS_ORIGINS", packageHashSetting,
	}
	flexRejectedAppSettings = []string{
		"FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_WORKER_RUNTIME_VERSION", "FUNCTIONS_EXTENSION_VERSION",
		"WEBSITE_RUN_FROM_PACKAGE", "WEBSITE_CONTENTSHARE", "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
		"WEBSITE_NODE_DEFAULT_VERSION", "WEBSITE_TIME_ZONE", "WEBSITE_USE_PLACEHOLDER", "SCM_DO_BUILD_DURING_DEPLOYMENT",
	}
	// Names that suggest a secret: those belong in Key Vault, never in plain app settings.
	secretLookingSetting = regexp.MustCompile(`(?i)(PASS|SECRET|TOKEN|KEY|CONNECTION_?STRING|CREDENTIAL)`)
)

var (
	namePrefixRE  = regexp.MustCompile(`^[a-z][a-z0-9]{1,7}$`)
	nameSuffixRE  = regexp.MustCompile(`^[a-z0-9]{4,6}$`)
	cosmosNameRE  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)
	guidRE        = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	postgresSkuRE = regexp.MustCompile(`^Standard_([BDE])[0-9]+[a-z]*(_v[0-9]+)?$`)
	settingNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]*$`)
)

// loadConfig reads the stack configuration and checks every value, reporting all problems at
// once, each naming its key.
func loadConfig(ctx *pulumi.Context) (*Config, error) {
	ns := ctx.Project()
	cfg := config.New(ctx, "")
	var errs []error
	fail := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s:%s %s", ns, key, fmt.Sprintf(format, args...)))
	}
	str := func(key, def string) string {
		if v := strings.TrimSpace(cfg.Get(key)); v != "" {
			return v
		}
		return def
	}
	integer := func(key string, def, lo, hi int) int {
		v := strings.TrimSpace(cfg.Get(key))
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			fail(key, "must be a whole number from %d to %d, got %q", lo, hi, v)
			return def
		}
		return n
	}
	boolean := func(key string, def bool) bool {
		v := strings.TrimSpace(cfg.Get(key))
		if v == "" {
			return def
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			fail(key, "must be true or false, got %q", v)
			return def
		}
		return b
	}
	object := func(key string, out any, shape string) {
		if err := cfg.GetObject(key, out); err != nil {
			fail(key, "must be %s (set it with `pulumi config set --path` or as YAML in Pulumi.<stack>.yaml): %v", shape, err)
		}
	}

	c := &Config{}

	c.Location = str("location", config.Get(ctx, "azure-native:location"))
	c.Location = strings.ToLower(strings.ReplaceAll(c.Location, " ", ""))
	if c.Location == "" {
		fail("location", "is required: the Azure region, e.g. `pulumi config set dtbase:location uksouth` (or set azure-native:location)")
	} else if !regexp.MustCompile(`^[a-z][a-z0-9]+$`).MatchString(c.Location) {
		fail("location", "must be an Azure region name such as uksouth or westeurope, got %q", c.Location)
	}

	c.NamePrefix = str("namePrefix", "dtbase")
	if !namePrefixRE.MatchString(c.NamePrefix) {
		fail("namePrefix", "must be 2 to 8 lowercase letters or digits starting with a letter (it starts every resource name, some of which allow no hyphens and 24 characters), got %q", c.NamePrefix)
	}
	c.NameSuffix = str("nameSuffix", "")
	if c.NameSuffix != "" && !nameSuffixRE.MatchString(c.NameSuffix) {
		fail("nameSuffix", "must be 4 to 6 lowercase letters or digits, got %q", c.NameSuffix)
	}

	c.DeployPackage = boolean("deployPackage", true)
	c.PackagePath = str("packagePath", "../build/dtbase-functions.zip")

	c.InstanceMemoryMB = integer("instanceMemoryMB", 2048, 512, 4096)
	if !slices.Contains([]int{512, 2048, 4096}, c.InstanceMemoryMB) {
		fail("instanceMemoryMB", "must be 512, 2048 or 4096 (the Flex Consumption instance sizes), got %d", c.InstanceMemoryMB)
	}
	c.MaximumInstanceCount = integer("maximumInstanceCount", 40, 1, 1000)

	c.PostgresSku = str("postgresSku", "Standard_B1ms")
	if m := postgresSkuRE.FindStringSubmatch(c.PostgresSku); m == nil {
		fail("postgresSku", "must be a flexible server compute size such as Standard_B1ms, Standard_D2ds_v5 or Standard_E2ds_v5, got %q", c.PostgresSku)
	} else {
		c.PostgresTier = map[string]string{"B": "Burstable", "D": "GeneralPurpose", "E": "MemoryOptimized"}[m[1]]
	}
	c.PostgresStorageGB = integer("postgresStorageGB", 32, 32, 32767)
	if !slices.Contains([]int{32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32767}, c.PostgresStorageGB) {
		fail("postgresStorageGB", "must be one of 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32767, got %d", c.PostgresStorageGB)
	}
	c.PostgresBackupRetentionDays = integer("postgresBackupRetentionDays", 14, 7, 35)
	object("postgresAllowedIps", &c.PostgresAllowedIPs, "a list of IPv4 addresses")
	for _, ip := range c.PostgresAllowedIPs {
		if p := net.ParseIP(ip); p == nil || p.To4() == nil || p.IsUnspecified() {
			fail("postgresAllowedIps", "must list single IPv4 addresses (0.0.0.0 is the Azure-services rule, always present), got %q", ip)
		}
	}
	var admin PostgresAdmin
	object("postgresAdmin", &admin, "an object {objectId, name, type}")
	if admin != (PostgresAdmin{}) {
		if admin.Type == "" {
			admin.Type = "User"
		}
		if !guidRE.MatchString(admin.ObjectID) {
			fail("postgresAdmin", "objectId must be the principal's Entra object id (a GUID), got %q", admin.ObjectID)
		}
		if strings.TrimSpace(admin.Name) == "" {
			fail("postgresAdmin", "name is required: the user principal name or group name, which becomes the PostgreSQL role")
		}
		if !slices.Contains([]string{"User", "Group", "ServicePrincipal"}, admin.Type) {
			fail("postgresAdmin", "type must be User, Group or ServicePrincipal, got %q", admin.Type)
		}
		c.PostgresAdmin = &admin
	}

	c.CosmosDatabase = str("cosmosDatabase", "dtbase")
	c.CosmosContainer = str("cosmosContainer", "service_runs")
	for key, v := range map[string]string{"cosmosDatabase": c.CosmosDatabase, "cosmosContainer": c.CosmosContainer} {
		if !cosmosNameRE.MatchString(v) {
			fail(key, "must be letters, digits, '_' or '-', got %q", v)
		}
	}
	c.RunLogTTLDays = integer("runLogTtlDays", 90, 1, 24855) // Cosmos DB's TTL limit is 2^31-1 seconds

	c.StaticWebAppLocation = strings.ToLower(str("staticWebAppLocation", "westeurope"))
	if !slices.Contains(staticWebAppLocations, c.StaticWebAppLocation) {
		fail("staticWebAppLocation", "must be one of the Static Web Apps regions %s, got %q", strings.Join(staticWebAppLocations, ", "), c.StaticWebAppLocation)
	}
	c.LinkAPIToStaticWebApp = boolean("linkApiToStaticWebApp", false)
	object("corsOrigins", &c.CORSOrigins, "a list of https origins")
	for _, o := range c.CORSOrigins {
		u, err := url.Parse(o)
		if o == "*" || err != nil || u.Scheme != "https" || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			fail("corsOrigins", "must list https origins such as https://dtbase.example.org (no wildcard, no path), got %q", o)
		}
	}

	c.LogRetentionDays = integer("logRetentionDays", 30, 30, 730)

	object("appSettings", &c.AppSettings, "a map of app setting names to plain values")
	for name := range c.AppSettings {
		switch {
		case !settingNameRE.MatchString(name):
			fail("appSettings", "%q is not a valid app setting name", name)
		case slices.ContainsFunc(reservedAppSettings, func(r string) bool { return strings.EqualFold(r, name) }):
			fail("appSettings", "%q is managed by this program and cannot be overridden", name)
		case slices.ContainsFunc(flexRejectedAppSettings, func(r string) bool { return strings.EqualFold(r, name) }):
			fail("appSettings", "%q is not supported on Flex Consumption (the runtime comes from functionAppConfig)", name)
		case secretLookingSetting.MatchString(name):
			fail("appSettings", "%q looks like a secret: plain app settings are readable by anyone with read access to the app; keep secrets in Key Vault", name)
		}
	}

	if v, ok := ctx.GetConfig(ns + ":defaultUserPassword"); ok && v != "" {
		if !ctx.IsConfigSecret(ns + ":defaultUserPassword") {
			fail("defaultUserPassword", "must be stored encrypted: `pulumi config set --secret dtbase:defaultUserPassword <password>`")
		} else if len(v) < 12 {
			fail("defaultUserPassword", "must be at least 12 characters long")
		}
		c.HasDefaultUser = true
		c.DefaultUserPassword = cfg.GetSecret("defaultUserPassword")
	}

	if len(errs) > 0 {
		return nil, fmt.Errorf("invalid stack configuration (see the Deployment section of the README):\n%w", errors.Join(errs...))
	}
	return c, nil
}
