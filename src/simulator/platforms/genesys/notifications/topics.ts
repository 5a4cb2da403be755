import { isRecord, type ParsedBody } from '../../../core/http/reply.ts';

/**
 * Why the simulator refused a Genesys notifications REST call (docs/protocols.md §2.5); each is
 * counted in `ws_endpoints.genesys_notifications.rest_rejections`.
 */
export const GENESYS_REST_REJECTIONS = [
  'missing_bearer',
  'invalid_bearer',
  'unknown_channel',
  'bad_body',
  'bad_topic',
  'too_many_topics',
  'bad_query',
] as const;

/** One reason of {@link GENESYS_REST_REJECTIONS}. */
export type GenesysRestRejection = (typeof GENESYS_REST_REJECTIONS)[number];

/** Combined topics (`prefix?a&b`) may not be longer than this (docs/protocols.md §2.4). */
export const MAX_COMBINED_TOPIC_LENGTH = 200;

const SEGMENT = '[A-Za-z0-9_-]+';
/** `v2.<segment>(.<segment>)*`, optionally combined as `…?suffix&suffix` (docs/protocols.md §2.1). */
const TOPIC = new RegExp(`^v2(?:\\.${SEGMENT})+(?:\\?${SEGMENT}(?:&${SEGMENT})*)?$`);

/** Why one topic is not one Genesys would accept, or undefined when it is. */
export function topicProblem(topic: string): string | undefined {
  if (!TOPIC.test(topic)) return `invalid topic ${JSON.stringify(topic.slice(0, 80))}`;
  if (topic.includes('?') && topic.length > MAX_COMBINED_TOPIC_LENGTH) {
    return `a combined topic can have at most ${MAX_COMBINED_TOPIC_LENGTH} characters`;
  }
  return undefined;
}

/** A subscription body that failed validation. */
export interface TopicListProblem {
  reason: Extract<GenesysRestRejection, 'bad_body' | 'bad_topic'>;
  message: string;
}

const BODY_SHAPE = 'request body must be a JSON array of {"id": topic}';

/** The topics of a `[{"id":"topic"}, …]` subscription body (docs/protocols.md §2.1). */
export function topicList(body: ParsedBody): string[] | TopicListProblem {
  if (body.kind !== 'json' || !Array.isArray(body.value)) {
    return { reason: 'bad_body', message: BODY_SHAPE };
  }
  const topics: string[] = [];
  for (const item of body.value as unknown[]) {
    if (!isRecord(item) || typeof item.id !== 'string') {
      return { reason: 'bad_body', message: BODY_SHAPE };
    }
    const problem = topicProblem(item.id);
    if (problem !== undefined) return { reason: 'bad_topic', message: problem };
    topics.push(item.id);
  }
  return topics;
}
