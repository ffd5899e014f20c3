package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/skip2/go-qrcode"
	"github.com/spf13/cobra"

	"github.com/govchain/govchain/chain/proof/bundle"
	"github.com/govchain/govchain/cli/clikit"
	"github.com/govchain/govchain/contracts/certificate"
	"github.com/govchain/govchain/contracts/certificate/certcli"
	"github.com/govchain/govchain/node/client"
	"github.com/govchain/govchain/node/verify"
	"github.com/govchain/govchain/node/verify/web"
)

// Exit codes of `govchain verify` (docs/verify.md).
const (
	ExitValid     = 0
	ExitError     = 1 // usage, files, network: nothing was concluded
	ExitRevoked   = 2
	ExitSuspended = 3
	ExitExpired   = 4
	ExitUnknown   = 5
	ExitFailed    = 6 // the proofs do not check out: tampered bundle, lying node, untrusted header
	ExitStale     = 7 // the proofs check out for a state too old to speak for now (verify_fresh.go)
)

var verdictExit = map[string]int{bundle.Valid: ExitValid, bundle.Revoked: ExitRevoked, bundle.Suspended: ExitSuspended,
	bundle.Expired: ExitExpired, bundle.Unknown: ExitUnknown, bundle.Stale: ExitStale}

// exitError ends the process with code; quiet errors were already reported.
type exitError struct {
	code  int
	quiet bool
	err   error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// ExitCode is the process exit code for an error returned by a command,
// and whether the error was already reported on the output.
func ExitCode(err error) (code int, reported bool) {
	var e *exitError
	if errors.As(err, &e) {
		return e.code, e.quiet
	}
	return ExitError, false
}

// verifyFlags are what `verify` and `cert bundle`/`cert qr` share.
type verifyFlags struct {
	hash, batchFile, batchRoot, batchPath string
	batchIndex                            int64
	height                                int64
	rpc                                   string
}

func (f *verifyFlags) register(c *cobra.Command) {
	c.Flags().StringVar(&f.hash, "hash", "", "certificate hash (SM3 of the file, 64 hex) instead of FILE")
	c.Flags().StringVar(&f.batchFile, "batch-file", "", "batch file from `cert anchor-batch`, for a member of a batch")
	c.Flags().StringVar(&f.batchRoot, "batch-root", "", "batch root (with --batch-index and --batch-path, instead of --batch-file)")
	c.Flags().Int64Var(&f.batchIndex, "batch-index", -1, "member index in the batch")
	c.Flags().StringVar(&f.batchPath, "batch-path", "", "inclusion path: comma-separated hex hashes")
	c.Flags().Int64Var(&f.height, "height", 0, "state version to prove (default: the newest with a stored SM2 quorum certificate)")
	c.Flags().StringVar(&f.rpc, "rpc", envOr("GOVCHAIN_RPC", ""), "CometBFT RPC (host:port) to read headers from; proofs then come from --node's /v1/state and the bundle is assembled here (env GOVCHAIN_RPC)")
}

// resolve returns the certificate hash and the batch member, if any.
func (f *verifyFlags) resolve(args []string) (string, *bundle.Member, error) {
	file := ""
	if len(args) == 1 {
		file = args[0]
	}
	h, err := certcli.HashArg(file, f.hash, "")
	if err != nil {
		if file == "" && f.hash == "" {
			return "", nil, fmt.Errorf("give FILE (hashed here with SM3) or --hash HEX")
		}
		return "", nil, err
	}
	switch {
	case f.batchFile != "":
		b, err := certcli.ReadBatchFile(f.batchFile)
		if err != nil {
			return "", nil, err
		}
		m, ok := b.Find(h)
		if !ok {
			return "", nil, fmt.Errorf("%s is not a member of the batch in %s", h, f.batchFile)
		}
		return h, &bundle.Member{Root: b.Root, Index: m.Index, Path: m.Path}, nil
	case f.batchRoot != "":
		if f.batchIndex < 0 {
			return "", nil, fmt.Errorf("--batch-root needs --batch-index and --batch-path")
		}
		var path []string
		if f.batchPath != "" {
			path = strings.Split(strings.ToLower(f.batchPath), ",")
		}
		return h, &bundle.Member{Root: strings.ToLower(f.batchRoot), Index: uint64(f.batchIndex), Path: path}, nil
	}
	return h, nil, nil
}

// fetchBundle gets a bundle: assembled here from --node's proofs and
// --rpc's headers, or by --node; privately (by hash prefix) when bits > 0.
// A node's answer that is not a bundle in canonical form is a
// *bundle.Error (bundle.StepDecode): the caller reports it as a failed
// verification.
func (g *globals) fetchBundle(ctx context.Context, f *verifyFlags, hash string, m *bundle.Member, bits int, trustHeight int64, compact bool) (*bundle.Bundle, error) {
	o := verify.Options{Height: f.height, Member: m, TrustHeight: trustHeight, NoSM2: compact, NoDepts: compact}
	if m != nil {
		o.BatchRoot = m.Root
	}
	prefix := ""
	if bits > 0 {
		prefix = hash[:(bits+3)/4]
	}
	if f.rpc != "" {
		r, err := verify.NewRemote(g.Node, f.rpc)
		if err != nil {
			return nil, err
		}
		if prefix != "" {
			return verify.NewBuilder(r).Bucket(ctx, prefix, o)
		}
		return verify.NewBuilder(r).Certificate(ctx, hash, o)
	}
	vo := client.VerifyOptions{Height: f.height, TrustedHeight: trustHeight, Batch: o.BatchRoot, Compact: compact}
	if prefix != "" {
		return g.Client().VerifyPrefix(ctx, prefix, vo)
	}
	b, err := g.Client().VerifyBundle(ctx, hash, vo)
	if err != nil {
		return nil, err
	}
	if m != nil && b.Batch != nil && b.Batch.Root == m.Root {
		// put the holder's path in the bundle, so it verifies on its own
		idx := m.Index
		b.Batch.Index, b.Batch.Path = &idx, m.Path
	}
	return b, nil
}

func (g *globals) trustPath(p string) string {
	if p != "" {
		return p
	}
	return filepath.Join(g.Home, "trust.json")
}

func readTrust(path string) (*bundle.TrustRoot, error) {
	raw, err := clikit.ReadFileMax(path, clikit.MaxSmallFile)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no trust root at %s: get one from the district, or run `govchain verify init-trust --nodes A,B` against nodes you chose", path)
		}
		return nil, err
	}
	t, _, err := bundle.ParseTrustRoot(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

func verifyCmd(g *globals) *cobra.Command {
	var f verifyFlags
	var trustFile, bundleFile, saveBundle, nodes string
	var private bool
	var bits int
	var maxAge time.Duration
	c := &cobra.Command{
		Use:   "verify [FILE]",
		Short: "Verify a certificate file without trusting any single node (light client, offline bundles)",
		Long: `Hash FILE here with SM3 and verify its certificate record — or the proof
that there is none — up to a block header signed by the validators, from a
trust root (trust.json: one header, from the district or from nodes that
agree; see verify init-trust). Header checks follow CometBFT's light client:
more than 1/3 of the trusted validators must sign the newer header (or
intermediate headers are checked), then more than 2/3 of its own set. The SM2
quorum certificate of that header is verified against department keys proven
from state.

The bundle of proofs comes from --node (assembled by it, or here with --rpc),
or from a file (--bundle, no network at all). --private sends only a prefix
of the hash (--prefix-bits, default 20): the node returns every record in
that bucket with proofs that there are no others, and this command picks the
file's own.

Freshness: a node could answer with an older, correctly signed state (a
revoked certificate before its revocation). Online, the chain's latest
height is learned from nodes of at least two departments (trust.json's
sources and --node, or --nodes) and the answer must prove a state no lower
than that less 2 (bundles lag two blocks), its header no older than
--max-age (default 5m); otherwise the verdict is STALE, with what the proofs
say as of their time. Offline (--bundle) the bundle's age is printed first;
--max-age enforces one.

Exit codes: 0 VALID, 2 REVOKED, 3 SUSPENDED, 4 EXPIRED, 5 UNKNOWN (proven not
on chain), 6 verification failed (the proofs do not check out), 7 STALE (the
proven state is older than accepted), 1 any other error (nothing concluded).`,
		Example: `  govchain verify init-trust --nodes 127.0.0.1:26602,127.0.0.1:26612
  govchain verify licence.pdf
  govchain verify --private --prefix-bits 16 licence.pdf
  govchain verify member-0042.pdf --batch-file batch-2026-03.json -o json
  govchain cert bundle --file licence.pdf > b.json && govchain verify --bundle b.json licence.pdf
  govchain verify --bundle b.json --max-age 720h licence.pdf`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			hash, member, err := f.resolve(args)
			if err != nil {
				return err
			}
			trust, err := readTrust(g.trustPath(trustFile))
			if err != nil {
				return err
			}
			var raw []byte
			var fetchErr error
			var policy bundle.Policy
			if bundleFile != "" {
				if raw, err = clikit.ReadFileMax(bundleFile, clikit.MaxDataFile); err != nil {
					return err
				}
				if cmd.Flags().Changed("max-age") {
					policy.MaxAge = maxAge
				}
			} else {
				if !private {
					bits = 0
				} else if bits < 4 || bits > 252 {
					return fmt.Errorf("--prefix-bits must be 4..252")
				}
				ctx, cancel := context.WithTimeout(cmd.Context(), 60*time.Second)
				defer cancel()
				// the chain's latest height, from nodes other than the one
				// answering: no single node decides how recent the answer is
				asked := trustNodes(trust)
				if nodes != "" {
					asked = splitNodes(nodes)
				}
				if policy, err = latestPolicy(ctx, trust.ChainID, append([]string{g.Node}, asked...), maxAge); err != nil {
					return err
				}
				fetch := func(f *verifyFlags) (*bundle.Bundle, error) {
					return g.fetchBundle(ctx, f, hash, member, bits, trust.Height, false)
				}
				b, err := fetch(&f)
				// a node behind the others answers with its own latest
				// state: ask it for the state the others have reached
				if err == nil && f.height == 0 && b.Height < policy.MinHeight {
					b, err = g.fetchAt(ctx, &f, policy.MinHeight, fetch)
				}
				var berr *bundle.Error
				switch {
				case errors.As(err, &berr):
					fetchErr = err // the node's answer is not a bundle: verification failed
				case err != nil:
					return err
				default:
					if raw, err = b.Encode(); err != nil {
						return err
					}
				}
				if saveBundle != "" && fetchErr == nil {
					if err := os.WriteFile(saveBundle, append(raw, '\n'), 0o644); err != nil {
						return err
					}
				}
			}
			now := time.Now()
			var res *bundle.Result
			verr := fetchErr
			if verr == nil {
				res, verr = bundle.Verify(raw, trust, bundle.Input{Hash: hash, Member: member, Now: now})
			}
			if verr == nil {
				verr = res.Judge(now, policy)
			}
			w := cmd.OutOrStdout()
			if verr != nil {
				step := bundle.StepOf(verr)
				out := map[string]any{"verdict": "FAILED", "hash": hash, "step": step, "error": verr.Error()}
				if err := g.Emit(w, out, func(w io.Writer) {
					fmt.Fprintf(w, "VERIFICATION FAILED 验证失败 at step %q\n  %v\n  certificate %s\n  (nothing about this certificate can be concluded from this answer)\n", step, verr, hash)
				}); err != nil {
					return err
				}
				return &exitError{code: ExitFailed, quiet: true, err: verr}
			}
			if err := g.Emit(w, res, func(w io.Writer) { printVerifyResult(w, res, trust, bundleFile != "") }); err != nil {
				return err
			}
			if code := verdictExit[res.Verdict]; code != 0 {
				return &exitError{code: code, quiet: true, err: fmt.Errorf("%s", res.Verdict)}
			}
			return nil
		},
	}
	f.register(c)
	c.Flags().StringVar(&trustFile, "trust", "", "trust root file (default $GOVCHAIN_HOME/trust.json)")
	c.Flags().StringVar(&bundleFile, "bundle", "", "verify this bundle file offline (from `govchain cert bundle`)")
	c.Flags().StringVar(&saveBundle, "save-bundle", "", "also write the fetched bundle to this file")
	c.Flags().BoolVar(&private, "private", false, "private lookup: send only a prefix of the hash")
	c.Flags().IntVar(&bits, "prefix-bits", 20, "bits of the hash sent with --private (rounded up to a hex digit; nodes accept 16..32 by default)")
	c.Flags().DurationVar(&maxAge, "max-age", bundle.DefaultMaxAge, "how old the proven state may be, else STALE (0: no bound); with --bundle: no bound unless given")
	c.Flags().StringVar(&nodes, "nodes", "", "comma-separated node API addresses to learn the chain's latest height from, with --node (default: trust.json's sources); two departments must answer")
	c.AddCommand(verifyInitTrustCmd(g), verifyBuildWasmCmd(g))
	return c
}

var verdictChinese = map[string]string{bundle.Valid: "有效", bundle.Revoked: "已撤销", bundle.Suspended: "已暂停",
	bundle.Expired: "已过期", bundle.Unknown: "未登记 (not on chain)", bundle.Stale: "非最新状态"}

func printVerifyResult(w io.Writer, r *bundle.Result, t *bundle.TrustRoot, offline bool) {
	fr := r.Freshness
	if offline && fr != nil {
		// an offline bundle says what was, as of its header: its age first
		fmt.Fprintf(w, "bundle of state %d as of %s: %s old", r.Height, r.AsOf, fr.Age)
		if fr.MaxAge == "" {
			fmt.Fprint(w, " (no maximum age given: later changes are not covered; --max-age D)")
		}
		fmt.Fprintln(w)
	}
	if r.Verdict == bundle.Stale {
		fmt.Fprintf(w, "%s %s: %s %s as of %s (%s ago), not necessarily now\n", r.Verdict, verdictChinese[r.Verdict], r.Proven, verdictChinese[r.Proven], r.AsOf, fr.Age)
		fmt.Fprintf(w, "  %s\n", fr.Reason)
		if !offline {
			fmt.Fprintln(w, "  ask another department's node (--node), or check again")
		}
	} else {
		fmt.Fprintf(w, "%s %s\n", r.Verdict, verdictChinese[r.Verdict])
	}
	fmt.Fprintf(w, "certificate %s\n", r.Hash)
	if c := r.Certificate; c != nil {
		issuer := c.Issuer
		if c.IssuerName != "" {
			issuer += " " + c.IssuerName
		}
		fmt.Fprintf(w, "  type %s, issued by %s on %s", c.Type, issuer, c.IssueDate)
		if c.LicenceNo != "" {
			fmt.Fprintf(w, ", licence %s", c.LicenceNo)
		}
		fmt.Fprintln(w)
		if c.ValidFrom != "" {
			fmt.Fprintf(w, "  valid %s .. %s\n", c.ValidFrom, clikit.OrNoExpiry(c.ValidUntil))
		}
		fmt.Fprintf(w, "  anchored at height %d (%s)\n", c.AnchoredHeight, c.AnchoredTime)
		if c.ChangedHeight > 0 {
			fmt.Fprintf(w, "  %s at height %d (%s), reason %s %s %s\n", c.Status, c.ChangedHeight, c.ChangedTime, c.Reason, c.ReasonName, c.ReasonChinese)
		}
		if c.ReplacedBy != "" {
			fmt.Fprintf(w, "  replaced by %s\n", c.ReplacedBy)
		}
	}
	if r.Note != "" {
		fmt.Fprintf(w, "  %s\n", r.Note)
	}
	fmt.Fprintf(w, "as of %s: state %d, committed by header %d %s\n", r.AsOf, r.Height, r.Header.Height, r.Header.Hash)
	if fr != nil {
		fmt.Fprintf(w, "  age %s", fr.Age)
		if fr.MaxAge != "" {
			fmt.Fprintf(w, " (at most %s)", fr.MaxAge)
		}
		if fr.Latest > 0 {
			fmt.Fprintf(w, "; the chain's latest state is %d (%s), at least %d accepted", fr.Latest, strings.Join(fr.LatestFrom, ", "), fr.MinHeight)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "  ed25519: %d of %d validators signed (power %d/%d)\n", r.Header.Signed, r.Header.Validators, r.Header.SignedPower, r.Header.TotalPower)
	if r.SM2 != nil {
		fmt.Fprintf(w, "  SM2: %s attested (power %d/%d)\n", strings.Join(r.SM2.Depts, ", "), r.SM2.Power, r.SM2.TotalPower)
	} else {
		fmt.Fprintln(w, "  SM2: not checked (the bundle carries no quorum certificate)")
	}
	if r.Private != nil {
		fmt.Fprintf(w, "  private lookup: only %d bits of the hash were sent; %d records in that bucket\n", r.Private.Bits, r.Private.Records)
	}
	fmt.Fprintf(w, "  trust root: header %d %s (%s)\n", t.Height, t.Hash, strings.Join(t.Sources, ", "))
	for _, s := range r.Checks {
		fmt.Fprintf(w, "  ✓ %s\n", s)
	}
}

func splitNodes(s string) []string {
	var out []string
	for _, n := range strings.Split(s, ",") {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, n)
		}
	}
	return out
}

func verifyInitTrustCmd(g *globals) *cobra.Command {
	var nodes, hash, out, period string
	var height int64
	c := &cobra.Command{
		Use:   "init-trust",
		Short: "Write a trust root (trust.json): one header that several nodes, or the district, vouch for",
		Long: `Ask each node in --nodes for its header at one height (default: two below the
lowest latest height among them) and write it as the trust root only if all
of them give the same header hash. The nodes must be different nodes of
different departments (their /v1/status node IDs and departments): the same
node twice, two addresses of one node or two nodes of one department are
refused. Their addresses are kept in trust.json: verify learns the chain's
latest height from them. With --hash (the value the district
publishes), one node suffices and its header must have that hash. Every
later verification starts from this header; keep the file, refresh it
within its trusting period (--trusting-period, default 720h).`,
		Example: `  govchain verify init-trust --nodes 127.0.0.1:26602,127.0.0.1:26612,127.0.0.1:26622
  govchain verify init-trust --nodes gov-node.example:26602 --height 120 --hash 3F1C…`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			list := splitNodes(nodes)
			if len(list) == 0 {
				list = []string{g.Node}
			}
			if len(list) < 2 && hash == "" {
				return fmt.Errorf("give at least two nodes run by different departments (--nodes A,B), or --height and --hash from the district")
			}
			d, err := time.ParseDuration(period)
			if err != nil || d <= 0 {
				return fmt.Errorf("--trusting-period must be a duration such as 720h")
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 60*time.Second)
			defer cancel()
			if height == 0 || hash == "" {
				ss := statuses(ctx, list)
				for _, s := range ss {
					if s.err != nil {
						return s.err
					}
				}
				if hash == "" {
					// agreement means something only between different
					// departments' nodes
					if err := distinctNodes(ss); err != nil {
						return err
					}
				}
				lowest := int64(0)
				for _, s := range ss {
					if lowest == 0 || s.st.Height-2 < lowest {
						lowest = s.st.Height - 2
					}
				}
				if height == 0 {
					height = lowest
				}
			}
			var root *bundle.TrustRoot
			for _, n := range list {
				t, err := client.New(n).VerifyTrust(ctx, height, d)
				if err != nil {
					return fmt.Errorf("%s: %w", n, err)
				}
				if _, err := t.Check(); err != nil {
					return fmt.Errorf("%s sent a bad trust root: %w", n, err)
				}
				if root == nil {
					root = t
				} else if t.Hash != root.Hash || t.ChainID != root.ChainID {
					return fmt.Errorf("nodes disagree on header %d: %s says %s, %s says %s — do not trust either without asking the district", height, list[0], root.Hash, n, t.Hash)
				}
			}
			if hash != "" && !strings.EqualFold(hash, root.Hash) {
				return fmt.Errorf("header %d is %s at %s, the district says %s", height, root.Hash, list[0], strings.ToUpper(hash))
			}
			root.Sources = nil
			for _, n := range list {
				root.Sources = append(root.Sources, "node "+n)
			}
			if hash != "" {
				root.Sources = append(root.Sources, "district-published hash")
			}
			path := g.trustPath(out)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return err
			}
			if err := clikit.WriteJSONFile(path, root); err != nil {
				return err
			}
			return g.Emit(cmd.OutOrStdout(), root, func(w io.Writer) {
				fmt.Fprintf(w, "trust root written to %s\n  chain %s, header %d %s (%s)\n  agreed by: %s\n  usable until %s (trusting period %s)\n",
					path, root.ChainID, root.Height, root.Hash, root.Time, strings.Join(root.Sources, ", "), trustExpiry(root), root.TrustingPeriod)
			})
		},
	}
	c.Flags().StringVar(&nodes, "nodes", "", "comma-separated node API addresses that must agree (default --node)")
	c.Flags().StringVar(&hash, "hash", "", "the header hash the district published for --height")
	c.Flags().Int64Var(&height, "height", 0, "header height (default two below the lowest latest height)")
	c.Flags().StringVar(&out, "out", "", "where to write (default $GOVCHAIN_HOME/trust.json)")
	c.Flags().StringVar(&period, "trusting-period", bundle.DefaultTrustingPeriod.String(), "how long the root may be used")
	return c
}

func trustExpiry(t *bundle.TrustRoot) string {
	tm, err := time.Parse(time.RFC3339Nano, t.Time)
	d, _ := t.Period()
	if err != nil {
		return "?"
	}
	return tm.Add(d).UTC().Format(time.RFC3339)
}

// certVerifyCmds adds `cert bundle` and `cert qr` to the cert command.
func certVerifyCmds(g *globals, root *cobra.Command) {
	for _, c := range root.Commands() {
		if c.Name() == "cert" {
			c.AddCommand(certBundleCmd(g), certQRCmd(g))
		}
	}
}

func certBundleCmd(g *globals) *cobra.Command {
	var f verifyFlags
	var out string
	var withSM2 bool
	var trustHeight int64
	c := &cobra.Command{
		Use:   "bundle [HASH]",
		Short: "Write a certificate's offline proof bundle (verify it anywhere with `govchain verify --bundle`)",
		Long: `Fetch everything needed to verify one certificate with no network: its
record (or proof of absence) with an ICS23 proof, the batch record and the
member's inclusion path (--batch-file), the header that commits the app hash
with its commit and validator set: about 3 KB (the 4 KiB target), small
enough for a QR code's link target or an e-mail. --sm2 adds the SM2 quorum
certificate of that header with the proven department keys and records
(about 16-20 KB: each key proof carries the department's X.509
certificate). The bundle is compact JSON; any change to it is detected.
Any node can produce it: nothing in it needs to be trusted.`,
		Example: `  govchain cert bundle --file licence.pdf > b.json
  govchain cert bundle --file licence.pdf --sm2 --out b-sm2.json
  govchain cert bundle --file bl-0042.txt --batch-file batch-BL-demo.json --out b.json
  govchain verify --bundle b.json licence.pdf`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var hashArg []string
			if len(args) == 1 {
				f.hash = args[0]
			}
			hash, member, err := f.resolve(hashArg)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 60*time.Second)
			defer cancel()
			b, err := g.fetchBundle(ctx, &f, hash, member, 0, trustHeight, !withSM2)
			if err != nil {
				return err
			}
			raw, err := b.Encode()
			if err != nil {
				return err
			}
			raw = append(raw, '\n')
			var gz bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
			zw.Write(raw)
			zw.Close()
			fmt.Fprintf(cmd.ErrOrStderr(), "bundle for %s: %d bytes (%d gzipped)\n", hash, len(raw), gz.Len())
			if out != "" {
				return os.WriteFile(out, raw, 0o644)
			}
			_, err = cmd.OutOrStdout().Write(raw)
			return err
		},
	}
	f.register(c)
	c.Flags().Lookup("hash").Usage = "certificate hash (or give it as HASH)"
	c.Flags().StringVar(&out, "out", "", "write to this file instead of standard output")
	c.Flags().BoolVar(&withSM2, "sm2", false, "also carry the SM2 quorum certificate and the proven department keys and records (~16-20 KB)")
	c.Flags().Int64Var(&trustHeight, "trusted-height", 0, "height of the verifier's trust root: adds intermediate headers if the validators changed since")
	c.Flags().String("file", "", "certificate file, hashed here with SM3")
	c.PreRunE = func(cmd *cobra.Command, args []string) error {
		if file, _ := cmd.Flags().GetString("file"); file != "" {
			h, err := certcli.HashFile(file)
			if err != nil {
				return err
			}
			f.hash = h
		}
		return nil
	}
	return c
}

// VerifyLink is the /verify page's link for a certificate: the hash (and,
// for a batch member, its path) and optionally the trust root travel in
// the URL fragment, which browsers never send to the server.
func VerifyLink(base, hash string, m *bundle.Member, t *bundle.TrustRoot) string {
	u := strings.TrimRight(base, "/") + "/verify#h=" + hash
	if m != nil {
		u += fmt.Sprintf("&b=%s&i=%d&p=%s", m.Root, m.Index, strings.Join(m.Path, ","))
	}
	if t != nil {
		u += fmt.Sprintf("&t=%d-%s", t.Height, t.Hash)
	}
	return u
}

func certQRCmd(g *globals) *cobra.Command {
	var f verifyFlags
	var base, out, trustFile string
	var size int
	c := &cobra.Command{
		Use:   "qr [HASH]",
		Short: "Print or write the QR code of a certificate's verification link (/verify#h=…)",
		Long: `The link opens the node's /verify page, which checks the certificate in the
browser (proofs verified by WebAssembly, nothing sent but a hash prefix).
With --trust, the link also pins the trust root (height and header hash), so
the page does not depend on the node for it. Print it on the certificate.`,
		Example: `  govchain cert qr --file licence.pdf --url https://verify.district.gov.cn --out licence-qr.png
  govchain cert qr 9f66…e1`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				f.hash = args[0]
			}
			if file, _ := cmd.Flags().GetString("file"); file != "" {
				h, err := certcli.HashFile(file)
				if err != nil {
					return err
				}
				f.hash = h
			}
			hash, member, err := f.resolve(nil)
			if err != nil {
				return err
			}
			var t *bundle.TrustRoot
			if trustFile != "" {
				if t, err = readTrust(trustFile); err != nil {
					return err
				}
			}
			if base == "" {
				base = client.New(g.Node).BaseURL
			}
			link := VerifyLink(base, hash, member, t)
			if out != "" {
				if err := qrcode.WriteFile(link, qrcode.Medium, size, out); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s\nQR code written to %s\n", link, out)
				return nil
			}
			q, err := qrcode.New(link, qrcode.Medium)
			if err != nil {
				return err
			}
			return g.Emit(cmd.OutOrStdout(), map[string]string{"link": link}, func(w io.Writer) {
				fmt.Fprint(w, q.ToSmallString(false))
				fmt.Fprintln(w, link)
			})
		},
	}
	f.register(c)
	c.Flags().String("file", "", "certificate file, hashed here with SM3")
	c.Flags().StringVar(&base, "url", "", "base URL of the verification page (default --node)")
	c.Flags().StringVar(&out, "out", "", "write a PNG here instead of printing")
	c.Flags().IntVar(&size, "size", 320, "PNG size in pixels")
	c.Flags().StringVar(&trustFile, "trust", "", "pin this trust root in the link")
	return c
}

var _ = certificate.ValidHash

func verifyBuildWasmCmd(g *globals) *cobra.Command {
	var out, src string
	c := &cobra.Command{
		Use:   "build-wasm",
		Short: "Build the browser verifier (WebAssembly) for nodes without a Go toolchain",
		Long: `Compile chain/proof/bundle's browser verifier to WebAssembly and write
verifier.wasm.gz and wasm_exec.js to --out. Point a node at that directory
with GOVCHAIN_VERIFY_WASM=DIR. Release binaries embed the verifier instead
(go generate ./node/verify/web, then go build -tags embedwasm; see
docs/deploy.md); without either a node builds the verifier itself on the
first request for /verify (which needs Go and this source tree). The
output says whether this binary embeds one.`,
		Example: `  govchain verify build-wasm --out /opt/govchain/verifier`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			embedded, err := web.EmbeddedInfo()
			if err != nil {
				return err
			}
			if src == "" {
				if src, err = web.SourceDir(); err != nil {
					return err
				}
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 15*time.Minute)
			defer cancel()
			a, err := web.Build(ctx, src, out)
			if err != nil {
				return err
			}
			v := struct {
				Dir      string   `json:"dir"`
				SM3      string   `json:"sm3"`
				Size     int      `json:"size"`
				GzipSize int      `json:"gzip_size"`
				Embedded web.Info `json:"embedded"` // the verifier this binary itself embeds
			}{out, a.SM3, a.Size, len(a.WasmGz), embedded}
			return g.Emit(cmd.OutOrStdout(), v, func(w io.Writer) {
				fmt.Fprintf(w, "built %s/verifier.wasm.gz: %.1f MiB of WebAssembly, %.1f MiB gzipped (and wasm_exec.js), SM3 %s\nserve it with GOVCHAIN_VERIFY_WASM=%s\n",
					out, float64(a.Size)/(1<<20), float64(len(a.WasmGz))/(1<<20), a.SM3, out)
				if embedded.Embedded {
					fmt.Fprintf(w, "(this binary also embeds a verifier: SM3 %s)\n", embedded.SM3)
				}
			})
		},
	}
	c.Flags().StringVar(&out, "out", "verifier", "output directory")
	c.Flags().StringVar(&src, "src", "", "govchain source tree (default: found automatically)")
	return c
}
