// Package xfn is the small composition framework the CloudSpace functions
// are built on, so that each function holds only its domain logic.
//
// It offers:
//   - strict decoding of the function input (DecodeInput) and lenient,
//     typed decoding of the observed composite resource (DecodeComposite);
//   - a desired-state builder for typed provider objects under stable
//     resource names (Desired);
//   - readiness helpers for observed composed resources;
//   - conditions on the composite and claim that emit an event-producing
//     result only when they change (SetCondition);
//   - requests for required resources and access to what Crossplane sent
//     (Require, RequiredResources).
//
// Test helpers live in package xfntest.
package xfn
