/**
 * The part of a `SecretsManagerClient` rotakit calls: `send` with an abort signal. A real
 * client satisfies it, and so does a test double. The type parameters narrow it to the
 * commands a package sends (secret-pool: GetSecretValue only) without this package
 * depending on the AWS SDK.
 *
 * @example
 * type Client = SecretsManagerLike<GetSecretValueCommand, GetSecretValueCommandOutput>;
 */
export interface SecretsManagerLike<Command = never, Output = unknown> {
  send(command: Command, options?: { abortSignal?: AbortSignal }): Promise<Output>;
  /** The client's resolved config (Region, endpoint), read only to name where calls go. */
  config?: unknown;
}
