// Command function-cloudspace-billing is the CloudSpace billing reconciler:
// a Crossplane composition function, the second step of the CloudSpace
// pipeline, that reports a space's billed spend, forecast and drift against
// its budget and the composer's estimate on the XR and its claim.
package main

import (
	"github.com/alecthomas/kong"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/cloudspace-dev/cloudspace/internal/billing/cli"
	"github.com/cloudspace-dev/cloudspace/internal/xfn"
)

// CLI of the function. Serving is the default command, so the function
// starts with the flags of the function spec alone, as Crossplane runs it.
// The same binary ingests billing exports into the spend records the
// function reads, once (ingest) or on a schedule (controller).
type CLI struct {
	Serve      ServeCmd          `cmd:"" default:"withargs" help:"Serve the composition function (the default command)."`
	Ingest     cli.IngestCmd     `cmd:"" help:"Ingest billing exports into per-space spend records, once."`
	Controller cli.ControllerCmd `cmd:"" help:"Ingest billing exports on a schedule, with leader election and metrics."`
}

// ServeCmd serves the composition function.
type ServeCmd struct {
	xfn.ServeFlags
}

// Run the function server.
func (c *ServeCmd) Run() error {
	return c.ServeFlags.Serve(func(log logging.Logger) fnv1.FunctionRunnerServiceServer { return NewFunction(log) })
}

func main() {
	ctx := kong.Parse(&CLI{}, kong.Description("The CloudSpace billing reconciler, a Crossplane composition function."))
	ctx.FatalIfErrorf(ctx.Run())
}
