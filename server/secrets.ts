/**
 * Keeps API keys out of everything the server writes or returns. Every key the server uses is
 * registered here (in memory only), and {@link scrubSecrets} removes registered keys, bearer tokens
 * and key-shaped strings from any text before it is stored, logged or sent to a client.
 */
const registered = new Set<string>();

/** Shorter strings are not treated as secrets: scrubbing them would mangle ordinary text. */
const MIN_SECRET_LENGTH = 6;
const REDACTED = '[redacted]';
const PATTERNS: readonly [RegExp, string][] = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`],
  // Common key shapes: OpenAI sk-…, Hugging Face hf_…, Groq gsk_…, and similar prefixes.
  [/\b(?:sk|hf|gsk|xai|pk|rk)[-_][A-Za-z0-9_-]{12,}/g, REDACTED],
  [/([?&](?:api[_-]?key|access_token|token|key)=)[^&\s"']+/gi, `$1${REDACTED}`],
];

/** Remembers a key so that {@link scrubSecrets} removes it wherever it appears. */
export function registerSecret(secret: string | null | undefined): void {
  if (secret && secret.length >= MIN_SECRET_LENGTH) registered.add(secret);
}

/** The text with every registered key, bearer token and key-shaped string replaced by "[redacted]". */
export function scrubSecrets(text: string): string {
  let scrubbed = text;
  for (const secret of registered) {
    if (scrubbed.includes(secret)) scrubbed = scrubbed.replaceAll(secret, REDACTED);
  }
  for (const [pattern, replacement] of PATTERNS) scrubbed = scrubbed.replace(pattern, replacement);
  return scrubbed;
}
