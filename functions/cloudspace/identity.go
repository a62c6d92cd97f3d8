package main

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// AnnotationExternalName is the annotation that names a managed resource's
// external resource.
const AnnotationExternalName = "crossplane.io/external-name"

// DefaultBucketPrefix starts a space's bucket name when the input sets no
// prefix.
const DefaultBucketPrefix = "cloudspace"

var (
	rePrincipal    = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b):iam::([0-9]{12}):(root|role/[\w+=,.@/-]{1,512}|user/[\w+=,.@/-]{1,512})$`)
	reBoundary     = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b):iam::([0-9]{12}|aws):policy/[\w+=,.@/-]{1,512}$`)
	reClusterName  = regexp.MustCompile(`^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$`)
	reAccountID    = regexp.MustCompile(`^[0-9]{12}$`)
	reBucketPrefix = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,18}[a-z0-9]$`)
)

// DefaultServiceAccount is the tenant's service account when the input
// names none.
const DefaultServiceAccount = "cloudspace"

// Pod Identity's service principal and the session tags it sets when it
// assumes a role for a pod.
const (
	podIdentityPrincipal = "pods.eks.amazonaws.com"
	tagClusterName       = "aws:RequestTag/eks-cluster-name"
	tagNamespace         = "aws:RequestTag/kubernetes-namespace"
	tagServiceAccount    = "aws:RequestTag/kubernetes-service-account"
)

// Workload is the EKS Pod Identity of a space's tenant.
type Workload struct {
	// ClusterName and ClusterRegion are the EKS cluster's.
	ClusterName   string
	ClusterRegion string
	// Namespace and ServiceAccount are the tenant's service account.
	Namespace      string
	ServiceAccount string
}

// Identity is where and as whom the space's cloud resources live.
type Identity struct {
	// Partition of the account, such as "aws".
	Partition string
	// AccountID of the account.
	AccountID string
	// TrustPrincipal may assume the team's role; "" for none.
	TrustPrincipal string
	// Workload is the tenant's Pod Identity; nil for none.
	Workload *Workload
	// PermissionsBoundary is the ARN of the role's boundary; "" for none.
	PermissionsBoundary string
	// BucketName is the name of the space's S3 bucket.
	BucketName string
	// KeyAlias is the alias of the space's KMS key, "alias/...".
	KeyAlias string
}

// BucketARN is the ARN of the space's bucket.
func (id Identity) BucketARN() string { return "arn:" + id.Partition + ":s3:::" + id.BucketName }

// ResolveIdentity validates the input's identity settings and derives the
// names of the space's identity and storage resources. Errors are under the
// input's path identity.
func ResolveIdentity(s *Space) (Identity, field.ErrorList) {
	p := field.NewPath("identity")
	in := s.Input.Identity
	var errs field.ErrorList
	id := Identity{Partition: "aws", TrustPrincipal: in.TrustPrincipal}
	m := rePrincipal.FindStringSubmatch(in.TrustPrincipal)
	switch {
	case in.TrustPrincipal == "" && in.WorkloadIdentity == nil:
		errs = append(errs, field.Required(p.Child("workloadIdentity"), "the team's role needs the tenant's workload identity (an EKS cluster name) or a role to trust (trustPrincipal)"))
	case in.TrustPrincipal == "":
	case m == nil:
		errs = append(errs, field.Invalid(p.Child("trustPrincipal"), in.TrustPrincipal, "must be the ARN of an IAM role or user, such as arn:aws:iam::123456789012:role/team-payments"))
	case m[3] == "root":
		errs = append(errs, field.Invalid(p.Child("trustPrincipal"), in.TrustPrincipal, "must not be an account root, which lets every principal of the account assume the team's role: name a role or user, or set identity.workloadIdentity"))
	default:
		id.Partition, id.AccountID = m[1], m[2]
	}
	if in.AccountID == "" && in.TrustPrincipal == "" && in.WorkloadIdentity != nil {
		errs = append(errs, field.Required(p.Child("accountId"), "the account of the space's resources, since no trustPrincipal names it"))
	}
	if w := in.WorkloadIdentity; w != nil {
		wp := p.Child("workloadIdentity")
		id.Workload = &Workload{
			ClusterName:    w.ClusterName,
			ClusterRegion:  cmp.Or(w.ClusterRegion, s.Spec.Region),
			Namespace:      s.Namespace,
			ServiceAccount: cmp.Or(w.ServiceAccount, DefaultServiceAccount),
		}
		if !reClusterName.MatchString(w.ClusterName) {
			errs = append(errs, field.Invalid(wp.Child("clusterName"), w.ClusterName, "must be an EKS cluster name: 1 to 100 letters, digits, '-' and '_', starting with a letter or digit"))
		}
		if w.ClusterRegion != "" {
			errs = append(errs, validateRegion(wp.Child("clusterRegion"), w.ClusterRegion)...)
		}
		if w.ServiceAccount != "" {
			errs = append(errs, validateDNSLabel(wp.Child("serviceAccount"), w.ServiceAccount, 63)...)
		}
	}
	if b := in.PermissionsBoundary; b != "" {
		if !reBoundary.MatchString(b) {
			errs = append(errs, field.Invalid(p.Child("permissionsBoundary"), b, "must be the ARN of a managed IAM policy, such as arn:aws:iam::123456789012:policy/cloudspace-boundary"))
		}
		id.PermissionsBoundary = b
	}
	if in.AccountID != "" {
		if !reAccountID.MatchString(in.AccountID) {
			errs = append(errs, field.Invalid(p.Child("accountId"), in.AccountID, "must be a 12-digit AWS account ID"))
		}
		id.AccountID = in.AccountID
	}
	prefix := in.BucketPrefix
	if prefix == "" {
		prefix = DefaultBucketPrefix
	}
	if !reBucketPrefix.MatchString(prefix) {
		errs = append(errs, field.Invalid(p.Child("bucketPrefix"), in.BucketPrefix, "must be 2 to 20 lower-case letters, digits and '-', starting and ending with a letter or digit"))
	}
	id.BucketName = bucketName(prefix, s.Namespace, id.AccountID+"/"+s.Spec.Region+"/"+s.Name)
	id.KeyAlias = "alias/cloudspace/" + s.Namespace
	return id, errs
}

// bucketName is a valid S3 bucket name of at most 63 characters: prefix,
// the namespace, and a hash of seed, which makes it unique per account,
// region and space.
func bucketName(prefix, namespace, seed string) string {
	sum := sha256.Sum256([]byte(seed))
	h := hex.EncodeToString(sum[:])[:8]
	body := prefix + "-" + namespace
	if len(body) > 63-len(h)-1 {
		body = strings.TrimRight(body[:63-len(h)-1], "-")
	}
	return body + "-" + h
}

// policyDocument is an IAM policy document. Fields are in the order AWS
// shows them, so the JSON is stable.
type policyDocument struct {
	Version   string            `json:"Version"`
	Statement []policyStatement `json:"Statement"`
}

type policyStatement struct {
	Sid       string                       `json:"Sid,omitempty"`
	Effect    string                       `json:"Effect"`
	Principal map[string]string            `json:"Principal,omitempty"`
	Action    []string                     `json:"Action"`
	Resource  []string                     `json:"Resource,omitempty"`
	Condition map[string]map[string]string `json:"Condition,omitempty"`
}

// TrustPolicy lets the tenant's pods, through Pod Identity on the
// input's cluster, and the input's principal assume the team's role. The
// Pod Identity statement holds only for the session tags of the tenant's
// service account on that cluster in the space's account.
func TrustPolicy(id Identity) policyDocument {
	var st []policyStatement
	if w := id.Workload; w != nil {
		st = append(st, policyStatement{
			Sid:       "TenantPods",
			Effect:    effectAllow,
			Principal: map[string]string{"Service": podIdentityPrincipal},
			Action:    []string{"sts:AssumeRole", "sts:TagSession"},
			Condition: map[string]map[string]string{"StringEquals": {
				"aws:SourceAccount": id.AccountID,
				tagClusterName:      w.ClusterName,
				tagNamespace:        w.Namespace,
				tagServiceAccount:   w.ServiceAccount,
			}},
		})
	}
	if id.TrustPrincipal != "" {
		st = append(st, policyStatement{
			Sid:       "Principal",
			Effect:    effectAllow,
			Principal: map[string]string{"AWS": id.TrustPrincipal},
			Action:    []string{"sts:AssumeRole"},
		})
	}
	return policyDocument{Version: "2012-10-17", Statement: st}
}

// AccessPolicy grants the team's role this space's bucket and its objects,
// and use of this space's KMS key, and nothing else. The key is named by
// its alias, which is unique in the account and region, because its ARN is
// unknown until AWS creates it.
func AccessPolicy(s *Space, id Identity) policyDocument {
	return policyDocument{Version: "2012-10-17", Statement: []policyStatement{
		{
			Sid:      "Bucket",
			Effect:   effectAllow,
			Action:   []string{"s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"},
			Resource: []string{id.BucketARN()},
		},
		{
			Sid:      "Objects",
			Effect:   effectAllow,
			Action:   []string{"s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:PutObject"},
			Resource: []string{id.BucketARN() + "/*"},
		},
		{
			Sid:       "Key",
			Effect:    effectAllow,
			Action:    []string{"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:ReEncryptTo"},
			Resource:  []string{fmt.Sprintf("arn:%s:kms:%s:%s:key/*", id.Partition, s.Spec.Region, id.AccountID)},
			Condition: map[string]map[string]string{"ForAnyValue:StringEquals": {"kms:ResourceAliases": id.KeyAlias}},
		},
	}}
}

// effectAllow is the effect of a statement that grants.
const effectAllow = "Allow"
