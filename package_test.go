package main

import (
	"archive/zip"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestPackageLayout runs `make package` and checks the staged app against the custom-handler layout:
// host.json and the handler at the root, one folder per function with its function.json, the
// handler executable (also inside the zip).
func TestPackageLayout(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the handler for linux/amd64")
	}
	out, err := exec.Command("scripts/package.sh").CombinedOutput()
	if err != nil {
		t.Fatalf("package.sh: %v\n%s", err, out)
	}
	var host struct {
		CustomHandler struct {
			Description struct {
				DefaultExecutablePath string `json:"defaultExecutablePath"`
			} `json:"description"`
			EnableForwardingHTTPRequest bool `json:"enableForwardingHttpRequest"`
		} `json:"customHandler"`
		Extensions struct {
			HTTP struct {
				RoutePrefix string `json:"routePrefix"`
			} `json:"http"`
		} `json:"extensions"`
		ExtensionBundle struct {
			Version string `json:"version"`
		} `json:"extensionBundle"`
	}
	data, err := os.ReadFile("build/app/host.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &host); err != nil {
		t.Fatal(err)
	}
	if host.CustomHandler.Description.DefaultExecutablePath != "handler" || !host.CustomHandler.EnableForwardingHTTPRequest ||
		host.Extensions.HTTP.RoutePrefix != "api" || host.ExtensionBundle.Version != "[4.*, 5.0.0)" {
		t.Errorf("host.json = %+v", host)
	}
	fi, err := os.Stat("build/app/handler")
	if err != nil || fi.Mode()&0o111 == 0 {
		t.Fatalf("handler missing or not executable: %v", err)
	}
	sources, _ := filepath.Glob("functions/*/function.json")
	if len(sources) < 7 {
		t.Fatalf("only %d functions", len(sources))
	}
	want := map[string]bool{"host.json": true, "handler": true}
	for _, src := range sources {
		name := filepath.Base(filepath.Dir(src))
		staged := filepath.Join("build/app", name, "function.json")
		var fn struct {
			Bindings []struct {
				Type, Direction, AuthLevel, Route string
			} `json:"bindings"`
		}
		data, err := os.ReadFile(staged)
		if err != nil {
			t.Fatalf("function %s not staged: %v", name, err)
		}
		if err := json.Unmarshal(data, &fn); err != nil {
			t.Fatalf("%s: %v", staged, err)
		}
		switch {
		case len(fn.Bindings) == 1 && fn.Bindings[0].Type == "timerTrigger":
		// Forwarding applies only to functions that are exactly httpTrigger in and http out.
		case len(fn.Bindings) != 2 || fn.Bindings[0].Type != "httpTrigger" || fn.Bindings[0].AuthLevel != "anonymous" ||
			fn.Bindings[0].Route == "" || fn.Bindings[1].Type != "http" || fn.Bindings[1].Direction != "out":
			t.Errorf("%s bindings = %+v", name, fn.Bindings)
		}
		want[name+"/function.json"] = true
	}
	zr, err := zip.OpenReader("build/dtbase-functions.zip")
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name == "handler" && f.Mode()&0o111 == 0 {
			t.Error("handler lost its exec bit in the zip")
		}
		delete(want, f.Name)
	}
	if len(want) > 0 {
		t.Errorf("zip lacks %v", want)
	}
}
