// Package certdemo is the certificate module's demo data: two certificate
// types, five certificates (their files written under Dir), a batch of
// BatchSize, a revocation and a suspension. testnet seeds Demo from its
// list (testnet/demo.go) after the identity demo data.
package certdemo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/contracts/certificate/certtypes"
	"github.com/govchain/govchain/contracts/identifier"
	"github.com/govchain/govchain/node/client"
	"github.com/govchain/govchain/testnet/demokit"
)

// Demo e-certificates: SCJG (market supervision) issues business licences
// (营业执照, type BL), WJW (health commission) medical practitioner licences
// (医师执业证书, type MPL). Each department owns the type it defines; the
// grants to issue them are genesis grants here (governance elsewhere).
var Demo = demokit.Demo{Module: certtypes.Name, Title: "certificate (电子证照)",
	Grants:  map[string][]string{"SCJG": {"issuer:BL"}, "WJW": {"issuer:MPL"}},
	Genesis: Genesis, Seed: Seed}

// Genesis gives the demo network a random holder salt.
func Genesis() json.RawMessage {
	salt := make([]byte, 32)
	if _, err := rand.Read(salt); err != nil {
		panic(err)
	}
	return json.RawMessage(fmt.Sprintf(`{"holder_salt":%q}`, hex.EncodeToString(salt)))
}

// Dir is where Seed writes the demo certificate files and the batch's
// inclusion-path file, under the network's directory netDir.
func Dir(netDir string) string { return filepath.Join(netDir, "certificates") }

// BatchSize is the size of the demo batch.
const BatchSize = 1000

// Seed defines the demo types, anchors five certificates (files under
// Dir), one batch of BatchSize, revokes one certificate, suspends one
// batch member, and prints what to try.
func Seed(ctx context.Context, n *demokit.Net, w io.Writer) error {
	si, wi := n.DeptIndex("SCJG"), n.DeptIndex("WJW")
	if si < 0 || wi < 0 {
		fmt.Fprintln(w, "  skipped: the network has no SCJG or no WJW node")
		return nil
	}
	dir := Dir(n.Dir)
	batchDir := filepath.Join(dir, "batch-BL-demo")
	if err := os.MkdirAll(batchDir, 0o755); err != nil {
		return err
	}
	sc, wc := n.Client(si), n.Client(wi)
	st, err := sc.Status(ctx)
	if err != nil {
		return err
	}
	bt, err := time.Parse(time.RFC3339, st.BlockTime)
	if err != nil {
		return fmt.Errorf("block time %q: %w", st.BlockTime, err)
	}
	today := bt.In(time.FixedZone("CST", 8*3600))
	issue := today.Format("2006-01-02")
	until := today.AddDate(0, 0, 1824).Format("2006-01-02")

	sAdmin, err := n.DeptKey(si)
	if err != nil {
		return err
	}
	wAdmin, err := n.DeptKey(wi)
	if err != nil {
		return err
	}
	sa, err := n.Signer(ctx, si, sAdmin)
	if err != nil {
		return err
	}
	wa, err := n.Signer(ctx, wi, wAdmin)
	if err != nil {
		return err
	}
	if _, err := sa.Send(ctx, sc, certtypes.MsgDefineType, certtypes.DefineType{Code: "BL", Name: "营业执照 business licence", MaxValidityDays: 1825}, "commit"); err != nil {
		return err
	}
	if _, err := wa.Send(ctx, wc, certtypes.MsgDefineType, certtypes.DefineType{Code: "MPL", Name: "医师执业证书 medical practitioner licence"}, "commit"); err != nil {
		return err
	}
	fmt.Fprintf(w, "  SCJG defined type BL (营业执照, ≤1825 days), WJW defined MPL (医师执业证书, no expiry)\n")

	sk, err := n.OperatorKey(si)
	if err != nil {
		return err
	}
	wk, err := n.OperatorKey(wi)
	if err != nil {
		return err
	}
	so, err := n.Signer(ctx, si, sk)
	if err != nil {
		return err
	}
	wo, err := n.Signer(ctx, wi, wk)
	if err != nil {
		return err
	}

	// The holder salt comes from the chain; ID numbers are hashed here.
	r, err := wc.State(ctx, string(certtypes.ParamsKey()), 0, false)
	if err != nil {
		return err
	}
	var params certtypes.Params
	if err := json.Unmarshal(r.Value, &params); err != nil {
		return fmt.Errorf("%s: %w", certtypes.ParamsKey(), err)
	}

	type demoCert struct {
		file, typ, licence, kind, holderID, name string
		s                                        *client.Signer
		c                                        *client.Client
	}
	certs := []demoCert{
		{"bl-福州闽江贸易有限公司.txt", "BL", "BL-2026-000101", "org", demokit.USCC(1), "福州闽江贸易有限公司", so, sc},
		{"bl-福州榕城科技有限公司.txt", "BL", "BL-2026-000102", "org", demokit.USCC(2), "福州榕城科技有限公司", so, sc},
		{"bl-福州三坊七巷餐饮有限公司.txt", "BL", "BL-2026-000103", "org", demokit.USCC(3), "福州三坊七巷餐饮有限公司", so, sc},
		{"mpl-林医生.txt", "MPL", "110350100012345", "person", demokit.CitizenID("350102", "19850312", 123), "林某某 (fictional)", wo, wc},
		{"mpl-陈医生.txt", "MPL", "110350100012346", "person", demokit.CitizenID("350103", "19901107", 456), "陈某某 (fictional)", wo, wc},
	}
	hashes := map[string]string{}
	for i, dc := range certs {
		content := fmt.Sprintf("%s\n证照编号 licence no: %s\n持证主体 holder: %s (%s)\n签发日期 issued: %s\n(demo certificate file; the chain stores only its SM3 hash)\n",
			map[string]string{"BL": "营业执照 BUSINESS LICENCE", "MPL": "医师执业证书 MEDICAL PRACTITIONER LICENCE"}[dc.typ], dc.licence, dc.name, dc.holderID, issue)
		path := filepath.Join(dir, dc.file)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			return err
		}
		ref := dc.holderID
		if dc.kind == identifier.HolderPerson {
			ref = identifier.HolderRef(params.Salt(), dc.holderID)
		}
		m := certtypes.Anchor{Hash: smcrypto.SM3Hex([]byte(content)), Type: dc.typ, LicenceNo: dc.licence, HolderKind: dc.kind, HolderRef: ref,
			IssueDate: issue, ValidFrom: issue}
		if dc.typ == "BL" {
			m.ValidUntil = until
		}
		wait := "sync"
		if i == len(certs)-1 || i == 2 {
			wait = "commit"
		}
		if _, err := dc.s.Send(ctx, dc.c, certtypes.MsgAnchor, m, wait); err != nil {
			return fmt.Errorf("anchor %s: %w", dc.file, err)
		}
		hashes[dc.file] = m.Hash
		fmt.Fprintf(w, "  %s anchored %-3s %s  %s\n", map[string]string{"BL": "SCJG", "MPL": "WJW "}[dc.typ], dc.typ, m.Hash, path)
	}

	// One batch of BatchSize business licences in one transaction.
	var names, hs []string
	for i := 0; i < BatchSize; i++ {
		name := filepath.Join(batchDir, fmt.Sprintf("bl-%04d.txt", i))
		content := fmt.Sprintf("营业执照 BUSINESS LICENCE\n证照编号 licence no: BL-2026-%06d\n持证主体 holder: %s\n签发日期 issued: %s\n(demo batch member %d)\n",
			1000+i, demokit.USCC(1000+i), issue, i)
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			return err
		}
		names = append(names, name)
		hs = append(hs, smcrypto.SM3Hex([]byte(content)))
	}
	bf, err := certtypes.NewBatchFile(hs, names)
	if err != nil {
		return err
	}
	bf.Type, bf.IssueDate = "BL", issue
	res, err := so.Send(ctx, sc, certtypes.MsgAnchorBatch, certtypes.AnchorBatch{Type: "BL", Root: bf.Root, Count: bf.Count, IssueDate: issue,
		FirstLicenceNo: "BL-2026-001000", LastLicenceNo: fmt.Sprintf("BL-2026-%06d", 1000+BatchSize-1)}, "commit")
	if err != nil {
		return fmt.Errorf("anchor batch: %w", err)
	}
	bf.Tx, bf.Height = res.Hash, res.Height
	batchFile := filepath.Join(dir, "batch-BL-demo.json")
	b, _ := json.MarshalIndent(bf, "", "  ")
	if err := os.WriteFile(batchFile, append(b, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(w, "  SCJG anchored a batch of %d BL certificates in one tx (block %d): root %s\n", bf.Count, res.Height, bf.Root)

	// Revoke one certificate, suspend one batch member (with its path).
	revoked := "bl-福州三坊七巷餐饮有限公司.txt"
	if _, err := so.Send(ctx, sc, certtypes.MsgRevoke, certtypes.StatusChange{Hash: hashes[revoked], Reason: "04"}, "sync"); err != nil {
		return fmt.Errorf("revoke: %w", err)
	}
	member := &bf.Members[17]
	res, err = so.Send(ctx, sc, certtypes.MsgSuspend, certtypes.StatusChange{Hash: member.Hash, Reason: "02", Batch: bf.Membership(member)}, "commit")
	if err != nil {
		return fmt.Errorf("suspend batch member: %w", err)
	}
	fmt.Fprintf(w, "  SCJG revoked %s (reason 04 revoked by law) and suspended batch member 17 (reason 02), block %d\n", hashes[revoked], res.Height)

	fmt.Fprintf(w, "  try:\n")
	fmt.Fprintf(w, "    govchain cert status --file %q\n", filepath.Join(dir, revoked))
	fmt.Fprintf(w, "    govchain cert status --file %q\n", filepath.Join(dir, "bl-福州闽江贸易有限公司.txt"))
	fmt.Fprintf(w, "    govchain cert status --file %q --batch-file %q\n", names[42], batchFile)
	fmt.Fprintf(w, "    govchain cert status --file %q --batch-file %q   # suspended\n", member.File, batchFile)
	fmt.Fprintf(w, "    govchain cert list --issuer SCJG\n")
	fmt.Fprintf(w, "    govchain cert list --holder-id %s          # reference computed locally\n", certs[3].holderID)
	fmt.Fprintf(w, "    govchain query state cert/rec/%s --prove\n", hashes[revoked])
	return nil
}
