package recognition

import (
	"encoding/json"

	"github.com/govchain/govchain/chain/module"
)

// FabricEvidence proves a Fabric partner's certificate record.
type FabricEvidence struct{}

// FabricConfig is gov.Partner.Config for a partner of kind "fabric".
type FabricConfig struct{}

// ParseFabricConfig parses a Fabric partner's config.
func ParseFabricConfig(raw json.RawMessage) (*FabricConfig, error) {
	return nil, ErrBadPartnerConfig.Wrapf("Fabric partners are not supported yet")
}

func verifyFabric(ctx *module.Context, p *partnerInfo, hash string, e *FabricEvidence) (*partnerCert, error) {
	return nil, ErrWrongKind.Wrapf("Fabric partners are not supported yet")
}
