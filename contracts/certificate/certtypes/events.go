package certtypes

// The events the contract emits, by type. CometBFT indexes every attribute
// (node/explore searches and counts them); a tx search names them as
// type.attribute, e.g. certificate.anchored.hash='…'.
const (
	EventTypeDefined   = Name + ".type_defined"
	EventAnchored      = Name + ".anchored"
	EventBatchAnchored = Name + ".batch_anchored"
	EventStatus        = Name + ".status"
	EventReissued      = Name + ".reissued"
)

// EventAttrs are each event's attributes, in the order the contract emits
// them (TestEventsAsDeclared holds the contract to this table).
var EventAttrs = map[string][]string{
	EventTypeDefined:   {"code", "owner"},
	EventAnchored:      {"hash", "type", "issuer"},
	EventBatchAnchored: {"root", "type", "issuer", "count"},
	EventStatus:        {"hash", "status", "reason", "issuer"},
	EventReissued:      {"old", "new", "reason", "issuer"},
}

// Attr names one attribute of an event in a search: "certificate.anchored.hash".
func Attr(event, attr string) string { return event + "." + attr }
