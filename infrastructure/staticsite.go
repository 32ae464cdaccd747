package main

import (
	"github.com/pulumi/pulumi-azure-native-sdk/web/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// staticWebApp is the Static Web App serving the frontend. By default it is not linked to the
// Function App: the browser calls the Function App's /api directly, allowed by CORS for the site's
// origin. linkApiToStaticWebApp links it instead (Standard plan), proxying the site's /api. The
// README's Deployment section explains the choice.
func (e *env) staticWebApp() (*web.StaticSite, error) {
	sku := "Free"
	if e.cfg.LinkAPIToStaticWebApp {
		sku = "Standard" // linked backends need the Standard plan
	}
	return web.NewStaticSite(e.ctx, "static-web-app", &web.StaticSiteArgs{
		Name:                   e.names.StaticWebApp(),
		ResourceGroupName:      e.rg.Name,
		Location:               pulumi.String(e.cfg.StaticWebAppLocation),
		Sku:                    &web.SkuDescriptionArgs{Name: pulumi.String(sku), Tier: pulumi.String(sku)},
		AllowConfigFileUpdates: pulumi.Bool(true),
		Tags:                   e.tags,
	})
}

// linkAPI makes the Function App the Static Web App's /api backend.
func (e *env) linkAPI(site *web.StaticSite, app *web.WebApp) error {
	_, err := web.NewStaticSiteLinkedBackend(e.ctx, "static-web-app-api", &web.StaticSiteLinkedBackendArgs{
		Name:              site.Name,
		ResourceGroupName: e.rg.Name,
		LinkedBackendName: pulumi.String("api"),
		BackendResourceId: app.ID(),
		Region:            pulumi.String(e.cfg.Location),
	})
	return err
}
