package catalogcli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	catalog "github.com/govchain/govchain/catalog-chain"
	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/cli/clikit"
	"github.com/govchain/govchain/node"
)

// TestCatalogShowFollowsCursors: `catalog show dept` with --prove reads
// every page of a department larger than the default page, checks every
// page's proofs and prints the whole department.
func TestCatalogShowFollowsCursors(t *testing.T) {
	const n = 260
	c := chaintest.New(t, chaintest.Options{Modules: []module.Module{catalog.Module{}}})
	imp := catalog.Import{Duties: []catalog.DutyMsg{{Code: "SCJG-ZZ-001", Name: "市场主体登记注册", LegalBasis: "《机构职能规定》"}}}
	for i := 0; i < n; i++ {
		imp.Resources = append(imp.Resources, catalog.ResourceMsg{Code: fmt.Sprintf("110108-SCJG-%04d", i), Name: fmt.Sprintf("资源%04d", i),
			Duties: []string{"SCJG-ZZ-001"}, Category: "departmental", Sharing: catalog.Unconditional, Open: catalog.NotShared, OpenBasis: "涉及商业秘密",
			UpdateCycle: "daily", Format: "database", Items: []catalog.Item{{Key: fmt.Sprintf("资源%04d.编号", i), Name: "编号", Type: "string", Length: 32, Source: true}}})
	}
	c.MustOK(c.Tx(c.Officer(1), catalog.MsgImport, imp))
	srv := httptest.NewServer((&node.API{App: c.App, MaxBody: 1 << 20}).Handler())
	defer srv.Close()

	cmd := Commands(&clikit.Env{Node: srv.URL, Output: "json"})[0]
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetArgs([]string{"show", "dept", "SCJG", "--prove"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	var a catalogAnswer[catalog.Department]
	if err := json.Unmarshal(out.Bytes(), &a); err != nil {
		t.Fatal(err)
	}
	if len(a.Data.Resources) != n || len(a.Data.Items) != n || len(a.Data.Duties) != 1 || a.NextCursor != "" {
		t.Fatalf("%d resources, %d items, %d duties, next %q; want %d, %d, 1 and no cursor", len(a.Data.Resources), len(a.Data.Items), len(a.Data.Duties), a.NextCursor, n, n)
	}
	if !strings.Contains(a.Verified, fmt.Sprintf("proofs OK: %d entries", 2*n+1)) {
		t.Fatalf("verified: %s", a.Verified)
	}
}
