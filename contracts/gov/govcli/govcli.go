// Package govcli is the governance module's commands: govchain gov
// (propose, one subcommand per kind of change; vote; show; list). The root
// command mounts Commands from its list (cli/root.go); gov binding, which
// signs with the department key of a node's home, is package cli's
// (cli/gov.go).
package govcli

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/chain/upgrade"
	"github.com/govchain/govchain/cli/clikit"
	"github.com/govchain/govchain/contracts/credit/credittypes"
	"github.com/govchain/govchain/contracts/gov/govtypes"
)

// Commands are the module's top-level commands: `govchain gov`.
func Commands(env *clikit.Env) []*cobra.Command { return []*cobra.Command{govCmd(env)} }

func govCmd(env *clikit.Env) *cobra.Command {
	c := &cobra.Command{Use: "gov", Short: "Governance: propose changes, vote, inspect proposals",
		Long: `The network belongs to all departments: membership, validators, grants, roles,
partner trust anchors, parameters and policies change only by proposal. The
proposer's department approves its own proposal; the proposal executes in the
block where its policy is met (ALL, ANY, MAJORITY, n of m, or a fraction such as 2/3
of the active departments), is rejected as soon as the policy can no longer be
met, and expires after its deadline.`}
	c.AddCommand(govProposeCmd(env), govVoteCmd(env), govShowCmd(env), govListCmd(env))
	return c
}

func govProposeCmd(env *clikit.Env) *cobra.Command {
	var f clikit.TxFlags
	var reason string
	var requireAll bool
	var deadline int64
	c := &cobra.Command{Use: "propose", Short: "Open a proposal (one subcommand per kind of change)"}
	send := func(cmd *cobra.Command, kind string, action any) error {
		raw, err := json.Marshal(action)
		if err != nil {
			return err
		}
		return env.Send(cmd, &f, govtypes.MsgPropose, govtypes.Propose{Kind: kind, Action: raw, Reason: reason, RequireAll: requireAll, DeadlineBlocks: deadline})
	}
	add := func(sub *cobra.Command) {
		f.Register(sub)
		sub.Flags().StringVar(&reason, "reason", "", "why, recorded with the proposal")
		sub.Flags().BoolVar(&requireAll, "require-all", false, "raise the policy to ALL (needed to shrink the validator set below min_validators; changes of safety parameters and policies get ALL without it)")
		sub.Flags().Int64Var(&deadline, "deadline-blocks", 0, "voting window in blocks (default: chain parameter)")
		c.AddCommand(sub)
	}
	var infoFile, bindingB64 string
	var power int64
	add(&cobra.Command{
		Use:   "admit-department",
		Short: "Admit a new department: its admin key and validator, from its dept.json and binding signature",
		Example: `  # on the new department's node:
  govchain node init --home /srv/mzj --dept MZJ --name 民政局 ...
  govchain gov binding --home /srv/mzj --chain-id chaoyang-1        # prints the binding signature
  # by an existing department:
  govchain gov propose admit-department --key zwfw-admin --dept-info mzj-dept.json --binding <base64> --reason "joins the catalog chain"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, err := clikit.ReadFileMax(infoFile, clikit.MaxSmallFile)
			if err != nil {
				return err
			}
			var d DeptInfo
			if err := json.Unmarshal(b, &d); err != nil {
				return fmt.Errorf("%s: %w", infoFile, err)
			}
			bind, err := base64.StdEncoding.DecodeString(bindingB64)
			if err != nil {
				return fmt.Errorf("--binding: %w", err)
			}
			return send(cmd, govtypes.KindAdmitDept, govtypes.AdmitDept{Code: d.Code, Name: d.Name, AdminPublicKey: d.AdminPublicKey, ValidatorKey: d.ValidatorPubKey, Power: power, Binding: bind})
		},
	})
	c.Commands()[0].Flags().StringVar(&infoFile, "dept-info", "", "the new department's config/dept.json")
	c.Commands()[0].Flags().StringVar(&bindingB64, "binding", "", "the new department's binding signature (govchain gov binding)")
	c.Commands()[0].Flags().Int64Var(&power, "power", 10, "voting power of its validator")
	for _, k := range []struct{ use, kind, short string }{
		{"remove-department CODE", govtypes.KindRemoveDept, "Remove a department (final); its validator leaves the set"},
		{"suspend-department CODE", govtypes.KindSuspendDept, "Suspend a department: its identities can neither transact nor vote"},
		{"reinstate-department CODE", govtypes.KindReinstateDept, "Reinstate a suspended department"},
	} {
		kind := k.kind
		add(&cobra.Command{Use: k.use, Short: k.short, Args: cobra.ExactArgs(1),
			Example: "  govchain gov propose " + strings.Fields(k.use)[0] + " WJW --key zwfw-admin --reason \"...\"",
			RunE: func(cmd *cobra.Command, args []string) error {
				return send(cmd, kind, govtypes.DeptRef{Code: args[0]})
			}})
	}
	add(&cobra.Command{Use: "set-validator CODE POWER", Short: "Re-weight a department's validator (0 removes it from the set); no department may reach 1/3 of the power", Args: cobra.ExactArgs(2),
		Example: "  govchain gov propose set-validator RSJ 14 --key zwfw-admin   # 14 of 44 on four validators of 10",
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := strconv.ParseInt(args[1], 10, 64)
			if err != nil {
				return fmt.Errorf("POWER: %w", err)
			}
			return send(cmd, govtypes.KindSetValidator, govtypes.SetValidator{Code: args[0], Power: p})
		}})
	for _, k := range []struct{ use, kind, short string }{
		{"grant DEPT GRANT", govtypes.KindGrant, "Give a department a grant, e.g. issuer:BL"},
		{"revoke-grant DEPT GRANT", govtypes.KindRevokeGrant, "Take a grant from a department"},
	} {
		kind := k.kind
		add(&cobra.Command{Use: k.use, Short: k.short, Args: cobra.ExactArgs(2),
			Example: "  govchain gov propose " + strings.Fields(k.use)[0] + " SCJG issuer:BL --key zwfw-admin",
			RunE: func(cmd *cobra.Command, args []string) error {
				return send(cmd, kind, govtypes.GrantRef{Dept: args[0], Grant: args[1]})
			}})
	}
	for _, k := range []struct{ use, kind, short string }{
		{"grant-role KEY_ID ROLE", govtypes.KindGrantRole, "Give an identity a role (admin, operator, auditor); never one's own key"},
		{"revoke-role KEY_ID ROLE", govtypes.KindRevokeRole, "Take a role from an identity"},
	} {
		kind := k.kind
		add(&cobra.Command{Use: k.use, Short: k.short, Args: cobra.ExactArgs(2),
			RunE: func(cmd *cobra.Command, args []string) error {
				id, err := smcrypto.ParseKeyID(args[0])
				if err != nil {
					return err
				}
				return send(cmd, kind, govtypes.RoleRef{KeyID: id, Role: args[1]})
			}})
	}
	var pkind, pname, pconfig string
	partner := &cobra.Command{Use: "register-partner ID", Short: "Register or replace a partner province's trust anchor", Args: cobra.ExactArgs(1),
		Example: "  govchain gov propose register-partner TJ --name 天津市 --kind govchain --config partner-tj.json --key zwfw-admin",
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := clikit.ReadFileMax(pconfig, clikit.MaxSmallFile)
			if err != nil {
				return err
			}
			var compact json.RawMessage
			if err := json.Unmarshal(b, &compact); err != nil {
				return fmt.Errorf("%s: %w", pconfig, err)
			}
			return send(cmd, govtypes.KindRegisterPartner, govtypes.Partner{ID: args[0], Name: pname, Kind: pkind, Config: compact})
		}}
	add(partner)
	partner.Flags().StringVar(&pname, "name", "", "partner name")
	partner.Flags().StringVar(&pkind, "kind", "govchain", "govchain or fabric")
	partner.Flags().StringVar(&pconfig, "config", "", "JSON file with the trust anchor")
	var paramsFile string
	params := &cobra.Command{Use: "set-params", Short: "Replace the chain parameters (JSON file with every field; a change of min_validators or max_dept_power_permille needs every department)", Args: cobra.NoArgs,
		Example: `  echo '{"max_tx_bytes":1048576,"proposal_deadline_blocks":500,"min_validators":4,"max_dept_power_permille":333}' > p.json
  govchain gov propose set-params --file p.json --key zwfw-admin`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, err := clikit.ReadFileMax(paramsFile, clikit.MaxSmallFile)
			if err != nil {
				return err
			}
			var v json.RawMessage
			if err := json.Unmarshal(b, &v); err != nil {
				return err
			}
			return send(cmd, govtypes.KindSetParams, v)
		}}
	add(params)
	params.Flags().StringVar(&paramsFile, "file", "", "parameters JSON")
	add(&cobra.Command{Use: "set-policy KIND POLICY", Short: "Change the policy of an action kind (ALL, ANY, MAJORITY, n, or a fraction like 2/3); needs every department", Args: cobra.ExactArgs(2),
		Example: "  govchain gov propose set-policy grant 2/3 --key zwfw-admin",
		RunE: func(cmd *cobra.Command, args []string) error {
			return send(cmd, govtypes.KindSetPolicy, govtypes.SetPolicy{Kind: args[0], Policy: args[1]})
		}})
	var rulesFile string
	rules := &cobra.Command{Use: "set-credit-rules", Short: "Install a new version of the credit scoring model (JSON file; policy of set_credit_rules, 2/3 by default)", Args: cobra.NoArgs,
		Long: `The model (weights per event kind and severity, decay by age, caps, the
effect of publication end and of repair, black/red list overrides, class
thresholds) is the credit module's; see docs/credit.md. The chain numbers the
version; it applies from the height the proposal passes, and grades at earlier
heights stay answerable under the version then in force.`,
		Example: `  govchain credit rules --template > rules.json      # the rule in force, as a file to edit
  govchain gov propose set-credit-rules --file rules.json --key zwfw-admin --reason "2027 model"
  govchain gov vote <id> approve --key scjg-admin`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, err := clikit.ReadFileMax(rulesFile, clikit.MaxSmallFile)
			if err != nil {
				return err
			}
			// checked here with the chain's own rule (credittypes.ValidateRules)
			r, err := credittypes.DecodeRules(b)
			if err != nil {
				return fmt.Errorf("%s: %w", rulesFile, err)
			}
			return send(cmd, govtypes.KindSetCreditRules, credittypes.SetRules{Rules: *r})
		}}
	add(rules)
	rules.Flags().StringVar(&rulesFile, "file", "", "the model, JSON (the \"rules\" of govchain credit rules -o json)")
	var execType, execBody string
	ex := &cobra.Command{Use: "execute", Short: "Run another module's governance-only message (e.g. catalog.transfer_item)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var v json.RawMessage
			if err := json.Unmarshal([]byte(execBody), &v); err != nil {
				return fmt.Errorf("--body: %w", err)
			}
			return send(cmd, govtypes.KindExecute, govtypes.Execute{Type: execType, Body: v})
		}}
	add(ex)
	ex.Flags().StringVar(&execType, "type", "", "message type")
	ex.Flags().StringVar(&execBody, "body", "", "message body, canonical JSON")
	var upHeight int64
	var upSHA, upBinary, upNotes string
	up := &cobra.Command{Use: "upgrade NAME", Short: "Schedule a software upgrade at a height (policy ALL): nodes without the release halt before that block", Args: cobra.ExactArgs(1),
		Long: `At --height every node halts before executing the block unless its binary
knows the plan NAME; such a binary migrates the state first thing in that
block and carries on. --sha256 (or --binary, hashed here) names the release
every department installs. One plan may be pending at a time; cancel it with
cancel-upgrade before its height. See docs/operator.md, "Upgrade the software".`,
		Example: `  govchain gov propose upgrade v1.3.0 --height 120000 --binary ./govchain-v1.3.0 --notes "renewal notices" --key zwfw-admin
  govchain gov propose upgrade v1.3.0 --height 120000 --sha256 9f2c…e1 --key zwfw-admin
  govchain query upgrade`,
		RunE: func(cmd *cobra.Command, args []string) error {
			sum := strings.ToLower(upSHA)
			if upBinary != "" {
				if sum != "" {
					return fmt.Errorf("give --sha256 or --binary, not both")
				}
				f, err := os.Open(upBinary)
				if err != nil {
					return err
				}
				defer f.Close()
				h := sha256.New()
				if _, err := io.Copy(h, f); err != nil {
					return fmt.Errorf("--binary: %w", err)
				}
				sum = hex.EncodeToString(h.Sum(nil))
			}
			if sum == "" || upHeight <= 0 {
				return fmt.Errorf("--height and one of --sha256, --binary are required")
			}
			return send(cmd, govtypes.KindUpgrade, govtypes.Upgrade{Name: args[0], Height: upHeight, SHA256: sum, Notes: upNotes})
		}}
	add(up)
	up.Flags().Int64Var(&upHeight, "height", 0, "first block the new release executes (must be after the block the proposal passes in)")
	up.Flags().StringVar(&upSHA, "sha256", "", "SHA-256 of the release binary (sha256sum), 64 hex digits")
	up.Flags().StringVar(&upBinary, "binary", "", "the release binary: its SHA-256 is computed here")
	up.Flags().StringVar(&upNotes, "notes", "", "what the release changes, where to get it")
	add(&cobra.Command{Use: "cancel-upgrade NAME", Short: "Call off the pending upgrade plan NAME before its height (policy 2/3)", Args: cobra.ExactArgs(1),
		Example: "  govchain gov propose cancel-upgrade v1.3.0 --key zwfw-admin --reason \"found a bug in the release\"",
		RunE: func(cmd *cobra.Command, args []string) error {
			return send(cmd, govtypes.KindCancelUpgrade, govtypes.CancelUpgrade{Name: args[0]})
		}})
	return c
}

// UpgradeQueryCmd is `govchain query upgrade` (package cli mounts it
// under query): the pending plan, the applied ones, the history and the
// versions in state.
func UpgradeQueryCmd(env *clikit.Env) *cobra.Command {
	return &cobra.Command{Use: "upgrade", Short: "Show the pending upgrade plan, the applied ones, their history and the state's versions", Args: cobra.NoArgs,
		Example: `  govchain query upgrade
  govchain query upgrade -o json
  govchain query state upgrade/plan --prove      # the pending plan, proved
  govchain query state version/certificate --prove`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), 20*time.Second)
			defer cancel()
			st, err := loadUpgrade(ctx, env)
			if err != nil {
				return err
			}
			return env.Emit(cmd.OutOrStdout(), st, func(w io.Writer) {
				fmt.Fprintf(w, "at height %d\n", st.Height)
				if p := st.Pending; p != nil {
					fmt.Fprintf(w, "pending: %s at height %d (%d blocks from now), release SHA-256 %s, proposal %d\n", p.Name, p.Height, p.Height-st.Height, p.SHA256, p.Proposal)
					if p.Notes != "" {
						fmt.Fprintf(w, "  notes: %s\n", p.Notes)
					}
				} else {
					fmt.Fprintln(w, "pending: none")
				}
				for _, a := range st.Applied {
					fmt.Fprintf(w, "applied: %s at height %d, release SHA-256 %s, versions %v\n", a.Name, a.Height, a.SHA256, a.Versions)
				}
				for _, e := range st.History {
					by := ""
					if e.CancelledBy > 0 {
						by = fmt.Sprintf(" by proposal %d", e.CancelledBy)
					}
					fmt.Fprintf(w, "  %4d  height %-8d %-9s %s (plan height %d)%s\n", e.Seq, e.Height, e.Event, e.Plan.Name, e.Plan.Height, by)
				}
				fmt.Fprintf(w, "versions: %v (the app and any module not listed: 1)\n", st.Versions)
			})
		}}
}

func loadUpgrade(ctx context.Context, env *clikit.Env) (*upgrade.Status, error) {
	c := env.Client()
	r, err := c.State(ctx, string(upgrade.PlanKey), 0, false)
	if err != nil {
		return nil, err
	}
	st := &upgrade.Status{Height: r.Height, Applied: []upgrade.Applied{}, History: []upgrade.Entry{}, Versions: map[string]uint64{}}
	if r.Found {
		st.Pending = new(upgrade.Plan)
		if err := json.Unmarshal(r.Value, st.Pending); err != nil {
			return nil, err
		}
	}
	lists := []struct {
		prefix string
		each   func(k string, v []byte) error
	}{
		{upgrade.DonePrefix, func(_ string, v []byte) error {
			var a upgrade.Applied
			st.Applied = append(st.Applied, a)
			return json.Unmarshal(v, &st.Applied[len(st.Applied)-1])
		}},
		{upgrade.LogPrefix, func(_ string, v []byte) error {
			var e upgrade.Entry
			st.History = append(st.History, e)
			return json.Unmarshal(v, &st.History[len(st.History)-1])
		}},
		{upgrade.VersionPrefix, func(k string, v []byte) error {
			n, err := upgrade.ParseVersion(v)
			st.Versions[strings.TrimPrefix(k, upgrade.VersionPrefix)] = n
			return err
		}},
	}
	for _, l := range lists {
		entries, err := c.ListAll(ctx, l.prefix)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if err := l.each(e.Key, e.Value); err != nil {
				return nil, fmt.Errorf("%s: %w", e.Key, err)
			}
		}
	}
	return st, nil
}

func govVoteCmd(env *clikit.Env) *cobra.Command {
	var f clikit.TxFlags
	c := &cobra.Command{Use: "vote ID approve|reject|abstain", Short: "Vote for your department on an open proposal", Args: cobra.ExactArgs(2),
		Example: "  govchain gov vote 3 approve --key scjg-admin",
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseUint(args[0], 10, 64)
			if err != nil {
				return fmt.Errorf("ID: %w", err)
			}
			if err := env.Send(cmd, &f, govtypes.MsgVote, govtypes.CastVote{ID: id, Vote: args[1]}); err != nil {
				return err
			}
			return printProposal(cmd, env, id)
		}}
	f.Register(c)
	return c
}

func govShowCmd(env *clikit.Env) *cobra.Command {
	return &cobra.Command{Use: "show ID", Short: "Show a proposal: what it changes, policy, votes, status", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseUint(args[0], 10, 64)
			if err != nil {
				return fmt.Errorf("ID: %w", err)
			}
			return printProposal(cmd, env, id)
		}}
}

// ProposalView is `gov show`'s JSON.
type ProposalView struct {
	Proposal *govtypes.Proposal `json:"proposal"`
	Votes    []govtypes.Vote    `json:"votes"`
}

func loadProposal(ctx context.Context, env *clikit.Env, id uint64) (*ProposalView, error) {
	c := env.Client()
	r, err := c.State(ctx, string(govtypes.PropKey(id)), 0, false)
	if err != nil {
		return nil, err
	}
	if !r.Found {
		return nil, fmt.Errorf("no proposal %d", id)
	}
	var v ProposalView
	if err := json.Unmarshal(r.Value, &v.Proposal); err != nil {
		return nil, err
	}
	entries, err := c.ListAll(ctx, fmt.Sprintf("gov/vote/%020d/", id))
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		var x govtypes.Vote
		if err := json.Unmarshal(e.Value, &x); err != nil {
			return nil, err
		}
		v.Votes = append(v.Votes, x)
	}
	return &v, nil
}

func printProposal(cmd *cobra.Command, env *clikit.Env, id uint64) error {
	ctx, cancel := context.WithTimeout(cmd.Context(), 10*time.Second)
	defer cancel()
	v, err := loadProposal(ctx, env, id)
	if err != nil {
		return err
	}
	p := v.Proposal
	return env.Emit(cmd.OutOrStdout(), v, func(w io.Writer) {
		fmt.Fprintf(w, "proposal %d: %s\n  will: %s\n", p.ID, strings.ToUpper(p.Status), p.Summary)
		if p.Reason != "" {
			fmt.Fprintf(w, "  reason: %s\n", p.Reason)
		}
		fmt.Fprintf(w, "  proposed by %s at height %d; votes count until height %d\n", p.Proposer, p.Created, p.Deadline)
		fmt.Fprintf(w, "  policy %s: %d of %d needed, %d approvals so far (%d eligible departments)\n", p.Policy, p.Needed, p.Eligible, p.Approvals, p.Eligible)
		for _, x := range v.Votes {
			fmt.Fprintf(w, "    %-6s %-8s at height %d (key %s)\n", x.Dept, x.Vote, x.Height, x.Key)
		}
		if p.Error != "" {
			fmt.Fprintf(w, "  execution failed: %s\n", p.Error)
		}
	})
}

func govListCmd(env *clikit.Env) *cobra.Command {
	var status string
	c := &cobra.Command{Use: "list", Short: "List proposals (newest first)", Args: cobra.NoArgs,
		Example: "  govchain gov list --status open",
		RunE: func(cmd *cobra.Command, _ []string) error {
			entries, err := env.Client().ListAll(cmd.Context(), "gov/prop/")
			if err != nil {
				return err
			}
			var out []govtypes.Proposal
			for i := len(entries) - 1; i >= 0; i-- {
				var p govtypes.Proposal
				if err := json.Unmarshal(entries[i].Value, &p); err != nil {
					return err
				}
				if status == "" || p.Status == status {
					out = append(out, p)
				}
			}
			return env.Emit(cmd.OutOrStdout(), out, func(w io.Writer) {
				if len(out) == 0 {
					fmt.Fprintln(w, "no proposals")
				}
				for _, p := range out {
					fmt.Fprintf(w, "%4d %-8s %-5s %d/%d  %s\n", p.ID, p.Status, p.Proposer, p.Approvals, p.Needed, p.Summary)
				}
			})
		}}
	c.Flags().StringVar(&status, "status", "", "open, passed, rejected, expired or failed")
	return c
}

// DeptInfo is what admit-department reads of a new department's
// config/dept.json (written by govchain node init; the file holds more).
type DeptInfo struct {
	Code            string `json:"code"`
	Name            string `json:"name"`
	AdminPublicKey  []byte `json:"admin_public_key"`
	ValidatorPubKey []byte `json:"validator_pub_key"`
}
