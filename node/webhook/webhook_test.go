package webhook_test

import (
	"crypto/hmac"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	tjsm3 "github.com/tjfoc/gmsm/sm3"

	"github.com/govchain/govchain/node/webhook"
)

// TestSignatureIsHMACSM3 checks the signature against HMAC built on
// another SM3 implementation (tjfoc/gmsm), and that Verify refuses a
// changed body, another secret and a malformed header.
func TestSignatureIsHMACSM3(t *testing.T) {
	secret, body := []byte("shared secret"), []byte(`{"cursor":"12.3","type":"credit.recorded"}`)
	m := hmac.New(tjsm3.New, secret)
	m.Write(body)
	want := "hmac-sm3=" + hex.EncodeToString(m.Sum(nil))
	if got := webhook.Sign(secret, body); got != want {
		t.Fatalf("Sign = %s, HMAC-SM3 (tjfoc) = %s", got, want)
	}
	if !webhook.Verify(secret, body, want) {
		t.Fatal("Verify refuses a good signature")
	}
	for name, c := range map[string]struct {
		secret, body []byte
		header       string
	}{
		"body changed":   {secret, append([]byte(" "), body...), want},
		"another secret": {[]byte("other"), body, want},
		"no prefix":      {secret, body, want[len("hmac-sm3="):]},
		"not hex":        {secret, body, "hmac-sm3=zz"},
		"truncated":      {secret, body, want[:len(want)-2]},
	} {
		if webhook.Verify(c.secret, c.body, c.header) {
			t.Errorf("%s: Verify accepts", name)
		}
	}
}

func TestCursorFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hook.cursor")
	if c, err := webhook.LoadCursor(path); err != nil || c != "" {
		t.Fatalf("a missing cursor file: %q %v, want empty", c, err)
	}
	for _, c := range []string{"12.3", "13", "1000.0"} {
		if err := webhook.SaveCursor(path, c); err != nil {
			t.Fatal(err)
		}
		if got, err := webhook.LoadCursor(path); err != nil || got != c {
			t.Fatalf("saved %q, loaded %q %v", c, got, err)
		}
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".cursor-*"))
	if len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
	if err := os.WriteFile(path, []byte("twelve\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := webhook.LoadCursor(path); err == nil {
		t.Fatal("a corrupt cursor file is accepted")
	}
}

// TestSignatureMatchesOpenSSL: the receiver-side recipe of
// docs/integration.md, `openssl dgst -sm3 -hmac`, gives the same MAC.
func TestSignatureMatchesOpenSSL(t *testing.T) {
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("SKIPPED LOUDLY: openssl is not installed; the OpenSSL recipe of docs/integration.md is not checked")
	}
	body := []byte(`{"cursor":"12.3","type":"credit.recorded","attrs":[{"key":"dept","value":"市场监督管理局"}]}`)
	path := filepath.Join(t.TempDir(), "body.json")
	if err := os.WriteFile(path, body, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "dgst", "-sm3", "-hmac", "s3cret", path).CombinedOutput()
	if err != nil {
		t.Skipf("SKIPPED LOUDLY: this openssl has no HMAC-SM3: %v %s", err, out)
	}
	_, mac, _ := strings.Cut(strings.TrimSpace(string(out)), "= ")
	if got := webhook.Sign([]byte("s3cret"), body); got != "hmac-sm3="+mac {
		t.Fatalf("Sign = %s, openssl says %s", got, out)
	}
}
