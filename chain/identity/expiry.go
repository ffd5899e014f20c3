package identity

import (
	"bytes"
	"fmt"
	"slices"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/govchain/govchain/chain/identity/idtypes"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/state"
)

type (
	ExpiryWarning = idtypes.ExpiryWarning
	ExpiryReport  = idtypes.ExpiryReport
)

const (
	ExpiryCert  = idtypes.ExpiryCert
	ExpiryCA    = idtypes.ExpiryCA
	ExpiryKey   = idtypes.ExpiryKey
	ExpiryAdmin = idtypes.ExpiryAdmin
)

// Expiring lists what expires by now+horizon or has expired: active
// identities' certificates, trusted CAs' certificates, keys retiring after
// a rotation, and departments whose every active admin key is bound to a
// certificate that lapses within the horizon (after that the department
// can neither manage its officers nor vote, and only governance restores
// it). It reads kv only; the node calls it for its status and metrics.
// Admin lock-outs come first, then the soonest expiry.
func Expiring(kv state.KV, now time.Time, horizon time.Duration) ([]ExpiryWarning, error) {
	x, err := NewExpiryIndex(kv)
	if err != nil {
		return nil, err
	}
	return x.Expiring(now, horizon), nil
}

// ExpiryIndex holds what Expiring reads of the state: the expiry dates and
// admin roles of active accounts, the dates of trusted CAs and the active
// departments. A node keeps one up to date from each block's writes
// (Apply) instead of reading every identity again.
type ExpiryIndex struct {
	accts map[string]expAcct // by store key
	cas   map[string]expCA
	depts map[string]expDept
}

type expAcct struct {
	dept, id, name, serial, rotatedTo string
	notAfter, retireHeight            int64
	admin                             bool
}

type expCA struct {
	dept, id, kind, cn string
	notAfter           int64
}

type expDept struct{ code, name string }

var (
	acctPrefix = []byte("id/acct/")
	deptPrefix = []byte("id/dept/")
)

// NewExpiryIndex reads the identities of kv.
func NewExpiryIndex(kv state.KV) (*ExpiryIndex, error) {
	x := &ExpiryIndex{accts: map[string]expAcct{}, cas: map[string]expCA{}, depts: map[string]expDept{}}
	for _, p := range [][]byte{acctPrefix, caPrefix(), deptPrefix} {
		err := state.IteratePrefix(kv, p, true, func(k, v []byte) (bool, error) {
			return true, x.Apply(k, v)
		})
		if err != nil {
			return nil, err
		}
	}
	return x, nil
}

// Touches reports whether a write of key can change the index.
func (x *ExpiryIndex) Touches(key []byte) bool {
	return bytes.HasPrefix(key, acctPrefix) || bytes.HasPrefix(key, caPrefix()) || bytes.HasPrefix(key, deptPrefix)
}

// Apply brings the index up to a write of the state: key set to value, or
// deleted when value is nil. Other keys than identities' are ignored.
func (x *ExpiryIndex) Apply(key, value []byte) error {
	k := string(key)
	delete(x.accts, k)
	delete(x.cas, k)
	delete(x.depts, k)
	if value == nil {
		return nil
	}
	var acct Account
	var ca CA
	var dept Department
	switch {
	case bytes.HasPrefix(key, acctPrefix):
		if _, err := module.GetJSONBytes(value, &acct); err != nil {
			return err
		}
		e := expAcct{dept: acct.Dept, id: acct.KeyID.String(), name: acct.Name, serial: acct.CertSerial, rotatedTo: acct.RotatedTo,
			notAfter: acct.NotAfter, retireHeight: acct.RetireHeight, admin: slices.Contains(acct.Roles, RoleAdmin)}
		if acct.Status == StatusActive && (e.admin || e.notAfter != 0 || e.retireHeight > 0) {
			x.accts[k] = e
		}
	case bytes.HasPrefix(key, caPrefix()):
		if _, err := module.GetJSONBytes(value, &ca); err != nil || ca.Retired > 0 {
			return err
		}
		c, err := smx509.ParseCertificate(ca.Cert)
		if err != nil {
			return fmt.Errorf("stored CA %s: %w", ca.KeyID, err)
		}
		x.cas[k] = expCA{dept: ca.Dept, id: ca.KeyID, kind: ca.Kind, cn: c.Subject.CommonName, notAfter: c.NotAfter.Unix()}
	case bytes.HasPrefix(key, deptPrefix):
		if _, err := module.GetJSONBytes(value, &dept); err != nil {
			return err
		}
		if dept.Status == StatusActive {
			x.depts[k] = expDept{code: dept.Code, name: dept.Name}
		}
	}
	return nil
}

// sortedKeys is m's keys in the state's (byte) order, the order a scan of
// the store meets them in.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// Expiring is the package's Expiring over the indexed state.
func (x *ExpiryIndex) Expiring(now time.Time, horizon time.Duration) []ExpiryWarning {
	var out []ExpiryWarning
	until := now.Add(horizon).Unix()
	type adminSpan struct {
		last  int64 // latest NotAfter of its admin keys
		never bool  // an admin key without certificate
	}
	admins := map[string]*adminSpan{}
	for _, k := range sortedKeys(x.accts) {
		a := x.accts[k]
		if a.admin {
			s := admins[a.dept]
			if s == nil {
				s = &adminSpan{}
				admins[a.dept] = s
			}
			if a.notAfter == 0 {
				s.never = true
			} else if a.notAfter >= now.Unix() {
				s.last = max(s.last, a.notAfter)
			}
		}
		if a.notAfter != 0 && a.notAfter <= until {
			out = append(out, dated(ExpiryCert, a.dept, a.id, a.name, a.notAfter, now,
				fmt.Sprintf("certificate %s of key %s (%s, %s)", a.serial, a.id, a.name, a.dept)))
		}
		if a.retireHeight > 0 {
			out = append(out, ExpiryWarning{Kind: ExpiryKey, Dept: a.dept, ID: a.id, Name: a.name, RetireHeight: a.retireHeight,
				Message: fmt.Sprintf("key %s (%s, %s) retires at the end of block %d; its successor is %s", a.id, a.name, a.dept, a.retireHeight, a.rotatedTo)})
		}
	}
	for _, k := range sortedKeys(x.cas) {
		r := x.cas[k]
		if r.notAfter <= until {
			out = append(out, dated(ExpiryCA, r.dept, r.id, r.cn, r.notAfter, now,
				fmt.Sprintf("%s CA %s (%s)", r.kind, r.id, r.cn)))
		}
	}
	var lock []ExpiryWarning
	for _, k := range sortedKeys(x.depts) {
		d := x.depts[k]
		s := admins[d.code]
		if s == nil || s.never {
			continue
		}
		w := ExpiryWarning{Kind: ExpiryAdmin, Dept: d.code, ID: d.code, Name: d.name, NotAfter: s.last}
		switch {
		case s.last == 0:
			w.Expired = true
			w.Message = fmt.Sprintf("department %s is LOCKED OUT: the certificate of every admin key has expired, so it can neither manage its officers nor vote; "+
				"another department proposes `gov propose execute identity.renew_cert` (or identity.rotate_key) to restore it", d.code)
		case s.last <= until:
			w.Message = fmt.Sprintf("department %s: the certificate of its last admin key expires %s (in %s); after that it is locked out. "+
				"Renew one now (`govchain tx renew-cert`) or rotate to a new admin key (`govchain tx rotate-key --cert`)", d.code,
				time.Unix(s.last, 0).UTC().Format(time.RFC3339), left(s.last, now))
		default:
			continue
		}
		lock = append(lock, w)
	}
	slices.SortStableFunc(out, func(x, y ExpiryWarning) int {
		kx, ky := x.NotAfter, y.NotAfter
		if kx == 0 {
			kx = 1 << 62
		}
		if ky == 0 {
			ky = 1 << 62
		}
		switch {
		case kx < ky:
			return -1
		case kx > ky:
			return 1
		}
		return 0
	})
	return append(lock, out...)
}

func dated(kind, dept, id, name string, notAfter int64, now time.Time, what string) ExpiryWarning {
	w := ExpiryWarning{Kind: kind, Dept: dept, ID: id, Name: name, NotAfter: notAfter, Expired: notAfter < now.Unix()}
	at := time.Unix(notAfter, 0).UTC().Format(time.RFC3339)
	if w.Expired {
		w.Message = fmt.Sprintf("%s EXPIRED %s", what, at)
	} else {
		w.Message = fmt.Sprintf("%s expires %s (in %s)", what, at, left(notAfter, now))
	}
	return w
}

func left(notAfter int64, now time.Time) string {
	d := time.Unix(notAfter, 0).Sub(now)
	if d >= 48*time.Hour {
		return fmt.Sprintf("%d days", int(d/(24*time.Hour)))
	}
	if d < time.Hour {
		return d.Round(time.Second).String()
	}
	return d.Truncate(time.Minute).String()
}
