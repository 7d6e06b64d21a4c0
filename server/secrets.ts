import type { ProviderCredentials } from './engine/providers/credentials.ts';
/**
 * Keeps API keys out of everything the server writes or returns. Each app has one scrubber: every
 * key the app uses is registered with it (in memory only), and {@link SecretScrubber.scrub} removes
 * registered keys, bearer tokens and key-shaped strings from any text before it is stored, logged
 * or sent to a client. Two apps in one process never see each other's keys.
 */

/** Shorter strings are not treated as secrets: scrubbing them would mangle ordinary text. */
const MIN_SECRET_LENGTH = 6;
const REDACTED = '[redacted]';
const PATTERNS: readonly [RegExp, string][] = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`],
  // Common key shapes: OpenAI sk-…, Hugging Face hf_…, Groq gsk_…, and similar prefixes.
  [/\b(?:sk|hf|gsk|xai|pk|rk)[-_][A-Za-z0-9_-]{12,}/g, REDACTED],
  [/([?&](?:api[_-]?key|access_token|token|key)=)[^&\s"']+/gi, `$1${REDACTED}`],
];

/** The text with bearer tokens and key-shaped strings replaced by "[redacted]" (no registered keys needed). */
export function scrubKeyShapes(text: string): string {
  let scrubbed = text;
  for (const [pattern, replacement] of PATTERNS) scrubbed = scrubbed.replace(pattern, replacement);
  return scrubbed;
}

export class SecretScrubber {
  private readonly registered = new Set<string>();

  /** A scrubber that knows every configured provider key from the start, used by a run or not. */
  static forCredentials(credentials: ProviderCredentials): SecretScrubber {
    const secrets = new SecretScrubber();
    secrets.register(credentials.hfToken);
    for (const endpoint of credentials.openAiEndpoints) secrets.register(endpoint.apiKey);
    return secrets;
  }

  /** Remembers a key so that {@link scrub} removes it wherever it appears. */
  register(secret: string | null | undefined): void {
    if (secret && secret.length >= MIN_SECRET_LENGTH) this.registered.add(secret);
  }

  /** The text with every registered key, bearer token and key-shaped string replaced by "[redacted]". */
  readonly scrub = (text: string): string => {
    let scrubbed = text;
    for (const secret of this.registered) {
      if (scrubbed.includes(secret)) scrubbed = scrubbed.replaceAll(secret, REDACTED);
    }
    return scrubKeyShapes(scrubbed);
  };
}
