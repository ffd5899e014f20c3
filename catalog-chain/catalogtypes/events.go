package catalogtypes

// Name is the module name, its codespace and its key prefix (package
// catalog re-exports it).
const Name = "catalog"

// The events the contract emits, by type. CometBFT indexes every attribute
// (node/explore searches and counts them); a tx search names them as
// type.attribute, e.g. catalog.share.requester='…'.
const (
	EventDuty            = Name + ".duty"
	EventResource        = Name + ".resource"
	EventItemOwner       = Name + ".item_owner"
	EventTable           = Name + ".table"
	EventShare           = Name + ".share"
	EventDelivery        = Name + ".delivery"
	EventItemTransferred = Name + ".item_transferred"
	EventAttest          = Name + ".attest"
	EventResolved        = Name + ".resolved"
)

// EventAttrs are each event's attributes, in the order the contract emits
// them (TestEventsAsDeclared holds the contract to this table). One event
// has two forms: EventDelivery is emitted with id share rows batch_sm3 when
// a delivery is recorded and with id share status when it is acknowledged;
// each form is the table's list with the other form's attributes left out.
var EventAttrs = map[string][]string{
	EventDuty:            {"id", "version"},
	EventResource:        {"code", "provider", "version"},
	EventItemOwner:       {"key", "owner"},
	EventTable:           {"id", "version", "schema_sm3"},
	EventShare:           {"id", "resource", "requester", "provider", "status"},
	EventDelivery:        {"id", "share", "rows", "batch_sm3", "status"},
	EventItemTransferred: {"key", "from", "to"},
	EventAttest:          {"id", "target", "subject", "verdict", "owner"},
	EventResolved:        {"id", "outcome"},
}

// Attr names one attribute of an event in a search: "catalog.share.requester".
func Attr(event, attr string) string { return event + "." + attr }
