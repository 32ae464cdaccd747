package cosmosruns

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dtbase-go/dtbase/dbcore/dbtest"
)

// TestMain gives the tests a throwaway PostgreSQL cluster. The Cosmos DB emulator starts with the
// first test that needs it and stops when the test binary exits: it exits when its standard input,
// a pipe from this process, closes (dbtest.Main ends the process with os.Exit, after which no
// deferred call runs).
func TestMain(m *testing.M) { dbtest.Main(m) }

// emulatorDir holds the emulator's npm manifest, lockfile and launcher.
var emulatorDir = filepath.Join("..", "..", "scripts", "cosmos-emulator")

// emulatorKey is any base64 key: the emulator checks no signature.
var emulatorKey = base64.StdEncoding.EncodeToString([]byte("dtbase-cosmos-emulator-test-key"))

var emu struct {
	once     sync.Once
	endpoint string
	client   *http.Client
	err      error
	stderr   *tailBuffer
	// cmd and stdin stay referenced for the life of the process: a collected pipe would close and
	// stop the emulator.
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

// emulator returns the endpoint of the package's Cosmos DB emulator and an HTTP client that trusts
// its certificate, starting it on first use. It fails the test when Node.js or npm is missing: CI
// runs these tests.
func emulator(t *testing.T) (endpoint string, client *http.Client) {
	t.Helper()
	emu.once.Do(func() { emu.endpoint, emu.client, emu.err = startEmulator() })
	if emu.err != nil {
		t.Fatalf("Cosmos DB emulator: %v", emu.err)
	}
	return emu.endpoint, emu.client
}

// emulatorLog is what the emulator wrote to its standard error lately, for failure messages.
func emulatorLog() string {
	if emu.stderr == nil {
		return ""
	}
	return emu.stderr.String()
}

func startEmulator() (string, *http.Client, error) {
	dir, err := filepath.Abs(emulatorDir)
	if err != nil {
		return "", nil, err
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return "", nil, errors.New("node is not installed: these tests run the Cosmos DB emulator " +
			"@vercel/cosmosdb-server on Node.js 20 or later with npm (Debian: apt-get install nodejs npm)")
	}
	if err := checkNodeVersion(node); err != nil {
		return "", nil, err
	}
	if err := npmInstall(dir); err != nil {
		return "", nil, err
	}
	certPEM, keyPEM, pool, err := selfSignedCert()
	if err != nil {
		return "", nil, err
	}

	cmd := exec.Command(node, "server.js")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "COSMOS_EMULATOR_CERT="+string(certPEM), "COSMOS_EMULATOR_KEY="+string(keyPEM),
		"COSMOS_EMULATOR_HOST=127.0.0.1", "COSMOS_EMULATOR_PORT=0")
	// The pipe stays open for the life of this process; the emulator exits when it closes.
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return "", nil, err
	}
	emu.cmd, emu.stdin = cmd, stdin
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	emu.stderr = &tailBuffer{max: 16 << 10}
	cmd.Stderr = emu.stderr
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("start %s server.js in %s: %w", node, dir, err)
	}
	fail := func(err error) (string, *http.Client, error) {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return "", nil, fmt.Errorf("%w\nemulator output:\n%s", err, emu.stderr.String())
	}

	portc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if p, ok := strings.CutPrefix(sc.Text(), "listening "); ok {
				portc <- p
			}
		}
		close(portc)
	}()
	var port string
	select {
	case p, ok := <-portc:
		if !ok {
			return fail(errors.New("the emulator exited before it listened"))
		}
		port = p
	case <-time.After(60 * time.Second):
		return fail(errors.New("the emulator did not listen within 60 s"))
	}
	if _, err := strconv.Atoi(port); err != nil {
		return fail(fmt.Errorf("the emulator printed a bad port %q", port))
	}
	endpoint := "https://" + net.JoinHostPort("127.0.0.1", port) + "/"

	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	transport.Proxy = nil
	client := &http.Client{Transport: transport, Timeout: 30 * time.Second}

	// Wait until it answers the account request, as every client's first request is.
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := client.Get(endpoint)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return endpoint, client, nil
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		if time.Now().After(deadline) {
			return fail(fmt.Errorf("the emulator at %s does not answer: %w", endpoint, err))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func checkNodeVersion(node string) error {
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		return fmt.Errorf("%s --version: %w", node, err)
	}
	v := strings.TrimPrefix(strings.TrimSpace(string(out)), "v")
	major, _, _ := strings.Cut(v, ".")
	if n, err := strconv.Atoi(major); err != nil || n < 20 {
		return fmt.Errorf("node %s is too old: the Cosmos DB emulator @vercel/cosmosdb-server needs Node.js 20 or later", v)
	}
	return nil
}

// npmInstall installs the emulator's packages from the lockfile when they are missing or older
// than the lockfile.
func npmInstall(dir string) error {
	installed, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json"))
	lock, lerr := os.Stat(filepath.Join(dir, "package-lock.json"))
	if lerr != nil {
		return fmt.Errorf("the emulator's lockfile: %w", lerr)
	}
	if _, serr := os.Stat(filepath.Join(dir, "node_modules", "@vercel", "cosmosdb-server", "package.json")); err == nil &&
		serr == nil && !installed.ModTime().Before(lock.ModTime()) {
		return nil
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return errors.New("npm is not installed: these tests install the Cosmos DB emulator " +
			"@vercel/cosmosdb-server with npm (Debian: apt-get install npm)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("npm ci in %s: %w\n%s", dir, err, out)
	}
	return nil
}

// selfSignedCert makes a certificate for 127.0.0.1 and localhost, and a pool that trusts only it.
func selfSignedCert() (certPEM, keyPEM []byte, pool *x509.CertPool, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "dtbase Cosmos DB emulator (tests)"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(48 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, nil, err
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, nil, err
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), pool, nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf bytes.Buffer
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if over := b.buf.Len() - b.max; over > 0 {
		b.buf.Next(over)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
