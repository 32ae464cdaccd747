package handlers

import (
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path"
	"strings"
)

// staticSite serves the built web app (frontend/dist) when DT_FRONTEND_DIR names it, so that one
// process gives the whole platform locally. Under Azure, Static Web Apps serves the site instead
// and DT_FRONTEND_DIR stays unset. It follows the site's staticwebapp.config.json as Static Web
// Apps would: its globalHeaders (CSP and other security headers) on every file, the headers of
// the routes that match, and the navigation fallback to index.html for paths that name no file.
type staticSite struct {
	fsys    fs.FS
	headers map[string]string
	routes  []staticRoute
}

type staticRoute struct {
	Route   string            `json:"route"`
	Headers map[string]string `json:"headers"`
}

// newStaticSite reads dir's staticwebapp.config.json if there is one; a missing or unreadable
// config leaves the site without extra headers (and is logged).
func newStaticSite(dir string, log *slog.Logger) *staticSite {
	st := &staticSite{fsys: os.DirFS(dir)}
	data, err := fs.ReadFile(st.fsys, "staticwebapp.config.json")
	if err == nil {
		var cfg struct {
			GlobalHeaders map[string]string `json:"globalHeaders"`
			Routes        []staticRoute     `json:"routes"`
		}
		if err = json.Unmarshal(data, &cfg); err == nil {
			st.headers, st.routes = cfg.GlobalHeaders, cfg.Routes
		}
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		log.Warn("web app: cannot use staticwebapp.config.json", "dir", dir, "err", err)
	}
	if _, err := fs.Stat(st.fsys, "index.html"); err != nil {
		log.Warn("web app: no index.html; build it with scripts/frontend-build.sh", "dir", dir)
	}
	return st
}

// ServeHTTP answers GET and HEAD for files of the site, and index.html for other paths.
func (st *staticSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := path.Clean("/" + r.URL.Path)
	name := strings.TrimPrefix(p, "/")
	if name == "" || name == "index.html" {
		st.serveIndex(w, r)
		return
	}
	if name != "staticwebapp.config.json" {
		if f, err := st.fsys.Open(name); err == nil {
			defer f.Close()
			if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
				if rs, ok := f.(readSeeker); ok {
					st.setHeaders(w, p)
					if strings.HasSuffix(name, ".map") {
						w.Header().Set("Content-Type", "application/json")
					}
					http.ServeContent(w, r, fi.Name(), fi.ModTime(), rs)
					return
				}
			}
		}
	}
	// A path that names a file (an extension, or under /assets/) is a missing file; any other path
	// is a page of the app, which index.html routes in the browser.
	if strings.HasPrefix(p, "/assets/") || strings.Contains(path.Base(p), ".") {
		writeDetail(w, http.StatusNotFound, "Not Found")
		return
	}
	st.serveIndex(w, r)
}

type readSeeker interface {
	Read([]byte) (int, error)
	Seek(int64, int) (int64, error)
}

func (st *staticSite) serveIndex(w http.ResponseWriter, r *http.Request) {
	data, err := fs.ReadFile(st.fsys, "index.html")
	if err != nil {
		// Not built: keep answering the host's readiness probe at /.
		writeDetail(w, http.StatusOK, "DTBase handler running (web app not built)")
		return
	}
	st.setHeaders(w, "/index.html")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(data) //nolint:errcheck
	}
}

// setHeaders applies the global headers, then those of the routes matching p ("/assets/*" matches
// by prefix, other routes exactly).
func (st *staticSite) setHeaders(w http.ResponseWriter, p string) {
	for k, v := range st.headers {
		w.Header().Set(k, v)
	}
	for _, rt := range st.routes {
		if prefix, ok := strings.CutSuffix(rt.Route, "*"); (ok && strings.HasPrefix(p, prefix)) || rt.Route == p {
			for k, v := range rt.Headers {
				w.Header().Set(k, v)
			}
		}
	}
}

// isAPIPath reports whether p is under the API prefix, which the web app never answers.
func isAPIPath(p string) bool { return p == apiPrefix || strings.HasPrefix(p, apiPrefix+"/") }
