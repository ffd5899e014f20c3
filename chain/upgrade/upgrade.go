// Package upgrade holds what everyone reads of governed software upgrades:
// the plan record, the applied record, the history entries, the version
// of the app and of each module, and their state keys. It imports no state
// store, so the CLI and node/client use it; the governance contract writes
// plans (contracts/gov) and the app acts on them (chain/upgrade_app.go).
//
// A plan names a release (its SHA-256) and a height. At that height every
// node halts before executing the block unless its binary registers a
// migration for the plan; such a binary runs the migration first thing in
// FinalizeBlock of that height, once, and moves the versions it declares.
package upgrade

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Prefix is the state key prefix of upgrade records.
const Prefix = "upgrade"

// PlanKey holds the pending plan (at most one): upgrade/plan.
var PlanKey = []byte(Prefix + "/plan")

// DoneKey holds the record of an applied plan: upgrade/done/<name>.
func DoneKey(name string) []byte { return []byte(Prefix + "/done/" + name) }

// DonePrefix is the prefix of every DoneKey.
const DonePrefix = Prefix + "/done/"

// LogKey is history entry seq: upgrade/log/<seq, 20 digits>.
func LogKey(seq uint64) []byte { return []byte(fmt.Sprintf("%s/log/%020d", Prefix, seq)) }

// LogPrefix is the prefix of every LogKey.
const LogPrefix = Prefix + "/log/"

// NextLogKey holds the next history sequence number.
var NextLogKey = []byte(Prefix + "/next_log")

// VersionPrefix is the prefix of the version keys.
const VersionPrefix = "version/"

// App is the name under which the app's own version is stored.
const App = "app"

// VersionKey holds the version of the app (name App) or of a module:
// version/<name>, a decimal number. An absent key means version 1: every
// module and the app start at 1, and only a migration writes the key, so
// a chain created before versions existed reads the same.
func VersionKey(name string) []byte { return []byte(VersionPrefix + name) }

// ParseVersion reads a stored version (nil: 1).
func ParseVersion(b []byte) (uint64, error) {
	if b == nil {
		return 1, nil
	}
	v, err := strconv.ParseUint(string(b), 10, 64)
	if err != nil || v == 0 {
		return 0, fmt.Errorf("version %q is not a positive integer", b)
	}
	return v, nil
}

// FormatVersion is the stored form of v.
func FormatVersion(v uint64) []byte { return []byte(strconv.FormatUint(v, 10)) }

// Plan is a scheduled upgrade, stored at PlanKey until its height.
type Plan struct {
	Name string `json:"name"`
	// Height is the first block the new release executes; the old release
	// halts before executing it.
	Height int64 `json:"height"`
	// SHA256 is the hex SHA-256 of the release to install (lower case).
	SHA256 string `json:"sha256"`
	Notes  string `json:"notes,omitempty"`
	// Proposal that scheduled it and the block it passed in.
	Proposal    uint64 `json:"proposal"`
	ScheduledAt int64  `json:"scheduled_at"`
}

// Applied is the record of a plan a binary migrated at its height.
type Applied struct {
	Plan
	// Versions after the migration (only those it changed).
	Versions map[string]uint64 `json:"versions"`
}

// Entry is one line of the upgrade history.
type Entry struct {
	Seq    uint64 `json:"seq"`
	Event  string `json:"event"`  // scheduled | cancelled | applied
	Height int64  `json:"height"` // block of the event
	Plan   Plan   `json:"plan"`
	// Proposal that cancelled the plan (event cancelled).
	CancelledBy uint64 `json:"cancelled_by,omitempty"`
}

// History events.
const (
	EventScheduled = "scheduled"
	EventCancelled = "cancelled"
	EventApplied   = "applied"
)

// EvApplied is the block event of FinalizeBlock at a plan's height (the
// governance contract emits gov.upgrade_scheduled and gov.upgrade_cancelled).
const EvApplied = "upgrade.applied"

// EventAttrs are the event's attributes, in emission order.
var EventAttrs = map[string][]string{EvApplied: {"name", "height", "app_version"}}

// CheckName: 1..64 characters of a-z 0-9 . _ -, starting with a letter or
// digit (release names such as v1.2.0).
func CheckName(s string) error {
	if len(s) == 0 || len(s) > 64 {
		return fmt.Errorf("upgrade name must be 1..64 characters, got %d", len(s))
	}
	for i, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || i > 0 && (r == '.' || r == '_' || r == '-')
		if !ok {
			return fmt.Errorf("upgrade name %q: character %q at byte %d (allowed: a-z 0-9 . _ -, starting with a letter or digit)", s, r, i)
		}
	}
	return nil
}

// CheckSHA256 wants 64 lower-case hex digits.
func CheckSHA256(s string) error {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 || strings.ToLower(s) != s {
		return fmt.Errorf("sha256 %q: want the release's SHA-256 as 64 lower-case hex digits (sha256sum govchain)", s)
	}
	return nil
}

// Halt is the message a node logs, and exits with, when it reaches a plan
// its binary does not know.
func (p Plan) Halt() string {
	s := fmt.Sprintf("UPGRADE NEEDED: plan %q is scheduled at height %d and this binary does not know it; "+
		"install the release with SHA-256 %s (check: sha256sum govchain) and start the node again", p.Name, p.Height, p.SHA256)
	if p.Notes != "" {
		s += "; notes: " + p.Notes
	}
	return s
}

// Status is the answer of `govchain query upgrade`.
type Status struct {
	Height   int64             `json:"height"` // the state version read
	Pending  *Plan             `json:"pending"`
	Applied  []Applied         `json:"applied"`
	History  []Entry           `json:"history"`
	Versions map[string]uint64 `json:"versions"`
}

// Store is the part of a state view these helpers use (chain/state.KV
// satisfies it; this package imports no store).
type Store interface {
	Get(key []byte) ([]byte, error)
	Set(key, value []byte) error
}

// Pending reads the pending plan, or nil.
func Pending(kv Store) (*Plan, error) {
	b, err := kv.Get(PlanKey)
	if err != nil || b == nil {
		return nil, err
	}
	var p Plan
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("decode %s: %w", PlanKey, err)
	}
	return &p, nil
}

// Version reads the stored version of name (the app or a module).
func Version(kv Store, name string) (uint64, error) {
	b, err := kv.Get(VersionKey(name))
	if err != nil {
		return 0, err
	}
	return ParseVersion(b)
}

// AppendLog adds e to the history with the next sequence number.
func AppendLog(kv Store, e Entry) error {
	b, err := kv.Get(NextLogKey)
	if err != nil {
		return err
	}
	seq := uint64(1)
	if b != nil {
		if seq, err = strconv.ParseUint(string(b), 10, 64); err != nil {
			return fmt.Errorf("%s: %w", NextLogKey, err)
		}
	}
	e.Seq = seq
	v, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if err := kv.Set(LogKey(seq), v); err != nil {
		return err
	}
	return kv.Set(NextLogKey, []byte(strconv.FormatUint(seq+1, 10)))
}
