package node

import (
	catalog "github.com/govchain/govchain/catalog-chain"
	"github.com/govchain/govchain/catalog-chain/catalogapi"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/contracts/certificate"
	"github.com/govchain/govchain/contracts/certificate/certapi"
	"github.com/govchain/govchain/contracts/credit"
	"github.com/govchain/govchain/contracts/credit/creditapi"
	"github.com/govchain/govchain/contracts/gov"
	"github.com/govchain/govchain/contracts/recognition"
	"github.com/govchain/govchain/contracts/recognition/recapi"
	"github.com/govchain/govchain/node/apikit"
)

// Modules returns the contract modules every node runs, in a fixed order:
// the order is part of consensus (genesis and end-block run in it), so add
// new modules at the end.
func Modules() []module.Module {
	return []module.Module{
		certificate.Module{},
		gov.Module{},
		catalog.Module{},
		credit.Module{},
		recognition.Module{},
	}
}

// apiMounts are the modules' HTTP routes (each module's …api package,
// docs/architecture.md "Module layout"); the API serves them after its own.
var apiMounts = []func(apikit.Node) []apikit.Route{
	catalogapi.Routes,
	certapi.Routes,
	creditapi.Routes,
	recapi.Routes,
}

// moduleRoutes are the routes of every mounted module, reading n.
func moduleRoutes(n apikit.Node) []apikit.Route {
	var out []apikit.Route
	for _, m := range apiMounts {
		out = append(out, m(n)...)
	}
	return out
}
