// Package xfn is the small composition framework the CloudSpace functions
// are built on, so that each function holds only its domain logic.
//
// It offers:
//   - strict decoding of the function input (DecodeInput) and lenient,
//     typed decoding of the observed composite resource (DecodeComposite);
//   - observed and desired composed resources read and written in the
//     form the request and response carry them (Observed, Desired), so
//     that nothing is converted that the function does not change;
//   - readiness helpers for observed composed resources;
//   - conditions on the composite and claim that emit an event-producing
//     result only when they change (SetCondition), and status fields that
//     keep what earlier steps wrote (SetCompositeStatus);
//   - requests for required resources and access to what Crossplane sent
//     (Require, RequiredResources);
//   - for functions that answer the same requests again and again: a
//     content digest to key caches by (DigestOf), and resources cached as
//     their wire encoding (Encoded, Decoded).
//
// Test helpers live in package xfntest.
package xfn
