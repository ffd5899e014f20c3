package clikit

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/govchain/govchain/node/client"
)

// PageFlags are the paging flags of the list commands that show one page
// at a time: --page (50 items, the old way) or --limit/--cursor.
func PageFlags(c *cobra.Command, page, limit *int, cursor *string) {
	c.Flags().IntVar(page, "page", 1, "page (50 items each)")
	c.Flags().IntVar(limit, "limit", 0, "page by cursor: at most this many items, 1..1000")
	c.Flags().StringVar(cursor, "cursor", "", "page by cursor: the next_cursor a previous page printed")
}

// PageOf is the page the paging flags select.
func PageOf(page, limit int, cursor string) client.Page {
	return client.Page{Number: page, Limit: limit, Cursor: cursor}
}

// PrintMore tells how to ask for the next page.
func PrintMore(w io.Writer, more bool, page int, cursor string) {
	switch {
	case !more:
	case page == 0 && cursor != "":
		fmt.Fprintf(w, "more: --cursor %s\n", cursor)
	default:
		fmt.Fprintf(w, "more: --page %d\n", page+1)
	}
}
