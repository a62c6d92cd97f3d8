package cli

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParquetWorkers(t *testing.T) {
	type args struct {
		workers  int
		memLimit int64
	}
	cases := map[string]struct {
		reason string
		args   args
		want   int
	}{
		"DefaultLimit": {
			reason: "Under the default soft limit (64 MiB) row groups are read one at a time.",
			args:   args{workers: 0, memLimit: 64 << 20},
			want:   1,
		},
		"NoLimit": {
			reason: "Without a limit (the controller, or --memory-limit-mib=0) the ingester's default applies: one per CPU.",
			args:   args{workers: 0, memLimit: math.MaxInt64},
			want:   0,
		},
		"LargeLimit": {
			reason: "A limit of 128 MiB or more leaves room for two row groups at once.",
			args:   args{workers: 0, memLimit: 128 << 20},
			want:   0,
		},
		"Explicit": {
			reason: "--workers wins over the limit.",
			args:   args{workers: 2, memLimit: 48 << 20},
			want:   2,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, parquetWorkers(tc.args.workers, tc.args.memLimit)); diff != "" {
				t.Errorf("\n%s\nparquetWorkers(%d, %d): -want, +got:\n%s", tc.reason, tc.args.workers, tc.args.memLimit, diff)
			}
		})
	}
}
