package node

import (
	"github.com/govchain/govchain/catalog-chain/catalogtypes"
	"github.com/govchain/govchain/contracts/certificate/certtypes"
	"github.com/govchain/govchain/contracts/credit/credittypes"
	"github.com/govchain/govchain/contracts/gov/govtypes"
)

// IndexedAttrs are the tx event attributes the node's CometBFT tx indexer
// indexes, by event type: the ones a search queries (node/explore: its
// conditions, the department counts, and the --query examples of the
// docs). Every other attribute is still in each tx's results (explore tx,
// explore block, websocket subscriptions) but costs no index write; a
// `tx_search` on it finds nothing. TestSearchesQueryIndexedAttrs
// (node/explore) holds the explorer to this list.
var IndexedAttrs = map[string][]string{
	"tx": {"type", "signer", "dept"},

	"identity.registered":    {"key_id", "dept"},
	"identity.status":        {"key_id"},
	"identity.ca_registered": {"ca"},
	"identity.cert_admitted": {"key_id"},
	"identity.cert_revoked":  {"key_id"},

	govtypes.EventProposed: {"id", "proposer"},
	govtypes.EventVoted:    {"id", "dept", "vote"},
	govtypes.EventExecuted: {"id"},
	govtypes.EventFailed:   {"id"},

	certtypes.EventAnchored:      {"hash", "issuer"},
	certtypes.EventBatchAnchored: {"root", "issuer"},
	certtypes.EventStatus:        {"hash", "status", "issuer"},
	certtypes.EventReissued:      {"old", "new"},
	certtypes.EventTypeDefined:   {"code"},

	catalogtypes.EventDuty:            {"id"},
	catalogtypes.EventTable:           {"id"},
	catalogtypes.EventShare:           {"id", "resource", "requester", "provider"},
	catalogtypes.EventDelivery:        {"id", "share"},
	catalogtypes.EventAttest:          {"id"},
	catalogtypes.EventResolved:        {"id"},
	catalogtypes.EventResource:        {"code", "provider"},
	catalogtypes.EventItemOwner:       {"key"},
	catalogtypes.EventItemTransferred: {"key"},

	credittypes.EventRecorded: {"id", "subject_ref", "dept"},
	credittypes.EventRepaired: {"id", "repair", "subject_ref"},
}

var indexedSet = func() map[string]bool {
	m := map[string]bool{}
	for ev, keys := range IndexedAttrs {
		for _, k := range keys {
			m[ev+"."+k] = true
		}
	}
	return m
}()

// Indexed reports whether the node indexes attribute key of tx events of
// type event (chain.App.SetIndexed).
func Indexed(event, key string) bool { return indexedSet[event+"."+key] }
