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
// to clients that accept it, plain otherwise, once p has it; until then
// /verify/verifier.wasm answers 503 with Retry-After and the page waits.
// An embedded verifier is there from the first request.
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
			serveVerifier(w, r, a, f)
		default:
			http.NotFound(w, r)
		}
	})
}

// serveVerifier serves the module or its wasm_exec.js. The URL does not
// change when the node is upgraded, so browsers revalidate every time
// (no-cache) and get 304 while the SM3 in the ETag is unchanged: a page
// never runs an old verifier against a new node's app.js.
func serveVerifier(w http.ResponseWriter, r *http.Request, a *Artifacts, f string) {
	etag := `"` + a.SM3 + `"`
	if f == "wasm_exec.js" {
		etag = `"` + a.SM3 + `-js"`
	}
	h := w.Header()
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", etag)
	h.Set("X-Content-Type-Options", "nosniff")
	if f == "verifier.wasm" {
		h.Set("Vary", "Accept-Encoding")
	}
	if matchETag(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if f == "wasm_exec.js" {
		h.Set("Content-Type", "text/javascript; charset=utf-8")
		h.Set("Content-Length", strconv.Itoa(len(a.ExecJS)))
		w.Write(a.ExecJS)
		return
	}
	h.Set("Content-Type", "application/wasm")
	if acceptsGzip(r.Header.Values("Accept-Encoding")) {
		h.Set("Content-Encoding", "gzip")
		h.Set("Content-Length", strconv.Itoa(len(a.WasmGz)))
		w.Write(a.WasmGz)
		return
	}
	zr, err := gzip.NewReader(bytes.NewReader(a.WasmGz))
	if err != nil {
		http.Error(w, "the verifier on this node is damaged: "+err.Error(), http.StatusInternalServerError)
		return
	}
	h.Set("Content-Length", strconv.Itoa(a.Size))
	io.Copy(w, zr)
}

// acceptsGzip reads Accept-Encoding: gzip with a non-zero q, or, when
// gzip is not named, * with a non-zero q.
func acceptsGzip(values []string) bool {
	gzipQ, starQ := -1.0, -1.0
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			q := 1.0
			for _, p := range strings.Split(params, ";") {
				if k, val, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(strings.TrimSpace(k), "q") {
					if f, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
						q = f
					}
				}
			}
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "gzip", "x-gzip":
				gzipQ = q
			case "*":
				starQ = q
			}
		}
	}
	if gzipQ >= 0 {
		return gzipQ > 0
	}
	return starQ > 0
}

// matchETag reads If-None-Match: "*" or a list that holds etag (weak or not).
func matchETag(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
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
