// Building blocks of the response schemas. Each schema in api/schemas/ types
// its route's handler, feeds the OpenAPI document and is what the CLI imports
// (as types only) instead of declaring the shapes again.
//
// Fastify serializes a response by its schema: a property the schema lacks is
// dropped, a null where it wants a string becomes "", a missing required
// property is a 500. So a schema says exactly what the route returns: nullable
// where null is returned, optional where a property is left out.
import Type, { type Static, type TSchema } from 'typebox';

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** A time as the API writes it (RFC 3339, UTC). */
export const Timestamp = (description?: string) => Type.String({ format: 'date-time', ...(description ? { description } : {}) });

/** A time as the loops keep it: epoch milliseconds. */
export const EpochMs = (description?: string) => Type.Number({ description: description ? `${description} (epoch ms)` : 'Epoch milliseconds' });

/** A pause as a loop holds it (its `status` query). */
export const PauseView = Type.Object({
  reason: Type.String(),
  until: Type.Optional(EpochMs('Until then; omitted: until resumed')),
  by: Type.Optional(Type.String()),
});

/** POST …/pause and …/resume of a loop. */
export const PauseAnswer = Type.Object({ paused: Type.Boolean(), until: Type.Optional(Type.String({ description: 'As given' })) });
export type PauseAnswer = Static<typeof PauseAnswer>;
export const ResumeAnswer = Type.Object({ paused: Type.Boolean() });
export type ResumeAnswer = Static<typeof ResumeAnswer>;

/** T with every property required, at every depth: the properties a shape has, optional or not. */
type Shape<T> = T extends readonly (infer Item)[] ? Shape<Item>[] : T extends object ? { [K in keyof T]-?: Shape<Exclude<T[K], undefined>> } : T;

/**
 * true when A and B have the same properties at every depth and each value
 * fits the other's. A schema mirroring a type the workflows declare asserts
 * `Same<Static<typeof Schema>, TheirType>`: a field they add or change then
 * fails the type check here instead of being silently dropped from responses.
 */
export type Same<A, B> = [Shape<A>] extends [Shape<B>] ? ([Shape<B>] extends [Shape<A>] ? true : false) : false;
export type Assert<T extends true> = T;
