import { ConfigError } from './errors.js';

/** RFC 3986 userinfo: unreserved, percent-encoded, sub-delims and ':' — nothing that ends the authority. */
const USERINFO = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:]|%[0-9A-Fa-f]{2})*$/;

/**
 * The URL with everything between `://` and its last `@` hidden. Used for a URL that failed the
 * check below, where the usual redaction cannot tell where the password ends.
 */
function hideUserinfo(url: string): string {
  const start = url.indexOf('://');
  const at = url.lastIndexOf('@');
  return start === -1 || at < start ? url : `${url.slice(0, start + 3)}***${url.slice(at)}`;
}

/**
 * Refuses a broker URL whose user or password is not percent-encoded (a `/`, `@`, `#`, `?` or
 * space in a password would otherwise end the authority early: the password's tail would be read
 * as a host, sent to DNS and printed in errors). The error shows the URL with the credentials hidden.
 */
export function checkUrlCredentials(url: string): void {
  const start = url.indexOf('://');
  const at = url.lastIndexOf('@');
  if (start === -1 || at < start) return;
  const userinfo = url.slice(start + 3, at);
  let decodable = true;
  try {
    decodeURIComponent(userinfo);
  } catch {
    decodable = false;
  }
  if (USERINFO.test(userinfo) && decodable) return;
  throw new ConfigError(
    `url "${hideUserinfo(url)}" has a user name or password that is not URL-encoded: characters such as / @ # ? % : and spaces ` +
      'must be percent-encoded (encodeURIComponent(password)); an @ that belongs to the vhost or path is written %40',
  );
}
