export { SecretFormatError, type SecretFormatErrorContext } from './errors.js';
export {
  isRdsManagedSecretName,
  type ManagedSecret,
  managedSecretOf,
  RDS_MANAGED_SECRET_PREFIX,
  RDS_MANAGED_SECRET_TAGS,
  type RdsManagedResource,
  type SecretOwnershipMetadata,
} from './managed-secret.js';
export {
  type ParseRdsSecretOptions,
  parseRdsSecret,
  readSslFlag,
  SECRET_MAX_BYTES,
} from './parse.js';
export {
  RDS_SECRET_FIELDS,
  RdsSecret,
  type RdsSecretField,
  type RdsSecretFields,
  type RdsSecretStringField,
} from './rds-secret.js';
