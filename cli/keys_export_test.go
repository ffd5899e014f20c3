package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govchain/govchain/chain/smcrypto"
)

func runCLI(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	root := NewRoot()
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), errb.String(), err
}

// TestKeysExportOpenSSL: `keys export` writes PKCS#8 that OpenSSL 3 reads
// (unencrypted with a warning; encrypted with PBKDF2-HMAC-SHA256 and
// AES-256-CBC or SM4-CBC), and `keys import` reads OpenSSL's keys back.
func TestKeysExportOpenSSL(t *testing.T) {
	home := t.TempDir()
	t.Setenv("GOVCHAIN_PASSPHRASE", "home-pass")
	if _, _, err := runCLI(t, "keys", "create", "k1", "--home", home); err != nil {
		t.Fatal(err)
	}
	k, err := smcrypto.ParsePrivateKeyPEM(must(os.ReadFile(filepath.Join(home, "keys", "k1.pem"))), []byte("home-pass"))
	if err != nil {
		t.Fatal(err)
	}
	passFile := filepath.Join(home, "p.txt")
	os.WriteFile(passFile, []byte("export-pass\n"), 0o600)
	plain := filepath.Join(home, "plain.pem")
	_, stderr, err := runCLI(t, "keys", "export", "k1", "--home", home, "--out", plain)
	if err != nil || !strings.Contains(stderr, "UNENCRYPTED") {
		t.Fatalf("export: %v, stderr %q", err, stderr)
	}
	if fi, _ := os.Stat(plain); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode())
	}
	if _, _, err := runCLI(t, "keys", "export", "k1", "--home", home, "--out", plain); err == nil {
		t.Fatal("export overwrote a file")
	}
	files := map[string]string{"": plain}
	for _, cipher := range []string{"aes-256-cbc", "sm4-cbc"} {
		f := filepath.Join(home, cipher+".pem")
		if _, _, err := runCLI(t, "keys", "export", "k1", "--home", home, "--encrypt", "--cipher", cipher, "--out-passphrase-file", passFile, "--out", f); err != nil {
			t.Fatal(err)
		}
		files[cipher] = f
		// govchain reads it back
		got, err := smcrypto.ParsePrivateKeyPEM(must(os.ReadFile(f)), []byte("export-pass"))
		if err != nil || !got.Equal(k) {
			t.Fatalf("%s: read back: %v", cipher, err)
		}
	}
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("SKIP (loud): openssl not found on PATH; the OpenSSL half of this test did not run")
	}
	want := k.PublicKey().Bytes()
	for cipher, f := range files {
		out, err := exec.Command(openssl, "pkey", "-in", f, "-passin", "file:"+passFile, "-pubout", "-outform", "DER").Output()
		if err != nil {
			t.Fatalf("openssl pkey %s (%s): %v", f, cipher, err)
		}
		if !bytes.HasSuffix(out, want) {
			t.Fatalf("%s: OpenSSL's public key differs", cipher)
		}
	}
	pubFile := filepath.Join(home, "pub.pem")
	if _, stderr, err := runCLI(t, "keys", "export", "k1", "--home", home, "--public", "--out", pubFile); err != nil || stderr != "" {
		t.Fatalf("export --public: %v %q", err, stderr)
	}
	if out, err := exec.Command(openssl, "pkey", "-pubin", "-in", pubFile, "-outform", "DER").Output(); err != nil || !bytes.HasSuffix(out, want) {
		t.Fatalf("openssl reads the exported public key: %v", err)
	}
	// OpenSSL's own key files come in
	gen := filepath.Join(home, "gen.pem")
	if out, err := exec.Command(openssl, "genpkey", "-algorithm", "SM2", "-out", gen).CombinedOutput(); err != nil {
		t.Fatalf("genpkey: %v %s", err, out)
	}
	enc := filepath.Join(home, "gen-enc.pem")
	if out, err := exec.Command(openssl, "pkey", "-in", gen, "-aes-256-cbc", "-passout", "file:"+passFile, "-out", enc).CombinedOutput(); err != nil {
		t.Fatalf("pkey -aes-256-cbc: %v %s", err, out)
	}
	pub := must(exec.Command(openssl, "pkey", "-in", gen, "-pubout", "-outform", "DER").Output())
	for name, f := range map[string]string{"gen": gen, "genenc": enc} {
		args := []string{"keys", "import", name, f, "--home", home}
		if f == enc {
			if _, _, err := runCLI(t, args...); err == nil || !strings.Contains(err.Error(), "--in-passphrase-file") {
				t.Fatalf("encrypted import without passphrase: %v", err)
			}
			args = append(args, "--in-passphrase-file", passFile)
		}
		if _, _, err := runCLI(t, args...); err != nil {
			t.Fatalf("import %s: %v", f, err)
		}
		got, err := smcrypto.ParsePrivateKeyPEM(must(os.ReadFile(filepath.Join(home, "keys", name+".pem"))), []byte("home-pass"))
		if err != nil || !bytes.HasSuffix(pub, got.PublicKey().Bytes()) {
			t.Fatalf("imported %s: %v", name, err)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
