package xfn

import (
	"fmt"
	"os"
	"runtime/debug"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/crossplane/function-sdk-go"
	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/cloudspace-dev/cloudspace/internal/version"
)

// ServeFlags are the command-line flags of the Crossplane function spec,
// embeddable in a kong CLI.
type ServeFlags struct {
	Version            version.Flag `help:"Print the version, commit and Go version of the build, and exit."`
	Debug              bool         `help:"Emit debug logs in addition to info logs." short:"d"`
	Network            string       `default:"tcp"                                                                                                          help:"Network on which to listen for gRPC connections."`
	Address            string       `default:":9443"                                                                                                        help:"Address at which to listen for gRPC connections."`
	TLSCertsDir        string       `env:"TLS_SERVER_CERTS_DIR"                                                                                             help:"Directory holding the server certificate (tls.crt, tls.key) and the CA that verifies clients (ca.crt)."`
	Insecure           bool         `help:"Run without mTLS credentials. --tls-certs-dir is then ignored."`
	MaxRecvMessageSize int          `default:"16"                                                                                                           help:"Largest gRPC message to receive, in MiB."`
	GCPercent          int          `default:"200"                                                                                                          help:"Garbage collection target percentage (debug.SetGCPercent) when the GOGC environment variable is not set. Every call decodes its request afresh while the live heap stays small, so the runtime's default of 100 collects very often."`
	MetricsAddress     string       `default:":8080"                                                                                                        help:"Address of the Prometheus metrics endpoint; empty turns it off."`
}

// Serve serves the function built by newFn with the flags' options until
// the server fails. The metrics endpoint serves the gRPC server's metrics,
// the Go runtime's and the process's, and the function's own collectors.
func (f *ServeFlags) Serve(newFn func(log logging.Logger) fnv1.FunctionRunnerServiceServer, cs ...prometheus.Collector) error {
	log, err := function.NewLogger(f.Debug)
	if err != nil {
		return fmt.Errorf("cannot create logger: %w", err)
	}
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(f.GCPercent)
	}
	reg := prometheus.NewRegistry()
	cs = append(cs, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("cannot register metrics: %w", err)
		}
	}
	return function.Serve(newFn(log),
		function.Listen(f.Network, f.Address),
		function.MTLSCertificates(f.TLSCertsDir),
		function.Insecure(f.Insecure),
		function.MaxRecvMessageSize(f.MaxRecvMessageSize*1024*1024),
		function.WithMetricsServer(f.MetricsAddress),
		function.WithMetricsRegistry(reg),
	)
}
