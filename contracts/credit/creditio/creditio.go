// Package creditio is the client side of the credit module: it seals event
// details (a fresh SM4 data key and nonce per event, generated here and
// never by the contract), wraps the data key with SM2 for the readers'
// keys, opens envelopes with a department key, turns subject identifiers
// into on-chain references, and reads CSV/xlsx import files.
//
// Nothing in this package runs inside the chain: it uses randomness.
package creditio

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/contracts/credit/credittypes"
)

// Details is the plaintext of an event's sealed details. Personal data
// (a person's ID number and name) lives only here, encrypted.
type Details struct {
	SubjectID   string `json:"subject_id"` // USCC or citizen ID number
	SubjectName string `json:"subject_name,omitempty"`
	Text        string `json:"text,omitempty"`
}

// Reader is a key an event's data key is wrapped for.
type Reader struct {
	Dept  string
	KeyID string
	Key   *smcrypto.PublicKey
}

// Seal encrypts plaintext for readers: a fresh 16-byte SM4 key and random
// nonce, SM4-GCM with the event's DetailsAAD, and the key wrapped with SM2
// for each reader (sorted by department and key id, as the chain wants).
func Seal(kind, subjectRef, decisionNo string, plaintext []byte, readers []Reader) (credittypes.Envelope, error) {
	var env credittypes.Envelope
	if len(readers) == 0 {
		return env, fmt.Errorf("no reader keys to wrap the data key for")
	}
	key, err := newDataKey()
	if err != nil {
		return env, err
	}
	ct, err := smcrypto.SealSM4GCM(key, plaintext, credittypes.DetailsAAD(kind, subjectRef, decisionNo))
	if err != nil {
		return env, err
	}
	rs := append([]Reader(nil), readers...)
	sort.Slice(rs, func(i, j int) bool {
		if rs[i].Dept != rs[j].Dept {
			return rs[i].Dept < rs[j].Dept
		}
		return rs[i].KeyID < rs[j].KeyID
	})
	env = credittypes.Envelope{Scheme: credittypes.Scheme, Ciphertext: ct}
	for i, r := range rs {
		if i > 0 && r.KeyID == rs[i-1].KeyID {
			continue
		}
		w, err := r.Key.Encrypt(key)
		if err != nil {
			return env, fmt.Errorf("wrap for %s key %s: %w", r.Dept, r.KeyID, err)
		}
		env.Wraps = append(env.Wraps, credittypes.Wrap{Dept: r.Dept, KeyID: r.KeyID, WrappedKey: w})
	}
	return env, nil
}

// SealDetails is Seal of d's JSON encoding.
func SealDetails(kind, subjectRef, decisionNo string, d Details, readers []Reader) (credittypes.Envelope, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return credittypes.Envelope{}, err
	}
	return Seal(kind, subjectRef, decisionNo, b, readers)
}

// ErrNoWrap is returned by Open when the record has no wrap for the key.
var ErrNoWrap = errors.New("not an authorised reader")

// ErrNotThisEvent is returned (wrapped in a *NotThisEventError) by Open
// when the data key unwraps but the details do not open under the event's
// binding (DetailsAAD of its kind, subject and decision number).
var ErrNotThisEvent = errors.New("details do not belong to this event")

// NotThisEventError says that an event's details were sealed for another
// event: SealedFor names it when one of the candidates given to Open is
// the event they open under, else it is empty (the event they were copied
// from is not among the candidates, or the ciphertext was altered).
type NotThisEventError struct {
	Event     string              // the event read
	SealedFor *credittypes.Record // the event the details open under, if found
	Binding   string              // the event's kind, subject and decision number
}

func (e *NotThisEventError) Error() string {
	if f := e.SealedFor; f != nil {
		return fmt.Sprintf("details are sealed for event %s (%s %s decision %q of %s), not this event %s: they were copied from it", f.ID, f.Dept, f.Kind, f.DecisionNo, f.SubjectRef, e.Event)
	}
	return fmt.Sprintf("the details of event %s do not belong to it: they do not open under its %s, so they were sealed for another event (copied from it) or altered", e.Event, e.Binding)
}

func (e *NotThisEventError) Unwrap() error { return ErrNotThisEvent }

// Open decrypts r's details with k: it finds the wrap for k's key id,
// unwraps the data key with SM2 and opens the SM4-GCM box bound to r's
// kind, subject and decision number. When the box does not open under r's
// binding, the error is a *NotThisEventError; candidates (other events,
// e.g. the subject's history) are tried to name the event the details were
// sealed for: opening under another event's binding is proof of it.
func Open(r *credittypes.Record, k *smcrypto.PrivateKey, candidates ...*credittypes.Record) ([]byte, error) {
	id := k.PublicKey().ID().String()
	var wrap *credittypes.Wrap
	var readers []string
	for i, w := range r.Details.Wraps {
		if i == 0 || w.Dept != r.Details.Wraps[i-1].Dept {
			readers = append(readers, w.Dept+" (keys "+w.KeyID)
		} else {
			readers[len(readers)-1] += ", " + w.KeyID
		}
		if w.KeyID == id {
			wrap = &r.Details.Wraps[i]
		}
	}
	if wrap == nil {
		return nil, fmt.Errorf("%w: the details of event %s are wrapped only for %s); key %s is not one of them", ErrNoWrap, r.ID, strings.Join(readers, "), "), id)
	}
	key, err := k.Decrypt(wrap.WrappedKey)
	if err != nil {
		return nil, fmt.Errorf("unwrap the data key of event %s with key %s: %w", r.ID, id, err)
	}
	pt, err := smcrypto.OpenSM4GCM(key, r.Details.Ciphertext, credittypes.DetailsAAD(r.Kind, r.SubjectRef, r.DecisionNo))
	if errors.Is(err, smcrypto.ErrDecryption) {
		e := &NotThisEventError{Event: r.ID, Binding: fmt.Sprintf("binding (kind %s, subject %s, decision number %q)", r.Kind, r.SubjectRef, r.DecisionNo)}
		for _, c := range candidates {
			if c == nil || c.ID == r.ID {
				continue
			}
			if _, err := smcrypto.OpenSM4GCM(key, r.Details.Ciphertext, credittypes.DetailsAAD(c.Kind, c.SubjectRef, c.DecisionNo)); err == nil {
				e.SealedFor = c
				break
			}
		}
		return nil, e
	}
	if err != nil {
		return nil, fmt.Errorf("open the details of event %s: %w", r.ID, err)
	}
	return pt, nil
}

// Wrap modes: which keys of an authorised department get a wrap.
const (
	WrapAdmin = "admin" // the department's active admin keys
	WrapAll   = "all"   // every active key of the department
)

// SelectReaders picks reader keys from the identity registry: for each
// department in depts (which must exist and be active), its active admin
// keys (mode admin) or all its active keys (mode all); plus self, the
// recording key, so the officer who records can read it back.
func SelectReaders(depts []identity.Department, accounts []identity.Account, want []string, mode string, self *smcrypto.PublicKey) ([]Reader, error) {
	if mode != WrapAdmin && mode != WrapAll {
		return nil, fmt.Errorf("wrap mode %q must be %s or %s", mode, WrapAdmin, WrapAll)
	}
	active := map[string]bool{}
	for _, d := range depts {
		active[d.Code] = d.Status == identity.StatusActive
	}
	wantSet := map[string]bool{}
	for _, d := range want {
		ok, known := active[d]
		switch {
		case !known:
			return nil, fmt.Errorf("department %s is not on chain", d)
		case !ok:
			return nil, fmt.Errorf("department %s is not active", d)
		}
		wantSet[d] = true
	}
	var out []Reader
	found := map[string]bool{}
	selfID := ""
	if self != nil {
		selfID = self.ID().String()
	}
	for _, a := range accounts {
		if a.Status != identity.StatusActive || !active[a.Dept] {
			continue
		}
		isAdmin := false
		for _, r := range a.Roles {
			if r == identity.RoleAdmin {
				isAdmin = true
			}
		}
		take := wantSet[a.Dept] && (mode == WrapAll || isAdmin) || a.KeyID.String() == selfID
		if !take {
			continue
		}
		pk, err := smcrypto.ParsePublicKey(a.PublicKey)
		if err != nil {
			return nil, fmt.Errorf("key %s of %s: %w", a.KeyID, a.Dept, err)
		}
		out = append(out, Reader{Dept: a.Dept, KeyID: a.KeyID.String(), Key: pk})
		found[a.Dept] = true
	}
	for d := range wantSet {
		if !found[d] {
			return nil, fmt.Errorf("department %s has no active %s key to wrap for", d, map[string]string{WrapAdmin: "admin", WrapAll: ""}[mode])
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Dept != out[j].Dept {
			return out[i].Dept < out[j].Dept
		}
		return out[i].KeyID < out[j].KeyID
	})
	return out, nil
}
