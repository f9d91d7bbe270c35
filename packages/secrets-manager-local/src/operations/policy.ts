import { ServiceError } from '../errors.js';
import type { Input } from '../input.js';
import { type Operation, readSecretId } from './context.js';

/** The resource policy document size limit (the service model's `max: 20480`). */
const MAX_POLICY_LENGTH = 20_480;
const EFFECTS = ['Allow', 'Deny'];

const malformed = (message: string) => ServiceError.of('MalformedPolicyDocumentException', message);

interface Finding {
  readonly check: string;
  readonly message: string;
}

function readPolicy(input: Input): string {
  return input.requiredString('ResourcePolicy', { min: 1, max: MAX_POLICY_LENGTH });
}

/** Parses the document; anything that is not a JSON object is the service's syntax error. */
function parsePolicy(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw malformed('This resource policy contains a syntax error.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw malformed('This resource policy contains a syntax error.');
  }
  return parsed as Record<string, unknown>;
}

function statementsOf(policy: Record<string, unknown>): unknown[] | undefined {
  const statement = policy.Statement;
  if (Array.isArray(statement)) return statement;
  return typeof statement === 'object' && statement !== null ? [statement] : undefined;
}

/** IAM's grammar, the parts a resource policy needs: Statement, Effect, Principal, Action. */
function grammarFindings(policy: Record<string, unknown>): Finding[] {
  const statements = statementsOf(policy);
  if (statements === undefined || statements.length === 0) {
    return [{ check: 'SYNTAX_CHECK', message: 'The policy is missing the required Statement.' }];
  }
  const findings: Finding[] = [];
  statements.forEach((raw, index) => {
    const where = `Statement ${index + 1}`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      findings.push({ check: 'SYNTAX_CHECK', message: `${where} is not an object.` });
      return;
    }
    const statement = raw as Record<string, unknown>;
    if (!EFFECTS.includes(statement.Effect as string)) {
      findings.push({ check: 'SYNTAX_CHECK', message: `${where}: Effect must be Allow or Deny.` });
    }
    if (statement.Principal === undefined && statement.NotPrincipal === undefined) {
      findings.push({
        check: 'SYNTAX_CHECK',
        message: `${where}: a resource policy statement needs a Principal.`,
      });
    }
    if (statement.Action === undefined && statement.NotAction === undefined) {
      findings.push({ check: 'SYNTAX_CHECK', message: `${where} is missing an Action.` });
    }
  });
  return findings;
}

function isEveryone(principal: unknown): boolean {
  if (principal === '*') return true;
  if (typeof principal !== 'object' || principal === null) return false;
  const aws = (principal as Record<string, unknown>).AWS;
  return aws === '*' || (Array.isArray(aws) && aws.includes('*'));
}

/** An Allow to `"Principal": "*"` (or `{"AWS": "*"}`) without a Condition grants public access. */
function grantsPublicAccess(policy: Record<string, unknown>): boolean {
  return (statementsOf(policy) ?? []).some((raw) => {
    if (typeof raw !== 'object' || raw === null) return false;
    const statement = raw as Record<string, unknown>;
    return (
      statement.Effect === 'Allow' &&
      isEveryone(statement.Principal) &&
      statement.Condition === undefined
    );
  });
}

export const getResourcePolicy: Operation = (input, { store }) => {
  const secret = store.resolve(readSecretId(input));
  const policy = store.primaryOf(secret).resourcePolicy;
  return policy === undefined
    ? { ARN: secret.arn, Name: secret.name }
    : { ARN: secret.arn, Name: secret.name, ResourcePolicy: policy };
};

export const putResourcePolicy: Operation = (input, { store }) => {
  const secretId = readSecretId(input);
  const text = readPolicy(input);
  const blockPublic = input.boolean('BlockPublicPolicy') ?? false;
  const policy = parsePolicy(text);
  const [finding] = grammarFindings(policy);
  if (finding !== undefined) throw malformed(finding.message);
  const secret = store.resolveLive(secretId);
  if (blockPublic && grantsPublicAccess(policy)) {
    throw ServiceError.of(
      'PublicPolicyException',
      'The BlockPublicPolicy parameter is set to true, and the resource policy did not prevent broad access to the secret.',
    );
  }
  secret.resourcePolicy = text;
  store.changed(secret);
  return { ARN: secret.arn, Name: secret.name };
};

export const deleteResourcePolicy: Operation = (input, { store }) => {
  const secret = store.resolveLive(readSecretId(input));
  if (secret.resourcePolicy !== undefined) {
    delete secret.resourcePolicy;
    store.changed(secret);
  }
  return { ARN: secret.arn, Name: secret.name };
};

/**
 * "Validates that a resource policy does not grant a wide range of principals access to your
 * secret": grammar problems and public access come back as ValidationErrors.
 */
export const validateResourcePolicy: Operation = (input, { store }) => {
  const secretId = input.string('SecretId', { min: 1, max: 2048 });
  const text = readPolicy(input);
  const policy = parsePolicy(text);
  if (secretId !== undefined) store.resolve(secretId);
  const findings = grammarFindings(policy);
  if (findings.length === 0 && grantsPublicAccess(policy)) {
    findings.push({
      check: 'BROAD_ACCESS_CHECK',
      message: 'The resource policy grants access to every principal ("Principal": "*").',
    });
  }
  return {
    PolicyValidationPassed: findings.length === 0,
    ValidationErrors: findings.map(({ check, message }) => ({
      CheckName: check,
      ErrorMessage: message,
    })),
  };
};
