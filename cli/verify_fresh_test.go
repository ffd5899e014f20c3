package cli

import (
	"strings"
	"testing"

	"github.com/govchain/govchain/chain/proof/bundle"
	"github.com/govchain/govchain/node/client"
)

// TestDistinctNodes: init-trust's agreement counts only different nodes
// of different departments.
func TestDistinctNodes(t *testing.T) {
	st := func(addr, id, dept string) nodeStatus {
		return nodeStatus{addr: addr, st: &client.Status{NodeID: id, Dept: dept}}
	}
	for _, tc := range []struct {
		name string
		ss   []nodeStatus
		want string
	}{
		{"two departments", []nodeStatus{st("a:1", "id1", "SCJG"), st("b:1", "id2", "RSJ")}, ""},
		{"the same address twice", []nodeStatus{st("a:1", "id1", "SCJG"), st("http://a:1/", "id1", "SCJG")}, "given twice"},
		{"two addresses of one node", []nodeStatus{st("a:1", "id1", "SCJG"), st("10.0.0.1:1", "id1", "SCJG")}, "are the same node (ID id1)"},
		{"two nodes of one department", []nodeStatus{st("a:1", "id1", "RSJ"), st("b:1", "id2", "SCJG"), st("c:1", "id3", "SCJG")}, "both nodes of department SCJG"},
	} {
		err := distinctNodes(tc.ss)
		if (err == nil) != (tc.want == "") || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestTrustNodes(t *testing.T) {
	tr := &bundle.TrustRoot{Sources: []string{"node 127.0.0.1:26602", "node SCJG", "district-published hash", "node gov.example:443"}}
	if got := strings.Join(trustNodes(tr), ","); got != "127.0.0.1:26602,gov.example:443" {
		t.Fatalf("trustNodes: %s", got)
	}
}
