package node

import (
	catalog "github.com/govchain/govchain/catalog-chain"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/contracts/certificate"
	"github.com/govchain/govchain/contracts/credit"
	"github.com/govchain/govchain/contracts/gov"
	"github.com/govchain/govchain/contracts/recognition"
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
