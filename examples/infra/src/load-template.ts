import { readFileSync } from 'node:fs';
import { parse, type Tags } from 'yaml';

/** CloudFormation's short-form intrinsic functions, turned into their long JSON form. */
const scalar = (tag: string, fn: string) => ({
  tag,
  resolve: (value: string) =>
    fn === 'Ref'
      ? { Ref: value }
      : fn === 'Fn::GetAtt'
        ? { [fn]: value.split('.') }
        : { [fn]: value },
});
const sequence = (tag: string, fn: string) => ({
  tag,
  collection: 'seq' as const,
  resolve: (value: { toJSON(): unknown }) => ({ [fn]: value.toJSON() }),
});

const CLOUDFORMATION_TAGS: Tags = [
  scalar('!Ref', 'Ref'),
  scalar('!Sub', 'Fn::Sub'),
  scalar('!GetAtt', 'Fn::GetAtt'),
  scalar('!ImportValue', 'Fn::ImportValue'),
  scalar('!Base64', 'Fn::Base64'),
  scalar('!Condition', 'Condition'),
  sequence('!Sub', 'Fn::Sub'),
  sequence('!If', 'Fn::If'),
  sequence('!Equals', 'Fn::Equals'),
  sequence('!Not', 'Fn::Not'),
  sequence('!And', 'Fn::And'),
  sequence('!Or', 'Fn::Or'),
  sequence('!Join', 'Fn::Join'),
  sequence('!Select', 'Fn::Select'),
  sequence('!Split', 'Fn::Split'),
  sequence('!GetAZs', 'Fn::GetAZs'),
  sequence('!Cidr', 'Fn::Cidr'),
] as Tags;

export interface CfnResource {
  Type: string;
  Condition?: string;
  DependsOn?: string | string[];
  Properties?: Record<string, unknown>;
}

export interface CfnTemplate {
  Parameters: Record<string, { Type: string; Default?: unknown; AllowedValues?: unknown[] }>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, unknown>;
}

/** Parses a CloudFormation/SAM YAML template, short-form intrinsics included. */
export function loadTemplate(path: string): CfnTemplate {
  return parse(readFileSync(path, 'utf8'), { customTags: CLOUDFORMATION_TAGS }) as CfnTemplate;
}
