export { type AwsErrorInfo, type AwsErrorKind, classifyAwsError } from './classify.js';
export type { SecretsManagerLike } from './secrets-manager-like.js';
