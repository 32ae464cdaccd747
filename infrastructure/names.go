package main

import (
	"regexp"
	"strings"

	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// baseMaxLen bounds the stack-derived part of every name so the tightest limits hold with the
// six-character suffix: Key Vault "kv-<base>-<suffix>" <= 24, storage "st<base><suffix>" <= 24,
// and the Function App "func-<base>-<suffix>" <= 32, the length of the Functions host id (the host
// id is the app name cut at 32 characters; two apps sharing a host id share timer locks).
const baseMaxLen = 14

// Names are the physical names of the resources: derived from the name prefix and the stack, plus a
// suffix generated once per stack (kept in its state) that makes the globally unique names
// (storage, Key Vault, Function App, PostgreSQL, Cosmos DB) unique and lets a destroyed stack be
// recreated while soft-deleted Key Vault names are still reserved.
type Names struct {
	Base string // e.g. "dtbase-prod"; no trailing hyphen, at most baseMaxLen characters
	// Suffix is the per-stack random part.
	Suffix pulumi.StringOutput
}

var nonNameChars = regexp.MustCompile(`[^a-z0-9]+`)

// nameBase turns prefix and stack into the shared part of all names: lowercase letters, digits and
// single hyphens, at most baseMaxLen characters, never ending in a hyphen.
func nameBase(prefix, stack string) string {
	s := nonNameChars.ReplaceAllString(strings.ToLower(prefix+"-"+stack), "-")
	s = strings.Trim(s, "-")
	if len(s) > baseMaxLen {
		s = s[:baseMaxLen]
	}
	return strings.TrimRight(s, "-")
}

func newNames(ctx *pulumi.Context, c *Config) (*Names, error) {
	n := &Names{Base: nameBase(c.NamePrefix, ctx.Stack())}
	if c.NameSuffix != "" {
		n.Suffix = pulumi.String(c.NameSuffix).ToStringOutput()
		return n, nil
	}
	suffix, err := random.NewRandomString(ctx, "name-suffix", &random.RandomStringArgs{
		Length:  pulumi.Int(6),
		Upper:   pulumi.Bool(false),
		Special: pulumi.Bool(false),
		Lower:   pulumi.Bool(true),
		Numeric: pulumi.Bool(true),
	})
	if err != nil {
		return nil, err
	}
	n.Suffix = suffix.Result
	return n, nil
}

// dashed is "<kind>-<base>-<suffix>", e.g. func-dtbase-prod-x1y2z3.
func (n *Names) dashed(kind string) pulumi.StringOutput {
	return pulumi.Sprintf("%s-%s-%s", kind, n.Base, n.Suffix)
}

// compact is "<kind><base without hyphens><suffix>", for storage accounts (letters and digits only).
func (n *Names) compact(kind string) pulumi.StringOutput {
	return pulumi.Sprintf("%s%s%s", kind, strings.ReplaceAll(n.Base, "-", ""), n.Suffix)
}

func (n *Names) ResourceGroup() pulumi.StringOutput  { return n.dashed("rg") }
func (n *Names) LogAnalytics() pulumi.StringOutput   { return n.dashed("log") }
func (n *Names) AppInsights() pulumi.StringOutput    { return n.dashed("appi") }
func (n *Names) StorageAccount() pulumi.StringOutput { return n.compact("st") }
func (n *Names) Plan() pulumi.StringOutput           { return n.dashed("plan") }
func (n *Names) FunctionApp() pulumi.StringOutput    { return n.dashed("func") }
func (n *Names) KeyVault() pulumi.StringOutput       { return n.dashed("kv") }
func (n *Names) PostgresServer() pulumi.StringOutput { return n.dashed("psql") }
func (n *Names) CosmosAccount() pulumi.StringOutput  { return n.dashed("cosmos") }
func (n *Names) StaticWebApp() pulumi.StringOutput   { return n.dashed("swa") }
