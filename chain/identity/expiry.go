package identity

import (
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
	var out []ExpiryWarning
	until := now.Add(horizon).Unix()
	type adminSpan struct {
		last  int64 // latest NotAfter of its admin keys
		never bool  // an admin key without certificate
		any   bool
	}
	admins := map[string]*adminSpan{}
	err := state.IteratePrefix(kv, []byte("id/acct/"), true, func(_, v []byte) (bool, error) {
		var a Account
		if _, err := module.GetJSONBytes(v, &a); err != nil {
			return false, err
		}
		if a.Status != StatusActive {
			return true, nil
		}
		if slices.Contains(a.Roles, RoleAdmin) {
			s := admins[a.Dept]
			if s == nil {
				s = &adminSpan{}
				admins[a.Dept] = s
			}
			s.any = true
			if a.NotAfter == 0 {
				s.never = true
			} else if a.NotAfter >= now.Unix() {
				s.last = max(s.last, a.NotAfter)
			}
		}
		if a.NotAfter != 0 && a.NotAfter <= until {
			out = append(out, dated(ExpiryCert, a.Dept, a.KeyID.String(), a.Name, a.NotAfter, now,
				fmt.Sprintf("certificate %s of key %s (%s, %s)", a.CertSerial, a.KeyID, a.Name, a.Dept)))
		}
		if a.RetireHeight > 0 {
			out = append(out, ExpiryWarning{Kind: ExpiryKey, Dept: a.Dept, ID: a.KeyID.String(), Name: a.Name, RetireHeight: a.RetireHeight,
				Message: fmt.Sprintf("key %s (%s, %s) retires at the end of block %d; its successor is %s", a.KeyID, a.Name, a.Dept, a.RetireHeight, a.RotatedTo)})
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	err = state.IteratePrefix(kv, caPrefix(), true, func(_, v []byte) (bool, error) {
		var r CA
		if _, err := module.GetJSONBytes(v, &r); err != nil {
			return false, err
		}
		if r.Retired > 0 {
			return true, nil
		}
		c, err := smx509.ParseCertificate(r.Cert)
		if err != nil {
			return false, fmt.Errorf("stored CA %s: %w", r.KeyID, err)
		}
		if na := c.NotAfter.Unix(); na <= until {
			out = append(out, dated(ExpiryCA, r.Dept, r.KeyID, c.Subject.CommonName, na, now,
				fmt.Sprintf("%s CA %s (%s)", r.Kind, r.KeyID, c.Subject.CommonName)))
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	var lock []ExpiryWarning
	err = state.IteratePrefix(kv, []byte("id/dept/"), true, func(_, v []byte) (bool, error) {
		var d Department
		if _, err := module.GetJSONBytes(v, &d); err != nil {
			return false, err
		}
		s := admins[d.Code]
		if d.Status != StatusActive || s == nil || s.never {
			return true, nil
		}
		w := ExpiryWarning{Kind: ExpiryAdmin, Dept: d.Code, ID: d.Code, Name: d.Name, NotAfter: s.last}
		switch {
		case s.last == 0:
			w.Expired = true
			w.Message = fmt.Sprintf("department %s is LOCKED OUT: the certificate of every admin key has expired, so it can neither manage its officers nor vote; "+
				"another department proposes `gov propose execute identity.renew_cert` (or identity.rotate_key) to restore it", d.Code)
		case s.last <= until:
			w.Message = fmt.Sprintf("department %s: the certificate of its last admin key expires %s (in %s); after that it is locked out. "+
				"Renew one now (`govchain tx renew-cert`) or rotate to a new admin key (`govchain tx rotate-key --cert`)", d.Code,
				time.Unix(s.last, 0).UTC().Format(time.RFC3339), left(s.last, now))
		default:
			return true, nil
		}
		lock = append(lock, w)
		return true, nil
	})
	if err != nil {
		return nil, err
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
	return append(lock, out...), nil
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
