package client_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govchain/govchain/chain/proof/bundle"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/contracts/certificate/certtypes"
	"github.com/govchain/govchain/contracts/credit/credittypes"
	"github.com/govchain/govchain/node/client"
)

// seen is what a fake node received: the documented route that matched and
// the request.
type seen struct {
	route string
	req   *http.Request
}

// emptyBundle is the canonical encoding of a bundle with nothing in it:
// the bundle routes' answers are decoded (bundle.Decode), and "null" is
// not a bundle.
const emptyBundle = `{"v":1,"chain_id":"","height":0,"block":null}`

// fakeNode serves every path of openapi.json with "null" (the bundle
// routes with emptyBundle) and records which route each request matched.
func fakeNode(t *testing.T) (*httptest.Server, []string, func() []seen) {
	t.Helper()
	raw, err := os.ReadFile("../openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	var mu sync.Mutex
	var got []seen
	var routes []string
	mux := http.NewServeMux()
	for path, methods := range doc.Paths {
		for m := range methods {
			route := strings.ToUpper(m) + " " + path
			routes = append(routes, route)
			mux.HandleFunc(route, func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				got = append(got, seen{route, r})
				mu.Unlock()
				w.Header().Set("Content-Type", "application/json")
				answer := "null"
				if strings.HasPrefix(path, "/v1/verify/bundle/") || strings.HasPrefix(path, "/v1/verify/prefix/") {
					answer = emptyBundle
				}
				_, _ = w.Write([]byte(answer))
			})
		}
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the client asked %s %s, which openapi.json does not document", r.Method, r.URL)
		http.NotFound(w, r)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	slices.Sort(routes)
	return srv, routes, func() []seen {
		mu.Lock()
		defer mu.Unlock()
		out := got
		got = nil
		return out
	}
}

// TestEveryRouteHasAMethod calls every route method once against a fake
// node serving openapi.json's paths: each call must reach the documented
// route it names, with its path parameters unescaped as given and the
// query it was asked for, and together the calls must cover every
// documented route.
func TestEveryRouteHasAMethod(t *testing.T) {
	srv, routes, take := fakeNode(t)
	c := client.New(srv.URL)
	ctx := context.Background()
	key, _ := smcrypto.GenerateKey()
	id := key.PublicKey().ID()
	hash := strings.Repeat("ab", 32)
	latest, at7 := client.At{}, client.At{Height: 7, Prove: true}
	calls := []struct {
		route string
		call  func() error
		path  map[string]string // want r.PathValue
		query string            // want r.URL.RawQuery
	}{
		{"GET /v1/status", func() error { _, err := c.Status(ctx); return err }, nil, ""},
		{"GET /v1/expiry", func() error { _, err := c.Expiry(ctx, "60d"); return err }, nil, "horizon=60d"},
		{"POST /v1/txs", func() error { _, err := c.Submit(ctx, []byte{1}, "commit"); return err }, nil, "wait=commit"},
		{"GET /v1/txs/{hash}", func() error { _, err := c.Tx(ctx, hash); return err }, map[string]string{"hash": hash}, ""},
		{"GET /v1/txs/{hash}/raw", func() error { _, err := c.TxRaw(ctx, hash); return err }, map[string]string{"hash": hash}, ""},
		{"GET /v1/state", func() error { _, err := c.State(ctx, "cert/params", 7, true); return err }, nil, "height=7&key=cert%2Fparams&prove=true"},
		{"GET /v1/accounts/{key_id}", func() error { _, err := c.Account(ctx, id); return err }, map[string]string{"key_id": id.String()}, ""},
		{"GET /v1/departments", func() error { _, err := c.DepartmentsPage(ctx, 10, "SCJG"); return err }, nil, "cursor=SCJG&limit=10"},
		{"GET /v1/messages", func() error { _, err := c.Messages(ctx); return err }, nil, ""},
		{"GET /v1/list", func() error { _, err := c.ListAt(ctx, "gov/prop/", "gov/prop/1", 5, 9); return err }, nil, "height=9&limit=5&prefix=gov%2Fprop%2F&start_after=gov%2Fprop%2F1"},
		{"GET /v1/certificates", func() error {
			_, err := c.Certificates(ctx, certtypes.Filter{Issuer: "SCJG", Type: "BL"}, client.Page{Number: 2})
			return err
		}, nil, "issuer=SCJG&page=2&type=BL"},
		{"GET /v1/certificates/{hash}", func() error { _, err := c.Certificate(ctx, hash, hash, at7); return err }, map[string]string{"hash": hash}, "batch=" + hash + "&height=7&prove=true"},
		{"GET /v1/recognition/{hash}", func() error { _, err := c.Recognition(ctx, hash, at7); return err }, map[string]string{"hash": hash}, "height=7&prove=true"},
		{"GET /v1/credit/subjects/{ref}", func() error {
			_, err := c.CreditSubject(ctx, "91350100M000100Y43", at7, client.Page{Limit: 3, Cursor: "4"})
			return err
		}, map[string]string{"ref": "91350100M000100Y43"}, "cursor=4&height=7&limit=3&prove=true"},
		{"GET /v1/credit/events/{id}", func() error { _, err := c.CreditEvent(ctx, "000000000001", latest); return err }, map[string]string{"id": "000000000001"}, ""},
		{"GET /v1/credit/blacklist", func() error {
			_, err := c.CreditList(ctx, credittypes.KindBlacklist, at7, client.Page{Number: 1})
			return err
		}, nil, "height=7&page=1&prove=true"},
		{"GET /v1/credit/redlist", func() error { _, err := c.CreditList(ctx, credittypes.KindRedlist, latest, client.Page{}); return err }, nil, ""},
		{"GET /v1/credit/departments/{dept}/events", func() error {
			_, err := c.CreditDeptEvents(ctx, "SCJG", "penalty", 0, client.Page{Limit: 2})
			return err
		}, map[string]string{"dept": "SCJG"}, "kind=penalty&limit=2"},
		{"GET /v1/credit/subjects/{ref}/grade", func() error {
			_, err := c.CreditGrade(ctx, "91350100M000100Y43", 2, at7)
			return err
		}, map[string]string{"ref": "91350100M000100Y43"}, "height=7&prove=true&rules_version=2"},
		{"GET /v1/credit/grades", func() error {
			_, err := c.CreditGrades(ctx, "D", at7, client.Page{Limit: 5, Cursor: "91350100M000100Y43"})
			return err
		}, nil, "class=D&cursor=91350100M000100Y43&height=7&limit=5&prove=true"},
		{"GET /v1/credit/rules", func() error { _, err := c.CreditRules(ctx, 1, at7); return err }, nil, "height=7&prove=true&version=1"},
		{"GET /v1/credit/alerts", func() error {
			_, err := c.CreditAlerts(ctx, "RSJ", latest, client.Page{Limit: 3})
			return err
		}, nil, "dept=RSJ&limit=3"},
		{"GET /v1/credit/departments/{dept}/watch", func() error { _, err := c.CreditWatch(ctx, "RSJ", 7); return err }, map[string]string{"dept": "RSJ"}, "height=7"},
		{"GET /v1/verify/bundle/{hash}", func() error {
			_, err := c.VerifyBundle(ctx, hash, client.VerifyOptions{Height: 7, TrustedHeight: 3, Batch: hash, Compact: true})
			return err
		}, map[string]string{"hash": hash}, "batch=" + hash + "&compact=true&height=7&trusted_height=3"},
		{"GET /v1/verify/prefix/{hexprefix}", func() error { _, err := c.VerifyPrefix(ctx, "abcd", client.VerifyOptions{}); return err }, map[string]string{"hexprefix": "abcd"}, ""},
		{"GET /v1/verify/trust", func() error { _, err := c.VerifyTrust(ctx, 12, 720*time.Hour); return err }, nil, "height=12&trusting_period=720h0m0s"},
		{"GET /v1/verify/peers", func() error { _, err := c.VerifyPeers(ctx); return err }, nil, ""},
		{"GET /openapi.json", func() error { _, err := c.OpenAPI(ctx); return err }, nil, ""},
		{"GET /v1/events", func() error {
			_, err := c.Events(ctx, "12.3", client.EventFilter{Module: []string{"credit"}, Dept: []string{"SCJG"}}, 50)
			return err
		}, nil, "after=12.3&filter=module%3Dcredit%2Cdept%3DSCJG&limit=50"},
		{"GET /v1/events/stream", func() error {
			return c.StreamEvents(ctx, "12", client.EventFilter{Type: []string{"credit.recorded"}}, func(client.Event) error { return nil }, nil)
		}, nil, "filter=type%3Dcredit.recorded"},
		{"GET /v1/events/{cursor}/proof", func() error { _, err := c.EventProof(ctx, "12.3"); return err }, map[string]string{"cursor": "12.3"}, ""},
		{"GET /v1/catalog/departments/{dept}", func() error {
			_, err := c.CatalogDepartment(ctx, "SCJG", at7, client.Page{Limit: 1000, Cursor: "x"})
			return err
		}, map[string]string{"dept": "SCJG"}, "cursor=x&height=7&limit=1000&prove=true"},
		{"GET /v1/catalog/duties/{id}", func() error { _, err := c.CatalogDuty(ctx, "SCJG:SCJG-ZZ-001", latest); return err }, map[string]string{"id": "SCJG:SCJG-ZZ-001"}, ""},
		{"GET /v1/catalog/resources/{code}", func() error { _, err := c.CatalogResource(ctx, "110108-SCJG-0001", latest, client.Page{}); return err }, map[string]string{"code": "110108-SCJG-0001"}, ""},
		{"GET /v1/catalog/tables/{id}", func() error { _, err := c.CatalogTable(ctx, "SCJG:qy.db.t", latest); return err }, map[string]string{"id": "SCJG:qy.db.t"}, ""},
		{"GET /v1/catalog/items/{key}", func() error { _, err := c.CatalogItem(ctx, "企业.统一社会信用代码", latest); return err }, map[string]string{"key": "企业.统一社会信用代码"}, ""},
		{"GET /v1/catalog/items/{key}/chain", func() error { _, err := c.CatalogItemChain(ctx, "企业.名称", latest, client.Page{}); return err }, map[string]string{"key": "企业.名称"}, ""},
		{"GET /v1/catalog/attestations/{id}", func() error { _, err := c.CatalogAttestation(ctx, "AT00000001", latest); return err }, map[string]string{"id": "AT00000001"}, ""},
		{"GET /v1/catalog/disputes", func() error { _, err := c.CatalogDisputes(ctx, latest, client.Page{}); return err }, nil, ""},
		{"GET /v1/catalog/sharing", func() error {
			_, err := c.CatalogSharing(ctx, "pending", "ZWFW", latest, client.Page{Limit: 4})
			return err
		}, nil, "dept=ZWFW&limit=4&state=pending"},
		{"GET /v1/catalog/sharing/{id}", func() error { _, err := c.CatalogShare(ctx, "SQ00000001", latest, client.Page{}); return err }, map[string]string{"id": "SQ00000001"}, ""},
		{"GET /v1/catalog/deliveries/{id}", func() error { _, err := c.CatalogDelivery(ctx, "DL00000001", latest); return err }, map[string]string{"id": "DL00000001"}, ""},
		{"GET /v1/catalog/history/{kind}/{id}", func() error {
			_, err := c.CatalogHistory(ctx, "table", "SCJG:a/b c", latest, client.Page{})
			return err
		}, map[string]string{"kind": "table", "id": "SCJG:a/b c"}, ""},
	}
	covered := map[string]bool{}
	for _, tc := range calls {
		if err := tc.call(); err != nil {
			t.Errorf("%s: %v", tc.route, err)
			continue
		}
		got := take()
		if len(got) != 1 {
			t.Errorf("%s: the node got %d requests, want 1", tc.route, len(got))
			continue
		}
		g := got[0]
		if g.route != tc.route {
			t.Errorf("the call meant for %s reached %s (%s)", tc.route, g.route, g.req.URL)
			continue
		}
		covered[g.route] = true
		for k, want := range tc.path {
			if v := g.req.PathValue(k); v != want {
				t.Errorf("%s: {%s} = %q, want %q (%s)", tc.route, k, v, want, g.req.URL.EscapedPath())
			}
		}
		if g.req.URL.RawQuery != tc.query {
			t.Errorf("%s: query %q, want %q", tc.route, g.req.URL.RawQuery, tc.query)
		}
	}
	for _, r := range routes {
		if !covered[r] {
			t.Errorf("documented route %s has no client method (or its call above is wrong)", r)
		}
	}
}

// TestPagesFollowed: the methods that read a whole list follow
// next_cursor at the first page's height.
func TestPagesFollowed(t *testing.T) {
	var mu sync.Mutex
	var queries []string
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/credit/subjects/{ref}", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		queries = append(queries, r.URL.RawQuery)
		mu.Unlock()
		page := client.CreditProfileResult{Ref: r.PathValue("ref"), Height: 40}
		switch r.URL.Query().Get("cursor") {
		case "":
			page.NextCursor = "1"
			page.Profile = &credittypes.Profile{History: make([]credittypes.EventView, 1)}
		case "1":
			page.From = 1
			page.Profile = &credittypes.Profile{History: make([]credittypes.EventView, 2)}
		}
		_ = json.NewEncoder(w).Encode(page)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	r, err := client.New(srv.URL).CreditProfile(context.Background(), "REF", 0, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Profile.History) != 3 || r.NextCursor != "" {
		t.Fatalf("joined %d events, next %q; want 3 and none", len(r.Profile.History), r.NextCursor)
	}
	want := []string{"limit=1000&prove=true", "cursor=1&height=40&limit=1000&prove=true"}
	if !slices.Equal(queries, want) {
		t.Fatalf("queries %q, want %q", queries, want)
	}
}

// TestBundleAnswers: the bundle routes decode the node's answer as a
// bundle, and an altered one (not in canonical form) is a *bundle.Error at
// step decode — a failed verification, not a network error.
func TestBundleAnswers(t *testing.T) {
	answer := ""
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(answer))
	}))
	defer srv.Close()
	c := client.New(srv.URL)
	ctx := context.Background()
	hash := strings.Repeat("ab", 32)
	answer = `{"v":1,"chain_id":"c","height":7,"hash":"` + hash + `","record":"AQI=","block":"Aw=="}` + "\n"
	b, err := c.VerifyBundle(ctx, hash, client.VerifyOptions{})
	if err != nil || b.ChainID != "c" || b.Height != 7 || b.Hash != hash || string(b.Record) != "\x01\x02" || string(b.Block) != "\x03" {
		t.Fatalf("canonical bundle: %+v, %v", b, err)
	}
	for _, bad := range []string{
		`{"v":1,"chain_id":"c","height":7,"hash":"` + hash + `","record":"AQI=","block":"Aw==","extra":1}`, // unknown field
		`{"chain_id":"c","v":1,"height":7,"block":"Aw=="}`,                                                 // fields out of order
		`{"v":1,"chain_id":"c","height":7,"block":"Aw"}`,                                                   // unpadded base64
		`null`,
	} {
		answer = bad
		if _, err := c.VerifyPrefix(ctx, "abcd", client.VerifyOptions{}); bundle.StepOf(err) != bundle.StepDecode {
			t.Errorf("%s: got %v, want a failure at step %s", bad, err, bundle.StepDecode)
		}
	}
	answer = `{"chain_id":"c","height":12,"hash":"AB","time":"t","trusting_period":"720h","block":"Aw=="}`
	tr, err := c.VerifyTrust(ctx, 12, 0)
	if err != nil || tr.ChainID != "c" || tr.Height != 12 || tr.Hash != "AB" || string(tr.Block) != "\x03" {
		t.Fatalf("trust root: %+v, %v", tr, err)
	}
}
