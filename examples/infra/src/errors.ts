/** Base class for every error thrown by the infra example's template helpers. */
export class InfraTemplateError extends Error {
  override readonly name: string = 'InfraTemplateError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** The template (or the environment it is resolved against) cannot be turned into a snapshot. */
export class TemplateSnapshotError extends InfraTemplateError {
  override readonly name: string = 'TemplateSnapshotError';
  /** The resource, parameter or condition that is wrong (`(template)` for the whole template). */
  readonly logicalId: string;
  constructor(logicalId: string, problem: string, options?: ErrorOptions) {
    super(`${logicalId}: ${problem}`, options);
    this.logicalId = logicalId;
  }
}
