package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/govchain/govchain/cli/clikit"
	"github.com/govchain/govchain/node/client"
	"github.com/govchain/govchain/node/webhook"
)

// eventFilter joins --filter flags (each "k=v" or "k=v,k=v").
func eventFilter(terms []string) (client.EventFilter, error) {
	return client.ParseEventFilter(strings.Join(terms, ","))
}

// resolveAfter checks a --after cursor; "now" is the end of the node's
// newest committed block.
func resolveAfter(ctx context.Context, cl *client.Client, after string) (string, error) {
	if after != "now" {
		_, err := client.ParseCursor(after)
		return after, err
	}
	s, err := cl.Status(ctx)
	if err != nil {
		return "", err
	}
	return strconv.FormatInt(s.Height, 10), nil
}

func printEvent(w io.Writer, asJSON bool, ev client.Event) {
	if asJSON {
		b, _ := json.Marshal(ev)
		fmt.Fprintf(w, "%s\n", b)
		return
	}
	var attrs []string
	for _, a := range ev.Attrs {
		attrs = append(attrs, a.Key+"="+a.Value)
	}
	tx := "block event"
	if ev.TxHash != "" {
		tx = "tx " + ev.TxHash[:16] + " " + ev.Dept
	}
	fmt.Fprintf(w, "%-10s %s  %-28s %s  (%s)\n", ev.Cursor, ev.Time, ev.Type, strings.Join(attrs, " "), tx)
}

func watchCmd(g *globals) *cobra.Command {
	var after, cursorFile string
	var filters []string
	var noFollow bool
	var limit int
	c := &cobra.Command{
		Use:   "watch",
		Short: "Print the chain's events, live, from a cursor (resumable)",
		Long: `watch prints the events of the committed blocks after a cursor and then follows
new blocks live (GET /v1/events/stream), reconnecting by itself when the node
restarts. Each event's cursor is HEIGHT.INDEX; pass the last one you handled
as --after, or keep it in --cursor-file, to resume with no gap and no repeat.

Filters (repeat --filter, or join with commas; values of one key are
alternatives, different keys must all match):
  module=credit            the module (the type before the first dot)
  type=credit.recorded     the event type
  dept=SCJG                the signer's department or a department attribute
  subject=REF              any attribute's value (certificate hash, subject ref, id)`,
		Example: `  govchain watch --node 127.0.0.1:26602
  govchain watch --filter module=credit --filter dept=SCJG -o json
  govchain watch --after 1234.5 --no-follow             # the events after 1234.5 up to now
  govchain watch --after now                             # only what happens from now on
  govchain watch --cursor-file credit.cursor --filter type=credit.recorded`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := eventFilter(filters)
			if err != nil {
				return err
			}
			if cursorFile != "" {
				saved, err := webhook.LoadCursor(cursorFile)
				if err != nil {
					return err
				}
				if saved != "" {
					after = saved
				}
			}
			out := cmd.OutOrStdout()
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			cl := g.Client()
			if after, err = resolveAfter(ctx, cl, after); err != nil {
				return err
			}
			save := func(cur string) error {
				if cursorFile == "" {
					return nil
				}
				return webhook.SaveCursor(cursorFile, cur)
			}
			if noFollow {
				for {
					p, err := cl.Events(ctx, after, f, limit)
					if err != nil {
						return err
					}
					for _, ev := range p.Events {
						printEvent(out, g.JSON(), ev)
					}
					after = p.Next
					if err := save(after); err != nil {
						return err
					}
					if !p.More {
						if !g.JSON() {
							fmt.Fprintf(cmd.ErrOrStderr(), "up to height %d; resume with --after %s\n", p.Latest, p.Next)
						}
						return nil
					}
				}
			}
			err = cl.FollowEvents(ctx, after, f, 5*time.Second, func(ev client.Event) error {
				printEvent(out, g.JSON(), ev)
				return save(ev.Cursor)
			}, save, func(err error) {
				fmt.Fprintf(cmd.ErrOrStderr(), "stream: %v; reconnecting\n", err)
			})
			if ctx.Err() != nil {
				return nil
			}
			return err
		},
	}
	c.Flags().StringVar(&after, "after", "", "print the events after this cursor (HEIGHT.INDEX or HEIGHT, or now: the newest block); default: from the first block")
	c.Flags().StringArrayVar(&filters, "filter", nil, "key=value: module, type, dept or subject (repeatable)")
	c.Flags().StringVar(&cursorFile, "cursor-file", "", "resume from and store the cursor in this file")
	c.Flags().BoolVar(&noFollow, "no-follow", false, "print the events up to the newest block and exit")
	c.Flags().IntVar(&limit, "limit", 0, "events per page with --no-follow (default the node's, 100)")
	return c
}

func webhookCmd(g *globals) *cobra.Command {
	var url, secretFile, state, after string
	var filters []string
	var minBackoff, maxBackoff time.Duration
	c := &cobra.Command{
		Use:   "webhook",
		Short: "Deliver the chain's events to an HTTP endpoint (retries, HMAC-SM3, durable cursor)",
		Long: `webhook follows the node's events and POSTs each one that passes --filter to
--url as JSON, in order, one at a time. A delivery is retried with exponential
back-off (--min-backoff doubling up to --max-backoff) until the endpoint
answers 2xx; then its cursor is stored in --state (fsynced), so the relay and
the endpoint may both restart without losing or repeating an event.

Each POST has the headers
  Govchain-Cursor:     the event's cursor (HEIGHT.INDEX; cursors only grow)
  Govchain-Event:      the event type
  Govchain-Signature:  hmac-sm3=<hex HMAC-SM3(secret, body)>
The secret is read from --secret-file or GOVCHAIN_WEBHOOK_SECRET.`,
		Example: `  govchain webhook --node 127.0.0.1:26602 --url https://licensing.example/govchain \
    --secret-file hook.secret --state hook.cursor --filter module=credit --filter dept=SCJG`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := eventFilter(filters)
			if err != nil {
				return err
			}
			if url == "" || state == "" {
				return fmt.Errorf("--url and --state are required")
			}
			var secret []byte
			if secretFile != "" {
				b, err := clikit.ReadFileMax(secretFile, clikit.MaxSmallFile)
				if err != nil {
					return err
				}
				secret = []byte(strings.TrimRight(string(b), "\r\n"))
			} else {
				secret = []byte(os.Getenv("GOVCHAIN_WEBHOOK_SECRET"))
			}
			if len(secret) == 0 {
				return fmt.Errorf("no secret: pass --secret-file FILE or set GOVCHAIN_WEBHOOK_SECRET")
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if saved, err := webhook.LoadCursor(state); err != nil {
				return err
			} else if saved == "" {
				if after, err = resolveAfter(ctx, g.Client(), after); err != nil {
					return err
				}
			}
			errw := cmd.ErrOrStderr()
			fmt.Fprintf(errw, "webhook: delivering events of %s (filter %q) to %s; cursor in %s\n", g.Node, f.String(), url, state)
			return webhook.Run(ctx, webhook.Config{Node: g.Client(), URL: url, Secret: secret, Filter: f, CursorFile: state, After: after,
				MinBackoff: minBackoff, MaxBackoff: maxBackoff,
				Log: func(format string, args ...any) {
					fmt.Fprintf(errw, time.Now().UTC().Format(time.RFC3339)+" "+format+"\n", args...)
				}})
		},
	}
	c.Flags().StringVar(&url, "url", "", "the endpoint to POST events to")
	c.Flags().StringVar(&secretFile, "secret-file", "", "file holding the HMAC-SM3 secret (else GOVCHAIN_WEBHOOK_SECRET)")
	c.Flags().StringVar(&state, "state", "", "file storing the cursor of the last acknowledged event")
	c.Flags().StringVar(&after, "after", "", "start after this cursor when --state does not exist yet (HEIGHT.INDEX, HEIGHT or now; default: the first block)")
	c.Flags().StringArrayVar(&filters, "filter", nil, "key=value: module, type, dept or subject (repeatable)")
	c.Flags().DurationVar(&minBackoff, "min-backoff", 500*time.Millisecond, "first wait after a failed delivery")
	c.Flags().DurationVar(&maxBackoff, "max-backoff", time.Minute, "longest wait between tries")
	return c
}
