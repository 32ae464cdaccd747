// Package pgcluster starts a local PostgreSQL cluster from the machine's server binaries. It serves
// local development (`make run`) and the test harness; production connects to a managed server.
package pgcluster

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Cluster is a running local PostgreSQL cluster.
type Cluster struct {
	Dir  string // data directory
	Port int
	bin  string
	asPG bool   // run the server binaries as the postgres OS user (we are root)
	opts string // server options, kept for Resume
}

// URL returns a connection URL for database name on the cluster, as the superuser postgres over TCP.
func (c *Cluster) URL(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.Port, name)
}

// FindBinaries returns the directory holding initdb and pg_ctl: PG_BIN when set, else the newest
// /usr/lib/postgresql/<version>/bin, else the directory of initdb on PATH.
func FindBinaries() (string, error) {
	if dir := os.Getenv("PG_BIN"); dir != "" {
		return dir, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("no PostgreSQL server binaries found: install them (Debian: apt-get install postgresql) or set PG_BIN")
}

func version(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

// Start initialises dir when it holds no cluster yet and starts a server on port (0 picks a free
// one). A cluster already running in dir is reused. Settings in fast trade durability for speed and
// suit throwaway test clusters only.
func Start(dir string, port int, fast bool) (*Cluster, error) {
	bin, err := FindBinaries()
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: dir, bin: bin, asPG: os.Geteuid() == 0}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create cluster directory: %w", err)
	}
	if c.asPG {
		if err := chownToPostgres(dir); err != nil {
			return nil, err
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "PG_VERSION")); err != nil {
		if out, err := c.run("initdb", "-D", dir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"); err != nil {
			return nil, fmt.Errorf("initdb: %w: %s", err, out)
		}
	}
	if p, ok := runningPort(dir); ok {
		c.Port = p
		return c, nil
	}
	if port == 0 {
		if port, err = freePort(); err != nil {
			return nil, err
		}
	}
	c.Port = port
	c.opts = fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c max_connections=200 -c timezone=UTC", port, dir)
	if fast {
		c.opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=256MB"
	}
	return c, c.Resume()
}

// Resume starts the server again after Stop, on the same port with the same settings.
func (c *Cluster) Resume() error {
	if out, err := c.run("pg_ctl", "-D", c.Dir, "-l", filepath.Join(c.Dir, "server.log"), "-o", c.opts, "-w", "-t", "60", "start"); err != nil {
		return fmt.Errorf("pg_ctl start: %w: %s", err, out)
	}
	return nil
}

// Stop shuts the server down quickly.
func (c *Cluster) Stop() error {
	if out, err := c.run("pg_ctl", "-D", c.Dir, "-m", "fast", "-w", "stop"); err != nil {
		return fmt.Errorf("pg_ctl stop: %w: %s", err, out)
	}
	return nil
}

func (c *Cluster) run(name string, args ...string) ([]byte, error) {
	path := filepath.Join(c.bin, name)
	var cmd *exec.Cmd
	if c.asPG {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	cmd.Dir = os.TempDir()
	return cmd.CombinedOutput()
}

// runningPort reports the port of a live server whose postmaster.pid is in dir.
func runningPort(dir string) (int, bool) {
	data, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		return 0, false
	}
	lines := strings.Split(string(data), "\n")
	if len(lines) < 4 {
		return 0, false
	}
	port, err := strconv.Atoi(strings.TrimSpace(lines[3]))
	if err != nil {
		return 0, false
	}
	conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
	if err != nil {
		return 0, false
	}
	conn.Close()
	return port, true
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// chownToPostgres hands dir, and each parent up to a world-searchable one, to the postgres user.
func chownToPostgres(dir string) error {
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("look up the postgres OS user (install the PostgreSQL server package): %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return fmt.Errorf("chown cluster directory: %w", err)
	}
	// postgres must be able to reach dir: make the parents searchable.
	for p := filepath.Dir(dir); p != "/" && p != "."; p = filepath.Dir(p) {
		if fi, err := os.Stat(p); err == nil && fi.Mode().Perm()&0o001 == 0 {
			_ = os.Chmod(p, fi.Mode().Perm()|0o011)
		}
	}
	return nil
}
