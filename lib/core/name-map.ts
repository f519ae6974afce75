// A JSON object of name → value whose names must match a pattern (labels,
// annotations). Written with `propertyNames`, not `patternProperties`: the
// OpenAPI 3.0 document turns patternProperties into additionalProperties and
// would lose the rule, while propertyNames goes through as it is.
import Type, { type TSchema } from 'typebox';

export const NameMap = <T extends TSchema>(pattern: string, value: T, options: { maxProperties: number }) =>
  Type.Record(Type.String(), value, { maxProperties: options.maxProperties, propertyNames: { pattern } });
