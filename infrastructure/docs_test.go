package main

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// configKeys are the keys loadConfig reads, taken from its source.
func configKeys(t *testing.T) []string {
	t.Helper()
	src, err := os.ReadFile("config.go")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, m := range regexp.MustCompile(`(?:str|integer|boolean|object)\("([A-Za-z]+)"|":([A-Za-z]+)"\)`).FindAllSubmatch(src, -1) {
		k := string(m[1]) + string(m[2])
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	if len(keys) < 15 {
		t.Fatalf("found only %d config keys in config.go: %v", len(keys), keys)
	}
	return keys
}

// Every configuration key is documented in the README's stack configuration table and in the
// example stack file, and neither documents a key the program does not read.
func TestConfigKeysDocumented(t *testing.T) {
	keys := configKeys(t)
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	section := string(readme)
	if i := strings.Index(section, "### Stack configuration"); i >= 0 {
		section = section[i:]
		if j := strings.Index(section[3:], "\n### "); j >= 0 {
			section = section[:j+3]
		}
	} else {
		t.Fatal("README has no Stack configuration section")
	}
	var documented []string
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		first := strings.SplitN(line[1:], "|", 2)[0]
		for _, m := range regexp.MustCompile("`([A-Za-z]+)`").FindAllStringSubmatch(first, -1) {
			documented = append(documented, m[1])
		}
	}
	example, err := os.ReadFile("Pulumi.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var inExample []string
	for _, m := range regexp.MustCompile(`dtbase:([A-Za-z]+)`).FindAllStringSubmatch(string(example), -1) {
		inExample = append(inExample, m[1])
	}
	for _, k := range keys {
		if !slices.Contains(documented, k) {
			t.Errorf("config key %s is missing from the README's stack configuration table", k)
		}
		if !slices.Contains(inExample, k) {
			t.Errorf("config key %s is missing from Pulumi.example.yaml", k)
		}
	}
	for _, k := range documented {
		if !slices.Contains(keys, k) {
			t.Errorf("the README documents config key %s, which the program does not read", k)
		}
	}
	for _, k := range inExample {
		if !slices.Contains(keys, k) {
			t.Errorf("Pulumi.example.yaml sets config key %s, which the program does not read", k)
		}
	}
}
