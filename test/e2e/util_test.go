//go:build e2e

package e2e

import (
	"encoding/base64"
	"io"
	"log"
	"strings"
)

func decodeB64(s string) ([]byte, error) {
	return base64.StdEncoding.DecodeString(strings.TrimSpace(s))
}

func logDiscard() *log.Logger { return log.New(io.Discard, "", 0) }
