package main

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func roleDef(id string) string {
	return "/subscriptions/" + mockSubscription + "/providers/Microsoft.Authorization/roleDefinitions/" + id
}

func TestEveryResourceDeclared(t *testing.T) {
	d := run(t, "prod", baseConfig(t))
	for typ, n := range map[string]int{
		"azure-native:resources:ResourceGroup":                      1,
		"azure-native:operationalinsights:Workspace":                1,
		"azure-native:applicationinsights:Component":                1,
		"azure-native:storage:StorageAccount":                       1,
		"azure-native:storage:BlobContainer":                        1,
		"azure-native:storage:Blob":                                 1,
		"azure-native:web:AppServicePlan":                           1,
		"azure-native:web:WebApp":                                   1,
		"azure-native:web:WebAppApplicationSettings":                1,
		"azure-native:web:StaticSite":                               1,
		"azure-native:keyvault:Vault":                               1,
		"azure-native:keyvault:Secret":                              1, // no default user configured
		"azure-native:dbforpostgresql:Server":                       1,
		"azure-native:dbforpostgresql:Database":                     1,
		"azure-native:dbforpostgresql:Configuration":                2,
		"azure-native:dbforpostgresql:FirewallRule":                 1,
		"azure-native:dbforpostgresql:AdministratorsMicrosoftEntra": 1,
		"azure-native:resources:Resource":                           4, // Cosmos account, database, container, data role
		"azure-native:authorization:RoleAssignment":                 4,
		"random:index/randomPassword:RandomPassword":                1,
		"random:index/randomString:RandomString":                    1,
		"azure-native:web:StaticSiteLinkedBackend":                  0,
	} {
		if got := len(d.all(typ)); got != n {
			t.Errorf("%s: %d declared, want %d", typ, got, n)
		}
	}
}

func TestStorageAccountIsLockedDown(t *testing.T) {
	d := run(t, "prod", baseConfig(t))
	acct := d.one("azure-native:storage:StorageAccount")
	acct.wantStr(t, "minimumTlsVersion", "TLS1_2")
	acct.wantBool(t, "allowBlobPublicAccess", false)
	acct.wantBool(t, "enableHttpsTrafficOnly", true)
	acct.wantBool(t, "allowCrossTenantReplication", false)
	acct.wantBool(t, "defaultToOAuthAuthentication", true)
	c := d.one("azure-native:storage:BlobContainer")
	c.wantStr(t, "publicAccess", "None")
	c.wantStr(t, "accountName", acct.str("accountName"))

	blob := d.one("azure-native:storage:Blob")
	blob.wantStr(t, "blobName", "released-package.zip")
	blob.wantStr(t, "containerName", c.str("containerName"))
	blob.wantStr(t, "accountName", acct.str("accountName"))
	if src := blob.get("source"); !src.IsAsset() || src.AssetValue().Path != baseConfigPath(d) {
		t.Errorf("blob source = %v, want the package file asset", src)
	}
}

// baseConfigPath is the package path the program uploaded (from its settings hash's source).
func baseConfigPath(d *deployment) string {
	return d.one("azure-native:storage:Blob").get("source").AssetValue().Path
}

func TestFunctionAppIsFlexCustomHTTPSWithIdentity(t *testing.T) {
	d := run(t, "prod", baseConfig(t))
	plan := d.one("azure-native:web:AppServicePlan")
	plan.wantStr(t, "sku.name", "FC1")
	plan.wantStr(t, "sku.tier", "FlexConsumption")
	plan.wantBool(t, "reserved", true)

	app := d.one("azure-native:web:WebApp")
	app.wantStr(t, "kind", "functionapp,linux")
	app.wantBool(t, "httpsOnly", true)
	app.wantStr(t, "identity.type", "SystemAssigned")
	app.wantStr(t, "functionAppConfig.runtime.name", "custom")
	app.wantStr(t, "functionAppConfig.runtime.version", "1.0")
	app.wantStr(t, "functionAppConfig.deployment.storage.type", "blobContainer")
	app.wantStr(t, "functionAppConfig.deployment.storage.authentication.type", "SystemAssignedIdentity")
	acct := d.one("azure-native:storage:StorageAccount").str("accountName")
	app.wantStr(t, "functionAppConfig.deployment.storage.value", "https://"+acct+".blob.core.windows.net/app-package")
	app.wantStr(t, "functionAppConfig.scaleAndConcurrency.instanceMemoryMB", "2048")
	app.wantStr(t, "functionAppConfig.scaleAndConcurrency.maximumInstanceCount", "40")
	app.wantStr(t, "siteConfig.minTlsVersion", "1.2")
	app.wantStr(t, "serverFarmId", d.one("azure-native:web:AppServicePlan").ID)
	// Flex Consumption rejects netFrameworkVersion, which the provider would default to v4.6.
	if v := app.get("siteConfig.netFrameworkVersion"); !v.IsNull() {
		t.Errorf("siteConfig.netFrameworkVersion sent: %v", v)
	}
	// Settings live in the separate settings resource only, never inline.
	if v := app.get("siteConfig.appSettings"); !v.IsNull() {
		t.Errorf("siteConfig.appSettings set inline: %v", v)
	}
}

func TestAppSettingsHoldNoSecrets(t *testing.T) {
	cfg := baseConfig(t)
	cfg["defaultUserPassword"] = mockDefaultPasswd
	d := run(t, "prod", cfg, "defaultUserPassword")
	app := d.one("azure-native:web:WebApp")
	s := d.one("azure-native:web:WebAppApplicationSettings")
	s.wantStr(t, "name", app.str("name"))
	props := s.get("properties")
	if props.IsSecret() {
		t.Fatal("the app settings as a whole are secret: some plain setting carries a secret value")
	}
	settings := map[string]string{}
	for k, v := range props.ObjectValue() {
		if v.IsSecret() {
			t.Errorf("app setting %s carries a secret value", k)
			continue
		}
		settings[string(k)] = v.StringValue()
	}
	for name, value := range settings {
		for _, secret := range []string{mockJWTSecret, mockDefaultPasswd, "AccountKey="} {
			if strings.Contains(value, secret) {
				t.Errorf("app setting %s = %q holds a secret", name, value)
			}
		}
	}
	for _, forbidden := range []string{"FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_EXTENSION_VERSION", "WEBSITE_RUN_FROM_PACKAGE", "AzureWebJobsStorage", "DT_SQL_PASS", "DT_COSMOS_KEY", "DT_CORS_ORIGINS"} {
		if _, ok := settings[forbidden]; ok {
			t.Errorf("app setting %s must not be set (Flex Consumption / identity-based access)", forbidden)
		}
	}

	vault := d.one("azure-native:keyvault:Vault").str("vaultName")
	for setting, secret := range map[string]string{"DT_JWT_SECRET_KEY": jwtSecretName, "DT_DEFAULT_USER_PASS": defaultUserSecretName} {
		want := "@Microsoft.KeyVault(SecretUri=https://" + vault + ".vault.azure.net/secrets/" + secret + ")"
		if settings[setting] != want {
			t.Errorf("%s = %q, want the Key Vault reference %q", setting, settings[setting], want)
		}
	}

	stName := d.one("azure-native:storage:StorageAccount").str("accountName")
	fqdn := d.one("azure-native:dbforpostgresql:Server").str("serverName") + ".postgres.database.azure.com"
	for k, want := range map[string]string{
		"AzureWebJobsStorage__accountName":          stName,
		"APPLICATIONINSIGHTS_AUTHENTICATION_STRING": "Authorization=AAD",
		"DT_SQL_AUTH":         "entra",
		"DT_DATABASE_URL":     "postgres://" + app.str("name") + "@" + fqdn + ":5432/dtbase?sslmode=require",
		"DT_COSMOS_ENDPOINT":  "https://" + d.named("cosmos-account").str("resourceName") + ".documents.azure.com:443/",
		"DT_COSMOS_DATABASE":  "dtbase",
		"DT_COSMOS_CONTAINER": "service_runs",
		"DT_RUN_LOG_TTL_DAYS": "90",
		"DT_WEATHER_SCHEDULE": "0 5 * * * *",
		"DT_ARIMA_SCHEDULE":   "0 30 4,16 * * *",
		"DT_HODMD_SCHEDULE":   "0 45 4,16 * * *",
	} {
		if settings[k] != want {
			t.Errorf("app setting %s = %q, want %q", k, settings[k], want)
		}
	}
	// Every app setting a function.json names (%SETTING%) is set, or the host leaves the function out.
	files, _ := filepath.Glob("../functions/*/function.json")
	if len(files) == 0 {
		t.Fatal("no function.json found")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`%([A-Za-z0-9_]+)%`).FindAllStringSubmatch(string(data), -1) {
			if settings[m[1]] == "" {
				t.Errorf("%s names app setting %s, which the program does not set", f, m[1])
			}
		}
	}
	if u, err := url.Parse(settings["DT_DATABASE_URL"]); err != nil {
		t.Error(err)
	} else if _, hasPass := u.User.Password(); hasPass {
		t.Error("DT_DATABASE_URL carries a password")
	}
	if !strings.HasPrefix(settings["APPLICATIONINSIGHTS_CONNECTION_STRING"], "InstrumentationKey=") {
		t.Errorf("APPLICATIONINSIGHTS_CONNECTION_STRING = %q", settings["APPLICATIONINSIGHTS_CONNECTION_STRING"])
	}
	data, err := os.ReadFile(baseConfigPath(d))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if got := settings[packageHashSetting]; got != hex.EncodeToString(sum[:]) {
		t.Errorf("%s = %q, want the package's SHA-256", packageHashSetting, got)
	}
}

func TestSecretsGeneratedAndMarkedSecret(t *testing.T) {
	cfg := baseConfig(t)
	cfg["defaultUserPassword"] = mockDefaultPasswd
	d := run(t, "prod", cfg, "defaultUserPassword")
	pw := d.one("random:index/randomPassword:RandomPassword")
	if n := pw.get("length"); !n.IsNumber() || n.NumberValue() < 32 {
		t.Errorf("JWT key length %v, want at least 32", n)
	}
	vault := d.one("azure-native:keyvault:Vault")
	vault.wantBool(t, "properties.enableRbacAuthorization", true)
	vault.wantBool(t, "properties.enableSoftDelete", true)
	vault.wantStr(t, "properties.tenantId", mockTenant)
	for name, want := range map[string]string{"jwt-secret": mockJWTSecret, "default-user-secret": mockDefaultPasswd} {
		s := d.named(name)
		s.wantStr(t, "vaultName", vault.str("vaultName"))
		v := s.get("properties.value")
		if !v.IsSecret() {
			t.Errorf("Key Vault secret %s: the value is not marked secret", name)
		}
		if s.str("properties.value") != want {
			t.Errorf("Key Vault secret %s holds %q, want %q", name, s.str("properties.value"), want)
		}
	}
}

func TestRoleAssignmentsScopedToTheirResources(t *testing.T) {
	cfg := baseConfig(t)
	cfg["defaultUserPassword"] = mockDefaultPasswd
	d := run(t, "prod", cfg, "defaultUserPassword")
	rg := d.one("azure-native:resources:ResourceGroup")
	want := map[string]struct{ role, scope string }{
		"app-host-storage":         {roleStorageBlobDataOwner, d.one("azure-native:storage:StorageAccount").ID},
		"app-deployment-container": {roleStorageBlobDataOwner, d.one("azure-native:storage:BlobContainer").ID},
		"app-telemetry":            {roleMonitoringMetricsPublisher, d.one("azure-native:applicationinsights:Component").ID},
		"app-jwt-secret":           {roleKeyVaultSecretsUser, d.named("jwt-secret").ID},
		"app-default-user-secret":  {roleKeyVaultSecretsUser, d.named("default-user-secret").ID},
	}
	got := d.all("azure-native:authorization:RoleAssignment")
	if len(got) != len(want) {
		t.Errorf("%d role assignments, want %d", len(got), len(want))
	}
	for _, ra := range got {
		w, ok := want[ra.Name]
		if !ok {
			t.Errorf("unexpected role assignment %s", ra.Name)
			continue
		}
		ra.wantStr(t, "principalId", mockAppPrincipal)
		ra.wantStr(t, "principalType", "ServicePrincipal")
		ra.wantStr(t, "roleDefinitionId", roleDef(w.role))
		ra.wantStr(t, "scope", w.scope)
		if s := ra.str("scope"); s == rg.ID || !strings.Contains(s, "/mock/") {
			t.Errorf("role assignment %s scoped to %q, not to its resource", ra.Name, s)
		}
	}

	// Cosmos DB data-plane role: the built-in data contributor on the account, for the app.
	acct := d.named("cosmos-account")
	ra := d.named("cosmos-data-contributor")
	ra.wantStr(t, "resourceProviderNamespace", "Microsoft.DocumentDB")
	ra.wantStr(t, "resourceType", "sqlRoleAssignments")
	ra.wantStr(t, "parentResourcePath", "databaseAccounts/"+acct.str("resourceName"))
	ra.wantStr(t, "resourceName", mockUUID)
	ra.wantStr(t, "properties.principalId", mockAppPrincipal)
	ra.wantStr(t, "properties.scope", acct.ID)
	ra.wantStr(t, "properties.roleDefinitionId", acct.ID+"/sqlRoleDefinitions/00000000-0000-0000-0000-000000000002")
}

func TestPostgresEntraOnlyTLSAndFirewall(t *testing.T) {
	cfg := baseConfig(t)
	cfg["postgresAllowedIps"] = `["203.0.113.7"]`
	cfg["postgresAdmin"] = `{"objectId":"0f0f0f0f-1111-2222-3333-444444444444","name":"dba@example.org","type":"User"}`
	d := run(t, "prod", cfg)
	srv := d.one("azure-native:dbforpostgresql:Server")
	srv.wantStr(t, "version", "16")
	srv.wantStr(t, "authConfig.activeDirectoryAuth", "Enabled")
	srv.wantStr(t, "authConfig.passwordAuth", "Disabled")
	srv.wantStr(t, "authConfig.tenantId", mockTenant)
	srv.wantStr(t, "sku.name", "Standard_B1ms")
	srv.wantStr(t, "sku.tier", "Burstable")
	srv.wantStr(t, "backup.backupRetentionDays", "14")
	for _, k := range []string{"administratorLogin", "administratorLoginPassword"} {
		if v := srv.get(k); !v.IsNull() {
			t.Errorf("server %s set: no password may exist", k)
		}
	}
	params := map[string]string{}
	for _, c := range d.all("azure-native:dbforpostgresql:Configuration") {
		params[c.str("configurationName")] = c.str("value")
		c.wantStr(t, "serverName", srv.str("serverName"))
	}
	if params["require_secure_transport"] != "ON" || params["ssl_min_protocol_version"] != "TLSv1.2" {
		t.Errorf("server parameters %v, want require_secure_transport ON and ssl_min_protocol_version TLSv1.2", params)
	}
	rules := map[string]string{}
	for _, r := range d.all("azure-native:dbforpostgresql:FirewallRule") {
		if r.str("startIpAddress") != r.str("endIpAddress") {
			t.Errorf("firewall rule %s opens a range %s-%s", r.Name, r.str("startIpAddress"), r.str("endIpAddress"))
		}
		rules[r.str("firewallRuleName")] = r.str("startIpAddress")
	}
	if len(rules) != 2 || rules["AllowAllAzureServicesAndResourcesWithinAzureIps"] != "0.0.0.0" || rules["allow-203-0-113-7"] != "203.0.113.7" {
		t.Errorf("firewall rules %v, want Azure services and the configured address only", rules)
	}
	db := d.one("azure-native:dbforpostgresql:Database")
	db.wantStr(t, "databaseName", "dtbase")
	db.wantStr(t, "charset", "UTF8")

	admins := map[string]registered{}
	for _, a := range d.all("azure-native:dbforpostgresql:AdministratorsMicrosoftEntra") {
		admins[a.Name] = a
		a.wantStr(t, "tenantId", mockTenant)
		a.wantStr(t, "serverName", srv.str("serverName"))
	}
	app := admins["postgres-admin-app"]
	app.wantStr(t, "objectId", mockAppPrincipal)
	app.wantStr(t, "principalType", "ServicePrincipal")
	app.wantStr(t, "principalName", d.one("azure-native:web:WebApp").str("name"))
	op := admins["postgres-admin-operator"]
	op.wantStr(t, "objectId", "0f0f0f0f-1111-2222-3333-444444444444")
	op.wantStr(t, "principalName", "dba@example.org")
	op.wantStr(t, "principalType", "User")
}

func TestCosmosServerlessKeylessWithTTL(t *testing.T) {
	cfg := baseConfig(t)
	cfg["runLogTtlDays"] = "30"
	d := run(t, "prod", cfg)
	acct := d.named("cosmos-account")
	acct.wantStr(t, "resourceProviderNamespace", "Microsoft.DocumentDB")
	acct.wantStr(t, "resourceType", "databaseAccounts")
	acct.wantStr(t, "apiVersion", cosmosAPIVersion)
	acct.wantStr(t, "kind", "GlobalDocumentDB")
	acct.wantBool(t, "properties.disableLocalAuth", true)
	acct.wantBool(t, "properties.disableKeyBasedMetadataWriteAccess", true)
	acct.wantStr(t, "properties.minimalTlsVersion", "Tls12")
	acct.wantStr(t, "properties.capabilities.0.name", "EnableServerless")
	acct.wantStr(t, "properties.locations.0.locationName", "uksouth")

	name := acct.str("resourceName")
	db := d.named("cosmos-database")
	db.wantStr(t, "parentResourcePath", "databaseAccounts/"+name)
	db.wantStr(t, "resourceType", "sqlDatabases")
	db.wantStr(t, "resourceName", "dtbase")
	c := d.named("cosmos-container")
	c.wantStr(t, "parentResourcePath", "databaseAccounts/"+name+"/sqlDatabases/dtbase")
	c.wantStr(t, "resourceType", "containers")
	c.wantStr(t, "resourceName", "service_runs")
	c.wantStr(t, "properties.resource.id", "service_runs")
	c.wantStr(t, "properties.resource.partitionKey.paths.0", "/serviceName")
	c.wantStr(t, "properties.resource.defaultTtl", "2592000")
	s := d.one("azure-native:web:WebAppApplicationSettings")
	s.wantStr(t, "properties.DT_RUN_LOG_TTL_DAYS", "30")
}

func TestStaticWebAppUnlinkedUsesCORS(t *testing.T) {
	cfg := baseConfig(t)
	cfg["corsOrigins"] = `["https://dtbase.example.org"]`
	d := run(t, "prod", cfg)
	swa := d.one("azure-native:web:StaticSite")
	swa.wantStr(t, "sku.name", "Free")
	app := d.one("azure-native:web:WebApp")
	app.wantStr(t, "siteConfig.cors.allowedOrigins", `["https://`+mockSWAHostname+`","https://dtbase.example.org"]`)
	app.wantBool(t, "siteConfig.cors.supportCredentials", false)
	if n := len(d.all("azure-native:web:StaticSiteLinkedBackend")); n != 0 {
		t.Errorf("%d linked backends, want none", n)
	}
	if d.outputs["apiUrl"] != "https://"+app.str("name")+".azurewebsites.net/api" {
		t.Errorf("apiUrl = %q", d.outputs["apiUrl"])
	}
}

func TestStaticWebAppLinked(t *testing.T) {
	cfg := baseConfig(t)
	cfg["linkApiToStaticWebApp"] = "true"
	d := run(t, "prod", cfg)
	d.one("azure-native:web:StaticSite").wantStr(t, "sku.name", "Standard")
	link := d.one("azure-native:web:StaticSiteLinkedBackend")
	link.wantStr(t, "backendResourceId", d.one("azure-native:web:WebApp").ID)
	link.wantStr(t, "name", d.one("azure-native:web:StaticSite").str("name"))
	if v := d.one("azure-native:web:WebApp").get("siteConfig.cors"); !v.IsNull() {
		t.Errorf("CORS configured on a linked app: %v", v)
	}
	if d.outputs["apiUrl"] != "https://"+mockSWAHostname+"/api" {
		t.Errorf("apiUrl = %q, want the site's /api", d.outputs["apiUrl"])
	}
}

func TestOutputs(t *testing.T) {
	d := run(t, "prod", baseConfig(t))
	app := d.one("azure-native:web:WebApp").str("name")
	for k, want := range map[string]string{
		"apiUrl":          "https://" + app + ".azurewebsites.net/api",
		"siteUrl":         "https://" + mockSWAHostname,
		"appInsightsName": d.one("azure-native:applicationinsights:Component").str("resourceName"),
		"functionAppName": app,
	} {
		if d.outputs[k] != want {
			t.Errorf("output %s = %q, want %q", k, d.outputs[k], want)
		}
	}
}

func TestNamesFitLimitsAndDifferPerStack(t *testing.T) {
	physical := func(d *deployment) map[string]string {
		m := map[string]string{}
		for _, r := range d.resources {
			if key, ok := physicalNameKey[r.Type]; ok && r.Type != "azure-native:web:WebAppApplicationSettings" {
				if v := r.get(key); v.IsString() {
					m[r.Name] = v.StringValue()
				}
			}
		}
		return m
	}
	long := run(t, "a-very-long-stack-name-for-production.eu", baseConfig(t))
	short := run(t, "dev", baseConfig(t))
	for _, d := range []*deployment{long, short} {
		app := d.one("azure-native:web:WebApp").str("name")
		if len(app) > 32 {
			t.Errorf("function app name %q is longer than the 32-character host id", app)
		}
		st := d.one("azure-native:storage:StorageAccount").str("accountName")
		if !regexp.MustCompile(`^[a-z0-9]{3,24}$`).MatchString(st) {
			t.Errorf("storage account name %q is not 3-24 lowercase letters and digits", st)
		}
		kv := d.one("azure-native:keyvault:Vault").str("vaultName")
		if !regexp.MustCompile(`^[a-z][a-z0-9-]{1,22}[a-z0-9]$`).MatchString(kv) || strings.Contains(kv, "--") {
			t.Errorf("key vault name %q breaks the Key Vault rules", kv)
		}
		if pg := d.one("azure-native:dbforpostgresql:Server").str("serverName"); len(pg) > 63 {
			t.Errorf("server name %q too long", pg)
		}
		for _, n := range []string{app, st, kv} {
			if !strings.HasSuffix(n, mockSuffix) {
				t.Errorf("name %q lacks the per-stack suffix", n)
			}
		}
	}
	a, b := physical(long), physical(short)
	for logical, name := range a {
		if b[logical] == name && !slices.Contains([]string{"deployment-container", "package", "jwt-secret", "postgres-db", "cosmos-database", "cosmos-container", "postgres-require-secure-transport", "postgres-ssl-min-protocol-version", "postgres-fw-allowallazureservicesandresourceswithinazureips", "postgres-admin-app", "static-web-app-api", "cosmos-data-contributor"}, logical) {
			t.Errorf("%s is named %q in both stacks", logical, name)
		}
	}
	if a["function-app"] != "func-dtbase-a-very-"+mockSuffix {
		t.Errorf("function app name %q", a["function-app"])
	}
}

func TestPinnedSuffixSkipsRandom(t *testing.T) {
	cfg := baseConfig(t)
	cfg["nameSuffix"] = "ab12"
	d := run(t, "prod", cfg)
	if n := len(d.all("random:index/randomString:RandomString")); n != 0 {
		t.Errorf("random suffix generated although nameSuffix is set")
	}
	d.one("azure-native:web:WebApp").wantStr(t, "name", "func-dtbase-prod-ab12")
}

func TestWithoutPackage(t *testing.T) {
	d := run(t, "prod", map[string]string{"location": "uksouth", "deployPackage": "false", "packagePath": "/nonexistent.zip"})
	if n := len(d.all("azure-native:storage:Blob")); n != 0 {
		t.Errorf("package uploaded although deployPackage is false")
	}
	s := d.one("azure-native:web:WebAppApplicationSettings")
	if v := s.get("properties." + packageHashSetting); !v.IsNull() {
		t.Errorf("%s set without a package", packageHashSetting)
	}
}

func TestMissingPackageIsAClearError(t *testing.T) {
	_, err := tryRun(t, "prod", map[string]string{"location": "uksouth", "packagePath": "/nonexistent/dtbase-functions.zip"})
	if err == nil || !strings.Contains(err.Error(), "make package") || !strings.Contains(err.Error(), "dtbase:deployPackage") {
		t.Fatalf("err = %v, want one telling to run make package", err)
	}
}

// Every Azure resource that can carry tags is tagged with the stack.
func TestTagged(t *testing.T) {
	d := run(t, "prod", baseConfig(t))
	for _, typ := range []string{"azure-native:resources:ResourceGroup", "azure-native:storage:StorageAccount", "azure-native:web:WebApp", "azure-native:keyvault:Vault", "azure-native:dbforpostgresql:Server", "azure-native:web:StaticSite"} {
		r := d.one(typ)
		if r.str("tags.stack") != "prod" {
			t.Errorf("%s untagged: %v", typ, r.get("tags"))
		}
	}
}

// The container's partition key is the one the handler checks for (handlers/cosmosruns).
func TestCosmosPartitionKeyMatchesHandler(t *testing.T) {
	src, err := os.ReadFile("../handlers/cosmosruns/store.go")
	if err != nil {
		t.Fatalf("read the handler's Cosmos DB store: %v", err)
	}
	m := regexp.MustCompile(`const PartitionKeyPath = "([^"]+)"`).FindSubmatch(src)
	if m == nil {
		t.Fatal("handlers/cosmosruns/store.go declares no PartitionKeyPath")
	}
	if string(m[1]) != cosmosPartitionKeyPath {
		t.Fatalf("the handler partitions by %s, the infrastructure by %s", m[1], cosmosPartitionKeyPath)
	}
}
