package main

import (
	"github.com/pulumi/pulumi-azure-native-sdk/resources/v3"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// cosmosAPIVersion is the Microsoft.DocumentDB API version of the generic resources below (this
// toolchain has no typed documentdb module; resources.Resource declares them the same way ARM does).
const cosmosAPIVersion = "2024-11-15"

// cosmosPartitionKeyPath is the run-history container's partition key: the one the handler
// requires (handlers/cosmosruns.PartitionKeyPath; a test keeps the two equal).
const cosmosPartitionKeyPath = "/serviceName"

type cosmosDB struct {
	account  *resources.Resource
	endpoint pulumi.StringOutput
}

// cosmos is a serverless Azure Cosmos DB for NoSQL account for the service-run history: keys
// disabled (Entra data-plane RBAC only), TLS 1.2, a database and a container partitioned by service
// name whose items expire after runLogTtlDays.
func (e *env) cosmos() (*cosmosDB, error) {
	c := e.cfg
	account, err := resources.NewResource(e.ctx, "cosmos-account", &resources.ResourceArgs{
		ResourceProviderNamespace: pulumi.String("Microsoft.DocumentDB"),
		ParentResourcePath:        pulumi.String(""),
		ResourceType:              pulumi.String("databaseAccounts"),
		ResourceName:              e.names.CosmosAccount(),
		ApiVersion:                pulumi.String(cosmosAPIVersion),
		ResourceGroupName:         e.rg.Name,
		Location:                  pulumi.String(c.Location),
		Kind:                      pulumi.String("GlobalDocumentDB"),
		Properties: pulumi.Map{
			"databaseAccountOfferType": pulumi.String("Standard"),
			"locations": pulumi.Array{pulumi.Map{
				"locationName":     pulumi.String(c.Location),
				"failoverPriority": pulumi.Int(0),
				"isZoneRedundant":  pulumi.Bool(false),
			}},
			"capabilities":                       pulumi.Array{pulumi.Map{"name": pulumi.String("EnableServerless")}},
			"consistencyPolicy":                  pulumi.Map{"defaultConsistencyLevel": pulumi.String("Session")},
			"disableLocalAuth":                   pulumi.Bool(true),
			"disableKeyBasedMetadataWriteAccess": pulumi.Bool(true),
			"minimalTlsVersion":                  pulumi.String("Tls12"),
			"publicNetworkAccess":                pulumi.String("Enabled"),
		},
		Tags: e.tags,
	})
	if err != nil {
		return nil, err
	}
	accountPath := pulumi.Sprintf("databaseAccounts/%s", account.Name)
	db, err := resources.NewResource(e.ctx, "cosmos-database", &resources.ResourceArgs{
		ResourceProviderNamespace: pulumi.String("Microsoft.DocumentDB"),
		ParentResourcePath:        accountPath,
		ResourceType:              pulumi.String("sqlDatabases"),
		ResourceName:              pulumi.String(c.CosmosDatabase),
		ApiVersion:                pulumi.String(cosmosAPIVersion),
		ResourceGroupName:         e.rg.Name,
		Properties:                pulumi.Map{"resource": pulumi.Map{"id": pulumi.String(c.CosmosDatabase)}},
	}, pulumi.DependsOn([]pulumi.Resource{account}))
	if err != nil {
		return nil, err
	}
	_, err = resources.NewResource(e.ctx, "cosmos-container", &resources.ResourceArgs{
		ResourceProviderNamespace: pulumi.String("Microsoft.DocumentDB"),
		ParentResourcePath:        pulumi.Sprintf("databaseAccounts/%s/sqlDatabases/%s", account.Name, db.Name),
		ResourceType:              pulumi.String("containers"),
		ResourceName:              pulumi.String(c.CosmosContainer),
		ApiVersion:                pulumi.String(cosmosAPIVersion),
		ResourceGroupName:         e.rg.Name,
		Properties: pulumi.Map{"resource": pulumi.Map{
			"id": pulumi.String(c.CosmosContainer),
			"partitionKey": pulumi.Map{
				"paths":   pulumi.StringArray{pulumi.String(cosmosPartitionKeyPath)},
				"kind":    pulumi.String("Hash"),
				"version": pulumi.Int(2),
			},
			// Items expire this many seconds after their last write; the app may set a shorter ttl.
			"defaultTtl": pulumi.Int(c.RunLogTTLDays * 24 * 60 * 60),
		}},
	}, pulumi.DependsOn([]pulumi.Resource{db}))
	if err != nil {
		return nil, err
	}
	return &cosmosDB{
		account:  account,
		endpoint: pulumi.Sprintf("https://%s.documents.azure.com:443/", account.Name),
	}, nil
}

// grantData gives principal Cosmos DB's built-in data contributor role (read and write items, no
// control-plane rights) on this account: Cosmos DB's data plane has its own RBAC, so this is a
// sqlRoleAssignment rather than an Azure role assignment.
func (e *env) grantCosmosData(cdb *cosmosDB, principal pulumi.StringInput) (pulumi.Resource, error) {
	id, err := random.NewRandomUuid(e.ctx, "cosmos-data-contributor-id", &random.RandomUuidArgs{})
	if err != nil {
		return nil, err
	}
	return resources.NewResource(e.ctx, "cosmos-data-contributor", &resources.ResourceArgs{
		ResourceProviderNamespace: pulumi.String("Microsoft.DocumentDB"),
		ParentResourcePath:        pulumi.Sprintf("databaseAccounts/%s", cdb.account.Name),
		ResourceType:              pulumi.String("sqlRoleAssignments"),
		ResourceName:              id.Result,
		ApiVersion:                pulumi.String(cosmosAPIVersion),
		ResourceGroupName:         e.rg.Name,
		Properties: pulumi.Map{
			"roleDefinitionId": pulumi.Sprintf("%s/sqlRoleDefinitions/%s", cdb.account.ID(), cosmosBuiltInDataContributorRole),
			"scope":            cdb.account.ID(),
			"principalId":      principal,
		},
	})
}
