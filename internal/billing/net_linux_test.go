package billing

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"
)

// blackhole returns a loopback address whose connects hang: a socket
// listening with a backlog of 0 that never accepts. Once its accept queue
// is full, Linux drops further SYNs, and the client waits for an answer.
func blackhole(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	in4, ok := sa.(*syscall.SockaddrInet4)
	if !ok {
		t.Fatalf("Getsockname: %T", sa)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", in4.Port)
	// Fill the accept queue.
	d := net.Dialer{Timeout: 200 * time.Millisecond}
	for range 8 {
		c, err := d.DialContext(t.Context(), "tcp", addr)
		if err != nil {
			return addr
		}
		t.Cleanup(func() { _ = c.Close() })
	}
	t.Fatalf("the accept queue of %s did not fill", addr)
	return ""
}

func TestHTTPSourceConnectTimeout(t *testing.T) {
	addr := blackhole(t)
	w := &waits{}
	o := fastNet(w)
	o.ConnectTimeout = 200 * time.Millisecond
	o.MaxAttempts = 2
	src := HTTPSource{URL: "http://" + addr + "/f.csv", Net: o}
	start := time.Now()
	_, err := Ingest(t.Context(), []Source{src}, Options{})
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || !strings.Contains(err.Error(), "i/o timeout (gave up after 2 attempts)") {
		t.Errorf("Ingest(blackhole): want a connect timeout after 2 attempts, got %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Ingest(blackhole) took %s: the connect timeout does not bound it", d)
	}
}

func TestS3ConnectTimeout(t *testing.T) {
	addr := blackhole(t)
	o := fastNet(&waits{})
	o.ConnectTimeout = 200 * time.Millisecond
	o.MaxAttempts = 2
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	c, err := NewS3Client(t.Context(), "eu-west-1", "http://"+addr, o)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = ParseSource(t.Context(), "s3://billing/cur/", SourceOptions{S3: c, Net: o})
	if err == nil || !strings.Contains(err.Error(), "i/o timeout") {
		t.Errorf("ParseSource(s3 blackhole): want a connect timeout, got %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("ParseSource(s3 blackhole) took %s: the connect timeout does not bound it", d)
	}
}
