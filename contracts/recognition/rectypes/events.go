package rectypes

// The events the contract emits, by type. CometBFT indexes every attribute
// (node/explore searches and counts them); a tx search names them as
// type.attribute, e.g. recognition.recognised.hash='…'.
const (
	EventAgreementSet  = Name + ".agreement_set"
	EventClientUpdated = Name + ".client_updated"
	EventRecognised    = Name + ".recognised"
	EventRevoked       = Name + ".revoked"
)

// EventAttrs are each event's attributes, in the order the contract emits
// them (TestEventsAsDeclared holds the contract to this table).
var EventAttrs = map[string][]string{
	EventAgreementSet:  {"partner", "partner_type", "local_type"},
	EventClientUpdated: {"partner", "height"},
	EventRecognised:    {"hash", "partner", "partner_height", "partner_type", "local_type"},
	EventRevoked:       {"hash", "partner", "partner_height"},
}

// Attr names one attribute of an event in a search: "recognition.recognised.hash".
func Attr(event, attr string) string { return event + "." + attr }
