package gov

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/params"
	"github.com/govchain/govchain/chain/readable"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/contracts/gov/govtypes"
)

type action struct {
	// check validates the action against ctx's state and returns a
	// one-line summary of what it will change.
	check func(ctx *module.Context, raw json.RawMessage) (string, error)
	apply func(ctx *module.Context, p *Proposal) error
}

var actions map[string]action

func init() {
	actions = map[string]action{
		KindAdmitDept:       {checkAdmit, applyAdmit},
		KindRemoveDept:      {checkDeptStatus(identity.StatusRemoved), applyDeptStatus(identity.StatusRemoved)},
		KindSuspendDept:     {checkDeptStatus(identity.StatusSuspended), applyDeptStatus(identity.StatusSuspended)},
		KindReinstateDept:   {checkDeptStatus(identity.StatusActive), applyDeptStatus(identity.StatusActive)},
		KindSetValidator:    {checkSetValidator, applySetValidator},
		KindGrant:           {checkGrant(true), applyGrant(true)},
		KindRevokeGrant:     {checkGrant(false), applyGrant(false)},
		KindGrantRole:       {checkRole(true), applyRole(true)},
		KindRevokeRole:      {checkRole(false), applyRole(false)},
		KindRegisterPartner: {checkPartner, applyPartner},
		KindSetParams:       {checkParams, applyParams},
		KindSetPolicy:       {checkPolicy, applyPolicy},
		KindExecute:         {checkExecute, applyExecute},
		KindSetCreditRules:  {checkCreditRules, applyCreditRules},
		KindUpgrade:         {checkUpgrade, applyUpgrade},
		KindCancelUpgrade:   {checkCancelUpgrade, applyCancelUpgrade},
	}
}

// Kinds lists the action kinds in order.
func Kinds() []string {
	out := make([]string, 0, len(actions))
	for k := range actions {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func decode[T any](raw json.RawMessage) (*T, error) {
	var v T
	if err := module.DecodeCanonical(raw, &v); err != nil {
		return nil, ErrBadAction.Wrapf("%v", err)
	}
	return &v, nil
}

func checkAdmit(ctx *module.Context, raw json.RawMessage) (string, error) {
	m, err := decode[AdmitDept](raw)
	if err != nil {
		return "", err
	}
	if !identity.ValidDeptCode(m.Code) {
		return "", ErrBadAction.Wrapf("department code %q", m.Code)
	}
	if m.Name == "" || len(m.Name) > 128 {
		return "", ErrBadAction.Wrapf("department name must be 1..128 bytes")
	}
	if err := readable.Name(m.Name); err != nil {
		return "", ErrUnreadable.Wrapf("department name %s", err)
	}
	if ok, _ := ctx.Store.Has(identity.DeptKey(m.Code)); ok {
		return "", ErrBadAction.Wrapf("department %s already exists", m.Code)
	}
	pk, err := smcrypto.ParsePublicKey(m.AdminPublicKey)
	if err != nil {
		return "", ErrBadAction.Wrapf("admin public key: %v", err)
	}
	if ok, _ := ctx.Store.Has(identity.AccountKey(pk.ID())); ok {
		return "", ErrBadAction.Wrapf("admin key %s is already registered", pk.ID())
	}
	if len(m.ValidatorKey) != 32 {
		return "", ErrBadAction.Wrapf("validator key must be a 32-byte ed25519 key, got %d bytes", len(m.ValidatorKey))
	}
	if m.Power < 1 || m.Power > 1000 {
		return "", ErrBadAction.Wrapf("power %d outside 1..1000", m.Power)
	}
	if ok, _ := ctx.Store.Has(identity.ValidatorKey(ValidatorAddress(m.ValidatorKey))); ok {
		return "", ErrBadAction.Wrapf("validator key %s already belongs to a department", ValidatorAddress(m.ValidatorKey))
	}
	if err := pk.Verify(AdmissionBinding(ctx.ChainID, m.Code, m.ValidatorKey), m.Binding); err != nil {
		return "", ErrBadAction.Wrapf("binding signature: the department's admin key did not sign this code and validator key (%v)", err)
	}
	return fmt.Sprintf("admit department %s (%s) with admin key %s and validator %s at power %d", m.Code, m.Name, pk.ID(), ValidatorAddress(m.ValidatorKey), m.Power), nil
}

func applyAdmit(ctx *module.Context, p *Proposal) error {
	m, _ := decode[AdmitDept](p.Action)
	pk, _ := smcrypto.ParsePublicKey(m.AdminPublicKey)
	v := &identity.Validator{Type: "ed25519", PubKey: m.ValidatorKey, Power: m.Power}
	if err := identity.PutDept(ctx.Store, &identity.Department{Code: m.Code, Name: m.Name, Status: identity.StatusActive, Validator: v, Since: ctx.Height}); err != nil {
		return err
	}
	if err := ctx.Store.Set(identity.ValidatorKey(ValidatorAddress(m.ValidatorKey)), []byte(m.Code)); err != nil {
		return err
	}
	if err := identity.PutAccount(ctx.Store, &identity.Account{KeyID: pk.ID(), PublicKey: pk.Bytes(), Dept: m.Code, Name: m.Name + " admin",
		Roles: []string{identity.RoleAdmin, identity.RoleOperator}, Status: identity.StatusActive, Created: ctx.Height}); err != nil {
		return err
	}
	ctx.UpdateValidator(module.ValidatorUpdate{PubKeyType: "ed25519", PubKey: m.ValidatorKey, Power: m.Power})
	ctx.Emit(govtypes.EventDeptAdmitted, "dept", m.Code)
	return nil
}

func checkDeptStatus(to string) func(*module.Context, json.RawMessage) (string, error) {
	return func(ctx *module.Context, raw json.RawMessage) (string, error) {
		m, err := decode[DeptRef](raw)
		if err != nil {
			return "", err
		}
		d, err := identity.GetDept(ctx.Store, m.Code)
		if err != nil {
			return "", err
		}
		switch {
		case d.Status == identity.StatusRemoved:
			return "", ErrBadAction.Wrapf("department %s was removed; removal is final", m.Code)
		case to == identity.StatusActive && d.Status != identity.StatusSuspended:
			return "", ErrBadAction.Wrapf("department %s is %s, not suspended", m.Code, d.Status)
		case to != identity.StatusActive && d.Status == to:
			return "", ErrBadAction.Wrapf("department %s is already %s", m.Code, to)
		}
		verb := map[string]string{identity.StatusRemoved: "remove", identity.StatusSuspended: "suspend", identity.StatusActive: "reinstate"}[to]
		s := fmt.Sprintf("%s department %s (%s)", verb, d.Code, d.Name)
		if to == identity.StatusRemoved && d.Validator != nil && d.Validator.Power > 0 {
			s += fmt.Sprintf("; its validator %s (power %d) leaves the set", ValidatorAddress(d.Validator.PubKey), d.Validator.Power)
		}
		return s, nil
	}
}

func applyDeptStatus(to string) func(*module.Context, *Proposal) error {
	return func(ctx *module.Context, p *Proposal) error {
		m, _ := decode[DeptRef](p.Action)
		d, err := identity.GetDept(ctx.Store, m.Code)
		if err != nil {
			return err
		}
		d.Status = to
		if to == identity.StatusRemoved && d.Validator != nil && d.Validator.Power > 0 {
			if err := rotatedThisBlock(ctx, d); err != nil {
				return err
			}
			d.Validator.Power = 0
			ctx.UpdateValidator(module.ValidatorUpdate{PubKeyType: "ed25519", PubKey: d.Validator.PubKey, Power: 0})
		}
		ctx.Emit(govtypes.EventDeptStatus, "dept", d.Code, "status", to)
		return identity.PutDept(ctx.Store, d)
	}
}

func checkSetValidator(ctx *module.Context, raw json.RawMessage) (string, error) {
	m, err := decode[SetValidator](raw)
	if err != nil {
		return "", err
	}
	d, err := identity.GetDept(ctx.Store, m.Code)
	if err != nil {
		return "", err
	}
	if d.Validator == nil {
		return "", ErrBadAction.Wrapf("department %s has no validator key", m.Code)
	}
	if m.Power < 0 || m.Power > 1000 {
		return "", ErrBadAction.Wrapf("power %d outside 0..1000", m.Power)
	}
	if m.Power > 0 && d.Status != identity.StatusActive {
		return "", ErrBadAction.Wrapf("department %s is %s; only active departments validate", m.Code, d.Status)
	}
	if m.Power == d.Validator.Power {
		return "", ErrBadAction.Wrapf("validator of %s already has power %d", m.Code, m.Power)
	}
	return fmt.Sprintf("set validator of %s from power %d to %d", m.Code, d.Validator.Power, m.Power), nil
}

func applySetValidator(ctx *module.Context, p *Proposal) error {
	m, _ := decode[SetValidator](p.Action)
	d, _ := identity.GetDept(ctx.Store, m.Code)
	if m.Power == 0 {
		if err := rotatedThisBlock(ctx, d); err != nil {
			return err
		}
	}
	d.Validator.Power = m.Power
	ctx.UpdateValidator(module.ValidatorUpdate{PubKeyType: "ed25519", PubKey: d.Validator.PubKey, Power: m.Power})
	return identity.PutDept(ctx.Store, d)
}

func checkGrant(give bool) func(*module.Context, json.RawMessage) (string, error) {
	return func(ctx *module.Context, raw json.RawMessage) (string, error) {
		m, err := decode[GrantRef](raw)
		if err != nil {
			return "", err
		}
		if !identity.ValidGrant(m.Grant) {
			return "", ErrBadAction.Wrapf("grant %q: want kind:object, e.g. issuer:BL", m.Grant)
		}
		if _, err := identity.GetDept(ctx.Store, m.Dept); err != nil {
			return "", err
		}
		has, err := identity.HasGrant(ctx.Store, m.Dept, m.Grant)
		if err != nil {
			return "", err
		}
		if give && has {
			return "", ErrBadAction.Wrapf("%s already holds %q", m.Dept, m.Grant)
		}
		if !give && !has {
			return "", ErrBadAction.Wrapf("%s does not hold %q", m.Dept, m.Grant)
		}
		if give {
			return fmt.Sprintf("grant %q to department %s", m.Grant, m.Dept), nil
		}
		return fmt.Sprintf("revoke %q from department %s", m.Grant, m.Dept), nil
	}
}

func applyGrant(give bool) func(*module.Context, *Proposal) error {
	return func(ctx *module.Context, p *Proposal) error {
		m, _ := decode[GrantRef](p.Action)
		if give {
			return identity.SetGrant(ctx.Store, identity.Grant{Dept: m.Dept, Grant: m.Grant, Height: ctx.Height, By: fmt.Sprintf("proposal:%d", p.ID)})
		}
		return identity.DeleteGrant(ctx.Store, m.Dept, m.Grant)
	}
}

// Roles governance may give an identity.
var grantableRoles = map[string]bool{identity.RoleAdmin: true, identity.RoleOperator: true, "auditor": true}

func checkRole(give bool) func(*module.Context, json.RawMessage) (string, error) {
	return func(ctx *module.Context, raw json.RawMessage) (string, error) {
		m, err := decode[RoleRef](raw)
		if err != nil {
			return "", err
		}
		if !grantableRoles[m.Role] {
			return "", ErrBadAction.Wrapf("role %q: admin, operator or auditor", m.Role)
		}
		// No transaction may raise its own signer: not directly, and not
		// through a proposal its own key opened.
		if give && ctx.Signer != nil && !ctx.Signer.Governance && m.KeyID == ctx.Signer.KeyID {
			return "", ErrSelfGrant.Wrapf("key %s proposed a role for itself", m.KeyID)
		}
		a, err := identity.GetAccount(ctx.Store, m.KeyID)
		if err != nil {
			return "", err
		}
		has := false
		for _, r := range a.Roles {
			has = has || r == m.Role
		}
		if give == has {
			return "", ErrBadAction.Wrapf("key %s roles are %v", m.KeyID, a.Roles)
		}
		if give {
			return fmt.Sprintf("give role %s to key %s of %s (%s)", m.Role, m.KeyID, a.Dept, a.Name), nil
		}
		return fmt.Sprintf("take role %s from key %s of %s (%s)", m.Role, m.KeyID, a.Dept, a.Name), nil
	}
}

func applyRole(give bool) func(*module.Context, *Proposal) error {
	return func(ctx *module.Context, p *Proposal) error {
		m, _ := decode[RoleRef](p.Action)
		if give && p.ProposerID == m.KeyID.String() {
			return ErrSelfGrant.Wrapf("key %s proposed a role for itself", m.KeyID)
		}
		a, err := identity.GetAccount(ctx.Store, m.KeyID)
		if err != nil {
			return err
		}
		if give {
			a.Roles = append(a.Roles, m.Role)
		} else {
			kept := a.Roles[:0]
			for _, r := range a.Roles {
				if r != m.Role {
					kept = append(kept, r)
				}
			}
			a.Roles = kept
		}
		return identity.PutAccount(ctx.Store, a)
	}
}

func checkPartner(ctx *module.Context, raw json.RawMessage) (string, error) {
	m, err := decode[Partner](raw)
	if err != nil {
		return "", err
	}
	if !identity.ValidDeptCode(m.ID) {
		return "", ErrBadAction.Wrapf("partner id %q: 2-32 characters A-Z 0-9 _ -", m.ID)
	}
	if m.Kind != "govchain" && m.Kind != "fabric" {
		return "", ErrBadAction.Wrapf("partner kind %q: govchain or fabric", m.Kind)
	}
	if len(m.Name) > 128 {
		return "", ErrBadAction.Wrapf("partner name longer than 128 bytes")
	}
	if err := readable.Name(m.Name); err != nil {
		return "", ErrUnreadable.Wrapf("partner name %s", err)
	}
	if !json.Valid(m.Config) || len(m.Config) > 256<<10 {
		return "", ErrBadAction.Wrapf("partner config must be JSON of at most 256 KiB")
	}
	verb := "register"
	if ok, _ := ctx.Store.Has(PartnerKey(m.ID)); ok {
		verb = "replace the trust anchor of"
	}
	return fmt.Sprintf("%s partner %s (%s, %s)", verb, m.ID, m.Name, m.Kind), nil
}

func applyPartner(ctx *module.Context, p *Proposal) error {
	m, _ := decode[Partner](p.Action)
	return ctx.Store.Set(PartnerKey(m.ID), module.MustJSON(m))
}

func checkParams(ctx *module.Context, raw json.RawMessage) (string, error) {
	m, err := decode[params.Params](raw)
	if err != nil {
		return "", err
	}
	if err := m.Validate(); err != nil {
		return "", ErrBadAction.Wrapf("%v", err)
	}
	old, err := params.Load(ctx.Store)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("set parameters from %+v to %+v", old, *m), nil
}

func applyParams(ctx *module.Context, p *Proposal) error {
	m, _ := decode[params.Params](p.Action)
	return ctx.Store.Set(params.Key, module.MustJSON(m))
}

func checkPolicy(ctx *module.Context, raw json.RawMessage) (string, error) {
	m, err := decode[SetPolicy](raw)
	if err != nil {
		return "", err
	}
	if _, ok := actions[m.Kind]; !ok {
		return "", ErrUnknownKind.Wrapf("%q", m.Kind)
	}
	p, err := ParsePolicy(m.Policy)
	if err != nil {
		return "", ErrBadPolicy.Wrapf("%v", err)
	}
	old, err := PolicyFor(ctx.Store, m.Kind)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("change the policy of %s from %s to %s", m.Kind, old, p), nil
}

func applyPolicy(ctx *module.Context, p *Proposal) error {
	m, _ := decode[SetPolicy](p.Action)
	pol, _ := ParsePolicy(m.Policy)
	return ctx.Store.Set(policyKey(m.Kind), module.MustJSON(pol))
}

func checkExecute(ctx *module.Context, raw json.RawMessage) (string, error) {
	m, err := decode[Execute](raw)
	if err != nil {
		return "", err
	}
	if strings.HasPrefix(m.Type, "gov.") {
		return "", ErrBadAction.Wrapf("a proposal cannot execute governance messages")
	}
	if m.Type == govtypes.MsgSetCreditRules {
		return "", ErrBadAction.Wrapf("%s has its own proposal kind and policy: %s", m.Type, KindSetCreditRules)
	}
	if ctx.Route == nil {
		return "", ErrBadAction.Wrapf("no router")
	}
	r, ok := ctx.Route(m.Type)
	if !ok {
		return "", ErrBadAction.Wrapf("unknown message type %q", m.Type)
	}
	// Dry run on a throwaway cache so a proposal that cannot execute is
	// refused now, not after the votes.
	if !ctx.Signer.Governance {
		dry := ctx.Sub(state.NewCache(ctx.Store), &module.Signer{Dept: ctx.Signer.Dept, Governance: true})
		if err := r.Handle(dry, m.Body); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("execute %s %s with governance authority", m.Type, string(m.Body)), nil
}

func applyExecute(ctx *module.Context, p *Proposal) error {
	m, _ := decode[Execute](p.Action)
	r, _ := ctx.Route(m.Type)
	return r.Handle(ctx, m.Body)
}

// checkCreditRules dry-runs the credit module's set_rules message with
// governance authority on a throwaway cache: a model the module refuses
// (its own codes: overflow-prone weights, negative thresholds, unknown
// event kinds, personal data) is refused now, not after the votes.
func checkCreditRules(ctx *module.Context, raw json.RawMessage) (string, error) {
	if ctx.Route == nil {
		return "", ErrBadAction.Wrapf("no router")
	}
	r, ok := ctx.Route(govtypes.MsgSetCreditRules)
	if !ok {
		return "", ErrBadAction.Wrapf("this chain has no credit module (%s)", govtypes.MsgSetCreditRules)
	}
	dry := ctx.Sub(state.NewCache(ctx.Store), &module.Signer{Dept: ctx.Signer.Dept, Governance: true})
	if err := r.Handle(dry, raw); err != nil {
		return "", err
	}
	var m struct {
		Rules struct {
			Title string `json:"title"`
		} `json:"rules"`
	}
	_ = json.Unmarshal(raw, &m)
	return fmt.Sprintf("install credit scoring model version %s (%q)", string(dry.Data()), m.Rules.Title), nil
}

func applyCreditRules(ctx *module.Context, p *Proposal) error {
	r, _ := ctx.Route(govtypes.MsgSetCreditRules)
	return r.Handle(ctx, p.Action)
}

// rotatedThisBlock refuses to take out of the set a validator key that
// identity.rotate_validator added in this very block: CometBFT would be
// asked to remove a key it does not hold yet and would halt. The proposal
// fails (nothing changes) and can be made again.
func rotatedThisBlock(ctx *module.Context, d *identity.Department) error {
	if d.Validator.ActiveFrom == ctx.Height+2 {
		return ErrBadAction.Wrapf("the validator key of %s was rotated in this block; propose again", d.Code)
	}
	return nil
}
