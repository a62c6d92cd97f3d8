// Command noop is a composition function that does nothing: it answers
// every request with response.To(req), the desired state it was sent. It
// is the floor the load benchmark (make load) measures function-cloudspace
// against, fed the same requests: what gRPC, protobuf and the SDK's server
// cost on their own.
package main

import (
	"context"

	"github.com/alecthomas/kong"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/response"

	"github.com/cloudspace-dev/cloudspace/internal/xfn"
)

// Function does nothing.
type Function struct {
	fnv1.UnimplementedFunctionRunnerServiceServer
}

// RunFunction returns the desired state of req unchanged.
func (Function) RunFunction(_ context.Context, req *fnv1.RunFunctionRequest) (*fnv1.RunFunctionResponse, error) {
	return response.To(req, response.DefaultTTL), nil
}

// CLI of the function: the flags of the function spec.
type CLI struct {
	xfn.ServeFlags
}

// Run the function server.
func (c *CLI) Run() error {
	return c.Serve(func(logging.Logger) fnv1.FunctionRunnerServiceServer { return Function{} })
}

func main() {
	ctx := kong.Parse(&CLI{}, kong.Description("A composition function that does nothing, the floor of make load."))
	ctx.FatalIfErrorf(ctx.Run())
}
