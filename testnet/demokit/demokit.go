// Package demokit is what a module's demo data needs from the test
// network: its chain id and directory, each node's API client and its
// department's keys, and helpers for fictional identifiers. It imports no
// harness (package testnet), so a module's …demo package lives in the
// module's folder and testnet mounts it from one list (testnet/demo.go).
package demokit

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/contracts/identifier"
	"github.com/govchain/govchain/node/client"
)

// Demo is one module's demo data.
type Demo struct {
	// Module is the module's name: its genesis section.
	Module string
	// Title heads what Seed prints ("certificate (电子证照)").
	Title string
	// Grants are the department grants the demo needs at genesis, by
	// department code (governance grants them on a real network).
	Grants map[string][]string
	// Genesis is the module's genesis section for a demo network (nil: none).
	Genesis func() json.RawMessage
	// Seed submits the demo transactions to a running network after the
	// identity demo data (officer keys), writing what it did to w.
	Seed func(ctx context.Context, n *Net, w io.Writer) error
}

// Net is the running network a demo seeds.
type Net struct {
	ChainID string
	// Dir is the network's directory: demo files go under it, keys are
	// in Dir/keys.
	Dir string
	// Depts is the department code of each node, in node order.
	Depts []string
	// Nodes is the harness behind the network.
	Nodes Nodes
}

// Nodes is what the harness does for node i.
type Nodes interface {
	// Client talks to node i's API.
	Client(i int) *client.Client
	// DeptKey is the admin key of node i's department.
	DeptKey(i int) (*smcrypto.PrivateKey, error)
	// OfficerKey is the demo officer key of node i's department (an error
	// when the identity demo data did not run).
	OfficerKey(i int) (*smcrypto.PrivateKey, error)
}

// Client talks to node i's API.
func (n *Net) Client(i int) *client.Client { return n.Nodes.Client(i) }

// DeptKey is the admin key of node i's department.
func (n *Net) DeptKey(i int) (*smcrypto.PrivateKey, error) { return n.Nodes.DeptKey(i) }

// OperatorKey is the demo officer key of node i's department, or its admin
// key when the identity demo data did not run (both hold the operator role).
func (n *Net) OperatorKey(i int) (*smcrypto.PrivateKey, error) {
	if k, err := n.Nodes.OfficerKey(i); err == nil {
		return k, nil
	}
	return n.Nodes.DeptKey(i)
}

// DeptIndex is the node of department code, or -1.
func (n *Net) DeptIndex(code string) int {
	for i, d := range n.Depts {
		if d == code {
			return i
		}
	}
	return -1
}

// Signer signs with k on node i (it reads k's next sequence there).
func (n *Net) Signer(ctx context.Context, i int, k *smcrypto.PrivateKey) (*client.Signer, error) {
	return client.NewSigner(ctx, n.Client(i), n.ChainID, k)
}

// USCC makes a valid unified social credit code for a fictional company
// in Fuzhou (division 350100).
func USCC(serial int) string {
	body := fmt.Sprintf("91350100MA%07d", serial)
	c, err := identifier.USCCCheckChar(body)
	if err != nil {
		panic(err)
	}
	return body + string(c)
}

// CitizenID makes a valid, fictional citizen ID number.
func CitizenID(area, birth string, seq int) string {
	body := fmt.Sprintf("%s%s%03d", area, birth, seq)
	c, err := identifier.CitizenIDCheckChar(body)
	if err != nil {
		panic(err)
	}
	return body + string(c)
}
