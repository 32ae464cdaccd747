package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Values the mocks hand out in place of Azure's.
const (
	mockSubscription  = "00000000-1111-2222-3333-444444444444"
	mockTenant        = "99999999-8888-7777-6666-555555555555"
	mockAppPrincipal  = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
	mockSuffix        = "x1y2z3"
	mockJWTSecret     = "generated-jwt-signing-key-0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"
	mockUUID          = "12345678-9abc-4def-8123-456789abcdef"
	mockSWAHostname   = "nice-sea-0a1b2c3d4.azurestaticapps.net"
	mockDefaultPasswd = "correct-horse-battery-staple"
)

// registered is one resource the program declared, as the engine would have received it.
type registered struct {
	Type, Name, ID string
	Inputs         resource.PropertyMap
}

// mocks stands in for the Pulumi engine and the providers: it records every resource and returns
// the outputs Azure would compute (ids, host names, the app identity, generated values).
type mocks struct {
	mu        sync.Mutex
	resources []registered
	calls     []string
}

// physicalNameKey is the input holding the physical name, per resource type; mocks echo it as the
// "name" output as Azure does.
var physicalNameKey = map[string]string{
	"azure-native:resources:ResourceGroup":                      "resourceGroupName",
	"azure-native:operationalinsights:Workspace":                "workspaceName",
	"azure-native:applicationinsights:Component":                "resourceName",
	"azure-native:storage:StorageAccount":                       "accountName",
	"azure-native:storage:BlobContainer":                        "containerName",
	"azure-native:storage:Blob":                                 "blobName",
	"azure-native:web:AppServicePlan":                           "name",
	"azure-native:web:WebApp":                                   "name",
	"azure-native:web:StaticSite":                               "name",
	"azure-native:keyvault:Vault":                               "vaultName",
	"azure-native:keyvault:Secret":                              "secretName",
	"azure-native:dbforpostgresql:Server":                       "serverName",
	"azure-native:dbforpostgresql:Database":                     "databaseName",
	"azure-native:dbforpostgresql:Configuration":                "configurationName",
	"azure-native:dbforpostgresql:FirewallRule":                 "firewallRuleName",
	"azure-native:dbforpostgresql:AdministratorsMicrosoftEntra": "objectId",
	"azure-native:resources:Resource":                           "resourceName",
	"azure-native:web:StaticSiteLinkedBackend":                  "linkedBackendName",
	"azure-native:web:WebAppApplicationSettings":                "name",
}

func (m *mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	out := args.Inputs.Copy()
	name := args.Name
	if key, ok := physicalNameKey[args.TypeToken]; ok && args.Inputs[resource.PropertyKey(key)].IsString() {
		name = args.Inputs[resource.PropertyKey(key)].StringValue()
		out["name"] = resource.NewStringProperty(name)
	}
	id := fmt.Sprintf("/subscriptions/%s/mock/%s/%s", mockSubscription, args.TypeToken, args.Name)
	switch args.TypeToken {
	case "random:index/randomString:RandomString":
		out["result"] = resource.NewStringProperty(mockSuffix)
	case "random:index/randomPassword:RandomPassword":
		out["result"] = resource.MakeSecret(resource.NewStringProperty(mockJWTSecret))
	case "random:index/randomUuid:RandomUuid":
		out["result"] = resource.NewStringProperty(mockUUID)
	case "azure-native:web:WebApp":
		out["defaultHostName"] = resource.NewStringProperty(name + ".azurewebsites.net")
		out["identity"] = resource.NewObjectProperty(resource.PropertyMap{
			"type":        resource.NewStringProperty("SystemAssigned"),
			"principalId": resource.NewStringProperty(mockAppPrincipal),
			"tenantId":    resource.NewStringProperty(mockTenant),
		})
	case "azure-native:web:StaticSite":
		out["defaultHostname"] = resource.NewStringProperty(mockSWAHostname)
	case "azure-native:dbforpostgresql:Server":
		out["fullyQualifiedDomainName"] = resource.NewStringProperty(name + ".postgres.database.azure.com")
	case "azure-native:applicationinsights:Component":
		out["connectionString"] = resource.NewStringProperty("InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://uksouth-1.in.applicationinsights.azure.com/")
	case "azure-native:keyvault:Secret":
		// Azure never returns a secret's value; only its URIs.
		vault := args.Inputs["vaultName"].StringValue()
		out["properties"] = resource.NewObjectProperty(resource.PropertyMap{
			"secretUri":            resource.NewStringProperty(fmt.Sprintf("https://%s.vault.azure.net/secrets/%s", vault, name)),
			"secretUriWithVersion": resource.NewStringProperty(fmt.Sprintf("https://%s.vault.azure.net/secrets/%s/0123", vault, name)),
		})
	}
	m.mu.Lock()
	m.resources = append(m.resources, registered{Type: args.TypeToken, Name: args.Name, ID: id, Inputs: args.Inputs})
	m.mu.Unlock()
	return id, out, nil
}

func (m *mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	m.mu.Lock()
	m.calls = append(m.calls, args.Token)
	m.mu.Unlock()
	if args.Token == "azure-native:authorization:getClientConfig" {
		return resource.PropertyMap{
			"clientId":       resource.NewStringProperty("cli"),
			"objectId":       resource.NewStringProperty("deployer-object-id"),
			"subscriptionId": resource.NewStringProperty(mockSubscription),
			"tenantId":       resource.NewStringProperty(mockTenant),
		}, nil
	}
	return resource.PropertyMap{}, nil
}

// deployment is the result of running the program under the mocks.
type deployment struct {
	t         *testing.T
	resources []registered
	outputs   map[string]string
}

// testPackage writes a stand-in for build/dtbase-functions.zip and returns its path.
func testPackage(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "dtbase-functions.zip")
	if err := os.WriteFile(p, []byte("PK\x05\x06"+strings.Repeat("\x00", 18)), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// withConfig sets stack configuration; secretKeys are marked secret as `--secret` would.
func withConfig(cfg map[string]string, secretKeys ...string) pulumi.RunOption {
	return func(info *pulumi.RunInfo) {
		info.Config = map[string]string{}
		for k, v := range cfg {
			if !strings.Contains(k, ":") { // other namespaces (azure-native:location) as given
				k = "dtbase:" + k
			}
			info.Config[k] = v
		}
		for _, k := range secretKeys {
			info.ConfigSecretKeys = append(info.ConfigSecretKeys, "dtbase:"+k)
		}
	}
}

// baseConfig is a valid configuration with a package at hand.
func baseConfig(t *testing.T) map[string]string {
	return map[string]string{"location": "uksouth", "packagePath": testPackage(t)}
}

// run runs the program for stack with cfg and returns what it declared, failing the test on error.
func run(t *testing.T, stack string, cfg map[string]string, secretKeys ...string) *deployment {
	t.Helper()
	d, err := tryRun(t, stack, cfg, secretKeys...)
	if err != nil {
		t.Fatalf("program failed: %v", err)
	}
	return d
}

func tryRun(t *testing.T, stack string, cfg map[string]string, secretKeys ...string) (*deployment, error) {
	t.Helper()
	m := &mocks{}
	outputs := map[string]string{}
	var mu sync.Mutex
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		out, err := deploy(ctx)
		if err != nil {
			return err
		}
		record := func(key string, o pulumi.StringOutput) {
			o.ApplyT(func(v string) string {
				mu.Lock()
				outputs[key] = v
				mu.Unlock()
				return v
			})
		}
		record("apiUrl", out.APIURL)
		record("siteUrl", out.SiteURL)
		record("appInsightsName", out.AppInsightsName)
		record("functionAppName", out.FunctionApp)
		record("postgresHost", out.PostgresHost)
		record("keyVaultName", out.KeyVault)
		record("cosmosEndpoint", out.Cosmos)
		return nil
	}, pulumi.WithMocks("dtbase", stack, m), withConfig(cfg, secretKeys...))
	return &deployment{t: t, resources: m.resources, outputs: outputs}, err
}

// all returns the declared resources of a type.
func (d *deployment) all(typ string) []registered {
	var rs []registered
	for _, r := range d.resources {
		if r.Type == typ {
			rs = append(rs, r)
		}
	}
	return rs
}

// one returns the single resource of a type, failing when there is not exactly one.
func (d *deployment) one(typ string) registered {
	d.t.Helper()
	rs := d.all(typ)
	if len(rs) != 1 {
		d.t.Fatalf("want exactly one %s, got %d", typ, len(rs))
	}
	return rs[0]
}

// named returns the resource with a logical name.
func (d *deployment) named(name string) registered {
	d.t.Helper()
	for _, r := range d.resources {
		if r.Name == name {
			return r
		}
	}
	d.t.Fatalf("no resource named %q", name)
	return registered{}
}

// at walks a property path ("a.b.0.c"), looking through secrets; a missing step gives null.
func at(v resource.PropertyValue, path string) resource.PropertyValue {
	if path == "" {
		return v
	}
	for _, step := range strings.Split(path, ".") {
		for v.IsSecret() {
			v = v.SecretValue().Element
		}
		switch {
		case v.IsObject():
			v = v.ObjectValue()[resource.PropertyKey(step)]
		case v.IsArray():
			var i int
			if _, err := fmt.Sscanf(step, "%d", &i); err != nil || i >= len(v.ArrayValue()) {
				return resource.NewNullProperty()
			}
			v = v.ArrayValue()[i]
		default:
			return resource.NewNullProperty()
		}
	}
	return v
}

// get is at on a resource's inputs.
func (r registered) get(path string) resource.PropertyValue {
	return at(resource.NewObjectProperty(r.Inputs), path)
}

// str is the string (or JSON of anything else) at path, looking through secrets.
func (r registered) str(path string) string {
	v := r.get(path)
	for v.IsSecret() {
		v = v.SecretValue().Element
	}
	if v.IsString() {
		return v.StringValue()
	}
	b, _ := json.Marshal(v.Mappable())
	return string(b)
}

func (r registered) boolean(path string) (value, set bool) {
	v := r.get(path)
	if !v.IsBool() {
		return false, false
	}
	return v.BoolValue(), true
}

// wantStr asserts the string at path.
func (r registered) wantStr(t *testing.T, path, want string) {
	t.Helper()
	if got := r.str(path); got != want {
		t.Errorf("%s %s: %s = %q, want %q", r.Type, r.Name, path, got, want)
	}
}

// wantBool asserts that the bool at path is set to want.
func (r registered) wantBool(t *testing.T, path string, want bool) {
	t.Helper()
	if got, set := r.boolean(path); !set || got != want {
		t.Errorf("%s %s: %s = %v (set: %v), want %v", r.Type, r.Name, path, got, set, want)
	}
}
