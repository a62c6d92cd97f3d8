// Command function-cloudspace is the CloudSpace composer: a Crossplane
// composition function that expands a CloudSpace claim into its tenant
// namespace objects and provider-aws managed resources.
package main

import (
	"fmt"

	"github.com/alecthomas/kong"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/cloudspace-dev/cloudspace/internal/xfn"
)

// CLI of the function.
type CLI struct {
	xfn.ServeFlags

	SpaceCacheSize int `default:"1024" help:"Composite resources to keep decoded and composed, about 32 kB each. Calls for a space that is not cached compose it anew; give at least the number of spaces in the cluster."`
}

// Run the function server.
func (c *CLI) Run() error {
	if err := AddToScheme(); err != nil {
		return err
	}
	if c.SpaceCacheSize < 1 {
		return fmt.Errorf("--space-cache-size must be at least 1, got %d", c.SpaceCacheSize)
	}
	spaces.Resize(c.SpaceCacheSize)
	return c.Serve(func(log logging.Logger) fnv1.FunctionRunnerServiceServer { return &Function{log: log} })
}

func main() {
	ctx := kong.Parse(&CLI{}, kong.Description("The CloudSpace composer, a Crossplane composition function."))
	ctx.FatalIfErrorf(ctx.Run())
}
