import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import { functionPolicyAllowsSecretsManager } from '../endpoints.js';
import type { AnalysisContext } from './context.js';
import type { DbTarget } from './databases.js';

function checkFunctionState(ctx: AnalysisContext, fn: FunctionConfiguration, name: string): void {
  if ((!fn.State || fn.State === 'Active') && fn.LastUpdateStatus !== 'Failed') return;
  ctx.findings.add({
    code: 'FUNCTION_NOT_ACTIVE',
    resource: { type: 'lambda-function', id: name },
    rule: { attribute: fn.LastUpdateStatus === 'Failed' ? 'LastUpdateStatus' : 'State' },
    data: {
      name,
      state: fn.State,
      lastUpdateStatus: fn.LastUpdateStatus,
      stateReason: fn.StateReason,
      lastUpdateStatusReason: fn.LastUpdateStatusReason,
      reasonCode: fn.StateReasonCode ?? fn.LastUpdateStatusReasonCode,
      failed: fn.State === 'Failed' || fn.LastUpdateStatus === 'Failed',
    },
  });
}

function checkInvokePermission(ctx: AnalysisContext, name: string): void {
  const policy = ctx.snap.functionPolicy;
  // undefined: the policy was not collected; null: the function has none.
  if (policy === undefined) return;
  if (policy !== null && functionPolicyAllowsSecretsManager(policy)) return;
  ctx.findings.add({
    code: 'LAMBDA_PERMISSION_MISSING',
    resource: { type: 'lambda-function', id: name },
    rule: { attribute: 'Policy' },
    data: { name },
  });
}

/** Compares ARNs without a version or alias qualifier (arn:aws:lambda:r:acct:function:name[:q]). */
function unqualified(arn: string): string {
  return arn.split(':').slice(0, 7).join(':');
}

function checkRotationFunction(ctx: AnalysisContext, fn: FunctionConfiguration): void {
  const rotationArn = ctx.snap.secret?.RotationLambdaARN;
  const functionArn = fn.FunctionArn;
  if (!rotationArn || !functionArn || unqualified(rotationArn) === unqualified(functionArn)) return;
  ctx.findings.add({
    code: 'ROTATION_FUNCTION_MISMATCH',
    resource: { type: 'secret', id: ctx.snap.secret?.ARN ?? ctx.snap.secret?.Name ?? '(secret)' },
    rule: { attribute: 'RotationLambdaARN' },
    data: { rotationArn, functionArn },
  });
}

function checkTimeout(
  ctx: AnalysisContext,
  fn: FunctionConfiguration,
  name: string,
  minimumSeconds: number,
): void {
  if (typeof fn.Timeout !== 'number' || fn.Timeout >= minimumSeconds) return;
  ctx.findings.add({
    code: 'FUNCTION_TIMEOUT_TOO_SHORT',
    resource: { type: 'lambda-function', id: name },
    rule: { attribute: 'Timeout' },
    data: { name, timeoutSeconds: fn.Timeout, minimumSeconds },
  });
}

/** R1 and R9: the function is Active, Secrets Manager may invoke it, it is the secret's, its timeout. */
export function checkFunction(
  ctx: AnalysisContext,
  fn: FunctionConfiguration,
  name: string,
  minimumTimeoutSeconds: number,
): void {
  checkFunctionState(ctx, fn, name);
  checkInvokePermission(ctx, name);
  checkRotationFunction(ctx, fn);
  checkTimeout(ctx, fn, name, minimumTimeoutSeconds);
}

/** A function outside any VPC cannot reach a database that is not publicly accessible. */
export function checkFunctionOutsideVpc(
  ctx: AnalysisContext,
  name: string,
  targets: readonly DbTarget[],
): void {
  const privateDbs = targets.filter((t) => {
    const instances = ctx.snap.dbInstances.filter(
      (i) => i.DBClusterIdentifier === t.summary.id || i.DBInstanceIdentifier === t.summary.id,
    );
    return instances.length === 0 || instances.some((i) => !i.PubliclyAccessible);
  });
  if (privateDbs.length === 0) return;
  ctx.findings.add({
    code: 'LAMBDA_NOT_IN_VPC',
    resource: { type: 'lambda-function', id: name },
    rule: { attribute: 'VpcConfig' },
    data: {
      functionName: name,
      privateDbIds: privateDbs.map((t) => t.summary.id),
      dbVpcId: privateDbs[0]?.summary.vpcId,
    },
  });
}
