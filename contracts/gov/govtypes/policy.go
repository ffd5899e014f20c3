package govtypes

import (
	"fmt"
	"strconv"
	"strings"
)

// Policy decides how many of the eligible departments must approve.
type Policy struct {
	Rule string `json:"rule"`          // ALL | ANY | MAJORITY | N | FRACTION
	N    int    `json:"n,omitempty"`   // for N: approvals needed
	Num  int    `json:"num,omitempty"` // for FRACTION: at least Num/Den of eligible
	Den  int    `json:"den,omitempty"`
}

const (
	RuleAll      = "ALL"
	RuleAny      = "ANY"
	RuleMajority = "MAJORITY"
	RuleN        = "N"
	RuleFraction = "FRACTION"
)

// ParsePolicy reads "ALL", "ANY", "MAJORITY", "3" or "2/3".
func ParsePolicy(s string) (Policy, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	switch s {
	case RuleAll, RuleAny, RuleMajority:
		return Policy{Rule: s}, nil
	}
	if num, den, ok := strings.Cut(s, "/"); ok {
		n, err1 := strconv.Atoi(num)
		d, err2 := strconv.Atoi(den)
		p := Policy{Rule: RuleFraction, Num: n, Den: d}
		if err1 != nil || err2 != nil {
			return p, fmt.Errorf("policy %q: a fraction is NUM/DEN", s)
		}
		return p, p.Validate()
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return Policy{}, fmt.Errorf("policy %q: want ALL, ANY, MAJORITY, an integer or a fraction like 2/3", s)
	}
	p := Policy{Rule: RuleN, N: n}
	return p, p.Validate()
}

func (p Policy) Validate() error {
	switch p.Rule {
	case RuleAll, RuleAny, RuleMajority:
		if p.N != 0 || p.Num != 0 || p.Den != 0 {
			return fmt.Errorf("policy %s takes no numbers", p.Rule)
		}
	case RuleN:
		if p.N < 1 {
			return fmt.Errorf("policy N needs n >= 1")
		}
	case RuleFraction:
		if p.Den < 1 || p.Num < 1 || p.Num > p.Den {
			return fmt.Errorf("policy fraction %d/%d must be in (0, 1]", p.Num, p.Den)
		}
	default:
		return fmt.Errorf("unknown policy rule %q", p.Rule)
	}
	return nil
}

func (p Policy) String() string {
	switch p.Rule {
	case RuleN:
		return strconv.Itoa(p.N)
	case RuleFraction:
		return fmt.Sprintf("%d/%d", p.Num, p.Den)
	}
	return p.Rule
}

// Threshold is the number of approvals needed among m eligible
// departments. It may exceed m (an n-of-m policy after members left), in
// which case the proposal can never pass.
func (p Policy) Threshold(m int) int {
	switch p.Rule {
	case RuleAll:
		return m
	case RuleAny:
		return 1
	case RuleMajority:
		return m/2 + 1 // strictly more than half: a tie fails
	case RuleN:
		return p.N
	case RuleFraction:
		// at least num/den of m, rounded up, integer arithmetic only
		return (m*p.Num + p.Den - 1) / p.Den
	}
	return m + 1
}

// Outcome of a tally.
const (
	Pending  = "open"
	Passed   = "passed"
	Rejected = "rejected"
)

// Tally decides a proposal from the eligible departments and their votes
// (approve, reject, abstain; absent = not yet voted). Abstentions count as
// not approving; votes of departments no longer eligible do not count.
func (p Policy) Tally(eligible []string, votes map[string]string) (outcome string, approvals, needed int) {
	m := len(eligible)
	needed = p.Threshold(m)
	if needed < 1 {
		needed = 1
	}
	undecided := 0
	for _, d := range eligible {
		switch votes[d] {
		case VoteApprove:
			approvals++
		case "":
			undecided++
		}
	}
	switch {
	case m == 0:
		return Rejected, approvals, needed
	case approvals >= needed:
		return Passed, approvals, needed
	case approvals+undecided < needed:
		return Rejected, approvals, needed
	}
	return Pending, approvals, needed
}

const (
	VoteApprove = "approve"
	VoteReject  = "reject"
	VoteAbstain = "abstain"
)
