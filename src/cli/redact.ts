// Redaction for `calf debug dump`: which environment variables hold secrets,
// and scrubbing secrets out of any text (known values, credentials in URLs,
// `key: value` pairs with secret-sounding keys, well-known token shapes).
// Pure; no I/O. Errs on the side of redacting.

export const REDACTED = "[redacted]";

/** Names that say "secret": CALF_API_TOKEN, CALF_DB_AUTH_TOKEN, GITHUB_TOKEN, DB_PASSWORD, ... */
const SECRET_NAME = /(TOKEN|SECRET|PASSW(OR)?D|PASS$|CREDENTIAL|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|AUTH|SESSION|COOKIE|SIGNATURE)/i;
/** AWS_* variables that are not secrets; every other AWS_* one is treated as one. */
const AWS_PUBLIC = /^AWS_(REGION|DEFAULT_REGION|PROFILE|DEFAULT_OUTPUT|CONFIG_FILE|SHARED_CREDENTIALS_FILE|ENDPOINT_URL.*|CA_BUNDLE|RETRY_MODE|MAX_ATTEMPTS|SDK_LOAD_CONFIG)$/;
/** Well-known token shapes: JWTs, GitHub, Slack, OpenAI-style, AWS access key ids, bearer headers. */
const TOKEN_SHAPES = /\b(eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]*|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}|xox[abprs]-[\w-]{10,}|sk-[\w-]{20,}|AKIA[0-9A-Z]{16}|ASIA[0-9A-Z]{16})\b/g;
const BEARER = /\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+\/=-]{8,}/g;

export function isSecretName(name: string): boolean {
  if (name.startsWith("AWS_")) return !AWS_PUBLIC.test(name);
  return SECRET_NAME.test(name);
}

/** A value that looks like a key or token whatever its name: long, no spaces, no path, letters and digits mixed. */
export function looksLikeToken(value: string): boolean {
  if (new RegExp(TOKEN_SHAPES.source).test(value)) return true;
  if (value.length < 24 || /[\s:]/.test(value) || /^[\/.~]/.test(value)) return false;
  if (!/^[A-Za-z0-9_\-+=\/.]+$/.test(value)) return false;
  return /[0-9]/.test(value) && /[A-Za-z]/.test(value) && new Set(value).size >= 10;
}

/** Credentials inside a URL: `user:pass@`, and `authToken=` / `token=` / `password=`-style query values. */
export function redactUrl(text: string): string {
  return text
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^\s\/@:]+(:[^\s\/@]*)?@/gi, `$1${REDACTED}@`)
    .replace(/([?&;](?:[\w-]*(?:token|key|secret|password|passwd|signature|auth)[\w-]*)=)[^&\s"']+/gi, `$1${REDACTED}`);
}

/** The environment with secret values replaced; `secrets` collects the values taken out. */
export function redactEnv(env: Record<string, string | undefined>, secrets: Set<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(env).sort()) {
    const value = env[name];
    if (value === undefined) continue;
    if (isSecretName(name) || looksLikeToken(value)) {
      if (value) secrets.add(value);
      out[name] = REDACTED;
      continue;
    }
    const url = redactUrl(value);
    if (url !== value) collectUrlSecrets(value, secrets);
    out[name] = url;
  }
  return out;
}

/** The secret parts of a URL (`pass` of user:pass@, query token values), so they are scrubbed elsewhere too. */
export function collectUrlSecrets(text: string, secrets: Set<string>): void {
  for (const m of text.matchAll(/:\/\/[^\s\/@:]+:([^\s\/@]+)@/g)) secrets.add(m[1]!);
  for (const m of text.matchAll(/[?&;][\w-]*(?:token|key|secret|password|passwd|signature|auth)[\w-]*=([^&\s"']+)/gi)) secrets.add(decodeURIComponent(m[1]!));
}

/**
 * Any text (specs, logs, job reasons) with secrets taken out: every known
 * secret value, credentials in URLs, values of secret-named keys
 * (`TOKEN: x`, `"api_key": "x"`, `PASSWORD=x`), token shapes, bearer headers.
 */
export function redactText(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const s of [...secrets].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length)) out = out.split(s).join(REDACTED);
  out = redactUrl(out).replace(BEARER, `$1 ${REDACTED}`);
  // key: value / key = value / "key": "value", with a secret-sounding key (YAML block and flow style, JSON, shell).
  out = out.replace(/(["']?)([A-Za-z_][\w.-]*)\1(\s*[:=]\s*)("[^"\n]*"|'[^'\n]*'|[^\s,{}\[\]#][^\s,}\]#]*)/g, (all, q: string, key: string, sep: string, value: string) =>
    isSecretName(key) && value !== REDACTED && !/^["']?$/.test(value) && !/^(Bearer|Basic|Token)$/.test(value) ? `${q}${key}${q}${sep}${REDACTED}` : all);
  return out.replace(TOKEN_SHAPES, REDACTED);
}
