// Command function-cloudspace is the CloudSpace composer: a Crossplane
// composition function that expands a CloudSpace claim into its tenant
// namespace objects and provider-aws managed resources.
package main

import (
	"github.com/alecthomas/kong"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource/composed"

	"github.com/cloudspace-dev/cloudspace/internal/xfn"
)

// CLI of the function.
type CLI struct {
	xfn.ServeFlags
}

// Run the function server.
func (c *CLI) Run() error {
	if err := AddToScheme(composed.Scheme); err != nil {
		return err
	}
	return c.Serve(func(log logging.Logger) fnv1.FunctionRunnerServiceServer { return NewFunction(log) })
}

func main() {
	ctx := kong.Parse(&CLI{}, kong.Description("The CloudSpace composer, a Crossplane composition function."))
	ctx.FatalIfErrorf(ctx.Run())
}
