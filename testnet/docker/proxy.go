package docker

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/govchain/govchain/node"
)

// Degraded links: validator-to-validator p2p through toxiproxy
// (github.com/Shopify/toxiproxy/v2), a TCP proxy whose "toxics" add
// latency, jitter, bandwidth limits, stalls and resets to live connections.
//
// One toxiproxy container joins every link network at the link's fourth
// address. Node a reaches node b at node<b>:ProxyPort(a, b): its
// /etc/hosts maps node<b> to the proxy's address on link a-b, and the
// proxy forwards to b's address on that link. So each direction of dialing
// of each pair has its own proxy ("p<a>_<b>"), and a partition is still a
// `docker network disconnect` of the link.

// ToxiproxyVersion is the toxiproxy the proxy image is built from.
const ToxiproxyVersion = "v2.5.0"

// ToxiproxyBuildCommand builds the static toxiproxy server the proxy image
// holds (FROM scratch, like the validator image).
const ToxiproxyBuildCommand = "CGO_ENABLED=0 GOBIN=DIR go install -trimpath github.com/Shopify/toxiproxy/v2/cmd/server@" + ToxiproxyVersion

// ProxyDockerfile is the proxy image recipe; the build context holds the
// static binary as toxiproxy-server.
const ProxyDockerfile = `FROM scratch
COPY toxiproxy-server /toxiproxy-server
EXPOSE 8474
ENTRYPOINT ["/toxiproxy-server"]
CMD ["-host", "0.0.0.0", "-port", "8474"]
`

// ProxyAPIPort is toxiproxy's HTTP API port inside its container.
const ProxyAPIPort = 8474

// Proxy is the toxiproxy container of a network whose p2p it carries.
type Proxy struct {
	Image     string `json:"image"`
	Service   string `json:"service"`
	Container string `json:"container"`
	API       string `json:"api"` // 127.0.0.1:port published for toxiproxy's HTTP API
}

// ProxyPort is the port on which the proxy forwards node from's
// connections to node to.
func ProxyPort(from, to int) int { return 27000 + 10*from + to }

// ProxyName is toxiproxy's name for the proxy from -> to.
func ProxyName(from, to int) string { return fmt.Sprintf("p%d_%d", from, to) }

// ProxyIP is the proxy container's address on the link.
func (l Link) ProxyIP() string {
	p := netip.MustParsePrefix(l.Subnet)
	a := p.Addr().As4()
	a[3] += 4
	return netip.AddrFrom4(a).String()
}

const proxyConfigFile = "toxiproxy.json"

// UseProxy routes every validator-to-validator connection through a
// toxiproxy container of image: it rewrites each node's persistent peers
// to node<b>:ProxyPort(a, b) and the compose file. Call it before Up.
// apiPort is the host port (127.0.0.1) toxiproxy's API is published on; 0
// picks a free one.
func (n *Network) UseProxy(image string, apiPort int) error {
	if apiPort == 0 {
		p, err := freePort()
		if err != nil {
			return err
		}
		apiPort = p
	}
	n.Proxy = &Proxy{Image: image, Service: "toxiproxy", Container: n.Project + "-toxiproxy",
		API: "127.0.0.1:" + strconv.Itoa(apiPort)}
	for a, nd := range n.Nodes {
		var peers []string
		for b, peer := range n.Nodes {
			if b != a {
				peers = append(peers, fmt.Sprintf("%s@%s:%d", peer.NodeID, peer.Service, ProxyPort(a, b)))
			}
		}
		if err := node.SetPeers(node.Home(nd.Home), peers); err != nil {
			return err
		}
	}
	return n.save()
}

// freePort is a TCP port free on 127.0.0.1 now.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// writeProxy adds the toxiproxy service to the compose file and writes the
// proxies it starts with (toxiproxy.json, addresses of the current links).
func (n *Network) writeProxy(b *strings.Builder) error {
	type proxyDef struct {
		Name     string `json:"name"`
		Listen   string `json:"listen"`
		Upstream string `json:"upstream"`
		Enabled  bool   `json:"enabled"`
	}
	var defs []proxyDef
	for _, l := range n.Links {
		for _, d := range [][2]int{{l.A, l.B}, {l.B, l.A}} {
			defs = append(defs, proxyDef{Name: ProxyName(d[0], d[1]),
				Listen:   "0.0.0.0:" + strconv.Itoa(ProxyPort(d[0], d[1])),
				Upstream: l.IP(d[1]) + ":" + strconv.Itoa(P2PPort), Enabled: true})
		}
	}
	js, err := json.MarshalIndent(defs, "", "  ")
	if err != nil {
		return err
	}
	cfg := filepath.Join(n.Dir, proxyConfigFile)
	if err := os.WriteFile(cfg, append(js, '\n'), 0o644); err != nil {
		return err
	}
	p := n.Proxy
	fmt.Fprintf(b, "  %s:\n", p.Service)
	fmt.Fprintf(b, "    image: %q\n", p.Image)
	fmt.Fprintf(b, "    container_name: %q\n", p.Container)
	fmt.Fprintf(b, "    hostname: %q\n", p.Service)
	fmt.Fprintf(b, "    command: [\"-host\", \"0.0.0.0\", \"-port\", \"%d\", \"-config\", \"/etc/toxiproxy.json\"]\n", ProxyAPIPort)
	fmt.Fprintf(b, "    volumes:\n      - %q\n", cfg+":/etc/toxiproxy.json:ro")
	fmt.Fprintf(b, "    ports:\n      - %q   # toxiproxy API\n", p.API+":"+strconv.Itoa(ProxyAPIPort))
	b.WriteString("    networks:\n      api: {}\n")
	for _, l := range n.Links {
		fmt.Fprintf(b, "      %s:\n        ipv4_address: %s\n", l.Key, l.ProxyIP())
	}
	return nil
}

// ProxyAPI drives toxiproxy through its HTTP API.
type ProxyAPI struct {
	Base string // http://127.0.0.1:port
	HTTP *http.Client
}

// ProxyAPI is the client of the network's toxiproxy.
func (n *Network) ProxyAPI() *ProxyAPI {
	return &ProxyAPI{Base: "http://" + n.Proxy.API, HTTP: &http.Client{Timeout: 10 * time.Second}}
}

// Toxic is one toxiproxy toxic: Type is latency, bandwidth, slow_close,
// timeout, reset_peer, slicer or limit_data; Stream is upstream (client to
// server) or downstream; Attributes are the type's (e.g. latency, jitter
// in ms).
type Toxic struct {
	Name       string         `json:"name"`
	Type       string         `json:"type"`
	Stream     string         `json:"stream"`
	Toxicity   float64        `json:"toxicity"`
	Attributes map[string]any `json:"attributes"`
}

func (p *ProxyAPI) do(ctx context.Context, method, path string, body any) error {
	var rd io.Reader
	if body != nil {
		js, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(js)
	}
	req, err := http.NewRequestWithContext(ctx, method, p.Base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("toxiproxy %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("toxiproxy %s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(b))
	}
	return nil
}

// Ready waits until toxiproxy answers.
func (p *ProxyAPI) Ready(ctx context.Context) error {
	for {
		if err := p.do(ctx, "GET", "/version", nil); err == nil {
			return nil
		} else if ctx.Err() != nil {
			return err
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// AddToxic adds t to proxy name (ProxyName); it applies to the proxy's
// open connections at once.
func (p *ProxyAPI) AddToxic(ctx context.Context, proxy string, t Toxic) error {
	if t.Toxicity == 0 {
		t.Toxicity = 1
	}
	return p.do(ctx, "POST", "/proxies/"+proxy+"/toxics", t)
}

// RemoveToxic removes the named toxic from proxy; bytes a toxic holds
// (latency) are passed on, in order.
func (p *ProxyAPI) RemoveToxic(ctx context.Context, proxy, name string) error {
	return p.do(ctx, "DELETE", "/proxies/"+proxy+"/toxics/"+name, nil)
}

// Reset removes every toxic and enables every proxy.
func (p *ProxyAPI) Reset(ctx context.Context) error {
	return p.do(ctx, "POST", "/reset", nil)
}
