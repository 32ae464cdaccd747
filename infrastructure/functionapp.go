package main

import (
	"errors"

	"github.com/pulumi/pulumi-azure-native-sdk/web/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// functionApp is the Flex Consumption plan and the Function App running the custom handler: runtime
// "custom" 1.0 from functionAppConfig (Flex takes no FUNCTIONS_WORKER_RUNTIME setting), code from
// the deployment container read with the app's system-assigned identity, HTTPS only, TLS 1.2.
// corsOrigins are the browser origins allowed to call the API (none when the site is linked).
func (e *env) functionApp(st *appStorage, corsOrigins pulumi.StringArrayInput) (*web.WebApp, error) {
	plan, err := web.NewAppServicePlan(e.ctx, "plan", &web.AppServicePlanArgs{
		Name:              e.names.Plan(),
		ResourceGroupName: e.rg.Name,
		Location:          pulumi.String(e.cfg.Location),
		Kind:              pulumi.String("functionapp"),
		Reserved:          pulumi.Bool(true), // Linux
		Sku:               &web.SkuDescriptionArgs{Name: pulumi.String("FC1"), Tier: pulumi.String("FlexConsumption")},
		Tags:              e.tags,
	})
	if err != nil {
		return nil, err
	}
	siteConfig := &web.SiteConfigArgs{
		MinTlsVersion: pulumi.String("1.2"),
		Http20Enabled: pulumi.Bool(true),
	}
	if corsOrigins != nil {
		siteConfig.Cors = &web.CorsSettingsArgs{AllowedOrigins: corsOrigins, SupportCredentials: pulumi.Bool(false)}
	}
	return web.NewWebApp(e.ctx, "function-app", &web.WebAppArgs{
		Name:              e.names.FunctionApp(),
		ResourceGroupName: e.rg.Name,
		Location:          pulumi.String(e.cfg.Location),
		Kind:              pulumi.String("functionapp,linux"),
		Reserved:          pulumi.Bool(true),
		ServerFarmId:      plan.ID(),
		HttpsOnly:         pulumi.Bool(true),
		Identity:          &web.ManagedServiceIdentityArgs{Type: web.ManagedServiceIdentityTypeSystemAssigned},
		SiteConfig:        siteConfig,
		FunctionAppConfig: &web.FunctionAppConfigArgs{
			Deployment: &web.FunctionsDeploymentArgs{Storage: &web.FunctionsDeploymentStorageArgs{
				Type:           pulumi.String("blobContainer"),
				Value:          st.containerURL,
				Authentication: &web.FunctionsDeploymentAuthenticationArgs{Type: pulumi.String("SystemAssignedIdentity")},
			}},
			Runtime: &web.FunctionsRuntimeArgs{Name: pulumi.String("custom"), Version: pulumi.String("1.0")},
			ScaleAndConcurrency: &web.FunctionsScaleAndConcurrencyArgs{
				InstanceMemoryMB:     pulumi.Int(e.cfg.InstanceMemoryMB),
				MaximumInstanceCount: pulumi.Int(e.cfg.MaximumInstanceCount),
			},
		},
		Tags: e.tags,
	}, pulumi.Transformations([]pulumi.ResourceTransformation{withoutNetFrameworkVersion}))
}

// withoutNetFrameworkVersion drops siteConfig.netFrameworkVersion, which the provider fills in as
// "v4.6" whenever siteConfig is given and which Flex Consumption sites reject in some regions
// (pulumi-azure-native issue #4168).
func withoutNetFrameworkVersion(args *pulumi.ResourceTransformationArgs) *pulumi.ResourceTransformationResult {
	if a, ok := args.Props.(*web.WebAppArgs); ok && a.SiteConfig != nil {
		a.SiteConfig = a.SiteConfig.ToSiteConfigPtrOutput().ApplyT(func(c *web.SiteConfig) *web.SiteConfig {
			if c == nil {
				return nil
			}
			out := *c
			out.NetFrameworkVersion = nil
			return &out
		}).(web.SiteConfigPtrOutput)
	}
	return &pulumi.ResourceTransformationResult{Props: args.Props, Opts: args.Opts}
}

// principalID is the object id of the app's system-assigned identity.
func principalID(app *web.WebApp) pulumi.StringOutput {
	return app.Identity.ApplyT(func(id *web.ManagedServiceIdentityResponse) (string, error) {
		if id == nil || id.PrincipalId == "" {
			return "", errors.New("the Function App has no system-assigned identity")
		}
		return id.PrincipalId, nil
	}).(pulumi.StringOutput)
}
