package main

import (
	"github.com/pulumi/pulumi-azure-native-sdk/storage/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// deploymentContainerName is the Flex Consumption deployment container; packageBlobName is the
// name Flex Consumption's one-deploy gives the package in it.
const (
	deploymentContainerName = "app-package"
	packageBlobName         = "released-package.zip"
)

type appStorage struct {
	account   *storage.StorageAccount
	container *storage.BlobContainer
	// containerURL is the deployment container's URL, for functionAppConfig.deployment.
	containerURL pulumi.StringOutput
}

// storageAccount is the app's own storage account: the Functions host's storage
// (AzureWebJobsStorage, reached with the app identity) and the deployment container. HTTPS only,
// TLS 1.2 at least, no anonymous blob access, Entra authorization by default.
func (e *env) storageAccount() (*appStorage, error) {
	acct, err := storage.NewStorageAccount(e.ctx, "storage", &storage.StorageAccountArgs{
		AccountName:                  e.names.StorageAccount(),
		ResourceGroupName:            e.rg.Name,
		Location:                     pulumi.String(e.cfg.Location),
		Kind:                         pulumi.String("StorageV2"),
		Sku:                          &storage.SkuArgs{Name: pulumi.String("Standard_LRS")},
		MinimumTlsVersion:            pulumi.String("TLS1_2"),
		EnableHttpsTrafficOnly:       pulumi.Bool(true),
		AllowBlobPublicAccess:        pulumi.Bool(false),
		AllowCrossTenantReplication:  pulumi.Bool(false),
		DefaultToOAuthAuthentication: pulumi.Bool(true),
		Tags:                         e.tags,
	})
	if err != nil {
		return nil, err
	}
	container, err := storage.NewBlobContainer(e.ctx, "deployment-container", &storage.BlobContainerArgs{
		AccountName:       acct.Name,
		ResourceGroupName: e.rg.Name,
		ContainerName:     pulumi.String(deploymentContainerName),
		PublicAccess:      storage.PublicAccessNone,
	})
	if err != nil {
		return nil, err
	}
	return &appStorage{
		account:      acct,
		container:    container,
		containerURL: pulumi.Sprintf("https://%s.blob.core.windows.net/%s", acct.Name, container.Name),
	}, nil
}

// uploadPackage puts the zip built by `make package` into the deployment container under the name
// Flex Consumption runs it from.
func (e *env) uploadPackage(st *appStorage) (*storage.Blob, error) {
	return storage.NewBlob(e.ctx, "package", &storage.BlobArgs{
		AccountName:       st.account.Name,
		ContainerName:     st.container.Name,
		ResourceGroupName: e.rg.Name,
		BlobName:          pulumi.String(packageBlobName),
		Type:              storage.BlobTypeBlock,
		ContentType:       pulumi.String("application/zip"),
		Source:            pulumi.NewFileAsset(e.cfg.PackagePath),
	})
}
