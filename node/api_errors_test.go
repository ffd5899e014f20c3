package node_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/node"
)

func errorsAPI(t *testing.T) *httptest.Server {
	c := chaintest.New(t, chaintest.Options{})
	rpc := &mempoolRPC{app: c.App, checked: make(chan uint32, 100)}
	srv := httptest.NewServer((&node.API{App: c.App, RPC: rpc, MaxBody: 1 << 20}).Handler())
	t.Cleanup(srv.Close)
	return srv
}

// call sends a request and decodes the JSON error body; it fails the test
// if the answer is not one.
func call(t *testing.T, method, url, body string) (int, http.Header, node.Error) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	raw, _ := io.ReadAll(r.Body)
	var e node.Error
	if err := json.Unmarshal(raw, &e); err != nil || e.Message == "" || r.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("%s %s: HTTP %d, not a JSON error body: %q (%s)", method, url, r.StatusCode, raw, r.Header.Get("Content-Type"))
	}
	return r.StatusCode, r.Header, e
}

// TestUnknownRouteAndMethodAnswerJSON: an unknown path is 404 and a known
// path with another method 405 (with Allow), both in the JSON error body.
func TestUnknownRouteAndMethodAnswerJSON(t *testing.T) {
	srv := errorsAPI(t)
	for _, p := range []string{"/v1/nope", "/", "/v1/catalog/items/a/b/c"} {
		st, _, e := call(t, "GET", srv.URL+p, "")
		if st != 404 || e.Codespace != "api" || e.Code != 404 {
			t.Errorf("GET %s: HTTP %d %+v", p, st, e)
		}
	}
	for _, tc := range []struct{ method, path, allow string }{
		{"POST", "/v1/status", "GET, HEAD"},
		{"GET", "/v1/txs", "POST"},
		{"DELETE", "/v1/txs/" + strings.Repeat("0", 64), "GET, HEAD"},
		{"PUT", "/v1/catalog/departments/SCJG", "GET, HEAD"},
	} {
		st, h, e := call(t, tc.method, srv.URL+tc.path, "")
		if st != 405 || e.Code != 405 || h.Get("Allow") != tc.allow || !strings.Contains(e.Message, tc.method) {
			t.Errorf("%s %s: HTTP %d %+v Allow %q, want 405 allowing %s", tc.method, tc.path, st, e, h.Get("Allow"), tc.allow)
		}
	}
}

// TestSubmitRefusesUnknownFieldsAndTrailingData: a misspelt field or a
// second value after the body is a 400, not an empty tx or ignored bytes.
func TestSubmitRefusesUnknownFieldsAndTrailingData(t *testing.T) {
	srv := errorsAPI(t)
	for _, tc := range []struct{ body, mention string }{
		{`{"tx":"AQ==","wait":"commit"}`, `unknown field "wait"`},
		{`{"Tx":"AQ==","txx":"AQ=="}`, `unknown field "txx"`},
		{`{"tx":"AQ=="} {"tx":"AQ=="}`, "trailing data"},
		{`{"tx":"AQ=="}x`, "trailing data"},
	} {
		st, _, e := call(t, "POST", srv.URL+"/v1/txs", tc.body)
		if st != 400 || !strings.Contains(e.Message, tc.mention) {
			t.Errorf("body %s: HTTP %d %+v, want 400 mentioning %s", tc.body, st, e, tc.mention)
		}
	}
}
