package main

import (
	"github.com/pulumi/pulumi-azure-native-sdk/applicationinsights/v3"
	"github.com/pulumi/pulumi-azure-native-sdk/operationalinsights/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// monitoring is a Log Analytics workspace and a workspace-based Application Insights component
// that accepts telemetry only from Microsoft Entra identities (local, key-based auth disabled).
func (e *env) monitoring() (*applicationinsights.Component, error) {
	ws, err := operationalinsights.NewWorkspace(e.ctx, "logs", &operationalinsights.WorkspaceArgs{
		WorkspaceName:     e.names.LogAnalytics(),
		ResourceGroupName: e.rg.Name,
		Location:          pulumi.String(e.cfg.Location),
		Sku:               &operationalinsights.WorkspaceSkuArgs{Name: pulumi.String("PerGB2018")},
		RetentionInDays:   pulumi.Int(e.cfg.LogRetentionDays),
		Tags:              e.tags,
	})
	if err != nil {
		return nil, err
	}
	return applicationinsights.NewComponent(e.ctx, "app-insights", &applicationinsights.ComponentArgs{
		ResourceName:        e.names.AppInsights(),
		ResourceGroupName:   e.rg.Name,
		Location:            pulumi.String(e.cfg.Location),
		Kind:                pulumi.String("web"),
		ApplicationType:     pulumi.String("web"),
		IngestionMode:       pulumi.String("LogAnalytics"),
		WorkspaceResourceId: ws.ID(),
		DisableLocalAuth:    pulumi.Bool(true),
		Tags:                e.tags,
	})
}
