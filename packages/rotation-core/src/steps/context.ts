import type { DescribeSecretResponse } from '@aws-sdk/client-secrets-manager';
import type { TimeBudget } from '../budget.js';
import type { RotationStep } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ResolvedOptions } from '../options.js';
import type { BoundaryFn, SecretsManagerCalls } from '../secrets-manager.js';

/** Everything a step needs for one invocation. @internal */
export interface StepContext {
  readonly options: ResolvedOptions;
  readonly step: RotationStep;
  readonly secretId: string;
  readonly token: string;
  readonly rotationToken: string | undefined;
  readonly metadata: DescribeSecretResponse;
  readonly sm: SecretsManagerCalls;
  readonly budget: TimeBudget;
  readonly logger: Logger;
  readonly boundary: BoundaryFn;
  /** What the step was talking to, for the failure diagnosis. */
  readonly diagnostics: Diagnostics;
}

/** @internal */
export interface Diagnostics {
  /** The last database the step tried to log in to, with the engine its secret names. */
  database?: { host: string; port: number; engine: string | undefined };
}
