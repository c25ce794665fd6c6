/**
 * Reading a message's content type. Media types are case-insensitive (RFC 2045) and may carry
 * parameters (`; charset=utf-8`); only the essence (`type/subtype`) decides how a body is read.
 */

/** How a content type says its body is to be read. */
export const MediaKind = {
  /** `application/json` or any `+json` structured-syntax suffix (RFC 6839). */
  json: 0,
  /** `text/*`. */
  text: 1,
  /** `application/cloudevents+json`: a CloudEvent in structured mode. */
  cloudEvent: 2,
  /** Anything else: opaque bytes unless a codec claims it. */
  other: 3,
} as const;
export type MediaKind = (typeof MediaKind)[keyof typeof MediaKind];

export const JSON_TYPE = 'application/json';
export const TEXT_TYPE = 'text/plain; charset=utf-8';
export const BYTES_TYPE = 'application/octet-stream';
export const CLOUDEVENT_TYPE = 'application/cloudevents+json';

/** `type/subtype` in lower case, without parameters. */
export function essenceOf(contentType: string): string {
  const semicolon = contentType.indexOf(';');
  const essence = semicolon === -1 ? contentType : contentType.slice(0, semicolon);
  return essence.trim().toLowerCase();
}

/** The kind of an essence (see {@link essenceOf}). */
export function kindOfEssence(essence: string): MediaKind {
  if (essence === JSON_TYPE) return MediaKind.json;
  if (essence === CLOUDEVENT_TYPE) return MediaKind.cloudEvent;
  if (essence.startsWith('text/')) return MediaKind.text;
  if (essence.endsWith('+json')) return MediaKind.json;
  return MediaKind.other;
}

/** The kind of a raw content type; the exact strings Switchboard writes skip the parsing. */
export function kindOf(contentType: string): MediaKind {
  if (contentType === JSON_TYPE) return MediaKind.json;
  if (contentType === BYTES_TYPE) return MediaKind.other;
  if (contentType === TEXT_TYPE) return MediaKind.text;
  return kindOfEssence(essenceOf(contentType));
}

/** The `charset` parameter in lower case, without quotes; undefined when absent. */
export function charsetOf(contentType: string): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType);
  return match?.[1]?.toLowerCase();
}

/** True for a syntactically plausible media type (`type/subtype` with optional parameters). */
export function isMediaType(value: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*(\s*;.*)?$/.test(value);
}
