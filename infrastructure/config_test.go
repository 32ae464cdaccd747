package main

import (
	"strings"
	"testing"
)

func TestConfigValidationErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     map[string]string
		secret  []string
		wantErr []string
	}{
		{"no location", map[string]string{}, nil, []string{"dtbase:location is required"}},
		{"bad location", map[string]string{"location": "uk-south!"}, nil, []string{"dtbase:location must be an Azure region name"}},
		{"prefix", map[string]string{"namePrefix": "DT_Base"}, nil, []string{"dtbase:namePrefix must be 2 to 8 lowercase letters or digits"}},
		{"suffix", map[string]string{"nameSuffix": "a"}, nil, []string{"dtbase:nameSuffix must be 4 to 6"}},
		{"memory", map[string]string{"instanceMemoryMB": "1000"}, nil, []string{"dtbase:instanceMemoryMB must be 512, 2048 or 4096"}},
		{"instances", map[string]string{"maximumInstanceCount": "0"}, nil, []string{"dtbase:maximumInstanceCount must be a whole number from 1 to 1000, got \"0\""}},
		{"not a number", map[string]string{"runLogTtlDays": "ninety"}, nil, []string{"dtbase:runLogTtlDays must be a whole number"}},
		{"not a bool", map[string]string{"deployPackage": "maybe"}, nil, []string{"dtbase:deployPackage must be true or false, got \"maybe\""}},
		{"postgres sku", map[string]string{"postgresSku": "B1ms"}, nil, []string{"dtbase:postgresSku must be a flexible server compute size"}},
		{"postgres storage", map[string]string{"postgresStorageGB": "100"}, nil, []string{"dtbase:postgresStorageGB must be one of 32, 64"}},
		{"postgres backup", map[string]string{"postgresBackupRetentionDays": "3"}, nil, []string{"dtbase:postgresBackupRetentionDays must be a whole number from 7 to 35"}},
		{"allowed ips: the whole internet", map[string]string{"postgresAllowedIps": `["0.0.0.0"]`}, nil, []string{"dtbase:postgresAllowedIps must list single IPv4 addresses"}},
		{"allowed ips: a range", map[string]string{"postgresAllowedIps": `["10.0.0.0/8"]`}, nil, []string{`got "10.0.0.0/8"`}},
		{"allowed ips: not a list", map[string]string{"postgresAllowedIps": `1.2.3.4`}, nil, []string{"dtbase:postgresAllowedIps must be a list of IPv4 addresses"}},
		{"admin", map[string]string{"postgresAdmin": `{"objectId":"me","type":"Robot"}`}, nil, []string{
			"objectId must be the principal's Entra object id", "name is required", "type must be User, Group or ServicePrincipal"}},
		{"cosmos names", map[string]string{"cosmosContainer": "runs/all"}, nil, []string{"dtbase:cosmosContainer must be letters"}},
		{"app setting for the handler's CORS", map[string]string{"appSettings": `{"DT_CORS_ORIGINS":"*"}`}, nil, []string{`"DT_CORS_ORIGINS" is managed by this program`}},
		{"swa region", map[string]string{"staticWebAppLocation": "uksouth"}, nil, []string{"dtbase:staticWebAppLocation must be one of the Static Web Apps regions"}},
		{"cors wildcard", map[string]string{"corsOrigins": `["*"]`}, nil, []string{"dtbase:corsOrigins must list https origins"}},
		{"cors http", map[string]string{"corsOrigins": `["http://dtbase.example.org"]`}, nil, []string{`got "http://dtbase.example.org"`}},
		{"app setting for the runtime", map[string]string{"appSettings": `{"FUNCTIONS_WORKER_RUNTIME":"custom"}`}, nil, []string{"not supported on Flex Consumption"}},
		{"app setting managed", map[string]string{"appSettings": `{"DT_DATABASE_URL":"postgres://x"}`}, nil, []string{"is managed by this program"}},
		{"app setting secret", map[string]string{"appSettings": `{"DT_OPENWEATHERMAP_APIKEY":"abc"}`}, nil, []string{"looks like a secret", "keep secrets in Key Vault"}},
		{"default user password in plain text", map[string]string{"defaultUserPassword": "a-long-enough-password"}, nil, []string{"pulumi config set --secret dtbase:defaultUserPassword"}},
		{"default user password too short", map[string]string{"defaultUserPassword": "short"}, []string{"defaultUserPassword"}, []string{"at least 12 characters"}},
		{"several at once", map[string]string{"instanceMemoryMB": "1", "staticWebAppLocation": "mars"}, nil, []string{"dtbase:instanceMemoryMB", "dtbase:staticWebAppLocation"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := map[string]string{"location": "uksouth", "packagePath": testPackage(t)}
			if tc.name == "no location" {
				delete(cfg, "location")
			}
			for k, v := range tc.cfg {
				cfg[k] = v
			}
			d, err := tryRun(t, "prod", cfg, tc.secret...)
			if err == nil {
				t.Fatal("want a configuration error")
			}
			msg := err.Error()
			if !strings.Contains(msg, "invalid stack configuration") {
				t.Errorf("error %q does not say the configuration is invalid", msg)
			}
			for _, want := range tc.wantErr {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q lacks %q", msg, want)
				}
			}
			if n := len(d.resources); n != 0 {
				t.Errorf("%d resources declared despite the invalid configuration", n)
			}
		})
	}
}

func TestConfigDefaultsAndFallbacks(t *testing.T) {
	cfg := map[string]string{"azure-native:location": "UK South", "packagePath": testPackage(t), "postgresSku": "Standard_D2ds_v5"}
	d := run(t, "prod", cfg)
	d.one("azure-native:resources:ResourceGroup").wantStr(t, "location", "uksouth")
	d.one("azure-native:dbforpostgresql:Server").wantStr(t, "sku.tier", "GeneralPurpose")
	d.one("azure-native:web:StaticSite").wantStr(t, "location", "westeurope")
	d.one("azure-native:dbforpostgresql:Server").wantStr(t, "storage.storageSizeGB", "32")
}

func TestNameBase(t *testing.T) {
	for _, tc := range []struct{ prefix, stack, want string }{
		{"dtbase", "prod", "dtbase-prod"},
		{"dtbase", "Org/Team.Prod_EU", "dtbase-org-tea"},
		{"dt", "a--b", "dt-a-b"},
		{"dtbase", "abcdefg-hij", "dtbase-abcdefg"}, // cut at 14
		{"dtbase", "abcdef-hij", "dtbase-abcdef"},   // cut at 14, trailing hyphen dropped
	} {
		if got := nameBase(tc.prefix, tc.stack); got != tc.want {
			t.Errorf("nameBase(%q, %q) = %q, want %q", tc.prefix, tc.stack, got, tc.want)
		}
		if got := nameBase(tc.prefix, tc.stack); len(got) > baseMaxLen || strings.HasSuffix(got, "-") {
			t.Errorf("nameBase(%q, %q) = %q breaks the length or hyphen rule", tc.prefix, tc.stack, got)
		}
	}
}
