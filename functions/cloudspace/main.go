// Command function-cloudspace is the CloudSpace composer: a Crossplane
// composition function that expands a CloudSpace claim into its tenant
// namespace objects and provider-aws managed resources.
package main

import (
	"fmt"

	"github.com/alecthomas/kong"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource/composed"

	"github.com/cloudspace-dev/cloudspace/internal/xfn"
)

// CLI of the function.
type CLI struct {
	xfn.ServeFlags

	InputMemoSize int `default:"8" help:"Function inputs to keep parsed, by content: one for each Composition step that calls the composer. 0 parses every input afresh."`
}

// Run the function server.
func (c *CLI) Run() error {
	if err := AddToScheme(composed.Scheme); err != nil {
		return err
	}
	if c.InputMemoSize < 0 {
		return fmt.Errorf("--input-memo-size must not be negative, got %d", c.InputMemoSize)
	}
	lookups := NewInputMemoLookups()
	var opts []Option
	if c.InputMemoSize > 0 {
		opts = append(opts, WithInputMemo(NewInputMemo(c.InputMemoSize, lookups)))
	}
	return c.Serve(func(log logging.Logger) fnv1.FunctionRunnerServiceServer { return NewFunction(log, opts...) }, lookups)
}

func main() {
	ctx := kong.Parse(&CLI{}, kong.Description("The CloudSpace composer, a Crossplane composition function."))
	ctx.FatalIfErrorf(ctx.Run())
}
