#!/usr/bin/env node
// Placeholder until the demo lands: says what the toolkit is.
console.log(`rotakit: database credential rotation with AWS Secrets Manager, made boring.

  @rotakit/rotation-core          four-step rotation engine for MySQL rotation Lambdas
  @rotakit/secret-pool            mysql2 pool that survives rotation with zero failed queries
  @rotakit/netcheck               reachability probes and VPC analysis for rotation
  @rotakit/secrets-manager-local  AWS-compatible Secrets Manager on localhost
  @rotakit/cli                    rotakit status | unstick | rotate | doctor | netcheck | local

The end-to-end demo is being built; see README.md.`);
