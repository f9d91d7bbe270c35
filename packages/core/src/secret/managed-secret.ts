/**
 * Secrets that another AWS service owns and rotates itself ("managed rotation"), above all
 * the master user secrets RDS and Aurora keep for `ManageMasterUserPassword`. Sources: the
 * Secrets Manager User Guide, "Managed rotation for AWS Secrets Manager secrets"
 * (rotate-secrets_managed.html), and the RDS User Guide, "Password management with Amazon RDS
 * and AWS Secrets Manager" (rds-secrets-manager.html).
 */

/** The name prefix RDS gives the secrets it manages: `rds!cluster-<uuid>`, `rds!db-<uuid>`. */
export const RDS_MANAGED_SECRET_PREFIX = 'rds!';

/** Tag keys RDS and Secrets Manager put on a managed secret (compared case-insensitively). */
export const RDS_MANAGED_SECRET_TAGS = Object.freeze({
  cluster: 'aws:rds:primaryDBClusterArn',
  instance: 'aws:rds:primaryDBInstanceArn',
  owningService: 'aws:secretsmanager:owningService',
});

/** The DescribeSecret (or ListSecrets entry) fields that say who owns a secret. */
export interface SecretOwnershipMetadata {
  readonly Name?: string | undefined;
  readonly OwningService?: string | undefined;
  readonly Tags?: readonly { readonly Key?: string | undefined; readonly Value?: string }[];
}

/** The RDS resource whose master user password a managed secret holds. */
export interface RdsManagedResource {
  /** `cluster`: an Aurora or Multi-AZ DB cluster; `instance`: a DB instance. */
  readonly type: 'cluster' | 'instance';
  /** From the `aws:rds:primaryDB…Arn` tag; undefined when the tags were not read. */
  readonly arn: string | undefined;
  /** The DB cluster or instance identifier (the ARN's last part). */
  readonly identifier: string | undefined;
}

/** A secret another service owns, and how that was recognised. */
export interface ManagedSecret {
  /** The owning service, e.g. `rds`. */
  readonly owningService: string;
  /** What said so: DescribeSecret's `OwningService`, the owning-service tag, or an `rds!` name. */
  readonly evidence: 'OwningService' | 'tag' | 'name';
  /** For RDS: the DB cluster or instance, when the tags or the name tell it. */
  readonly rdsResource: RdsManagedResource | undefined;
}

/**
 * Whether a secret name (or a secret ARN) has the shape RDS gives the secrets it manages.
 * Secrets Manager does not allow `!` in the names users choose, so the prefix is reliable.
 */
export function isRdsManagedSecretName(nameOrArn: string): boolean {
  return secretNameOf(nameOrArn).startsWith(RDS_MANAGED_SECRET_PREFIX);
}

/**
 * Who owns a secret, from its DescribeSecret metadata: `OwningService`, else the
 * `aws:secretsmanager:owningService` tag or an `aws:rds:primaryDB…Arn` tag (users cannot set
 * `aws:` tags), else an `rds!` name. Undefined when the secret is
 * the account's own (rotated by a Lambda function, or not at all).
 *
 * @example
 * const managed = managedSecretOf(await client.send(new DescribeSecretCommand({ SecretId })));
 * if (managed?.owningService === 'rds') console.log(managed.rdsResource?.identifier);
 */
export function managedSecretOf(metadata: SecretOwnershipMetadata): ManagedSecret | undefined {
  const name = metadata.Name ?? '';
  const byName = isRdsManagedSecretName(name) ? 'rds' : undefined;
  const byTag = tagValue(metadata, RDS_MANAGED_SECRET_TAGS.owningService) || byRdsTags(metadata);
  const owningService = metadata.OwningService || byTag || byName;
  if (!owningService) return undefined;
  const evidence = metadata.OwningService ? 'OwningService' : byTag ? 'tag' : 'name';
  const rdsResource = owningService === 'rds' ? rdsResourceOf(metadata, name) : undefined;
  return Object.freeze({ owningService, evidence, rdsResource });
}

function rdsResourceOf(
  metadata: SecretOwnershipMetadata,
  name: string,
): RdsManagedResource | undefined {
  const clusterArn = tagValue(metadata, RDS_MANAGED_SECRET_TAGS.cluster);
  const instanceArn = tagValue(metadata, RDS_MANAGED_SECRET_TAGS.instance);
  const arn = clusterArn ?? instanceArn;
  const type = clusterArn ? 'cluster' : instanceArn ? 'instance' : resourceTypeOfName(name);
  if (!type) return undefined;
  return Object.freeze({ type, arn, identifier: arn ? identifierOf(arn) : undefined });
}

/** `rds!cluster-<uuid>` names a cluster's secret, `rds!db-<uuid>` an instance's. */
function resourceTypeOfName(name: string): RdsManagedResource['type'] | undefined {
  if (name.startsWith(`${RDS_MANAGED_SECRET_PREFIX}cluster-`)) return 'cluster';
  if (name.startsWith(`${RDS_MANAGED_SECRET_PREFIX}db-`)) return 'instance';
  return undefined;
}

function byRdsTags(metadata: SecretOwnershipMetadata): 'rds' | undefined {
  const { cluster, instance } = RDS_MANAGED_SECRET_TAGS;
  return tagValue(metadata, cluster) || tagValue(metadata, instance) ? 'rds' : undefined;
}

function tagValue(metadata: SecretOwnershipMetadata, key: string): string | undefined {
  const wanted = key.toLowerCase();
  return metadata.Tags?.find((tag) => tag.Key?.toLowerCase() === wanted)?.Value || undefined;
}

/** `arn:aws:rds:<region>:<account>:cluster:<id>` (or `:db:<id>`) → `<id>`. */
function identifierOf(arn: string): string | undefined {
  const parts = arn.split(':');
  return parts.length >= 7 ? parts.slice(6).join(':') || undefined : undefined;
}

/** `arn:aws:secretsmanager:<region>:<account>:secret:<name>-<suffix>` → its name part. */
function secretNameOf(nameOrArn: string): string {
  const marker = ':secret:';
  const at = nameOrArn.startsWith('arn:') ? nameOrArn.indexOf(marker) : -1;
  return at === -1 ? nameOrArn : nameOrArn.slice(at + marker.length);
}
