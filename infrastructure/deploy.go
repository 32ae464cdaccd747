package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v3"
	"github.com/pulumi/pulumi-azure-native-sdk/resources/v3"
	"github.com/pulumi/pulumi-azure-native-sdk/web/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// packageHashSetting is an app setting holding the deployed package's SHA-256: a new package
// changes it, and the settings update restarts the app onto the new package. The handler ignores it.
const packageHashSetting = "DTBASE_PACKAGE_SHA256"

// env is what the component functions share.
type env struct {
	ctx    *pulumi.Context
	cfg    *Config
	names  *Names
	client *authorization.GetClientConfigResult
	rg     *resources.ResourceGroup
	tags   pulumi.StringMap
}

// outputs are the stack outputs (also returned for tests).
type outputs struct {
	APIURL, SiteURL, AppInsightsName                 pulumi.StringOutput
	ResourceGroup, FunctionApp, StaticWebApp         pulumi.StringOutput
	PostgresHost, PostgresDatabase, KeyVault, Cosmos pulumi.StringOutput
}

// deploy declares the whole platform. See the Deployment section of the README.
func deploy(ctx *pulumi.Context) (*outputs, error) {
	cfg, err := loadConfig(ctx)
	if err != nil {
		return nil, err
	}
	var packageHash string
	if cfg.DeployPackage {
		if packageHash, err = fileSHA256(cfg.PackagePath); err != nil {
			return nil, fmt.Errorf("the handler package (dtbase:packagePath) %q cannot be read: run `make package` in the repository root first, or set dtbase:deployPackage false to deploy only the infrastructure: %w", cfg.PackagePath, err)
		}
	}
	client, err := authorization.GetClientConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the Azure client configuration (run `az login` and select the subscription): %w", err)
	}
	names, err := newNames(ctx, cfg)
	if err != nil {
		return nil, err
	}
	e := &env{
		ctx:    ctx,
		cfg:    cfg,
		names:  names,
		client: client,
		tags:   pulumi.StringMap{"application": pulumi.String("dtbase"), "stack": pulumi.String(ctx.Stack())},
	}
	if e.rg, err = resources.NewResourceGroup(ctx, "resource-group", &resources.ResourceGroupArgs{
		ResourceGroupName: names.ResourceGroup(),
		Location:          pulumi.String(cfg.Location),
		Tags:              e.tags,
	}); err != nil {
		return nil, err
	}

	insights, err := e.monitoring()
	if err != nil {
		return nil, err
	}
	st, err := e.storageAccount()
	if err != nil {
		return nil, err
	}
	site, err := e.staticWebApp()
	if err != nil {
		return nil, err
	}
	siteURL := pulumi.Sprintf("https://%s", site.DefaultHostname)
	origins := pulumi.StringArray{}
	if !cfg.LinkAPIToStaticWebApp {
		origins = append(origins, siteURL)
	}
	for _, o := range cfg.CORSOrigins {
		origins = append(origins, pulumi.String(o))
	}
	var cors pulumi.StringArrayInput
	if len(origins) > 0 {
		cors = origins
	}
	app, err := e.functionApp(st, cors)
	if err != nil {
		return nil, err
	}
	if cfg.LinkAPIToStaticWebApp {
		if err := e.linkAPI(site, app); err != nil {
			return nil, err
		}
	}
	appPrincipal := principalID(app)

	// The app's identity, each grant on the narrowest scope: its own storage account (host storage:
	// timer locks and keys), the deployment container (code), the Application Insights component
	// (telemetry with Entra auth), each Key Vault secret, the Cosmos DB account (data plane), and
	// the PostgreSQL server (as an Entra administrator, so it can run migrations).
	var grants []pulumi.Resource
	grant := func(r pulumi.Resource, err error) error {
		if err == nil {
			grants = append(grants, r)
		}
		return err
	}
	if err := grant(e.assignRole("app-host-storage", roleStorageBlobDataOwner, appPrincipal, st.account.ID())); err != nil {
		return nil, err
	}
	if err := grant(e.assignRole("app-deployment-container", roleStorageBlobDataOwner, appPrincipal, st.container.ID())); err != nil {
		return nil, err
	}
	if err := grant(e.assignRole("app-telemetry", roleMonitoringMetricsPublisher, appPrincipal, insights.ID())); err != nil {
		return nil, err
	}

	secrets, err := e.keyVault()
	if err != nil {
		return nil, err
	}
	if err := grant(e.assignRole("app-jwt-secret", roleKeyVaultSecretsUser, appPrincipal, secrets.jwt.ID())); err != nil {
		return nil, err
	}
	if secrets.defaultUser != nil {
		if err := grant(e.assignRole("app-default-user-secret", roleKeyVaultSecretsUser, appPrincipal, secrets.defaultUser.ID())); err != nil {
			return nil, err
		}
	}

	pg, err := e.postgres()
	if err != nil {
		return nil, err
	}
	if err := pg.entraAdmin(e, "postgres-admin-app", appPrincipal, app.Name, "ServicePrincipal"); err != nil {
		return nil, err
	}
	grants = append(grants, pg.last)

	cdb, err := e.cosmos()
	if err != nil {
		return nil, err
	}
	if err := grant(e.grantCosmosData(cdb, appPrincipal)); err != nil {
		return nil, err
	}

	settings := pulumi.StringMap{
		// Host storage through the app's identity: no account key anywhere.
		"AzureWebJobsStorage__accountName":          st.account.Name,
		"APPLICATIONINSIGHTS_CONNECTION_STRING":     insights.ConnectionString,
		"APPLICATIONINSIGHTS_AUTHENTICATION_STRING": pulumi.String("Authorization=AAD"),
		// The app signs in to PostgreSQL as its identity (role = app name) with Entra tokens.
		"DT_DATABASE_URL":     pulumi.Sprintf("postgres://%s@%s:5432/%s?sslmode=require", app.Name, pg.server.FullyQualifiedDomainName, pg.db.Name),
		"DT_SQL_AUTH":         pulumi.String("entra"),
		"DT_JWT_SECRET_KEY":   keyVaultReference(secrets.jwt),
		"DT_COSMOS_ENDPOINT":  cdb.endpoint,
		"DT_COSMOS_DATABASE":  pulumi.String(cfg.CosmosDatabase),
		"DT_COSMOS_CONTAINER": pulumi.String(cfg.CosmosContainer),
		"DT_RUN_LOG_TTL_DAYS": pulumi.String(strconv.Itoa(cfg.RunLogTTLDays)),
		// The timer functions' schedules (functions/*/function.json name them with %...%): without
		// them the host leaves those functions out. appSettings may override them.
		"DT_WEATHER_SCHEDULE": pulumi.String("0 5 * * * *"),
		"DT_ARIMA_SCHEDULE":   pulumi.String("0 30 4,16 * * *"),
		"DT_HODMD_SCHEDULE":   pulumi.String("0 45 4,16 * * *"),
	}
	if secrets.defaultUser != nil {
		settings["DT_DEFAULT_USER_PASS"] = keyVaultReference(secrets.defaultUser)
	}
	for k, v := range cfg.AppSettings {
		settings[k] = pulumi.String(v)
	}
	deps := grants
	if cfg.DeployPackage {
		blob, err := e.uploadPackage(st)
		if err != nil {
			return nil, err
		}
		deps = append(deps, blob)
		settings[packageHashSetting] = pulumi.String(packageHash)
	}
	// The settings come last: Key Vault references resolve once the app may read the secrets, and
	// the update restarts the app onto the uploaded package.
	if _, err := web.NewWebAppApplicationSettings(ctx, "function-app-settings", &web.WebAppApplicationSettingsArgs{
		Name:              app.Name,
		ResourceGroupName: e.rg.Name,
		Properties:        settings,
	}, pulumi.DependsOn(deps)); err != nil {
		return nil, err
	}

	out := &outputs{
		APIURL:           pulumi.Sprintf("https://%s/api", app.DefaultHostName),
		SiteURL:          siteURL,
		AppInsightsName:  insights.Name,
		ResourceGroup:    e.rg.Name,
		FunctionApp:      app.Name,
		StaticWebApp:     site.Name,
		PostgresHost:     pg.server.FullyQualifiedDomainName,
		PostgresDatabase: pg.db.Name,
		KeyVault:         secrets.vault.Name,
		Cosmos:           cdb.endpoint,
	}
	if cfg.LinkAPIToStaticWebApp {
		out.APIURL = pulumi.Sprintf("%s/api", siteURL)
	}
	ctx.Export("apiUrl", out.APIURL)
	ctx.Export("siteUrl", out.SiteURL)
	ctx.Export("appInsightsName", out.AppInsightsName)
	ctx.Export("resourceGroupName", out.ResourceGroup)
	ctx.Export("functionAppName", out.FunctionApp)
	ctx.Export("functionAppUrl", pulumi.Sprintf("https://%s", app.DefaultHostName))
	ctx.Export("staticWebAppName", out.StaticWebApp)
	ctx.Export("postgresHost", out.PostgresHost)
	ctx.Export("postgresDatabase", out.PostgresDatabase)
	ctx.Export("keyVaultName", out.KeyVault)
	ctx.Export("cosmosEndpoint", out.Cosmos)
	return out, nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
