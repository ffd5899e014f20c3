package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/govchain/govchain/chain/proof/bundle"
	"github.com/govchain/govchain/node/client"
	"github.com/govchain/govchain/node/verify"
)

// nodeStatus is one node's answer to /v1/status.
type nodeStatus struct {
	addr string
	st   *client.Status
	err  error
}

// statuses asks every address for /v1/status at once.
func statuses(ctx context.Context, addrs []string) []nodeStatus {
	out := make([]nodeStatus, len(addrs))
	var wg sync.WaitGroup
	for i, a := range addrs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := client.New(a).Status(ctx)
			out[i] = nodeStatus{addr: a, st: st, err: err}
		}()
	}
	wg.Wait()
	return out
}

// distinctNodes refuses a list in which two entries are one node (the
// same address, or two addresses answering with one node ID) or two
// nodes of one department: agreement means something only between
// departments that do not run each other's nodes. The IDs and departments
// are what the nodes say of themselves: this catches mistakes in the
// list, not a liar (who can only name itself once per address given).
func distinctNodes(ss []nodeStatus) error {
	byAddr, byID, byDept := map[string]string{}, map[string]string{}, map[string]string{}
	for _, s := range ss {
		a := strings.TrimRight(strings.TrimPrefix(strings.TrimPrefix(s.addr, "http://"), "https://"), "/")
		if prev, ok := byAddr[a]; ok {
			return fmt.Errorf("%s is given twice (%s): two different departments' nodes must agree", s.addr, prev)
		}
		byAddr[a] = s.addr
		if prev, ok := byID[s.st.NodeID]; ok {
			return fmt.Errorf("%s and %s are the same node (ID %s): two different departments' nodes must agree", prev, s.addr, s.st.NodeID)
		}
		byID[s.st.NodeID] = s.addr
		if prev, ok := byDept[s.st.Dept]; ok {
			return fmt.Errorf("%s and %s are both nodes of department %s: two different departments' nodes must agree", prev, s.addr, s.st.Dept)
		}
		byDept[s.st.Dept] = s.addr
	}
	return nil
}

// trustNodes are the node addresses a trust root was agreed by
// (init-trust writes them as "node ADDR").
func trustNodes(t *bundle.TrustRoot) []string {
	var out []string
	for _, s := range t.Sources {
		if a, ok := strings.CutPrefix(s, "node "); ok && strings.Contains(a, ":") {
			out = append(out, a)
		}
	}
	return out
}

// latestPolicy learns the chain's latest state from addrs (duplicates
// dropped): nodes of at least two departments, with distinct node IDs,
// must answer for chainID. Their highest state less bundle.BundleLag is
// the lowest state an answer may prove. Taking the highest means one
// honest node among them suffices; a node claiming a height the chain has
// not reached can make answers STALE, never VALID.
func latestPolicy(ctx context.Context, chainID string, addrs []string, maxAge time.Duration) (bundle.Policy, error) {
	p := bundle.Policy{MaxAge: maxAge}
	seen := map[string]bool{}
	var uniq []string
	for _, a := range addrs {
		if a != "" && !seen[a] {
			seen[a] = true
			uniq = append(uniq, a)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	ids, depts := map[string]bool{}, map[string]bool{}
	var failed []string
	for _, s := range statuses(ctx, uniq) {
		switch {
		case s.err != nil:
			failed = append(failed, fmt.Sprintf("%s: %v", s.addr, s.err))
			continue
		case s.st.ChainID != chainID:
			failed = append(failed, fmt.Sprintf("%s is on chain %q, the trust root on %q", s.addr, s.st.ChainID, chainID))
			continue
		case ids[s.st.NodeID]:
			continue // another address of a node already counted
		}
		ids[s.st.NodeID] = true
		depts[s.st.Dept] = true
		p.LatestFrom = append(p.LatestFrom, fmt.Sprintf("%s %s", s.st.Dept, s.addr))
		p.Latest = max(p.Latest, s.st.Height)
	}
	if len(depts) < 2 {
		return p, fmt.Errorf("the chain's latest height must come from nodes of two departments (from trust.json's sources, --node and --nodes); %d answered (%s)%s",
			len(depts), strings.Join(p.LatestFrom, ", "), failedList(failed))
	}
	sort.Strings(p.LatestFrom)
	p.MinHeight = max(p.Latest-bundle.BundleLag, 1)
	return p, nil
}

func failedList(failed []string) string {
	if len(failed) == 0 {
		return ""
	}
	return "; not counted: " + strings.Join(failed, "; ")
}

// notYet reports whether err is a node saying the state asked for has no
// bundle yet: 404 today, 503 with Retry-After once nodes say so.
func notYet(err error) bool {
	var ae *client.APIError
	if errors.As(err, &ae) {
		return ae.Status == http.StatusNotFound || ae.Status == http.StatusServiceUnavailable
	}
	return errors.Is(err, verify.ErrTooRecent) || strings.Contains(fmt.Sprint(err), verify.ErrTooRecent.Error())
}

// fetchAt asks for the bundle at height h (not lower than the chain's
// latest state less the lag), waiting while the node says it is not
// there yet: a node a block or two behind the others catches up within
// seconds.
func (g *globals) fetchAt(ctx context.Context, f *verifyFlags, h int64, fetch func(*verifyFlags) (*bundle.Bundle, error)) (*bundle.Bundle, error) {
	at := *f
	at.height = h
	for {
		b, err := fetch(&at)
		if err == nil || !notYet(err) {
			return b, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("the node has no bundle of state %d yet (the chain's latest state less %d): %w", h, bundle.BundleLag, err)
		case <-time.After(500 * time.Millisecond):
		}
	}
}
