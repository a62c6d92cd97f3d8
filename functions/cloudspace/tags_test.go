package main

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	ec2v1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/ec2/v1beta1"
	iamv1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/iam/v1beta1"
	kmsv1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/kms/v1beta1"

	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
)

func TestResolveTags(t *testing.T) {
	policy := &fnv1alpha1.TagPolicy{
		Required: []fnv1alpha1.RequiredTag{
			{Key: "team", FromClaim: ClaimFieldTeam},
			{Key: "env", FromClaim: ClaimFieldEnvironment, AllowedValues: []string{"dev", "staging", "prod"}},
			{Key: "cost-center", FromClaim: ClaimFieldCostCenter, Pattern: `cc-[0-9]{4}`},
			{Key: "business-unit", FromTeam: "unit"},
			{Key: "managed-by", Value: "cloudspace"},
			{Key: "project", Value: "unassigned"},
		},
		Overridable: []string{"project"},
		Enforced:    []string{"owner"},
		Teams:       map[string]fnv1alpha1.TeamData{"payments": {"unit": "commerce"}},
	}
	type want struct {
		tags map[string]string
		errs []string
	}
	cases := map[string]struct {
		reason string
		xr     *v1alpha1.XCloudSpace
		in     *fnv1alpha1.Composer
		want   want
	}{
		"DefaultPolicy": {
			reason: "Without a tag policy the space, team, environment and cost center are tagged, with the claim's own tags.",
			xr:     composeXR(),
			in:     composeInput(),
			want: want{tags: map[string]string{
				"cloudspace": "checkout-7x9kq", "team": "payments", "environment": "dev", "cost-center": "cc-4711", "project": "checkout",
			}},
		},
		"EverySource": {
			reason: "Required tags take their values from the claim, the team's data and constants; an overridable tag takes the claim's value.",
			xr:     composeXR(),
			in:     withInput(func(in *fnv1alpha1.Composer) { in.TagPolicy = policy }),
			want: want{tags: map[string]string{
				"team": "payments", "env": "dev", "cost-center": "cc-4711", "business-unit": "commerce", "managed-by": "cloudspace", "project": "checkout",
			}},
		},
		"EnforcedKeyInClaim": {
			reason: "A claim may not set a required or enforced key, whatever its case.",
			xr: withXR(func(xr *v1alpha1.XCloudSpace) {
				xr.Spec.Tags = map[string]string{"Team": "other", "owner": "me", "managed-by": "me"}
			}),
			in: withInput(func(in *fnv1alpha1.Composer) { in.TagPolicy = policy }),
			want: want{errs: []string{
				"Forbidden: spec.tags[Team]",
				"Forbidden: spec.tags[managed-by]",
				"Forbidden: spec.tags[owner]",
			}},
		},
		"OverrideMustKeepCase": {
			reason: "An overridable key must be spelled as the policy spells it.",
			xr:     withXR(func(xr *v1alpha1.XCloudSpace) { xr.Spec.Tags = map[string]string{"Project": "x"} }),
			in:     withInput(func(in *fnv1alpha1.Composer) { in.TagPolicy = policy }),
			want:   want{errs: []string{"Invalid value: spec.tags[Project]"}},
		},
		"ValueNotAllowed": {
			reason: "A resolved value outside the allowed values or pattern is rejected, naming where it came from.",
			xr: withXR(func(xr *v1alpha1.XCloudSpace) {
				xr.Spec.CostCenter = "finance"
			}),
			in: withInput(func(in *fnv1alpha1.Composer) {
				p := *policy
				p.Required = append([]fnv1alpha1.RequiredTag{}, policy.Required...)
				p.Required[1].AllowedValues = []string{"prod"}
				in.TagPolicy = &p
			}),
			want: want{errs: []string{
				"Invalid value: spec.environment",
				"Invalid value: spec.costCenter",
			}},
		},
		"MissingTeamData": {
			reason: "A tag read from team data needs the team's data.",
			xr:     withXR(func(xr *v1alpha1.XCloudSpace) { xr.Spec.Team = "search" }),
			in:     withInput(func(in *fnv1alpha1.Composer) { in.TagPolicy = policy }),
			want:   want{errs: []string{"Invalid value: spec.team"}},
		},
		"BadPolicy": {
			reason: "A required tag needs exactly one source, a known claim field and a valid pattern; keys are unique; overridable keys are required ones.",
			xr:     composeXR(),
			in: withInput(func(in *fnv1alpha1.Composer) {
				in.TagPolicy = &fnv1alpha1.TagPolicy{
					Required: []fnv1alpha1.RequiredTag{
						{Key: "a"},
						{Key: "b", FromClaim: "spec.nope"},
						{Key: "c", Value: "x", Pattern: "("},
						{Key: "A", Value: "y"},
						{Key: "d", Value: "x", FromTeam: "y"},
					},
					Overridable: []string{"z"},
					LabelPrefix: "Not A Prefix",
				}
			}),
			want: want{errs: []string{
				"Invalid value: tagPolicy.required[0]",
				"Unsupported value: tagPolicy.required[1].fromClaim",
				"Duplicate value: tagPolicy.required[3].key",
				"Invalid value: tagPolicy.required[4]",
				"Invalid value: tagPolicy.overridable",
				"Invalid value: tagPolicy.required[2].pattern",
				"Invalid value: tagPolicy.labelPrefix",
			}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := composeSpace(t, tc.xr, tc.in)
			tags, errs := ResolveTags(s)
			got := want{errs: errFields(errs)}
			if len(errs) == 0 {
				got.tags = tags
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("%s\nResolveTags(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestValidateAWSTags(t *testing.T) {
	many := map[string]string{}
	for i := range 48 {
		many[strings.Repeat("k", i+1)] = "v"
	}
	cases := map[string]struct {
		reason string
		tags   map[string]string
		want   []TagViolation
	}{
		"Valid": {
			reason: "Letters of any script, digits, spaces and _ . : / = + - @ are allowed; lengths count characters, not bytes.",
			tags:   map[string]string{"Kostenstelle": "Zürich", "a b_c.d:e/f=g+h-i@j": "", strings.Repeat("é", 128): strings.Repeat("ü", 256)},
		},
		"TooMany": {
			reason: "48 user tags and the 3 provider-aws adds exceed 50.",
			tags:   many,
			want:   []TagViolation{{Rule: "a resource may carry at most 50 tags, and 48 user tags plus the 3 provider-aws adds make 51"}},
		},
		"TooLong": {
			reason: "Keys are at most 128 characters and values at most 256.",
			tags:   map[string]string{strings.Repeat("k", 129): strings.Repeat("v", 257)},
			want: []TagViolation{
				{Key: strings.Repeat("k", 129), Rule: "the key must be at most 128 characters, not 129"},
				{Key: strings.Repeat("k", 129), Rule: "the value must be at most 256 characters, not 257"},
			},
		},
		"BadCharacters": {
			reason: "Characters outside AWS's set are rejected in keys and values.",
			tags:   map[string]string{"a*b": "c#d"},
			want: []TagViolation{
				{Key: "a*b", Rule: "the key may hold only letters, digits, spaces and _ . : / = + - @"},
				{Key: "a*b", Rule: "the value may hold only letters, digits, spaces and _ . : / = + - @"},
			},
		},
		"ReservedAndCase": {
			reason: "The aws: prefix and provider-aws's own keys are reserved, and keys may not differ only by case.",
			tags:   map[string]string{"AWS:x": "1", "Crossplane-Kind": "2", "team": "3", "Team": "4"},
			want: []TagViolation{
				{Key: "AWS:x", Rule: "the key must not start with the prefix aws:, which AWS reserves"},
				{Key: "Crossplane-Kind", Rule: "the key is reserved: provider-aws sets it itself"},
				{Key: "team", Rule: `the key differs from the key "Team" only by case`},
			},
		},
		"EmptyKeyAndInvalidUTF8": {
			reason: "An empty key and invalid UTF-8 are rejected.",
			tags:   map[string]string{"": "x", "k": "\xff"},
			want: []TagViolation{
				{Key: "", Rule: "the key must not be empty"},
				{Key: "k", Rule: "the value must be valid UTF-8"},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := ValidateAWSTags(tc.tags)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nValidateAWSTags(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestSetTags(t *testing.T) {
	tags := AWSTags(map[string]string{"team": "payments"})
	for name, tc := range map[string]struct {
		reason string
		set    func() (bool, map[string]*string)
		want   bool
	}{
		"VPC": {
			reason: "A VPC has spec.forProvider.tags.",
			set: func() (bool, map[string]*string) {
				o := &ec2v1beta1.VPC{}
				return SetTags(o, tags), o.Spec.ForProvider.Tags
			},
			want: true,
		},
		"Role": {
			reason: "An IAM Role has spec.forProvider.tags.",
			set: func() (bool, map[string]*string) {
				o := &iamv1beta1.Role{}
				return SetTags(o, tags), o.Spec.ForProvider.Tags
			},
			want: true,
		},
		"RolePolicyAttachment": {
			reason: "An attachment has no tags.",
			set: func() (bool, map[string]*string) {
				return SetTags(&iamv1beta1.RolePolicyAttachment{}, tags), nil
			},
		},
		"Alias": {
			reason: "A KMS alias has no tags.",
			set: func() (bool, map[string]*string) {
				return SetTags(&kmsv1beta1.Alias{}, tags), nil
			},
		},
		"RouteTableAssociation": {
			reason: "A route table association has no tags.",
			set: func() (bool, map[string]*string) {
				return SetTags(&ec2v1beta1.RouteTableAssociation{}, tags), nil
			},
		},
		"Nil": {
			reason: "A nil object is left alone.",
			set:    func() (bool, map[string]*string) { return SetTags(nil, tags), nil },
		},
	} {
		t.Run(name, func(t *testing.T) {
			ok, got := tc.set()
			if ok != tc.want {
				t.Errorf("%s\nSetTags(...): want %t, got %t", tc.reason, tc.want, ok)
			}
			if !ok {
				return
			}
			if diff := cmp.Diff(map[string]*string{"team": ptr("payments")}, got); diff != "" {
				t.Errorf("%s\nSetTags(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestTagLabels(t *testing.T) {
	cases := map[string]struct {
		reason string
		prefix string
		tags   map[string]string
		want   map[string]string
	}{
		"LabelSyntax": {
			reason: "Tags already in label syntax are kept as they are.",
			tags:   map[string]string{"team": "payments", "cost-center": "cc-4711", "Env": ""},
			want:   map[string]string{"tags.cloudspace.dev/team": "payments", "tags.cloudspace.dev/cost-center": "cc-4711", "tags.cloudspace.dev/Env": ""},
		},
		"Normalised": {
			reason: "Other characters become '-', ends are trimmed, and a changed name or value ends in a hash of the original, deterministically.",
			prefix: "example.com/",
			tags:   map[string]string{"cost center": "Zürich / Nord", "@owner": "a@b.c"},
			want: map[string]string{
				"example.com/cost-center-" + hash8("cost center"): "Z-rich---Nord-" + hash8("Zürich / Nord"),
				"example.com/owner-" + hash8("@owner"):            "a-b.c-" + hash8("a@b.c"),
			},
		},
		"TooLong": {
			reason: "Names and values longer than 63 characters are cut and end in a hash.",
			tags:   map[string]string{strings.Repeat("k", 70): strings.Repeat("v", 64)},
			want: map[string]string{
				"tags.cloudspace.dev/" + strings.Repeat("k", 54) + "-" + hash8(strings.Repeat("k", 70)): strings.Repeat("v", 54) + "-" + hash8(strings.Repeat("v", 64)),
			},
		},
		"NothingLeft": {
			reason: "A key of no label characters becomes tag and a hash.",
			tags:   map[string]string{"@@": "ok"},
			want:   map[string]string{"tags.cloudspace.dev/tag-" + hash8("@@"): "ok"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := TagLabels(tc.prefix, tc.tags)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nTagLabels(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func hash8(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:8]
}

func TestValidateTagPolicy(t *testing.T) {
	cases := map[string]struct {
		reason string
		pol    *fnv1alpha1.TagPolicy
		want   []string
	}{
		"None": {
			reason: "No policy is valid: the default applies.",
		},
		"Default": {
			reason: "The default policy is valid.",
			pol:    DefaultTagPolicy(),
		},
		"Broken": {
			reason: "Every problem of the policy is named under tagPolicy.",
			pol: &fnv1alpha1.TagPolicy{
				Required: []fnv1alpha1.RequiredTag{
					{Key: "aws:team", FromClaim: ClaimFieldTeam},
					{Key: "Team", FromClaim: "spec.nope"},
					{Key: "team", Value: "a*b", Pattern: "("},
					{Key: "none"},
				},
				Overridable: []string{"ghost"},
				Enforced:    []string{""},
				LabelPrefix: "x",
			},
			want: []string{
				"Invalid value: tagPolicy.required[0].key",
				"Unsupported value: tagPolicy.required[1].fromClaim",
				"Duplicate value: tagPolicy.required[2].key",
				"Invalid value: tagPolicy.required[2].value",
				"Invalid value: tagPolicy.required[2].pattern",
				"Invalid value: tagPolicy.required[3]",
				"Invalid value: tagPolicy.overridable[0]",
				"Invalid value: tagPolicy.enforced[0]",
				"Invalid value: tagPolicy.labelPrefix",
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := errFields(ValidateTagPolicy(tc.pol))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nValidateTagPolicy(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
