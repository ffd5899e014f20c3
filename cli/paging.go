package cli

import (
	"fmt"
	"io"
	"net/url"
	"strconv"

	"github.com/spf13/cobra"
)

// pageFlags are the paging flags of the list commands that show one page
// at a time: --page (50 items, the old way) or --limit/--cursor.
func pageFlags(c *cobra.Command, page, limit *int, cursor *string) {
	c.Flags().IntVar(page, "page", 1, "page (50 items each)")
	c.Flags().IntVar(limit, "limit", 0, "page by cursor: at most this many items, 1..1000")
	c.Flags().StringVar(cursor, "cursor", "", "page by cursor: the next_cursor a previous page printed")
}

// pageQuery is the query of one page.
func pageQuery(page, limit int, cursor string) url.Values {
	if limit == 0 && cursor == "" {
		return url.Values{"page": {strconv.Itoa(page)}}
	}
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	return q
}

// printMore tells how to ask for the next page.
func printMore(w io.Writer, more bool, page int, cursor string) {
	switch {
	case !more:
	case page == 0 && cursor != "":
		fmt.Fprintf(w, "more: --cursor %s\n", cursor)
	default:
		fmt.Fprintf(w, "more: --page %d\n", page+1)
	}
}
