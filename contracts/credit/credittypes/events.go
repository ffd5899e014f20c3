package credittypes

// The events the contract emits, by type. CometBFT indexes every attribute
// (node/explore searches and counts them); a tx search names them as
// type.attribute, e.g. credit.recorded.subject_ref='…'.
const (
	EventBatch    = Name + ".batch"
	EventRecorded = Name + ".recorded"
	EventRepaired = Name + ".repaired"
	// EventClassWorsened: a new event left its subject in a worse risk
	// class (or a new subject in C or D); watchers are the departments
	// watching the subject, comma-separated (subscribe with
	// credit.class_worsened.watchers CONTAINS 'SCJG').
	EventClassWorsened = Name + ".class_worsened"
	EventRulesSet      = Name + ".rules_set"
	EventWatch         = Name + ".watch"
)

// EventAttrs are each event's attributes, in the order the contract emits
// them (TestEventsAsDeclared holds the contract to this table).
var EventAttrs = map[string][]string{
	EventBatch:         {"first", "last", "count", "dept"},
	EventRecorded:      {"id", "kind", "dept", "subject_kind", "subject_ref"},
	EventRepaired:      {"id", "repair", "kind", "subject_ref"},
	EventClassWorsened: {"id", "subject_kind", "subject_ref", "from", "to", "score", "rules_version", "watchers"},
	EventRulesSet:      {"version", "title"},
	EventWatch:         {"dept", "subject_ref", "watch"},
}

// Attr names one attribute of an event in a search: "credit.recorded.id".
func Attr(event, attr string) string { return event + "." + attr }
