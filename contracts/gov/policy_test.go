package gov

import (
	"testing"
)

func TestThresholds(t *testing.T) {
	cases := []struct {
		p    string
		m    int
		want int
	}{
		{"ALL", 4, 4}, {"ALL", 1, 1}, {"ANY", 7, 1},
		{"MAJORITY", 4, 3}, {"MAJORITY", 5, 3}, {"MAJORITY", 1, 1}, {"MAJORITY", 2, 2},
		{"3", 4, 3}, {"3", 2, 3},
		{"2/3", 4, 3}, {"2/3", 3, 2}, {"2/3", 6, 4}, {"2/3", 5, 4}, {"1/2", 4, 2}, {"1/1", 4, 4}, {"1/3", 1, 1},
	}
	for _, c := range cases {
		p, err := ParsePolicy(c.p)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Threshold(c.m); got != c.want {
			t.Errorf("%s of %d: threshold %d, want %d", c.p, c.m, got, c.want)
		}
	}
	for _, bad := range []string{"", "SOME", "0", "-1", "3/2", "0/3", "1/0", "a/b"} {
		if _, err := ParsePolicy(bad); err == nil {
			t.Errorf("policy %q accepted", bad)
		}
	}
}

func TestTally(t *testing.T) {
	four := []string{"A", "B", "C", "D"}
	v := func(s ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i+1 < len(s); i += 2 {
			m[s[i]] = s[i+1]
		}
		return m
	}
	cases := []struct {
		policy   string
		eligible []string
		votes    map[string]string
		want     string
	}{
		{"ALL", four, v("A", VoteApprove, "B", VoteApprove, "C", VoteApprove), Pending},
		{"ALL", four, v("A", VoteApprove, "B", VoteApprove, "C", VoteApprove, "D", VoteApprove), Passed},
		{"ALL", four, v("A", VoteApprove, "D", VoteAbstain), Rejected}, // an abstention blocks ALL
		{"ANY", four, v("C", VoteApprove), Passed},
		{"ANY", four, v("A", VoteReject, "B", VoteReject, "C", VoteReject, "D", VoteReject), Rejected},
		{"MAJORITY", four, v("A", VoteApprove, "B", VoteApprove, "C", VoteReject, "D", VoteReject), Rejected}, // tie fails
		{"MAJORITY", four, v("A", VoteApprove, "B", VoteApprove, "C", VoteReject), Pending},
		{"MAJORITY", four, v("A", VoteApprove, "B", VoteApprove, "C", VoteAbstain, "D", VoteApprove), Passed},
		{"MAJORITY", four, v("A", VoteApprove, "B", VoteAbstain, "C", VoteAbstain), Rejected},
		{"3", four, v("A", VoteApprove, "B", VoteApprove, "C", VoteApprove), Passed},
		{"3", []string{"A", "B"}, v("A", VoteApprove, "B", VoteApprove), Rejected}, // members removed: 3 of 2 impossible
		{"2/3", four, v("A", VoteApprove, "B", VoteApprove), Pending},
		{"2/3", four, v("A", VoteApprove, "B", VoteApprove, "C", VoteApprove), Passed},
		{"2/3", four, v("A", VoteReject, "B", VoteReject), Rejected},
		// a member removed mid-vote: its approval no longer counts, the bar drops
		{"2/3", []string{"A", "B", "C"}, v("A", VoteApprove, "B", VoteApprove, "D", VoteApprove), Passed},
		{"ALL", []string{"A", "B", "C"}, v("A", VoteApprove, "B", VoteApprove, "D", VoteApprove), Pending},
		{"MAJORITY", nil, v(), Rejected},
	}
	for i, c := range cases {
		p, _ := ParsePolicy(c.policy)
		got, ap, need := p.Tally(c.eligible, c.votes)
		if got != c.want {
			t.Errorf("case %d (%s, %v, %v): %s (%d/%d), want %s", i, c.policy, c.eligible, c.votes, got, ap, need, c.want)
		}
	}
}
