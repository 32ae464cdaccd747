// Command localdb starts (or reuses) the local development PostgreSQL cluster and prints the URL of
// its dtbase database. `make run` uses it when DT_DATABASE_URL is unset.
//
//	go run ./scripts/localdb [-dir .data/postgres] [-port 54329]
//	go run ./scripts/localdb -stop
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dtbase-go/dtbase/dbcore"
	"github.com/dtbase-go/dtbase/dbcore/pgcluster"
)

func main() {
	dir := flag.String("dir", ".data/postgres", "cluster data directory")
	port := flag.Int("port", 54329, "port for a newly started server")
	stop := flag.Bool("stop", false, "stop the cluster instead")
	flag.Parse()
	if err := run(*dir, *port, *stop); err != nil {
		fmt.Fprintln(os.Stderr, "localdb:", err)
		os.Exit(1)
	}
}

func run(dir string, port int, stop bool) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	c, err := pgcluster.Start(abs, port, false)
	if err != nil {
		return err
	}
	if stop {
		return c.Stop()
	}
	url := c.URL("dtbase")
	if err := dbcore.EnsureDatabase(context.Background(), url); err != nil {
		return err
	}
	fmt.Println(url)
	return nil
}
