package web

import (
	"bytes"
	"compress/gzip"
	"embed"
	"io"
	"net/http"
	"strconv"
	"strings"
)

//go:embed assets
var assets embed.FS

// Register serves the page on mux: GET /verify and its files. The
// WebAssembly module is served gzip-compressed (Content-Encoding: gzip)
// once p has it; until then /verify/verifier.wasm answers 503 with
// Retry-After and the page waits.
func Register(mux *http.ServeMux, p *Provider) {
	mux.HandleFunc("GET /verify", func(w http.ResponseWriter, r *http.Request) {
		p.Start()
		serveAsset(w, "index.html", "text/html; charset=utf-8")
	})
	mux.HandleFunc("GET /verify/{file}", func(w http.ResponseWriter, r *http.Request) {
		switch f := r.PathValue("file"); f {
		case "app.js":
			serveAsset(w, f, "text/javascript; charset=utf-8")
		case "style.css":
			serveAsset(w, f, "text/css; charset=utf-8")
		case "wasm_exec.js", "verifier.wasm":
			p.Start()
			a, err := p.Ready()
			if a == nil {
				w.Header().Set("Retry-After", "3")
				msg := "the verifier is being built on this node (first use; about a minute)"
				if err != nil {
					msg = "the verifier is not available on this node: " + err.Error()
				}
				http.Error(w, msg, http.StatusServiceUnavailable)
				return
			}
			w.Header().Set("Cache-Control", "public, max-age=3600")
			w.Header().Set("ETag", `"`+a.Key+`"`)
			if f == "wasm_exec.js" {
				w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
				w.Write(a.ExecJS)
				return
			}
			w.Header().Set("Content-Type", "application/wasm")
			w.Header().Set("Vary", "Accept-Encoding")
			if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
				w.Header().Set("Content-Encoding", "gzip")
				w.Header().Set("Content-Length", strconv.Itoa(len(a.WasmGz)))
				w.Write(a.WasmGz)
				return
			}
			zr, err := gzip.NewReader(bytes.NewReader(a.WasmGz))
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			io.Copy(w, zr)
		default:
			http.NotFound(w, r)
		}
	})
}

func serveAsset(w http.ResponseWriter, name, ctype string) {
	b, err := assets.ReadFile("assets/" + name)
	if err != nil {
		http.NotFound(w, nil)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(b)
}
