// Slack incoming webhook with Block Kit. slackBody is pure: tests call it directly.
//
// Everything that came from outside (summary, details, service name, action) is
// escaped for Slack's mrkdwn (&, <, >), so a check's output cannot turn into a link,
// a mention or `<!channel>`; triple backticks in details cannot close the code block.
// Slack's limits are respected by cutting with a visible marker: header text 150
// characters, section text 3000, field text 2000, at most 50 blocks.
import { checkWebhookUrl, postJson } from './http';
import { boundDetails, truncate, type HealthEvent, type HealthEventKind, type Notifier } from '../../core/notify/types';

export const SLACK_LIMITS = { headerChars: 150, sectionChars: 3000, fieldChars: 2000, blocks: 50 } as const;

const HEADER: Record<HealthEventKind, { emoji: string; title: string }> = {
  unhealthy: { emoji: ':red_circle:', title: 'is unhealthy' },
  healed: { emoji: ':large_green_circle:', title: 'is healthy again' },
  'gave-up': { emoji: ':sos:', title: 'gave up remediating' },
  remediated: { emoji: ':wrench:', title: 'remediation ran' },
  'drift-found': { emoji: ':warning:', title: 'drifted from its desired state' },
  'drift-healed': { emoji: ':large_green_circle:', title: 'is in sync again' },
  'drift-gave-up': { emoji: ':sos:', title: 'gave up self-healing drift' },
  triaged: { emoji: ':mag:', title: 'alert triaged' },
  'triage-resolved': { emoji: ':white_check_mark:', title: 'triaged alert resolved' },
};

export type SlackText = { type: 'mrkdwn' | 'plain_text'; text: string; emoji?: boolean };
export type SlackBlock = { type: 'header'; text: SlackText } | { type: 'section'; text?: SlackText; fields?: SlackText[] } | { type: 'context'; elements: SlackText[] };

export interface SlackBody {
  text: string;
  blocks: SlackBlock[];
  channel?: string;
}

/** Escapes Slack's mrkdwn control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts already-escaped text without leaving half an entity (`&am…`). */
function cutEscaped(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max - 1).replace(/&[a-z]{0,3}$/, '')}…`;
}

/** A URL inside `<url|label>`: `|` and `>` would end it early. */
function linkTarget(url: string): string {
  return url.replace(/\|/g, '%7C').replace(/>/g, '%3E').replace(/</g, '%3C');
}

/** Detail lines as a code block that fits in `max` characters, with a marker when cut. */
function detailsBlock(details: string[], max: number): string {
  const fence = '```';
  const lines = details.map((line) => escapeMrkdwn(line).replace(/```/g, '`\u200b`\u200b`'));
  const frame = (text: string) => `${fence}\n${text}\n${fence}`;
  const whole = lines.join('\n');
  if (frame(whole).length <= max) return frame(whole);
  const room = frame('').length + 24; // the fences and a "… N more lines" marker
  let text = '';
  let shown = 0;
  for (const line of lines) {
    const separator = text ? '\n' : '';
    const space = max - room - text.length - separator.length;
    if (line.length <= space) {
      text += separator + line;
      shown += 1;
      continue;
    }
    if (space > 1) {
      text += separator + cutEscaped(line, space);
      shown += 1;
    }
    break;
  }
  if (shown < lines.length) text += `\n… ${lines.length - shown} more lines`;
  return frame(text);
}

/** Our own links (from server.publicUrl and the Temporal UI address); short http(s) only. */
function usableLink(url: string | undefined): url is string {
  return !!url && /^https?:\/\//i.test(url) && url.length <= 900;
}

function formatTime(at: number): string {
  const iso = new Date(at).toISOString();
  // Slack shows this in each reader's time zone; the text after | is the fallback.
  return `<!date^${Math.floor(at / 1000)}^{date_short_pretty} {time_secs}|${iso}>`;
}

export function slackBody(event: HealthEvent, options: { channel?: string } = {}): SlackBody {
  const { emoji, title } = HEADER[event.kind];
  const service = escapeMrkdwn(event.service);
  const summary = escapeMrkdwn(event.summary);
  const blocks: SlackBlock[] = [];

  // plain_text is not parsed for mrkdwn, links or mentions: no escaping there.
  blocks.push({
    type: 'header',
    text: { type: 'plain_text', text: truncate(`${emoji} ${event.service} ${title}`, SLACK_LIMITS.headerChars), emoji: true },
  });

  const fields: SlackText[] = [
    { type: 'mrkdwn', text: `*Service*\n${service}` },
    { type: 'mrkdwn', text: `*Status*\n${escapeMrkdwn(event.status)}` },
    { type: 'mrkdwn', text: `*Time*\n${formatTime(event.at)}` },
  ];
  if (event.action) {
    const { step, type, outcome } = event.action;
    fields.push({ type: 'mrkdwn', text: `*Action*\n${escapeMrkdwn(`${step} (${type}): ${outcome}`)}` });
  }
  blocks.push({
    type: 'section',
    fields: fields.map((field) => ({ ...field, text: cutEscaped(field.text, SLACK_LIMITS.fieldChars) })),
  });

  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cutEscaped(summary, SLACK_LIMITS.sectionChars) } });
  const details = boundDetails(event.details);
  if (details.length) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: detailsBlock(details, SLACK_LIMITS.sectionChars) } });
  }

  const links = [
    [event.links?.vigil, 'Open in Vigil'],
    [event.links?.temporal, 'Open in Temporal'],
  ]
    .filter((link): link is [string, string] => usableLink(link[0]))
    .map(([url, label]) => `<${linkTarget(url)}|${label}>`);
  if (links.length) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: links.join('  ·  ') }] });

  const body: SlackBody = {
    // The fallback for notifications and clients that do not show blocks.
    text: cutEscaped(`${emoji} ${service} ${title}: ${summary}`, SLACK_LIMITS.sectionChars),
    blocks: blocks.slice(0, SLACK_LIMITS.blocks),
  };
  if (options.channel) body.channel = options.channel;
  return body;
}

export interface SlackNotifierOptions {
  webhookUrl: string;
  /** Honoured by legacy webhooks only; app webhooks post to the channel they were made for. */
  channel?: string;
  name?: string;
  timeoutMs?: number;
}

export function slackNotifier(options: SlackNotifierOptions): Notifier {
  const name = options.name ?? 'slack';
  checkWebhookUrl(name, options.webhookUrl);
  return {
    name,
    async send(event, signal) {
      await postJson({
        notifier: name,
        url: options.webhookUrl,
        body: slackBody(event, { channel: options.channel }),
        signal,
        timeoutMs: options.timeoutMs,
      });
    },
  };
}
