package main

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-azure-native-sdk/dbforpostgresql/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const postgresDatabase = "dtbase"

type database struct {
	server *dbforpostgresql.Server
	db     *dbforpostgresql.Database
	// last is the final operation on the server; later ones wait for it (the flexible server runs
	// one management operation at a time and fails concurrent ones).
	last pulumi.Resource
}

// postgres is an Azure Database for PostgreSQL flexible server, version 16, that only accepts
// Microsoft Entra sign-ins over TLS 1.2+: password authentication is off and no administrator
// password exists. Its firewall admits Azure services (the Flex Consumption app has no fixed
// outbound addresses) and the operator addresses in postgresAllowedIps.
func (e *env) postgres() (*database, error) {
	c := e.cfg
	server, err := dbforpostgresql.NewServer(e.ctx, "postgres", &dbforpostgresql.ServerArgs{
		ServerName:        e.names.PostgresServer(),
		ResourceGroupName: e.rg.Name,
		Location:          pulumi.String(c.Location),
		Version:           pulumi.String("16"),
		CreateMode:        pulumi.String("Default"),
		Sku:               &dbforpostgresql.SkuArgs{Name: pulumi.String(c.PostgresSku), Tier: pulumi.String(c.PostgresTier)},
		Storage: &dbforpostgresql.StorageArgs{
			StorageSizeGB: pulumi.Int(c.PostgresStorageGB),
			AutoGrow:      pulumi.String("Enabled"),
		},
		Backup: &dbforpostgresql.BackupTypeArgs{
			BackupRetentionDays: pulumi.Int(c.PostgresBackupRetentionDays),
			GeoRedundantBackup:  pulumi.String("Disabled"),
		},
		AuthConfig: &dbforpostgresql.AuthConfigArgs{
			ActiveDirectoryAuth: pulumi.String("Enabled"),
			PasswordAuth:        pulumi.String("Disabled"),
			TenantId:            pulumi.String(e.client.TenantId),
		},
		Network:          &dbforpostgresql.NetworkArgs{PublicNetworkAccess: pulumi.String("Enabled")},
		HighAvailability: &dbforpostgresql.HighAvailabilityArgs{Mode: pulumi.String("Disabled")},
		Tags:             e.tags,
	})
	if err != nil {
		return nil, err
	}
	d := &database{server: server, last: server}
	after := func() pulumi.ResourceOption { return pulumi.DependsOn([]pulumi.Resource{d.last}) }

	// TLS: required (the default, pinned here) and at least 1.2.
	for _, p := range []struct{ name, value string }{
		{"require_secure_transport", "ON"},
		{"ssl_min_protocol_version", "TLSv1.2"},
	} {
		cfg, err := dbforpostgresql.NewConfiguration(e.ctx, "postgres-"+strings.ReplaceAll(p.name, "_", "-"), &dbforpostgresql.ConfigurationArgs{
			ConfigurationName: pulumi.String(p.name),
			ServerName:        server.Name,
			ResourceGroupName: e.rg.Name,
			Value:             pulumi.String(p.value),
			Source:            pulumi.String("user-override"),
		}, after())
		if err != nil {
			return nil, err
		}
		d.last = cfg
	}

	// Firewall: 0.0.0.0 is Azure's rule for "any Azure service"; declared statically so previews
	// show every rule.
	rules := []struct{ name, ip string }{{"AllowAllAzureServicesAndResourcesWithinAzureIps", "0.0.0.0"}}
	for _, ip := range c.PostgresAllowedIPs {
		rules = append(rules, struct{ name, ip string }{"allow-" + strings.ReplaceAll(ip, ".", "-"), ip})
	}
	for _, r := range rules {
		rule, err := dbforpostgresql.NewFirewallRule(e.ctx, "postgres-fw-"+strings.ToLower(r.name), &dbforpostgresql.FirewallRuleArgs{
			FirewallRuleName:  pulumi.String(r.name),
			ServerName:        server.Name,
			ResourceGroupName: e.rg.Name,
			StartIpAddress:    pulumi.String(r.ip),
			EndIpAddress:      pulumi.String(r.ip),
		}, after())
		if err != nil {
			return nil, err
		}
		d.last = rule
	}

	d.db, err = dbforpostgresql.NewDatabase(e.ctx, "postgres-db", &dbforpostgresql.DatabaseArgs{
		DatabaseName:      pulumi.String(postgresDatabase),
		ServerName:        server.Name,
		ResourceGroupName: e.rg.Name,
		Charset:           pulumi.String("UTF8"),
		Collation:         pulumi.String("en_US.utf8"),
	}, after())
	if err != nil {
		return nil, err
	}
	d.last = d.db

	if a := c.PostgresAdmin; a != nil {
		if err := d.entraAdmin(e, "postgres-admin-operator", pulumi.String(a.ObjectID), pulumi.String(a.Name), a.Type); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// entraAdmin makes an Entra principal a PostgreSQL administrator: a role of the principal's name
// that signs in with that principal's tokens and may create databases and roles.
func (d *database) entraAdmin(e *env, name string, objectID, principalName pulumi.StringInput, principalType string) error {
	admin, err := dbforpostgresql.NewAdministratorsMicrosoftEntra(e.ctx, name, &dbforpostgresql.AdministratorsMicrosoftEntraArgs{
		ObjectId:          objectID,
		PrincipalName:     principalName,
		PrincipalType:     pulumi.String(principalType),
		TenantId:          pulumi.String(e.client.TenantId),
		ServerName:        d.server.Name,
		ResourceGroupName: e.rg.Name,
	}, pulumi.DependsOn([]pulumi.Resource{d.last}))
	if err != nil {
		return fmt.Errorf("postgres administrator %s: %w", name, err)
	}
	d.last = admin
	return nil
}
