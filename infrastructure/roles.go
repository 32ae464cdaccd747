package main

import (
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Built-in Azure role definitions the Function App's identity is given, each on the narrowest scope
// that works.
const (
	roleKeyVaultSecretsUser          = "4633458b-17de-408a-b874-0445c86b69e6"
	roleStorageBlobDataOwner         = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b"
	roleMonitoringMetricsPublisher   = "3913510d-42f4-4e42-8a64-420c390055eb"
	cosmosBuiltInDataContributorRole = "00000000-0000-0000-0000-000000000002" // Cosmos DB data plane
)

// assignRole gives principal the built-in role roleID on scope (a resource id).
func (e *env) assignRole(name, roleID string, principal pulumi.StringInput, scope pulumi.StringInput, opts ...pulumi.ResourceOption) (*authorization.RoleAssignment, error) {
	return authorization.NewRoleAssignment(e.ctx, name, &authorization.RoleAssignmentArgs{
		PrincipalId:      principal,
		PrincipalType:    pulumi.String("ServicePrincipal"),
		RoleDefinitionId: pulumi.String(fmt.Sprintf("/subscriptions/%s/providers/Microsoft.Authorization/roleDefinitions/%s", e.client.SubscriptionId, roleID)),
		Scope:            scope,
	}, opts...)
}
