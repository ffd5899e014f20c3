package node_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/chain/tx"
	"github.com/govchain/govchain/contracts/certificate/certtypes"
	"github.com/govchain/govchain/node"
	"github.com/govchain/govchain/node/client"
)

// TestTxRawAndOctetStream: a tx POSTed as application/octet-stream is
// committed, and GET /v1/txs/{hash}/raw gives back its exact bytes (JSON
// and binary) with parts that check: unsigned || uvarint(len sig) || sig,
// sign_bytes = SM3(domain || unsigned), the signature over sign_bytes.
func TestTxRawAndOctetStream(t *testing.T) {
	n, net := startOne(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	base := "http://" + n.APIAddr()
	admin, err := net.DeptKey(0)
	if err != nil {
		t.Fatal(err)
	}
	s, err := client.NewSigner(ctx, net.Client(0), net.ChainID, admin)
	if err != nil {
		t.Fatal(err)
	}
	officer, _ := smcrypto.GenerateKey()
	msg, err := s.RegisterAccount(officer, "王<芳>")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := s.Build(identity.MsgRegisterAccount, msg)
	if err != nil {
		t.Fatal(err)
	}
	r, err := http.Post(base+"/v1/txs?wait=commit", "application/octet-stream", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var res node.SubmitResult
	json.NewDecoder(r.Body).Decode(&res)
	r.Body.Close()
	if r.StatusCode != 200 || res.Code != 0 || res.Height == 0 || res.Hash != tx.HashHex(raw) {
		t.Fatalf("octet-stream submit: HTTP %d %+v", r.StatusCode, res)
	}
	// CometBFT indexes a block's txs after the commit is answered: wait for it
	got, err := net.Client(0).TxRaw(ctx, res.Hash)
	for h := res.Height + 1; err != nil && ctx.Err() == nil; h++ {
		if _, err = net.Client(0).WaitHeight(ctx, h); err == nil {
			got, err = net.Client(0).TxRaw(ctx, res.Hash)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Tx, raw) || got.Height != res.Height || got.Type != identity.MsgRegisterAccount || got.Signer != admin.PublicKey().ID().String() || got.ChainID != net.ChainID {
		t.Fatalf("raw answer %+v does not match the tx sent", got)
	}
	sigLen := append(make([]byte, 0, 1), byte(len(got.Signature)))
	if !bytes.Equal(slices.Concat(got.Unsigned, sigLen, got.Signature), raw) {
		t.Fatal("tx != unsigned || len || signature")
	}
	d := smcrypto.SM3([]byte(tx.SignDomain), got.Unsigned)
	if !bytes.Equal(got.SignBytes, d[:]) {
		t.Fatalf("sign_bytes %x, want SM3(domain || unsigned) %x", got.SignBytes, d)
	}
	if err := admin.PublicKey().Verify(got.SignBytes, got.Signature); err != nil {
		t.Fatalf("signature over sign_bytes: %v", err)
	}
	if !json.Valid(got.Body) || !bytes.Contains(got.Body, []byte(`\u003c`)) {
		t.Fatalf("body %s", got.Body)
	}
	for _, how := range []struct{ query, accept string }{{"?format=bin", ""}, {"", "application/octet-stream"}} {
		req, _ := http.NewRequestWithContext(ctx, "GET", base+"/v1/txs/"+res.Hash+"/raw"+how.query, nil)
		if how.accept != "" {
			req.Header.Set("Accept", how.accept)
		}
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if r.StatusCode != 200 || r.Header.Get("Content-Type") != "application/octet-stream" || !bytes.Equal(b, raw) {
			t.Fatalf("%+v: HTTP %d %s, %d bytes, want the tx's %d", how, r.StatusCode, r.Header.Get("Content-Type"), len(b), len(raw))
		}
	}
	for path, want := range map[string]int{"/v1/txs/" + res.Hash + "/raw?format=xml": 400, "/v1/txs/zz/raw": 400, "/v1/txs/" + tx.HashHex([]byte("none")) + "/raw": 404} {
		r, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != want {
			t.Errorf("%s: HTTP %d, want %d", path, r.StatusCode, want)
		}
	}
}

// TestMessagesServeFieldOrderAndSchema: every message type comes with its
// body's canonical field order and a JSON Schema derived from the struct
// the chain decodes (not written by hand).
func TestMessagesServeFieldOrderAndSchema(t *testing.T) {
	_, net := startOne(t)
	ms, err := net.Client(0).Messages(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) < 20 {
		t.Fatalf("%d message types", len(ms))
	}
	for _, m := range ms {
		if len(m.Fields) == 0 || len(m.Schema) == 0 {
			t.Errorf("%s: no fields or schema", m.Type)
			continue
		}
		var s struct {
			Type       string                     `json:"type"`
			Properties map[string]json.RawMessage `json:"properties"`
			FieldOrder []string                   `json:"x-field-order"`
		}
		if err := json.Unmarshal(m.Schema, &s); err != nil || s.Type != "object" || !slices.Equal(s.FieldOrder, m.Fields) || len(s.Properties) != len(m.Fields) {
			t.Errorf("%s: schema %s does not match fields %v (%v)", m.Type, m.Schema, m.Fields, err)
		}
		if m.Type == certtypes.MsgAnchor && !reflect.DeepEqual(m.Fields, module.FieldNames(reflect.TypeFor[certtypes.Anchor]())) {
			t.Errorf("%s fields %v", m.Type, m.Fields)
		}
	}
}

// TestRawLessThanOverAPI: a body with '<' written as is, submitted to the
// API, is refused with tx/11 and a log that states the escaping rule.
func TestRawLessThanOverAPI(t *testing.T) {
	_, net := startOne(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, err := net.DeptKey(0)
	if err != nil {
		t.Fatal(err)
	}
	s, err := client.NewSigner(ctx, net.Client(0), net.ChainID, admin)
	if err != nil {
		t.Fatal(err)
	}
	officer, _ := smcrypto.GenerateKey()
	msg, err := s.RegisterAccount(officer, "王<芳>")
	if err != nil {
		t.Fatal(err)
	}
	body := bytes.ReplaceAll(module.MustJSON(msg), []byte(`\u003c`), []byte("<"))
	seq, err := net.Client(0).Account(ctx, admin.PublicKey().ID())
	if err != nil {
		t.Fatal(err)
	}
	t2 := &tx.Tx{ChainID: net.ChainID, Type: identity.MsgRegisterAccount, Signer: admin.PublicKey().ID(), Sequence: seq.NextSequence, Body: body}
	if err := t2.Sign(admin); err != nil {
		t.Fatal(err)
	}
	res, err := net.Client(0).Submit(ctx, t2.Encode(), "sync")
	var rej *client.APIError
	if err != nil && !errors.As(err, &rej) {
		t.Fatal(err)
	}
	if res.Code != tx.ErrBadBody.Code || res.Codespace != "tx" || !strings.Contains(res.Log, `'<' written as is`) || !strings.Contains(res.Log, `< > & as \u003c \u003e \u0026`) {
		t.Fatalf("got %+v (%v), want tx/11 stating the escaping rule", res, err)
	}
	t.Logf("%s/%d %s", res.Codespace, res.Code, res.Log)
}
