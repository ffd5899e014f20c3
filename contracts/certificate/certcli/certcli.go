// Package certcli is the certificate module's commands: govchain cert
// (types, anchor, anchor-batch, status changes, reissue, status with
// proofs checked here, list, holder-ref, hash). The root command mounts
// Commands from its list (cli/root.go); cert bundle and cert qr, which
// build verification bundles, are the verify commands' (cli/verify.go).
package certcli

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/spf13/cobra"

	"github.com/govchain/govchain/cli/clikit"
	"github.com/govchain/govchain/contracts/certificate/certtypes"
	"github.com/govchain/govchain/contracts/identifier"
	"github.com/govchain/govchain/node/client"
)

// Commands are the module's top-level commands: `govchain cert`, the
// e-certificate registry (docs/certificates.md).
func Commands(env *clikit.Env) []*cobra.Command { return []*cobra.Command{certCmd(env)} }

func certCmd(env *clikit.Env) *cobra.Command {
	c := &cobra.Command{
		Use:   "cert",
		Short: "E-certificates (电子证照): anchor file hashes, batches, status changes, proofs",
		Long: `Anchor the SM3 hash of each certificate file your department issues, or the
Merkle root of a whole batch, and record suspensions, reinstatements,
revocations and reissues. Anyone holding the file can check its status with a
proof (govchain cert status --file F).

Files never leave this machine: --file hashes them locally with SM3. Citizen
ID numbers never leave it either: --holder-id is turned into the salted
holder reference locally and only the reference is sent.

Reason codes: 01 expired, 02 information changed, 03 lost, 04 revoked by law,
05 error, 99 other.`,
		Example: `  govchain cert type define --key scjg-admin --code BL --name "营业执照 business licence" --max-days 1825
  govchain cert anchor --key scjg-officer --type BL --file licence.pdf --licence-no BL-2026-000001 \
      --holder-kind org --holder-id 91350100M000100Y43 --valid-until 2030-12-31
  govchain cert status --file licence.pdf
  govchain cert revoke --key scjg-officer --file licence.pdf --reason 04`,
	}
	c.AddCommand(certTypeCmd(env), certAnchorCmd(env), certAnchorBatchCmd(env),
		certStatusChangeCmd(env, "revoke", certtypes.MsgRevoke, "Revoke a certificate of your department (final)"),
		certStatusChangeCmd(env, "suspend", certtypes.MsgSuspend, "Suspend a valid certificate of your department"),
		certStatusChangeCmd(env, "reinstate", certtypes.MsgReinstate, "Reinstate a suspended certificate of your department"),
		certReissueCmd(env), certStatusCmd(env), certListCmd(env), certHolderRefCmd(env), certHashCmd(env))
	return c
}

// HashFile is the SM3 of a file's bytes, streamed, as 64 lower-case hex.
func HashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sm3.New()
	if _, err := io.Copy(h, clikit.CapReader(f, path, clikit.MaxHashedFile)); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// HashArg resolves --file / --hash (exactly one).
func HashArg(file, hash, what string) (string, error) {
	switch {
	case file != "" && hash != "":
		return "", fmt.Errorf("give --%sfile or --%shash, not both", what, what)
	case file != "":
		return HashFile(file)
	case hash != "":
		h := strings.ToLower(strings.TrimSpace(hash))
		if !certtypes.ValidHash(h) {
			return "", fmt.Errorf("--%shash must be 64 hex characters (SM3 of the file)", what)
		}
		return h, nil
	}
	return "", fmt.Errorf("give --%sfile FILE (hashed locally with SM3) or --%shash HEX", what, what)
}

// certParams reads cert/params (the holder salt) from the node.
func certParams(ctx context.Context, env *clikit.Env) (*certtypes.Params, error) {
	r, err := env.Client().State(ctx, string(certtypes.ParamsKey()), 0, true)
	if err != nil {
		return nil, err
	}
	if !r.Found || r.Proof == nil {
		return nil, fmt.Errorf("the node has no %s: is the certificate module running?", certtypes.ParamsKey())
	}
	if err := r.Proof.Verify(r.AppHash); err != nil {
		return nil, fmt.Errorf("proof of %s: %w", certtypes.ParamsKey(), err)
	}
	var p certtypes.Params
	if err := json.Unmarshal(r.Proof.Value, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// certHolderRef turns --holder-id into a holder reference, locally: an
// organisation's USCC is its own reference; a citizen ID number becomes
// hex(SM3(salt || ID)) with the network's salt and is never sent.
func certHolderRef(ctx context.Context, env *clikit.Env, kind, id string) (string, error) {
	switch kind {
	case identifier.HolderOrg:
		n, err := identifier.NormalizeUSCC(id)
		if err != nil {
			return "", fmt.Errorf("--holder-id: %w", err)
		}
		return n, nil
	case identifier.HolderPerson:
		n, err := identifier.NormalizeCitizenID(id)
		if err != nil {
			return "", fmt.Errorf("--holder-id: %w", err)
		}
		p, err := certParams(ctx, env)
		if err != nil {
			return "", err
		}
		return identifier.HolderRef(p.Salt(), n), nil
	}
	return "", fmt.Errorf("--holder-kind must be person or org")
}

func certToday() string { return time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02") }

func certTypeCmd(env *clikit.Env) *cobra.Command {
	c := &cobra.Command{Use: "type", Short: "Certificate types"}
	var f clikit.TxFlags
	var code, name string
	var maxDays int64
	def := &cobra.Command{
		Use:   "define",
		Short: "Define a certificate type owned by your department (admin key)",
		Long: `Define a certificate type. Your department owns it, but issuing it needs the
department grant issuer:<code>, given at genesis or by governance.`,
		Example: `  govchain cert type define --key scjg-admin --code BL --name "营业执照 business licence" --max-days 1825
  govchain cert type define --key wjw-admin --code MPL --name "医师执业证书 medical practitioner licence"   # no expiry`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := env.Submit(cmd, &f, certtypes.MsgDefineType, clikit.Fixed(certtypes.DefineType{Code: code, Name: name, MaxValidityDays: maxDays}), false)
			return err
		},
	}
	f.Register(def)
	def.Flags().StringVar(&code, "code", "", "type code, e.g. BL (A-Z 0-9 _ -)")
	def.Flags().StringVar(&name, "name", "", "type name")
	def.Flags().Int64Var(&maxDays, "max-days", 0, "maximum validity in days (valid_until - valid_from); 0 = no expiry")
	c.AddCommand(def)
	return c
}

// certAnchorFlags are the fields of one certtypes.
type certAnchorFlags struct {
	file, hash, typ, licenceNo, holderKind, holderID, holderRef, issueDate, validFrom, validUntil string
}

func (a *certAnchorFlags) register(c *cobra.Command, prefix string, withType bool) {
	c.Flags().StringVar(&a.file, prefix+"file", "", "certificate file, hashed locally with SM3 (never sent)")
	c.Flags().StringVar(&a.hash, prefix+"hash", "", "or the file's SM3 hash (64 hex)")
	if withType {
		c.Flags().StringVar(&a.typ, "type", "", "certificate type code, e.g. BL")
	}
	c.Flags().StringVar(&a.licenceNo, "licence-no", "", "licence (certificate) number")
	c.Flags().StringVar(&a.holderKind, "holder-kind", "", "person or org")
	c.Flags().StringVar(&a.holderID, "holder-id", "", "holder's citizen ID number or unified social credit code; a citizen ID is turned into the salted reference locally and never sent")
	c.Flags().StringVar(&a.holderRef, "holder-ref", "", "or the holder reference itself (see govchain cert holder-ref)")
	c.Flags().StringVar(&a.issueDate, "issue-date", "", "issue date YYYY-MM-DD (default today, China Standard Time)")
	c.Flags().StringVar(&a.validFrom, "valid-from", "", "first valid day YYYY-MM-DD (default the issue date)")
	c.Flags().StringVar(&a.validUntil, "valid-until", "", "last valid day YYYY-MM-DD (required for types with a maximum validity)")
}

func (a *certAnchorFlags) build(ctx context.Context, env *clikit.Env, prefix string) (certtypes.Anchor, error) {
	var m certtypes.Anchor
	h, err := HashArg(a.file, a.hash, prefix)
	if err != nil {
		return m, err
	}
	ref := a.holderRef
	switch {
	case a.holderID != "" && a.holderRef != "":
		return m, fmt.Errorf("give --holder-id or --holder-ref, not both")
	case a.holderID != "":
		if ref, err = certHolderRef(ctx, env, a.holderKind, a.holderID); err != nil {
			return m, err
		}
	case a.holderRef == "":
		return m, fmt.Errorf("give --holder-id (computed into a reference locally) or --holder-ref")
	}
	if a.holderKind == identifier.HolderOrg {
		ref = identifier.Normalize(ref)
	}
	if err := identifier.ValidateHolderRef(a.holderKind, ref); err != nil {
		return m, fmt.Errorf("holder: %w", err)
	}
	issue := a.issueDate
	if issue == "" {
		issue = certToday()
	}
	from := a.validFrom
	if from == "" {
		from = issue
	}
	return certtypes.Anchor{Hash: h, Type: a.typ, LicenceNo: a.licenceNo, HolderKind: a.holderKind, HolderRef: ref,
		IssueDate: issue, ValidFrom: from, ValidUntil: a.validUntil}, nil
}

func certAnchorCmd(env *clikit.Env) *cobra.Command {
	var f clikit.TxFlags
	var a certAnchorFlags
	c := &cobra.Command{
		Use:   "anchor",
		Short: "Anchor one certificate by the SM3 hash of its file",
		Example: `  govchain cert anchor --key scjg-officer --type BL --file licence.pdf --licence-no BL-2026-000001 \
      --holder-kind org --holder-id 91350100M000100Y43 --issue-date 2026-03-01 --valid-until 2031-02-28
  govchain cert anchor --key wjw-officer --type MPL --file mpl.pdf --licence-no 110350100012345 \
      --holder-kind person --holder-id 11010519491231002X     # only SM3(salt||ID) is sent`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := a.build(cmd.Context(), env, "")
			if err != nil {
				return err
			}
			_, err = env.Submit(cmd, &f, certtypes.MsgAnchor, clikit.Fixed(m), false)
			return err
		},
	}
	f.Register(c)
	a.register(c, "", true)
	return c
}

// certBuildBatch hashes files (sorted by name, so the order is
// reproducible) and builds the tree and every member's path.
func certBuildBatch(files []string) (*certtypes.BatchFile, error) {
	if len(files) == 0 {
		return nil, fmt.Errorf("no files in the batch")
	}
	files = append([]string(nil), files...)
	sort.Strings(files)
	hashes := make([]string, len(files))
	for i, f := range files {
		h, err := HashFile(f)
		if err != nil {
			return nil, err
		}
		hashes[i] = h
	}
	b, err := certtypes.NewBatchFile(hashes, files)
	if err != nil {
		return nil, fmt.Errorf("batch: %w (files are named in the order sorted by name)", err)
	}
	return b, nil
}

func certBatchFiles(dir string, args []string) ([]string, error) {
	if dir == "" {
		return args, nil
	}
	if len(args) > 0 {
		return nil, fmt.Errorf("give --dir or files, not both")
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	return out, nil
}

func ReadBatchFile(path string) (*certtypes.BatchFile, error) {
	raw, err := clikit.ReadFileMax(path, clikit.MaxDataFile)
	if err != nil {
		return nil, err
	}
	var b certtypes.BatchFile
	if err := json.Unmarshal(raw, &b); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &b, nil
}

func certAnchorBatchCmd(env *clikit.Env) *cobra.Command {
	var f clikit.TxFlags
	var typ, dir, issue, first, last, out string
	c := &cobra.Command{
		Use:   "anchor-batch [FILE...]",
		Short: "Anchor a batch of certificate files as one SM3 Merkle root; write every member's inclusion path",
		Long: `Hash every file locally (SM3), build an RFC 6962-style Merkle tree over the
hashes (files sorted by name), anchor the root in one transaction, and write
--out: the root and, for every file, its hash, index and inclusion path. Give
each holder their entry: with it anyone can prove the certificate against the
chain (govchain cert status --file F --batch-file OUT), and the issuer can
suspend or revoke it individually.`,
		Example: `  govchain cert anchor-batch --key scjg-officer --type BL --dir ./licences-2026-03 --issue-date 2026-03-01 \
      --first-licence BL-2026-000001 --last-licence BL-2026-001000 --out batch-2026-03.json
  govchain cert anchor-batch --key scjg-officer --type BL a.pdf b.pdf c.pdf --out small-batch.json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			files, err := certBatchFiles(dir, args)
			if err != nil {
				return err
			}
			b, err := certBuildBatch(files)
			if err != nil {
				return err
			}
			if issue == "" {
				issue = certToday()
			}
			b.Type, b.IssueDate = typ, issue
			if err := clikit.WriteJSONFile(out, b); err != nil {
				return err
			}
			res, err := env.Submit(cmd, &f, certtypes.MsgAnchorBatch, clikit.Fixed(certtypes.AnchorBatch{Type: typ, Root: b.Root, Count: b.Count,
				IssueDate: issue, FirstLicenceNo: first, LastLicenceNo: last}), true)
			if res != nil {
				b.Tx, b.Height = res.Hash, res.Height
				if err == nil {
					if werr := clikit.WriteJSONFile(out, b); werr != nil {
						return werr
					}
				}
				summary := struct {
					*client.SubmitResult
					Root    string `json:"root"`
					Count   uint64 `json:"count"`
					Members string `json:"members_file"`
				}{res, b.Root, b.Count, out}
				if e := env.Emit(cmd.OutOrStdout(), summary, func(w io.Writer) {
					clikit.PrintSubmit(w, res)
					fmt.Fprintf(w, "  batch root %s (%d certificates)\n  inclusion paths written to %s\n", b.Root, b.Count, out)
				}); e != nil {
					return e
				}
			}
			return err
		},
	}
	f.Register(c)
	c.Flags().StringVar(&typ, "type", "", "certificate type code")
	c.Flags().StringVar(&dir, "dir", "", "anchor every regular file in this directory (instead of FILE arguments)")
	c.Flags().StringVar(&issue, "issue-date", "", "issue date YYYY-MM-DD (default today, China Standard Time)")
	c.Flags().StringVar(&first, "first-licence", "", "first licence number of the batch (optional)")
	c.Flags().StringVar(&last, "last-licence", "", "last licence number of the batch (optional)")
	c.Flags().StringVar(&out, "out", "batch.json", "where to write the root and every member's inclusion path")
	return c
}

// certMembership finds hash in --batch-file.
func certMembership(batchFile, hash string) (*certtypes.Membership, error) {
	if batchFile == "" {
		return nil, nil
	}
	b, err := ReadBatchFile(batchFile)
	if err != nil {
		return nil, err
	}
	m, ok := b.Find(hash)
	if !ok {
		return nil, fmt.Errorf("%s is not a member of the batch in %s", hash, batchFile)
	}
	return b.Membership(m), nil
}

func certStatusChangeCmd(env *clikit.Env, use, msgType, short string) *cobra.Command {
	var f clikit.TxFlags
	var file, hash, reason, batchFile string
	c := &cobra.Command{
		Use:   use,
		Short: short,
		Long: short + `. Only the issuing department may do this (operator or admin key).
A member of a batch that has no record yet needs --batch-file (the file
anchor-batch wrote): the chain checks its inclusion path first.

Reason codes: 01 expired, 02 information changed, 03 lost, 04 revoked by law,
05 error, 99 other.`,
		Example: fmt.Sprintf(`  govchain cert %[1]s --key scjg-officer --file licence.pdf --reason 04
  govchain cert %[1]s --key scjg-officer --hash 3f6c...e1 --reason 03 --batch-file batch-2026-03.json`, use),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			h, err := HashArg(file, hash, "")
			if err != nil {
				return err
			}
			if certtypes.ReasonName(reason) == "" {
				return fmt.Errorf("--reason %q is not one of 01 02 03 04 05 99", reason)
			}
			mem, err := certMembership(batchFile, h)
			if err != nil {
				return err
			}
			_, err = env.Submit(cmd, &f, msgType, clikit.Fixed(certtypes.StatusChange{Hash: h, Reason: reason, Batch: mem}), false)
			return err
		},
	}
	f.Register(c)
	c.Flags().StringVar(&file, "file", "", "certificate file, hashed locally with SM3")
	c.Flags().StringVar(&hash, "hash", "", "or its SM3 hash")
	c.Flags().StringVar(&reason, "reason", "", "reason code: 01 02 03 04 05 99")
	c.Flags().StringVar(&batchFile, "batch-file", "", "batch file from anchor-batch, for a batch member")
	return c
}

func certReissueCmd(env *clikit.Env) *cobra.Command {
	var f clikit.TxFlags
	var a certAnchorFlags
	var oldFile, oldHash, reason, batchFile string
	c := &cobra.Command{
		Use:   "reissue",
		Short: "Replace a certificate by a new one (anchored in the same tx; both records link to each other)",
		Long: `Reissue: the old certificate is revoked with replaced_by = the new hash, and
the new one is anchored with replaces = the old hash, in one transaction. The
type is the old certificate's. Reason codes: 01 02 03 04 05 99.`,
		Example: `  govchain cert reissue --key wjw-officer --old-file mpl-2020.pdf --file mpl-2026.pdf --reason 03 \
      --licence-no 110350100012345 --holder-kind person --holder-id 11010519491231002X`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			old, err := HashArg(oldFile, oldHash, "old-")
			if err != nil {
				return err
			}
			if certtypes.ReasonName(reason) == "" {
				return fmt.Errorf("--reason %q is not one of 01 02 03 04 05 99", reason)
			}
			mem, err := certMembership(batchFile, old)
			if err != nil {
				return err
			}
			batchRoot := ""
			if mem != nil {
				batchRoot = mem.Root
			}
			cur, err := env.Client().Certificate(cmd.Context(), old, batchRoot, client.At{})
			if err != nil {
				return err
			}
			switch {
			case cur.Record != nil:
				a.typ = cur.Record.Type
			case cur.Batch != nil:
				a.typ = cur.Batch.Type
			default:
				return fmt.Errorf("certificate %s is not on chain (%s)", old, cur.Note)
			}
			m, err := a.build(cmd.Context(), env, "")
			if err != nil {
				return err
			}
			_, err = env.Submit(cmd, &f, certtypes.MsgReissue, clikit.Fixed(certtypes.Reissue{OldHash: old, Reason: reason, Batch: mem, New: m}), false)
			return err
		},
	}
	f.Register(c)
	c.Flags().StringVar(&oldFile, "old-file", "", "the certificate being replaced, hashed locally")
	c.Flags().StringVar(&oldHash, "old-hash", "", "or its SM3 hash")
	c.Flags().StringVar(&reason, "reason", "", "reason code: 01 02 03 04 05 99")
	c.Flags().StringVar(&batchFile, "batch-file", "", "batch file from anchor-batch, if the old certificate is a batch member")
	a.register(c, "", false)
	return c
}

// certVerdict is what `cert status` prints with --output json.
type certVerdict struct {
	*certtypes.CertificateResult
	Check *certtypes.CertificateCheck `json:"check"`
}

func certStatusCmd(env *clikit.Env) *cobra.Command {
	var file, batchFile string
	var height int64
	c := &cobra.Command{
		Use:   "status [HASH]",
		Short: "Show a certificate's status at a height and check its proofs locally",
		Long: `Fetch the certificate record (and its batch) with ICS23 proofs and verify them
here: the record or its absence, the batch root and member count, and, with
--batch-file, the inclusion path. The proofs are checked against the app hash
the node reports for that height (committed in block header height+1):
compare it across nodes, or with a header you trust.`,
		Example: `  govchain cert status --file licence.pdf
  govchain cert status --file member-0042.pdf --batch-file batch-2026-03.json
  govchain cert status 3f6c...e1 --height 120 -o json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			hash := ""
			if len(args) == 1 {
				hash = args[0]
			}
			h, err := HashArg(file, hash, "")
			if err != nil {
				return fmt.Errorf("give HASH or --file FILE")
			}
			var mem *certtypes.BatchMember
			batchRoot := ""
			if batchFile != "" {
				b, err := ReadBatchFile(batchFile)
				if err != nil {
					return err
				}
				m, ok := b.Find(h)
				if !ok {
					return fmt.Errorf("%s is not a member of the batch in %s", h, batchFile)
				}
				mem, batchRoot = m, b.Root
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 20*time.Second)
			defer cancel()
			r, err := env.Client().Certificate(ctx, h, batchRoot, client.At{Height: height, Prove: true})
			if err != nil {
				return err
			}
			chk, err := r.Verify(mem)
			if err != nil {
				return err
			}
			v := certVerdict{r, chk}
			return env.Emit(cmd.OutOrStdout(), v, func(w io.Writer) { printCertVerdict(w, r, chk) })
		},
	}
	c.Flags().StringVar(&file, "file", "", "certificate file, hashed locally with SM3")
	c.Flags().StringVar(&batchFile, "batch-file", "", "batch file from anchor-batch, for a batch member")
	c.Flags().Int64Var(&height, "height", 0, "state version (default latest)")
	return c
}

func printCertVerdict(w io.Writer, r *certtypes.CertificateResult, c *certtypes.CertificateCheck) {
	fmt.Fprintf(w, "certificate %s\n  status %s at height %d (block time %s)\n", r.Hash, strings.ToUpper(c.Status), r.Height, r.BlockTime)
	switch c.Status {
	case "batch_member_unverified":
		fmt.Fprintln(w, "  (the batch is on chain; give --batch-file to check this file's inclusion path)")
	case "not_found":
		fmt.Fprintln(w, "  (a member of a batch has no record of its own until its status changes: give --batch-file)")
	}
	if rec := c.Record; rec != nil {
		fmt.Fprintf(w, "  type %s, issued by %s on %s", rec.Type, rec.Issuer, rec.IssueDate)
		if rec.LicenceNo != "" {
			fmt.Fprintf(w, ", licence %s", rec.LicenceNo)
		}
		fmt.Fprintf(w, "\n")
		if rec.HolderRef != "" {
			fmt.Fprintf(w, "  holder %s %s\n", rec.HolderKind, rec.HolderRef)
		}
		if rec.ValidFrom != "" {
			fmt.Fprintf(w, "  valid %s .. %s\n", rec.ValidFrom, clikit.OrNoExpiry(rec.ValidUntil))
		}
		fmt.Fprintf(w, "  anchored at height %d (%s)\n", rec.AnchoredHeight, rec.AnchoredTime)
		if rec.Replaces != "" {
			fmt.Fprintf(w, "  replaces %s\n", rec.Replaces)
		}
		if rec.ReplacedBy != "" {
			fmt.Fprintf(w, "  replaced by %s\n", rec.ReplacedBy)
		}
		for _, e := range rec.History {
			reason := ""
			if e.Reason != "" {
				reason = fmt.Sprintf(" reason %s (%s)", e.Reason, certtypes.ReasonName(e.Reason))
			}
			fmt.Fprintf(w, "    height %-6d %s %-12s -> %s%s\n", e.Height, e.Time, e.Action, e.Status, reason)
		}
	}
	for _, s := range c.Verified {
		fmt.Fprintf(w, "  ✓ %s\n", s)
	}
	fmt.Fprintf(w, "  under app hash %X (in block header %d)\n", r.AppHash, r.Height+1)
}

func certListCmd(env *clikit.Env) *cobra.Command {
	var issuer, typ, holderRef, holderID, holderKind string
	var page, limit int
	var cursor string
	c := &cobra.Command{
		Use:   "list",
		Short: "List certificates and batches by issuer, type or holder (newest first)",
		Example: `  govchain cert list --issuer SCJG
  govchain cert list --type BL --page 2 -o json
  govchain cert list --holder-kind person --holder-id 11010519491231002X   # reference computed locally`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), 20*time.Second)
			defer cancel()
			if holderID != "" {
				if holderKind == "" {
					switch {
					case identifier.LooksLikeCitizenID(holderID):
						holderKind = identifier.HolderPerson
					case identifier.ValidateUSCC(identifier.Normalize(holderID)) == nil:
						holderKind = identifier.HolderOrg
					default:
						return fmt.Errorf("--holder-id is neither a valid citizen ID number nor a unified social credit code (give --holder-kind to see why)")
					}
				}
				ref, err := certHolderRef(ctx, env, holderKind, holderID)
				if err != nil {
					return err
				}
				holderRef = ref
			}
			r, err := env.Client().Certificates(ctx, certtypes.Filter{Issuer: issuer, Type: typ, Holder: holderRef}, clikit.PageOf(page, limit, cursor))
			if err != nil {
				return err
			}
			return env.Emit(cmd.OutOrStdout(), r, func(w io.Writer) {
				fmt.Fprintf(w, "%-11s %-64s %-6s %-6s %-9s %s\n", "KIND", "HASH / ROOT", "TYPE", "ISSUER", "STATUS", "HEIGHT")
				for _, it := range r.Items {
					if it.Record != nil {
						fmt.Fprintf(w, "%-11s %-64s %-6s %-6s %-9s %d\n", it.Kind, it.ID, it.Record.Type, it.Record.Issuer, it.Record.Status, it.Height)
					} else if it.Batch != nil {
						fmt.Fprintf(w, "%-11s %-64s %-6s %-6s %-9s %d (%d members)\n", it.Kind, it.ID, it.Batch.Type, it.Batch.Issuer, "-", it.Height, it.Batch.Count)
					}
				}
				clikit.PrintMore(w, r.More, r.Page, r.NextCursor)
			})
		},
	}
	c.Flags().StringVar(&issuer, "issuer", "", "issuing department code")
	c.Flags().StringVar(&typ, "type", "", "certificate type code")
	c.Flags().StringVar(&holderRef, "holder-ref", "", "holder reference")
	c.Flags().StringVar(&holderID, "holder-id", "", "holder citizen ID or USCC, turned into the reference locally")
	c.Flags().StringVar(&holderKind, "holder-kind", "", "person or org (default: person for a valid citizen ID, org for a valid USCC)")
	clikit.PageFlags(c, &page, &limit, &cursor)
	return c
}

func certHolderRefCmd(env *clikit.Env) *cobra.Command {
	var kind, id string
	c := &cobra.Command{
		Use:   "holder-ref",
		Short: "Compute a holder reference locally (nothing is sent but a read of the network's salt)",
		Example: `  govchain cert holder-ref --holder-kind person --holder-id 11010519491231002X
  govchain cert holder-ref --holder-kind org --holder-id 91350100m000100y43`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ref, err := certHolderRef(cmd.Context(), env, kind, id)
			if err != nil {
				return err
			}
			return env.Emit(cmd.OutOrStdout(), map[string]string{"holder_kind": kind, "holder_ref": ref}, func(w io.Writer) { fmt.Fprintln(w, ref) })
		},
	}
	c.Flags().StringVar(&kind, "holder-kind", "person", "person or org")
	c.Flags().StringVar(&id, "holder-id", "", "citizen ID number or unified social credit code")
	return c
}

func certHashCmd(env *clikit.Env) *cobra.Command {
	return &cobra.Command{
		Use:     "hash FILE...",
		Short:   "Print the SM3 hash of certificate files (what the chain records)",
		Example: "  govchain cert hash licence.pdf mpl.pdf",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			type fileHash struct {
				File string `json:"file"`
				Hash string `json:"hash"`
			}
			var out []fileHash
			for _, f := range args {
				h, err := HashFile(f)
				if err != nil {
					return err
				}
				out = append(out, fileHash{f, h})
			}
			return env.Emit(cmd.OutOrStdout(), out, func(w io.Writer) {
				for _, fh := range out {
					fmt.Fprintf(w, "%s  %s\n", fh.Hash, fh.File)
				}
			})
		},
	}
}
